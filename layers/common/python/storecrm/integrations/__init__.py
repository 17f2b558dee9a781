"""A store's integrations with outside services (provider types, encrypted secrets, OAuth) and its webhooks: fan-out,
the delivery queue and signed delivery. Uses kernel and stores."""
