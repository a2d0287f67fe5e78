"""HTTP glue shared by routes: problem+json errors, bodies, credentials."""
