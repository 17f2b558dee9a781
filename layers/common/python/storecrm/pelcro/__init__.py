"""The Pelcro-style customer dialect (CONTRACTS.md section 2): its wire models and its error shape."""
