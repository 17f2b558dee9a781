"""Identity: the outside systems it talks to."""
