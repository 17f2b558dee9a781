"""The arky dialect's wire models (snake_case JSON, Unix-second timestamps)."""
