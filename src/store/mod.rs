//! The event store: sled, the store of record, holds articles, events and the indexes that let
//! answers avoid scanning (by event date, by topic, by stage, by publication), plus a schema
//! version key; a tantivy index derived from the events (`fulltext.rs`, kept in step by
//! `derived.rs`) finds events by term and actor for questions. Nothing outside this module
//! knows sled's trees, the key layout or tantivy.
//!
//! Everything the ingest writes lives in one tree, `store`, in key spaces tagged by a first
//! byte (`space.rs`: one tree so that a batch is atomic without a transaction). Values are
//! postcard unless noted:
//!
//! - `A` articles: article id → [`Article`].
//! - `H` hashes: article id → content hash (UTF-8), so the "unchanged?" check decodes nothing.
//! - `E` events: article id → the article's [`Event`]s in sentence order, one value per article
//!   (an event is found by its key, `"articleid:0003:00"`, in its article's list). One key
//!   instead of one per event: sled splits a leaf at 16 entries, so every key costs a write on
//!   ingest and page-table memory on open.
//! - `R` article records: article id → the article's event keys, so that a replaced or
//!   removed article's entries are found exactly.
//! - `I` index: every secondary index, keyed by a one-byte kind (see `keys.rs`):
//!   - `d | day | reported | event key`: dated events by event date (for `latest_events`);
//!   - `t | topic | 0x00 | day or FFFFFFFF | reported | event key`: by topic, undated last;
//!   - `p | published UTC ms | article id`: articles by publication time;
//!   - `s | topic | 0x00 | before? | day | stage | 0x00 | reported | event key`: dated facts
//!     with a stage, and `e | topic | 0x00 | stage | 0x00 | max(day, reported) | reported |
//!     event key` → `day`: other statements with a stage (both for `/status`, see `stages.rs`).
//!
//!   Days are `num_days_from_ce` as big-endian u32 with the sign bit flipped, so byte order is
//!   date order and every query is a prefix or range scan. Values are empty except for
//!   expected-stage entries.
//!
//!   Term and actor postings lived here up to schema 5 (one key per name and batch, and a
//!   counter per name): they were most of the keys an ingest wrote and of the store's size.
//!   They are the full-text index's job now.
//! - `C` counts: u64 big-endian counters kept in step with the index in the same batch: `A`
//!   articles, `E` events, `t<topic>` events per topic.
//! - `M` meta: `schema_version` (u32 big-endian), `last_ingest` (RFC 3339, UTF-8), and
//!   `ingest_seq` / `index_seq` (u64 big-endian: the last batch applied, the last the
//!   full-text index committed).
//! - `L` ingest log: batch sequence → the ids of the articles it wrote or removed, until the
//!   full-text index has committed that batch (`derived.rs`).
//! - `N` news not yet planned: article id → the keys of its events that are news, written with
//!   the article when [`Store::set_news_marking`] is on (`serve`), removed in the same
//!   transaction that queues the article's pushes (`subscriptions.rs`). A kill between the
//!   two leaves the marker, and the next start plans those pushes.
//!
//! Subscriptions, the outbox, feed state and the quarantine of unreadable records are trees of
//! their own (`subscriptions.rs`, `outbox.rs`, `feeds.rs`, `quarantine.rs`): they are written
//! by other tasks and never together with an article.
//!
//! Atomicity and durability: `put_articles` and `remove_article` apply all their writes
//! (articles, events, index entries, counters, removal of a replaced version's entries) as one
//! sled batch on the one tree, so a crash leaves either the old or the new version, never a
//! mix. Counters are read before the batch is built; a writer lock makes that safe (sled's file lock already keeps other processes out). Writes do not flush: sled
//! writes dirty pages in the background every `FLUSH_EVERY_MS`, and when the last handle is
//! dropped. A flush per article would make a 100k-article ingest crawl, so the caller calls
//! [`Store::flush`] at the end of each run; a crash before that may lose the most recent (whole)
//! articles, which the next ingest re-adds since they are idempotent. The full-text index gets
//! each batch's articles after the batch and commits in `flush`, after sled's flush: a crash
//! in between leaves it behind sled, never ahead, and the next open catches it up.
//!
//! Stores of schema 1–4 kept each space in a tree of its own, and schema 5 kept postings in
//! sled; [`Store::open`] moves them into this layout once (`upgrade.rs`).

pub mod check;
mod days;
mod derived;
mod feeds;
mod fulltext;
mod keys;
mod outbox;
mod quarantine;
mod recent;
mod retrieval;
mod space;
mod stages;
mod subscriptions;
mod upgrade;

pub use feeds::FeedState;
pub use fulltext::{Form, ScoredConcept};
pub use outbox::OutboxProgress;
pub use quarantine::Quarantined;
pub use recent::RecentDays;
pub use stages::StageCell;
pub use subscriptions::Subscription;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::article::Article;
use crate::event::Event;
use space::Space;

