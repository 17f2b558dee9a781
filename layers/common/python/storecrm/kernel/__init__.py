"""The shared kernel every context builds on: errors, fields, cursors, the base model, ids and rules; the table, its
whole key layout (repositories/keys.py, the single-table map) and the due index; the scheduler's job runner and data
migrations; the outbox; idempotency; the address model; and the gateways more than one context uses (SES mail,
Secrets Manager, outbound HTTP, the Stripe API). Uses no other context."""
