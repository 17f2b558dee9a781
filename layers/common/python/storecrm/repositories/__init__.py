"""Data access: the only code that talks to DynamoDB. Key layout is in keys.py."""
