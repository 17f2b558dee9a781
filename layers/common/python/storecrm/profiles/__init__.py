"""The profile record every dialect shares: profile and taxonomy models, the profile repository with its markers, index
items and counts, search terms, the per-store profile cap and email proofs. Uses kernel, identity and stores."""