/// Bump when the key layout or value encoding changes; older stores are then upgraded (see
/// `upgrade.rs`) or refused with [`StoreError::Schema`] instead of being misread.
pub const SCHEMA_VERSION: u32 = 6;

/// sled's page cache. The default (1 GiB) is far more than a news bot needs. Measured at
/// 100k articles (`storyline bench`): 64, 32 and 16 MiB answer equally fast (p99 within noise),
/// and peak memory while answering was 207, 195 and 187 MB, most of it sled's page table, which
/// grows with the store, not the cache; 32 MiB keeps that under 200 MB with room for the
/// working set of a busier bot.
const CACHE_CAPACITY: u64 = 32 * 1024 * 1024;
/// How often sled flushes in the background: bounds what a crash can lose between batch flushes.
const FLUSH_EVERY_MS: u64 = 1000;

/// The tree holding every space, and the spaces' tags.
const TREE: &str = "store";
const TAG_ARTICLES: u8 = b'A';
const TAG_HASHES: u8 = b'H';
const TAG_EVENTS: u8 = b'E';
const TAG_RECORDS: u8 = b'R';
const TAG_INDEX: u8 = b'I';
const TAG_COUNTS: u8 = b'C';
const TAG_META: u8 = b'M';
const TAG_NEWS: u8 = b'N';
const TAG_LOG: u8 = b'L';

const META_SCHEMA: &[u8] = b"schema_version";
const META_LAST_INGEST: &[u8] = b"last_ingest";
/// The sequence number of the last batch applied (u64 big-endian; see `fulltext.rs`).
const META_INGEST_SEQ: &[u8] = b"ingest_seq";
/// The ingest sequence the full-text index last committed (its commit payload says the same).
const META_INDEX_SEQ: &[u8] = b"index_seq";

/// Errors callers act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the store open.
    #[error("the store at {path} is in use by another process (only one Storyline may open it at a time)")]
    Locked { path: String },
    #[error("the store at {path} has schema version {found}; this build reads version {expected}")]
    Schema {
        path: String,
        found: u32,
        expected: u32,
    },
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
    /// The database itself; other parts of the store module (subscriptions, outbox) open their
    /// own trees on it.
    db: sled::Db,
    /// The tree every space below lives in (batches are applied to it).
    tree: sled::Tree,
    /// The directory, for error messages.
    path: PathBuf,
    articles: Space,
    hashes: Space,
    events: Space,
    records: Space,
    index: Space,
    counts: Space,
    meta: Space,
    news: Space,
    log: Space,
    /// The full-text index (derived from the events; see `fulltext.rs`).
    fulltext: fulltext::FullText,
    /// Whether the index has writes not yet committed.
    fulltext_dirty: std::sync::atomic::AtomicBool,
    /// Whether stored articles get a news marker (see the module comment).
    mark_news: std::sync::atomic::AtomicBool,
    /// Held from reading what a write depends on (old entries, counters) to
    /// applying its batch, so two writers in this process cannot interleave.
    writer: Mutex<()>,
}

/// Per article: its event keys, so that a replaced or removed version's are found exactly.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ArticleRecord {
    event_keys: Vec<String>,
}

/// What a plan does to one article, for the full-text index.
struct Touched {
    id: String,
    /// Its new events (none: removed).
    events: Option<Vec<Event>>,
    /// Whether an earlier version's documents may be in the index.
    stored_before: bool,
}

/// One write to a space: `Some(value)` inserts, `None` removes.
type Op = (Vec<u8>, Option<Vec<u8>>);

/// Everything one `put_articles`/`remove_article` writes, computed before the batch is applied.
#[derive(Default)]
struct Plan {
    articles: Vec<Op>,
    hashes: Vec<Op>,
    events: Vec<Op>,
    records: Vec<Op>,
    index: Vec<Op>,
    news: Vec<Op>,
    /// Counter key → change.
    counts: BTreeMap<Vec<u8>, i64>,
    /// The articles written or removed, for the full-text index and the ingest log.
    touched: Vec<Touched>,
}

/// An article's index entries (key → value) and event keys, old or new version.
#[derive(Default)]
struct Entries {
    index: BTreeMap<Vec<u8>, Vec<u8>>,
    event_keys: BTreeSet<String>,
}

/// How many times (100 ms apart) `open` retries a locked store before reporting `Locked`.
const LOCK_RETRIES: usize = 10;

