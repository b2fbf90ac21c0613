//! Feed polling state in the store: per feed, what the poller needs to be polite across restarts
//! (validators for conditional requests, failures for backoff, the next due time), and per feed
//! item a fingerprint so an entry that did not change is not fetched or extracted again.
//!
//! Trees:
//! - `feeds`: feed URL (UTF-8) → [`FeedState`] as JSON. JSON rather than postcard because the
//!   record will grow fields, and `#[serde(default)]` lets an old record load into a new struct;
//!   it is one small record per feed, so the size does not matter.
//! - `feed_items`: feed URL, 0x00, item article id → fingerprint of the entry (UTF-8).
//!
//! The article itself goes through `put_article` like any other; these trees only remember
//! what the poller saw.

use super::{Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the feed poller remembers about a feed (its schedule rules are in `feeds::state`).
/// Every field has a default so an older record still loads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeedState {
    /// Last attempt, successful or not.
    pub last_fetch: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    /// The last failure's message; cleared by a success.
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    /// Set after too many failures in a row (`feeds::state`); `serve` skips the feed.
    pub disabled: bool,
    /// Validators for the next conditional request.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Hash of the last body fully processed: a server that ignores conditional requests but
    /// sends the same bytes is recognised as unchanged.
    pub body_hash: Option<String>,
    /// Distinct items seen in this feed so far.
    pub items_seen: u64,
    /// When the feed is due next.
    pub next_fetch: Option<DateTime<Utc>>,
    /// One line about the last poll ("3 items: 1 added, 2 unchanged").
    pub last_result: Option<String>,
}

const FEEDS_TREE: &str = "feeds";
const FEED_ITEMS_TREE: &str = "feed_items";

impl Store {
    fn feeds_tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        self.db.open_tree(name).map_err(|e| self.err(e))
    }

    /// The state of one feed, `None` if it was never polled.
    pub fn feed_state(&self, url: &str) -> Result<Option<FeedState>, StoreError> {
        let tree = self.feeds_tree(FEEDS_TREE)?;
        match tree.get(url.as_bytes()).map_err(|e| self.err(e))? {
            Some(v) => serde_json::from_slice(&v).map(Some).map_err(|e| {
                StoreError::Corrupt(format!("cannot read the stored state of feed {url}: {e}"))
            }),
            None => Ok(None),
        }
    }

    /// Replaces the state of one feed.
    pub fn put_feed_state(&self, url: &str, state: &FeedState) -> Result<(), StoreError> {
        let tree = self.feeds_tree(FEEDS_TREE)?;
        let bytes = serde_json::to_vec(state).map_err(|e| {
            StoreError::Corrupt(format!("cannot encode the state of feed {url}: {e}"))
        })?;
        tree.insert(url.as_bytes(), bytes)
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Every stored feed state, sorted by URL (including feeds no longer configured).
    pub fn feed_states(&self) -> Result<Vec<(String, FeedState)>, StoreError> {
        let tree = self.feeds_tree(FEEDS_TREE)?;
        let mut out = Vec::new();
        for entry in tree.iter() {
            let (k, v) = entry.map_err(|e| self.err(e))?;
            let url = String::from_utf8_lossy(&k).into_owned();
            let state = serde_json::from_slice(&v).map_err(|e| {
                StoreError::Corrupt(format!("cannot read the stored state of feed {url}: {e}"))
            })?;
            out.push((url, state));
        }
        Ok(out)
    }

    /// The fingerprint recorded for an item of a feed.
    pub fn feed_item(&self, feed_url: &str, item_id: &str) -> Result<Option<String>, StoreError> {
        let tree = self.feeds_tree(FEED_ITEMS_TREE)?;
        Ok(tree
            .get(feed_item_key(feed_url, item_id))
            .map_err(|e| self.err(e))?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Records an item's fingerprint; returns whether the item is new to this feed.
    pub fn put_feed_item(
        &self,
        feed_url: &str,
        item_id: &str,
        fingerprint: &str,
    ) -> Result<bool, StoreError> {
        let tree = self.feeds_tree(FEED_ITEMS_TREE)?;
        let previous = tree
            .insert(feed_item_key(feed_url, item_id), fingerprint.as_bytes())
            .map_err(|e| self.err(e))?;
        Ok(previous.is_none())
    }

    /// How many items are recorded for a feed.
    pub fn feed_item_count(&self, feed_url: &str) -> Result<u64, StoreError> {
        let tree = self.feeds_tree(FEED_ITEMS_TREE)?;
        let mut prefix = feed_url.as_bytes().to_vec();
        prefix.push(0);
        let mut n = 0;
        for entry in tree.scan_prefix(prefix) {
            entry.map_err(|e| self.err(e))?;
            n += 1;
        }
        Ok(n)
    }
}

/// URLs hold no NUL byte, so the separator keeps one feed's items from mixing with another's
/// whose URL extends this one.
fn feed_item_key(feed_url: &str, item_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(feed_url.len() + 1 + item_id.len());
    key.extend_from_slice(feed_url.as_bytes());
    key.push(0);
    key.extend_from_slice(item_id.as_bytes());
    key
}
