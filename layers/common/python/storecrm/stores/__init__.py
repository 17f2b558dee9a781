"""Stores and everything a store is configured with: team and roles, permissions and the store guard, plans, plan
limits and counters, platform billing, locations, markets (stored with the store), link origins, the mail quota, API
clients and the store-scoped staff login. Uses kernel and identity."""
