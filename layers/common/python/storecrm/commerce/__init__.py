"""Carts, quotes, checkout, orders and their events, payments through the store's Stripe account (and the dispatch of
its Stripe events, paid audience memberships included), cart recovery, order reminders and a profile's commerce
facts. Uses every context below it but crm."""
