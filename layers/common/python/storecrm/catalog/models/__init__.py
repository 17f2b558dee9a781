"""Catalog: its entities as the domain sees them (wire shapes live with each dialect)."""