impl Store {
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let shown = dir.display().to_string();
        create_private_dir(dir)
            .map_err(|e| StoreError::Io(format!("cannot create {shown}: {e}")))?;
        let config = sled::Config::new()
            .path(dir)
            .cache_capacity(CACHE_CAPACITY)
            .flush_every_ms(Some(FLUSH_EVERY_MS));
        // A store just closed in this process (a restart, a test) may keep its file lock for a
        // moment while sled's flusher thread ends: wait briefly before calling it locked.
        let mut opened = config.open().map_err(|e| map_sled_error(e, &shown));
        for _ in 0..LOCK_RETRIES {
            if !matches!(opened, Err(StoreError::Locked { .. })) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            opened = config.open().map_err(|e| map_sled_error(e, &shown));
        }
        let db = opened?;
        let tree = db.open_tree(TREE).map_err(|e| map_sled_error(e, &shown))?;
        let (fulltext, recreated) = fulltext::FullText::open(&dir.join(fulltext::DIR_NAME))?;
        let space = |tag| Space::new(tree.clone(), tag);
        let store = Store {
            articles: space(TAG_ARTICLES),
            hashes: space(TAG_HASHES),
            events: space(TAG_EVENTS),
            records: space(TAG_RECORDS),
            index: space(TAG_INDEX),
            counts: space(TAG_COUNTS),
            meta: space(TAG_META),
            news: space(TAG_NEWS),
            log: space(TAG_LOG),
            fulltext,
            fulltext_dirty: std::sync::atomic::AtomicBool::new(false),
            mark_news: std::sync::atomic::AtomicBool::new(false),
            tree,
            path: dir.to_path_buf(),
            writer: Mutex::new(()),
            db,
        };
        store.upgrade_legacy()?;
        store.check_schema()?;
        store.sync_fulltext(recreated)?;
        Ok(store)
    }

    /// Writes the schema version into a new store; refuses a store of another version.
    fn check_schema(&self) -> Result<(), StoreError> {
        match self.meta.get(META_SCHEMA).map_err(|e| self.err(e))? {
            Some(v) => {
                let found = read_schema(&v).ok_or_else(|| {
                    StoreError::Corrupt(format!("{}: unreadable schema version", self.shown()))
                })?;
                if found == 5 {
                    return self.upgrade_from_sled_postings();
                }
                if found != SCHEMA_VERSION {
                    return Err(StoreError::Schema {
                        path: self.shown(),
                        found,
                        expected: SCHEMA_VERSION,
                    });
                }
                Ok(())
            }
            None => {
                // A store with data but no version is not one of ours (or lost its meta).
                if !self.articles.is_empty() || !self.events.is_empty() {
                    return Err(StoreError::Corrupt(format!(
                        "{}: data without a schema version",
                        self.shown()
                    )));
                }
                self.meta
                    .insert(META_SCHEMA, SCHEMA_VERSION.to_be_bytes())
                    .map_err(|e| self.err(e))?;
                self.flush()
            }
        }
    }

    /// The content hash stored for an article id, if the article is stored.
    pub fn article_hash(&self, id: &str) -> Result<Option<String>, StoreError> {
        match self.hashes.get(id).map_err(|e| self.err(e))? {
            Some(v) => String::from_utf8(v.to_vec()).map(Some).map_err(|_| {
                StoreError::Corrupt(format!("unreadable content hash for article {id}"))
            }),
            None => Ok(None),
        }
    }

    /// Stores an article with its events atomically, replacing any earlier version's events and
    /// index entries; unchanged content writes nothing.
    ///
    /// Every event must belong to the article (`event.article == article.id`) and have a distinct
    /// key; otherwise nothing is written and a `Corrupt` error names the offending event (it is a
    /// caller bug: the article's events could not be found again to replace them).
    pub fn put_article(
        &self,
        article: &Article,
        events: &[Event],
    ) -> Result<PutOutcome, StoreError> {
        Ok(self.put_articles(&[(article, events)])?[0])
    }

    /// Stores several articles as [`Store::put_article`] does, in one batch: each article is
    /// all-or-nothing, and so is the batch. For bulk ingest: one write instead of one per
    /// article, and a counter many articles touch (a topic's) read and written once. An invalid
    /// article fails the whole batch.
    pub fn put_articles(
        &self,
        items: &[(&Article, &[Event])],
    ) -> Result<Vec<PutOutcome>, StoreError> {
        self.put_articles_with_news(items, &[])
    }

    /// Writes news markers (see the module comment) from now on: for the process that plans
    /// pushes, so that a kill between storing an article and queuing its pushes loses nothing.
    pub fn set_news_marking(&self, on: bool) {
        self.mark_news
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn marks_news(&self) -> bool {
        self.mark_news.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// [`Store::put_articles`], with `news[i]` the keys of the events of `items[i]` that are
    /// news (missing or empty: none). With news marking on, each stored article's news goes
    /// into its marker in the same batch, added to any marker not yet settled.
    pub fn put_articles_with_news(
        &self,
        items: &[(&Article, &[Event])],
        news: &[Vec<String>],
    ) -> Result<Vec<PutOutcome>, StoreError> {
        let _writer = self.lock_writer();
        let mut plan = Plan::default();
        let mut planned: BTreeSet<&str> = BTreeSet::new();
        let mut pending = false;
        let mut outcomes = Vec::with_capacity(items.len());
        for (i, (article, events)) in items.iter().enumerate() {
            if !planned.insert(article.id.as_str()) {
                // The same article again: its old entries must be read after the first is applied.
                if pending {
                    self.apply(plan)?;
                }
                plan = Plan::default();
                planned.clear();
                planned.insert(article.id.as_str());
                pending = false;
            }
            let outcome = self.plan_article(article, events, &mut plan)?;
            if outcome != PutOutcome::Unchanged && self.marks_news() {
                self.plan_news(article, events, news.get(i), &mut plan)?;
            }
            pending |= outcome != PutOutcome::Unchanged;
            outcomes.push(outcome);
        }
        if pending {
            self.apply(plan)?;
        }
        Ok(outcomes)
    }

    /// The news marker of a stored article: its new news, plus the keys of a marker not yet
    /// settled that are still among its events.
    fn plan_news(
        &self,
        article: &Article,
        events: &[Event],
        news: Option<&Vec<String>>,
        plan: &mut Plan,
    ) -> Result<(), StoreError> {
        let mut keys: BTreeSet<String> = news.into_iter().flatten().cloned().collect();
        let earlier = self.news.get(&article.id).map_err(|e| self.err(e))?;
        if let Some(v) = &earlier {
            let current: BTreeSet<String> = events.iter().map(Event::key).collect();
            let earlier: Vec<String> = decode(v, "news marker")?;
            keys.extend(earlier.into_iter().filter(|k| current.contains(k)));
        }
        let id = article.id.as_bytes().to_vec();
        if keys.is_empty() {
            if earlier.is_some() {
                plan.news.push((id, None));
            }
        } else {
            let keys: Vec<String> = keys.into_iter().collect();
            plan.news.push((id, Some(encode(&keys, "news marker")?)));
        }
        Ok(())
    }

    /// Articles stored with news that no push planning has settled yet: (article id, keys of
    /// its news events).
    pub fn pending_news(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        let mut out = Vec::new();
        for item in self.news.iter() {
            let (k, v) = item.map_err(|e| self.err(e))?;
            let id = String::from_utf8(k.to_vec()).map_err(|_| bad_entry(&k))?;
            out.push((id, decode(&v, "news marker")?));
        }
        Ok(out)
    }

    /// The writer lock (a panic elsewhere while holding it leaves nothing half-written: the
    /// batch was either applied or not, so a poisoned lock is still usable).
    fn lock_writer(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks one article and adds its writes to `plan` (nothing when unchanged).
    fn plan_article(
        &self,
        article: &Article,
        events: &[Event],
        plan: &mut Plan,
    ) -> Result<PutOutcome, StoreError> {
        let mut seen = BTreeSet::new();
        for e in events {
            if e.article != article.id {
                return Err(StoreError::Corrupt(format!(
                    "refusing to store event {} with article {}: it belongs to another article",
                    e.key(),
                    article.id
                )));
            }
            if !e.key().starts_with(&format!("{}:", article.id)) {
                return Err(StoreError::Corrupt(format!(
                    "refusing to store event {}: its key does not start with its article id",
                    e.key()
                )));
            }
            if !seen.insert(e.key()) {
                return Err(StoreError::Corrupt(format!(
                    "refusing to store article {}: two events have the key {}",
                    article.id,
                    e.key()
                )));
            }
        }
        let old_hash = self.article_hash(&article.id)?;
        if old_hash.as_deref() == Some(article.content_hash.as_str()) {
            return Ok(PutOutcome::Unchanged);
        }
        let old = match old_hash {
            Some(_) => Some(self.old_entries(&article.id)?),
            None => None,
        };

        let mut new = Entries::default();
        let mut event_keys = Vec::with_capacity(events.len());
        plan.events
            .push((article.id.as_bytes().to_vec(), Some(encode_events(events)?)));
        for e in events {
            let key = e.key();
            add_event_entries(&mut new.index, e, &key);
            new.event_keys.insert(key.clone());
            event_keys.push(key);
        }
        new.index.insert(
            keys::published_entry(&article.published, &article.id),
            Vec::new(),
        );

        let id = article.id.as_bytes().to_vec();
        plan.articles
            .push((id.clone(), Some(encode(article, "article")?)));
        plan.hashes
            .push((id.clone(), Some(article.content_hash.as_bytes().to_vec())));
        plan.touched.push(Touched {
            id: article.id.clone(),
            events: Some(events.to_vec()),
            stored_before: old.is_some(),
        });
        let record = ArticleRecord { event_keys };
        plan.records
            .push((id, Some(encode(&record, "article record")?)));

        let outcome = if old.is_some() {
            PutOutcome::Replaced
        } else {
            PutOutcome::Added
        };
        if outcome == PutOutcome::Added {
            *plan
                .counts
                .entry(keys::COUNT_ARTICLES.to_vec())
                .or_default() += 1;
        }
        let old = old.unwrap_or_default();
        plan.diff(&old, &new);
        Ok(outcome)
    }

    /// Removes an article, its events and all their index entries atomically. `false` when the
    /// article was not stored.
    pub fn remove_article(&self, id: &str) -> Result<bool, StoreError> {
        let _writer = self.lock_writer();
        if self.article_hash(id)?.is_none() {
            return Ok(false);
        }
        let mut plan = Plan::default();
        let old = self.old_entries(id)?;
        let key = id.as_bytes().to_vec();
        plan.events.push((key.clone(), None));
        plan.articles.push((key.clone(), None));
        plan.hashes.push((key.clone(), None));
        plan.records.push((key.clone(), None));
        plan.news.push((key, None));
        plan.touched.push(Touched {
            id: id.to_string(),
            events: None,
            stored_before: true,
        });
        plan.counts.insert(keys::COUNT_ARTICLES.to_vec(), -1);
        plan.diff(&old, &Entries::default());
        self.apply(plan)?;
        Ok(true)
    }

    /// The stored version's event keys and index entries, read before the batch (under the
    /// writer lock).
    fn old_entries(&self, id: &str) -> Result<Entries, StoreError> {
        let mut old = Entries::default();
        if let Some(a) = self.article(id)? {
            old.index
                .insert(keys::published_entry(&a.published, &a.id), Vec::new());
        }
        let record: ArticleRecord = match self.records.get(id).map_err(|e| self.err(e))? {
            Some(v) => decode(&v, "article record")?,
            None => ArticleRecord::default(),
        };
        for e in self.article_events_stored(id)? {
            add_event_entries(&mut old.index, &e, &e.key());
        }
        old.event_keys.extend(record.event_keys);
        Ok(old)
    }

    /// Applies a plan as one batch (its ops, the counters, the ingest sequence and log entry),
    /// then hands its articles to the full-text index.
    fn apply(&self, plan: Plan) -> Result<(), StoreError> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut batch = sled::Batch::default();
        for (space, ops) in [
            (&self.articles, &plan.articles),
            (&self.hashes, &plan.hashes),
            (&self.events, &plan.events),
            (&self.records, &plan.records),
            (&self.index, &plan.index),
            (&self.news, &plan.news),
        ] {
            for (k, v) in ops {
                space.stage(&mut batch, k, v.as_deref());
            }
        }
        for (key, delta) in &plan.counts {
            let current = self.counter(key)?;
            let next = current as i128 + *delta as i128;
            if next <= 0 {
                self.counts.stage(&mut batch, key, None);
            } else {
                self.counts
                    .stage(&mut batch, key, Some(&(next as u64).to_be_bytes()));
            }
        }
        self.meta
            .stage(&mut batch, META_LAST_INGEST, Some(now.as_bytes()));
        // The batch's sequence number and the articles it touched, for an index that misses
        // them (a kill before its commit) to catch up on.
        let seq = self.ingest_seq()? + 1;
        self.meta
            .stage(&mut batch, META_INGEST_SEQ, Some(&seq.to_be_bytes()));
        let touched: Vec<&String> = plan.touched.iter().map(|t| &t.id).collect();
        self.log.stage(
            &mut batch,
            &seq.to_be_bytes(),
            Some(&encode(&touched, "ingest log entry")?),
        );
        self.tree.apply_batch(batch).map_err(|e| self.err(e))?;
        for t in &plan.touched {
            let events = t.events.as_deref().unwrap_or_default();
            if t.stored_before {
                self.fulltext.replace_article(&t.id, events)?;
            } else {
                // A new article has no documents to delete (a delete costs a lookup in every
                // segment at the commit).
                self.fulltext.add_events(events)?;
            }
        }
        self.fulltext_dirty
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    pub fn article(&self, id: &str) -> Result<Option<Article>, StoreError> {
        match self.articles.get(id).map_err(|e| self.err(e))? {
            Some(v) => decode(&v, "article").map(Some),
            None => Ok(None),
        }
    }

    /// All stored articles, newest publication first.
    pub fn articles(&self) -> Result<Vec<Article>, StoreError> {
        let mut out = Vec::new();
        for item in self.index.scan_prefix([keys::PUBLISHED]).rev() {
            let (k, _) = item.map_err(|e| self.err(e))?;
            let id = keys::key_after(&k, 9).ok_or_else(|| bad_entry(&k))?;
            match self.article(id)? {
                Some(a) => out.push(a),
                None => return Err(dangling(&k)),
            }
        }
        Ok(out)
    }

    /// Dated events, newest event date first, optionally only one topic's, at most `limit`.
    /// Events with the same date: later-reported first, then in key order.
    pub fn latest_events(
        &self,
        topic: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        // [start, end) holds exactly the dated entries; `head` is where the key starts.
        let (start, end, head) = match topic {
            None => (vec![keys::DATE], vec![keys::DATE + 1], 9),
            Some(t) => {
                let start = keys::name_prefix(keys::TOPIC, t);
                let mut end = start.clone();
                end.extend_from_slice(&keys::UNDATED);
                let head = start.len() + 8;
                (start, end, head)
            }
        };
        // Reverse scan; keep going past `limit` only while the (day, reported) group continues,
        // so that ties can be put in key order below.
        let mut picked: Vec<([u8; 8], String)> = Vec::new();
        for item in self.index.range(start..end).rev() {
            let (k, _) = item.map_err(|e| self.err(e))?;
            let group: [u8; 8] = k
                .get(head - 8..head)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad_entry(&k))?;
            if picked.len() >= limit && picked.last().is_some_and(|(g, _)| *g != group) {
                break;
            }
            let key = keys::key_after(&k, head).ok_or_else(|| bad_entry(&k))?;
            picked.push((group, key.to_string()));
        }
        picked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        picked.truncate(limit);
        picked
            .iter()
            .map(|(_, key)| self.indexed_event(key))
            .collect()
    }

    /// All events of a topic, dated ones in event-date order, then undated ones.
    pub fn topic_events(&self, topic: &str) -> Result<Vec<Event>, StoreError> {
        let prefix = keys::name_prefix(keys::TOPIC, topic);
        let head = prefix.len() + 8;
        let mut out = Vec::new();
        for item in self.index.scan_prefix(&prefix) {
            let (k, _) = item.map_err(|e| self.err(e))?;
            let key = keys::key_after(&k, head).ok_or_else(|| bad_entry(&k))?;
            out.push(self.indexed_event(key)?);
        }
        Ok(out)
    }

    /// Events naming an actor (canonical name) in the order of [`Store::topic_events`]: dated
    /// ones by event date, then undated ones, each by report day and key. The full-text index
    /// finds them as a set, so this sorts what it reads.
    pub fn actor_events(&self, actor: &str) -> Result<Vec<Event>, StoreError> {
        let mut out = self
            .actor_event_keys(actor)?
            .iter()
            .map(|key| self.indexed_event(key))
            .collect::<Result<Vec<Event>, StoreError>>()?;
        out.sort_by_cached_key(|e| (keys::event_day(e), keys::day(e.reported), e.key()));
        Ok(out)
    }

    pub fn event(&self, key: &str) -> Result<Option<Event>, StoreError> {
        let article = key.split(':').next().unwrap_or_default();
        Ok(self
            .article_events_stored(article)?
            .into_iter()
            .find(|e| e.key() == key))
    }

    /// An article's stored events, in sentence order (none when it is not stored).
    pub fn article_events_stored(&self, id: &str) -> Result<Vec<Event>, StoreError> {
        match self.events.get(id).map_err(|e| self.err(e))? {
            Some(v) => decode_events(&v),
            None => Ok(Vec::new()),
        }
    }

    /// An event an index entry points to: missing means the store is inconsistent.
    fn indexed_event(&self, key: &str) -> Result<Event, StoreError> {
        self.event(key)?.ok_or_else(|| {
            StoreError::Corrupt(format!("an index entry points to the missing event {key}"))
        })
    }

    pub fn event_count(&self) -> Result<u64, StoreError> {
        self.counter(keys::COUNT_EVENTS)
    }

    pub fn stats(&self) -> Result<Stats, StoreError> {
        let mut per_topic = Vec::new();
        for item in self.counts.scan_prefix([keys::COUNT_TOPIC]) {
            let (k, v) = item.map_err(|e| self.err(e))?;
            let topic = String::from_utf8_lossy(&k[1..]).into_owned();
            per_topic.push((topic, read_u64(&v).ok_or_else(|| bad_entry(&k))?));
        }
        let last_ingest = self
            .meta
            .get(META_LAST_INGEST)
            .map_err(|e| self.err(e))?
            .map(|v| String::from_utf8_lossy(&v).into_owned());
        Ok(Stats {
            articles: self.counter(keys::COUNT_ARTICLES)?,
            events: self.event_count()?,
            per_topic,
            last_ingest,
            size_on_disk: self.db.size_on_disk().map_err(|e| self.err(e))?
                + self.fulltext.size_on_disk(),
        })
    }

    /// Makes everything written so far durable. Call it at the end of an ingest batch (see the
    /// module comment); sled also flushes in the background and when the store is dropped.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(|e| self.err(e))?;
        if self
            .fulltext_dirty
            .load(std::sync::atomic::Ordering::SeqCst)
        {
            let _writer = self.lock_writer();
            self.commit_fulltext()?;
        }
        Ok(())
    }

    fn counter(&self, key: &[u8]) -> Result<u64, StoreError> {
        match self.counts.get(key).map_err(|e| self.err(e))? {
            Some(v) => read_u64(&v).ok_or_else(|| bad_entry(key)),
            None => Ok(0),
        }
    }

    fn shown(&self) -> String {
        self.path.display().to_string()
    }

    fn err(&self, e: sled::Error) -> StoreError {
        map_sled_error(e, &self.shown())
    }
}

