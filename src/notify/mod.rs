//! Subscriptions and pushes: what changed → whom to tell (pure planning), delivered later through
//! the outbox kept in the store.

use crate::answer::{Engine, Reply, Subscriber};

/// `/subscribe [topic]`: records the subscription and replies with the topic's current status
/// and latest events (backfill).
pub fn subscribe(_engine: &Engine, _from: &Subscriber, _topic: Option<&str>) -> Reply {
    Reply::default()
}

/// `/unsubscribe [topic]`.
pub fn unsubscribe(_engine: &Engine, _from: &Subscriber, _topic: Option<&str>) -> Reply {
    Reply::default()
}

/// `/subscriptions`: the chat's topics.
pub fn subscriptions(_engine: &Engine, _from: &Subscriber) -> Reply {
    Reply::default()
}
