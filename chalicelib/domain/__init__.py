"""Domain rules: plain Python, no boto3, no Chalice."""
