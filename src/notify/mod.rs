//! Subscriptions and pushes: what changed → whom to tell (pure planning), delivered later through
//! the outbox kept in the store.
