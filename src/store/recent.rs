//! Bounded reads for answers on large stores: the newest article, a page of the newest
//! articles, and a topic's newest dated events by whole days. Each reads what the answer shows, not the whole store, so answer time
//! stays flat as the store grows (see `storyline bench`).

use chrono::{DateTime, FixedOffset};

use super::{bad_entry, dangling, keys, Store, StoreError};
use crate::article::Article;
use crate::event::Event;

/// The newest dated events of a topic, whole days only (see [`Store::topic_recent_days`]).
#[derive(Debug, Clone, Default)]
pub struct RecentDays {
    /// In index order: event date, then reported day, then key.
    pub events: Vec<Event>,
    /// True when these are all the topic's dated events.
    pub complete: bool,
}

impl Store {
    /// The publication time of the newest article (by UTC instant), read from one index key.
    pub fn newest_published(&self) -> Result<Option<DateTime<FixedOffset>>, StoreError> {
        Ok(self
            .newest_articles(1)?
            .into_iter()
            .next()
            .map(|a| a.published))
    }

    /// The newest `limit` articles, newest publication first (the first page of
    /// [`Store::articles`]).
    pub fn newest_articles(&self, limit: usize) -> Result<Vec<Article>, StoreError> {
        let mut out = Vec::with_capacity(limit.min(64));
        for item in self.index.scan_prefix([keys::PUBLISHED]).rev().take(limit) {
            let (k, _) = item.map_err(|e| self.err(e))?;
            let id = keys::key_after(&k, 9).ok_or_else(|| bad_entry(&k))?;
            match self.article(id)? {
                Some(a) => out.push(a),
                None => return Err(dangling(&k)),
            }
        }
        Ok(out)
    }

    /// How many articles the store holds (a counter, no scan).
    pub fn article_count(&self) -> Result<u64, StoreError> {
        self.counter(keys::COUNT_ARTICLES)
    }

    /// A topic's dated events of its newest days: whole days (every event of each day read),
    /// from the newest back until at least `min_events` are read or the topic's dated events
    /// run out. The same events, in the same order, as the tail of [`Store::topic_events`]'s
    /// dated part.
    pub fn topic_recent_days(
        &self,
        topic: &str,
        min_events: usize,
    ) -> Result<RecentDays, StoreError> {
        let start = keys::name_prefix(keys::TOPIC, topic);
        let mut end = start.clone();
        end.extend_from_slice(&keys::UNDATED);
        let head = start.len() + 8;
        let mut picked: Vec<String> = Vec::new();
        let mut last_day: Option<[u8; 4]> = None;
        let mut complete = true;
        for item in self.index.range(start.clone()..end).rev() {
            let (k, _) = item.map_err(|e| self.err(e))?;
            let day: [u8; 4] = k
                .get(start.len()..start.len() + 4)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad_entry(&k))?;
            if picked.len() >= min_events && last_day != Some(day) {
                complete = false;
                break;
            }
            last_day = Some(day);
            picked.push(
                keys::key_after(&k, head)
                    .ok_or_else(|| bad_entry(&k))?
                    .to_string(),
            );
        }
        picked.reverse();
        let events = picked
            .iter()
            .map(|key| self.indexed_event(key))
            .collect::<Result<_, _>>()?;
        Ok(RecentDays { events, complete })
    }
}