impl Plan {
    /// Turns old and new entries into removals and insertions (entries in both are left alone)
    /// and counter changes.
    fn diff(&mut self, old: &Entries, new: &Entries) {
        for k in old.index.keys().filter(|k| !new.index.contains_key(*k)) {
            count_topic_entry(&mut self.counts, k, -1);
            self.index.push((k.clone(), None));
        }
        for (k, v) in &new.index {
            match old.index.get(k) {
                Some(old_v) if old_v == v => {}
                Some(_) => self.index.push((k.clone(), Some(v.clone()))),
                None => {
                    count_topic_entry(&mut self.counts, k, 1);
                    self.index.push((k.clone(), Some(v.clone())));
                }
            }
        }
        let delta = new.event_keys.len() as i64 - old.event_keys.len() as i64;
        if delta != 0 {
            *self.counts.entry(keys::COUNT_EVENTS.to_vec()).or_default() += delta;
        }
        self.counts.retain(|_, d| *d != 0);
    }
}

/// Topic entries count events per topic.
fn count_topic_entry(counts: &mut BTreeMap<Vec<u8>, i64>, entry: &[u8], delta: i64) {
    if entry.first() != Some(&keys::TOPIC) {
        return;
    }
    let rest = &entry[1..];
    let Some(end) = rest.iter().position(|b| *b == 0) else {
        return;
    };
    let mut key = Vec::with_capacity(1 + end);
    key.push(keys::COUNT_TOPIC);
    key.extend_from_slice(&rest[..end]);
    *counts.entry(key).or_default() += delta;
}

