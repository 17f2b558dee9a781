"""Outside systems other than the table: SES for mail, Secrets Manager for signing keys."""
