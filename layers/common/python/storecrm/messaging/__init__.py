"""Mail and audiences: email templates and rendering, store mail with its outbox and delivery, audiences, signup,
audience tokens, subscriptions and the arky public profile sessions they start. Uses kernel, identity, stores,
integrations and profiles."""
