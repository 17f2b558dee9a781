"""Integrations: the outside systems it talks to."""
