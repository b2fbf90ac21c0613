//! Requests → [`Reply`] values. The core answers; front-ends render.

mod reply;

pub use reply::{Action, Citation, Reply, ReplyItem, ReplyKind};

use std::sync::Arc;

use chrono::NaiveDate;

use crate::config::Config;
use crate::store::Store;

/// Who sends a request: front-ends map their own notion of a chat onto this.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subscriber {
    /// Telegram chat id (the terminal uses 0).
    pub chat_id: i64,
    /// Forum topic (message thread) id, if any.
    pub thread_id: Option<i32>,
}

/// One parsed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Start,
    Help,
    Latest { topic: Option<String> },
    Status { topic: Option<String>, as_of: Option<NaiveDate> },
    Timeline { topic: Option<String> },
    Topics,
    Sources,
    Subscribe { topic: Option<String> },
    Unsubscribe { topic: Option<String> },
    Subscriptions,
    /// A plain-language question.
    Ask(String),
    /// A `/command` the bot does not know.
    Unknown { command: String },
    /// Nothing but white space.
    Empty,
}

/// The question-answering core: config and store, no transport.
pub struct Engine {
    config: Arc<Config>,
    store: Arc<Store>,
}

impl Engine {
    pub fn new(config: Arc<Config>, store: Arc<Store>) -> Engine {
        Engine { config, store }
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn store(&self) -> &Store {
        &self.store
    }
    /// Parses and answers one message from `from`.
    pub fn handle(&self, from: &Subscriber, text: &str) -> Reply {
        let _ = (from, text);
        Reply::default()
    }
}
