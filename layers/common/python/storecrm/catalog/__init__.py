"""What a store sells: products, tax, and the staff markets service (payment and shipping methods naming integrations).
Uses kernel, stores, integrations and profiles."""
