"""Entities as the domain sees them, one module per area so a function imports only the models it
uses (each model class costs its cold start). Wire shapes live with each dialect; storage shapes with
the repositories."""
