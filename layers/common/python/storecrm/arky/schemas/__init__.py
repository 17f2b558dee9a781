"""Request and response bodies of the arky-style store API (CONTRACTS.md section 1), one module per
area so a function imports only the bodies it answers with (each model class costs its cold start)."""
