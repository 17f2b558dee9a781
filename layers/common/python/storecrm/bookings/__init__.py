"""Services and the people who give them, terms, availability and the booking ledger. Uses kernel, stores, profiles and
catalog."""
