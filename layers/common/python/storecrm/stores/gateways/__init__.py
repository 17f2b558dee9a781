"""Stores: the outside systems it talks to."""