/// The index terms of an event: its clause, actors and attribution (the full-text index's
/// `term` field holds exactly these). A clause cut from a longer sentence also gets the rest of
/// the sentence: readers ask about an act by what the sentence ties it to ("the loan signed the
/// day after the Oval Office row"), and the reply shows the whole sentence anyway.
pub fn event_terms(e: &Event) -> Vec<String> {
    let mut text = e.clause.clone();
    if e.clause.len() < e.sentence.len() {
        text.push(' ');
        text.push_str(&e.sentence);
    }
    for a in &e.actors {
        text.push(' ');
        text.push_str(a);
    }
    if let Some(a) = &e.attribution {
        text.push(' ');
        text.push_str(a);
    }
    crate::text::terms(&text)
}

/// The date, topic and stage entries of one event. The map dedupes repeated topics.
fn add_event_entries(index: &mut BTreeMap<Vec<u8>, Vec<u8>>, e: &Event, key: &str) {
    if let Some(k) = keys::date_entry(e, key) {
        index.insert(k, Vec::new());
    }
    for t in &e.topics {
        index.insert(keys::dated_name_entry(keys::TOPIC, t, e, key), Vec::new());
    }
    index.extend(stage_entries(e, key));
}

/// The stage index entries of one event (`stages.rs`): one per (topic, stage) it reports, for
/// topics it belongs to.
fn stage_entries(e: &Event, key: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for (topic, stage) in e.stages.iter().filter(|(t, _)| e.topics.contains(t)) {
        if let Some(k) = keys::stage_fact_entry(topic, stage, e, key) {
            out.push((k, Vec::new()));
        }
        out.extend(keys::stage_expected_entry(topic, stage, e, key));
    }
    out
}

