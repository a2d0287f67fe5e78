"""Adapters to the outside world: DynamoDB (PynamoDB), SES, Cognito."""
