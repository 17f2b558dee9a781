"""Who is calling: tokens and principals, passwords, login codes, staff sessions and accounts, and the keys access
tokens are signed with. Uses kernel."""
