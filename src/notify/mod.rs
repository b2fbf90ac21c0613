//! Subscriptions and pushes: what changed → whom to tell (pure planning in [`mod@plan`]), delivered
//! later through the outbox kept in the store. [`watch`] notices new article files and turns an
//! ingest run into queued pushes; [`stats`] is the admins' overview. Nothing here knows
//! Telegram: a push is a [`Reply`] and a chat.

pub mod plan;
pub mod stats;
pub mod watch;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::answer::Reply;

pub use crate::store::Subscription;
pub use plan::{plan, ArticleNews, PlanInput, StageNow, StatusChange};

/// One planned message: a reply about one article for one chat. Kept in the store's outbox as
/// JSON until delivered: a field added here (or in the [`Reply`] it holds) needs a serde
/// default, so pushes queued by an older release are still delivered. Chats that get the same
/// message share its reply (one `Arc`), and the outbox stores it once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Push {
    pub chat_id: i64,
    #[serde(default)]
    pub thread_id: Option<i32>,
    #[serde(default)]
    pub article_id: String,
    /// The subscribed topics this push is about.
    #[serde(default)]
    pub topics: Vec<String>,
    pub reply: Arc<Reply>,
    /// Nothing new (another outlet repeating known facts): sent without a notification sound.
    #[serde(default)]
    pub quiet: bool,
}

/// A push waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: u64,
    pub push: Push,
    /// How many of the rendered message parts Telegram already accepted.
    pub parts_sent: u32,
    /// The stored message this push shares with others (`None` for records of older releases,
    /// which hold their own): the delivery renders it once for all of them.
    pub body: Option<u64>,
}
