"""The staff CRM and the customer-facing profile services built on everything below: staff profiles (find, detail,
merge), erasure, the storefront's identify/verify/me, Pelcro customers and offers, NewStore consumer profiles,
clienteling, pictures and the data migrations that know profiles and orders. Uses every other context."""
