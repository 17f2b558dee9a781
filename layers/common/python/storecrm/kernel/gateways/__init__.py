"""Kernel: the outside systems it talks to."""
