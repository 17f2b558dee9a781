"""Conventions every HTTP function shares: the resolver, error bodies, auth, request ids."""
