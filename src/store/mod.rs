//! The event store on sled: articles, events and the indexes that let answers avoid scanning
//! (by event date, by topic, by actor, by term), plus a schema version key. Nothing outside this
//! module knows sled's trees or key layout.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::article::Article;
use crate::event::Event;

/// Errors callers act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the store open.
    #[error("the store at {path} is in use by another process (only one Storyline may open it at a time)")]
    Locked { path: String },
    #[error("the store at {path} has schema version {found}; this build reads version {expected}")]
    Schema { path: String, found: u32, expected: u32 },
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    #[error("store I/O error: {0}")]
    Io(String),
}

/// What `put_article` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PutOutcome {
    /// A new article.
    Added,
    /// Same URL, different content: its old events were replaced.
    Replaced,
    /// Same URL, same content hash: nothing written.
    Unchanged,
}

/// What the store holds, for `stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub articles: u64,
    pub events: u64,
    /// (topic id, event count), sorted by topic id.
    pub per_topic: Vec<(String, u64)>,
    /// RFC 3339 time of the last ingest that wrote something.
    pub last_ingest: Option<String>,
    pub size_on_disk: u64,
}

pub struct Store {
    _private: (),
}

impl Store {
    pub fn open(_dir: &Path) -> Result<Store, StoreError> {
        todo!("store")
    }
    /// The content hash stored for an article id, if the article is stored.
    pub fn article_hash(&self, _id: &str) -> Result<Option<String>, StoreError> {
        todo!()
    }
    /// Stores an article with its events atomically, replacing any earlier version's events and
    /// index entries; unchanged content writes nothing.
    pub fn put_article(&self, _article: &Article, _events: &[Event]) -> Result<PutOutcome, StoreError> {
        todo!()
    }
    pub fn article(&self, _id: &str) -> Result<Option<Article>, StoreError> {
        todo!()
    }
    /// All stored articles, newest publication first.
    pub fn articles(&self) -> Result<Vec<Article>, StoreError> {
        todo!()
    }
    /// Dated events, newest event date first, optionally only one topic's, at most `limit`.
    pub fn latest_events(&self, _topic: Option<&str>, _limit: usize) -> Result<Vec<Event>, StoreError> {
        todo!()
    }
    /// All events of a topic, dated ones in event-date order, then undated ones.
    pub fn topic_events(&self, _topic: &str) -> Result<Vec<Event>, StoreError> {
        todo!()
    }
    /// Events naming an actor (canonical name).
    pub fn actor_events(&self, _actor: &str) -> Result<Vec<Event>, StoreError> {
        todo!()
    }
    /// Keys of events whose text holds `term` (a stemmed term from `crate::text::terms`).
    pub fn term_postings(&self, _term: &str) -> Result<Vec<String>, StoreError> {
        todo!()
    }
    /// How many events hold `term` (for weighting rare terms above common ones).
    pub fn term_frequency(&self, _term: &str) -> Result<u64, StoreError> {
        todo!()
    }
    pub fn event(&self, _key: &str) -> Result<Option<Event>, StoreError> {
        todo!()
    }
    pub fn event_count(&self) -> Result<u64, StoreError> {
        todo!()
    }
    pub fn stats(&self) -> Result<Stats, StoreError> {
        todo!()
    }
    /// Makes everything written so far durable.
    pub fn flush(&self) -> Result<(), StoreError> {
        todo!()
    }
}

#[allow(dead_code)]
fn _date_key(d: NaiveDate) -> i32 {
    chrono::Datelike::num_days_from_ce(&d)
}
