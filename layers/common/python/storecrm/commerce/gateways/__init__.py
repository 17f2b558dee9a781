"""Commerce: the outside systems it talks to."""
