"""peaceops: forms and workflow for the Canadian Police Arrangement's peace operations."""
