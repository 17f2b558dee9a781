"""Bookings: its data access, the only code that talks to DynamoDB or S3 for it."""