fn read_u64(v: &[u8]) -> Option<u64> {
    v.try_into().ok().map(u64::from_be_bytes)
}

fn read_schema(v: &[u8]) -> Option<u32> {
    v.try_into().ok().map(u32::from_be_bytes)
}

fn encode<T: Serialize>(value: &T, what: &str) -> Result<Vec<u8>, StoreError> {
    postcard::to_stdvec(value)
        .map_err(|e| StoreError::Corrupt(format!("cannot encode {what}: {e}")))
}

/// An article's events as stored: each one's clause left out when it is the whole sentence
/// (most are), which makes the events space about a third smaller.
fn encode_events(events: &[Event]) -> Result<Vec<u8>, StoreError> {
    let short: Vec<Event> = events
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if e.clause == e.sentence {
                e.clause.clear();
            }
            e
        })
        .collect();
    encode(&short, "events")
}

/// The inverse of [`encode_events`] (no event has an empty clause of its own).
fn decode_events(bytes: &[u8]) -> Result<Vec<Event>, StoreError> {
    let mut events: Vec<Event> = decode(bytes, "events")?;
    for e in &mut events {
        if e.clause.is_empty() {
            e.clause = e.sentence.clone();
        }
    }
    Ok(events)
}

/// The event key of an event's (sentence, clause) in an article (`Event::key`'s layout).
fn posting_key(article: &str, (sentence, clause): (u32, u32)) -> String {
    format!("{article}:{sentence:04}:{clause:02}")
}

fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, StoreError> {
    postcard::from_bytes(bytes)
        .map_err(|e| StoreError::Corrupt(format!("cannot read a stored {what}: {e}")))
}

fn bad_entry(k: &[u8]) -> StoreError {
    StoreError::Corrupt(format!(
        "malformed store entry {}",
        String::from_utf8_lossy(k)
    ))
}

fn dangling(k: &[u8]) -> StoreError {
    StoreError::Corrupt(format!(
        "an index entry points to nothing: {}",
        String::from_utf8_lossy(k)
    ))
}

/// Creates the store directory readable by its owner only (it holds subscriber chat ids).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// sled reports a store held by another process as an `Other` I/O error "could not acquire lock
/// on ...: WouldBlock" (from its file lock); that becomes `Locked`.
fn map_sled_error(e: sled::Error, path: &str) -> StoreError {
    match e {
        sled::Error::Io(io) => {
            let text = io.to_string();
            if io.kind() == std::io::ErrorKind::WouldBlock
                || text.contains("could not acquire lock")
                || text.contains("WouldBlock")
            {
                StoreError::Locked {
                    path: path.to_string(),
                }
            } else {
                StoreError::Io(format!("{path}: {text}"))
            }
        }
        sled::Error::Corruption { .. } => StoreError::Corrupt(format!("{path}: {e}")),
        other => StoreError::Corrupt(format!("{path}: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, FixedOffset, NaiveDate};

    #[test]
    fn chrono_types_round_trip_through_postcard() {
        let t: DateTime<FixedOffset> =
            DateTime::parse_from_rfc3339("2025-03-04T21:15:00+02:00").unwrap();
        let bytes = postcard::to_stdvec(&t).unwrap();
        let back: DateTime<FixedOffset> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.offset(), t.offset());
        let d = NaiveDate::from_ymd_opt(2025, 5, 1).unwrap();
        let back: NaiveDate = postcard::from_bytes(&postcard::to_stdvec(&d).unwrap()).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn events_round_trip_with_and_without_a_clause_of_their_own() {
        let whole: Event = serde_json::from_value(serde_json::json!({
            "article": "a1", "sentence_index": 3, "clause_index": 0,
            "sentence": "Aid was paused, and talks resumed.",
            "clause": "Aid was paused, and talks resumed.",
            "date": null, "reported": "2025-03-04", "actors": ["Trump"], "attribution": null,
            "modality": "Fact", "topics": ["aid"], "stages": []
        }))
        .unwrap();
        let mut part = whole.clone();
        part.clause_index = 1;
        part.clause = "talks resumed".to_string();
        let both = vec![whole.clone(), part.clone()];
        assert_eq!(decode_events(&encode_events(&both).unwrap()).unwrap(), both);
        assert!(encode_events(&both).unwrap().len() < encode(&both, "events").unwrap().len());
        assert_eq!(posting_key("a1", (3, 1)), part.key());
    }

    #[test]
    fn lock_errors_map_to_locked() {
        let io = std::io::Error::other(
            "could not acquire lock on \"/x/db\": Os { code: 11, kind: WouldBlock, message: \"Resource temporarily unavailable\" }",
        );
        assert!(
            matches!(map_sled_error(sled::Error::Io(io), "/x"), StoreError::Locked { path } if path == "/x")
        );
        let io = std::io::Error::from(std::io::ErrorKind::WouldBlock);
        assert!(matches!(
            map_sled_error(sled::Error::Io(io), "/x"),
            StoreError::Locked { .. }
        ));
        let io = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(matches!(
            map_sled_error(sled::Error::Io(io), "/x"),
            StoreError::Io(_)
        ));
        assert!(matches!(
            map_sled_error(sled::Error::Unsupported("x".into()), "/x"),
            StoreError::Corrupt(_)
        ));
    }

    #[test]
    fn counters_follow_topic_entries() {
        let mut counts = BTreeMap::new();
        count_topic_entry(&mut counts, &keys::name_prefix(keys::TOPIC, "aid"), 1);
        let now = chrono::Utc::now().fixed_offset();
        count_topic_entry(&mut counts, &keys::published_entry(&now, "a"), 1);
        assert_eq!(counts.get(&keys::topic_count("aid")), Some(&1));
        assert_eq!(counts.len(), 1);
    }

    #[test]
    fn other_schema_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store
                .meta
                .insert(META_SCHEMA, (SCHEMA_VERSION + 1).to_be_bytes())
                .unwrap();
            store.flush().unwrap();
        }
        // sled's background flusher may hold the file lock for a moment after the drop.
        let mut reopened = Store::open(dir.path());
        for _ in 0..50 {
            if !matches!(reopened, Err(StoreError::Locked { .. })) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            reopened = Store::open(dir.path());
        }
        match reopened {
            Err(StoreError::Schema {
                found, expected, ..
            }) => {
                assert_eq!((found, expected), (SCHEMA_VERSION + 1, SCHEMA_VERSION))
            }
            other => panic!("expected a schema error, got {:?}", other.map(|_| ())),
        }
    }
}
