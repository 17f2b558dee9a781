"""The NewStore-style customer profile API v0 (seed 004): parsing, rendering and its error shape."""
