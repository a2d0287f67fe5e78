"""The staff console: server-rendered pages under /console/en and /console/fr (routes.py)."""
