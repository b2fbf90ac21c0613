//! Live sources: RSS/Atom/JSON feeds polled politely, their items (and, for summaries, the
//! article pages) turned into [`Article`]s and ingested through the same path as files.
//!
//! - `[[feed]]` entries and their checks are settings: [`crate::config::feeds`].
//! - [`fetch`]: the HTTP client (teloxide's reqwest with rustls): conditional requests, gzip,
//!   timeouts, redirect limit, size cap.
//! - [`parse`]: feed documents → entries (feed-rs).
//! - [`html`]: HTML → paragraphs, and page extraction (dom_smoothie).
//! - [`item`]: entry + page → article (pure rules, no invented dates).
//! - [`state`]: per-feed state and the schedule (jitter, backoff, disabling).
//!
//! [`FeedPoller::poll`] polls one feed once; [`FeedPoller::run`] (or
//! [`poll_feeds_forever`]) polls the configured feeds until shutdown, handing each
//! [`IngestReport`] that stored something to a callback, whose `new_events()` are what
//! subscribers should be pushed. One feed's failure is recorded in its state and never stops
//! the others.

pub mod fetch;
pub mod html;
pub mod item;
pub mod parse;
pub mod state;

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::article::{self, Article};
use crate::config::Config;
use crate::ingest::{ingest_articles, FileOutcome, IngestReport};
use crate::store::{PutOutcome, Store, StoreError};

pub use crate::config::feeds::{check_feeds, FeedConfig, FetchPage};
pub use fetch::{FetchError, FetchSettings, Fetched, Fetcher, Validators};
pub use html::PageArticle;
pub use parse::{FeedEntry, ParsedFeed};
pub use state::{FeedState, DISABLE_AFTER_FAILURES};

/// How a feed's poll went.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedStatus {
    /// The document was read; `entries` is how many it listed (up to [`parse::MAX_ENTRIES`]).
    Fetched { entries: usize },
    /// 304 Not Modified to a conditional request.
    NotModified,
    /// The same bytes as the last poll (servers that ignore conditional requests).
    Unchanged,
    /// The feed could not be fetched or parsed.
    Failed {
        error: String,
        consecutive_failures: u32,
        /// This failure disabled the feed.
        disabled: bool,
    },
}

/// An item that was not stored, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemProblem {
    /// The item's link (or its title when it has none).
    pub item: String,
    pub reason: String,
}

/// One feed's poll.
#[derive(Debug)]
pub struct FeedReport {
    pub url: String,
    pub outlet: String,
    pub status: FeedStatus,
    /// Items stored (added, replaced) or recognised as unchanged, through the ingest path:
    /// `ingest.new_events()` are the events to push.
    pub ingest: IngestReport,
    /// Items skipped for good (no publication time, off-topic, no text, no link); they are not
    /// looked at again until the entry changes.
    pub skipped: Vec<ItemProblem>,
    /// Items that failed for a passing reason (page timed out, server error); retried next poll.
    pub failed: Vec<ItemProblem>,
}

impl FeedReport {
    fn new(url: &str, outlet: String, status: FeedStatus) -> FeedReport {
        FeedReport {
            url: url.to_string(),
            outlet,
            status,
            ingest: IngestReport::default(),
            skipped: Vec::new(),
            failed: Vec::new(),
        }
    }

    pub fn is_failure(&self) -> bool {
        matches!(self.status, FeedStatus::Failed { .. })
    }

    /// Whether anything was added or replaced (the callback of [`FeedPoller::run`] fires then).
    pub fn stored_something(&self) -> bool {
        self.ingest.added() + self.ingest.replaced() > 0
    }

    /// "fetched, 4 items: 2 added, 0 replaced, 1 unchanged, 1 skipped, 0 failed".
    pub fn summary_line(&self) -> String {
        match &self.status {
            FeedStatus::NotModified => "not modified (304)".into(),
            FeedStatus::Unchanged => "unchanged (same content as the last poll)".into(),
            FeedStatus::Failed {
                error,
                consecutive_failures,
                disabled,
            } => format!(
                "failed ({consecutive_failures} in a row{}): {error}",
                if *disabled { ", now disabled" } else { "" }
            ),
            FeedStatus::Fetched { entries } => format!(
                "fetched, {entries} items: {} added, {} replaced, {} unchanged, {} skipped, {} failed",
                self.ingest.added(),
                self.ingest.replaced(),
                self.ingest.unchanged(),
                self.skipped.len(),
                self.failed.len()
            ),
        }
    }
}

/// Polls feeds. Cheap to clone (handles to the store, config and HTTP client).
#[derive(Clone)]
pub struct FeedPoller {
    store: Arc<Store>,
    config: Arc<Config>,
    fetcher: Fetcher,
    /// Ingest of one feed at a time: two feeds may carry the same article, and the
    /// "events new to the store" of each must be computed against the other's result.
    ingest_lock: Arc<tokio::sync::Mutex<()>>,
    /// Feeds fetched at once: enough that one slow server does not hold up the rest, few
    /// enough to stay light on the machine and the network.
    slots: Arc<tokio::sync::Semaphore>,
}

/// How many feeds one poller fetches at the same time.
pub const CONCURRENT_FEEDS: usize = 4;

impl FeedPoller {
    pub fn new(store: Arc<Store>, config: Arc<Config>) -> Result<FeedPoller, FetchError> {
        FeedPoller::with_settings(store, config, FetchSettings::default())
    }

    pub fn with_settings(
        store: Arc<Store>,
        config: Arc<Config>,
        settings: FetchSettings,
    ) -> Result<FeedPoller, FetchError> {
        Ok(FeedPoller {
            store,
            config,
            fetcher: Fetcher::new(settings)?,
            ingest_lock: Arc::new(tokio::sync::Mutex::new(())),
            slots: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_FEEDS)),
        })
    }

    /// The configured entry for a URL, or defaults (command-line `ingest --feed URL`).
    pub fn feed_for_url(&self, url: &str) -> FeedConfig {
        let url = url.trim();
        self.config
            .feeds
            .iter()
            .find(|f| f.url.trim() == url)
            .cloned()
            .unwrap_or_else(|| FeedConfig::from_url(url))
    }

    /// Polls every configured feed that is due (not disabled, its time come), concurrently.
    pub async fn poll_due(&self) -> Vec<FeedReport> {
        let now = Utc::now();
        let mut tasks = tokio::task::JoinSet::new();
        for feed in &self.config.feeds {
            let state = match self.store.feed_state(&feed.url) {
                Ok(s) => s.unwrap_or_default(),
                Err(e) => {
                    tracing::warn!(feed = %feed.url, "cannot read the feed's state: {e}");
                    continue;
                }
            };
            if !state.is_due(now) {
                continue;
            }
            let poller = self.clone();
            let feed = feed.clone();
            tasks.spawn(async move {
                // The semaphore is never closed, so acquiring only waits for a free slot.
                let _slot = poller.slots.clone().acquire_owned().await.ok();
                poller.poll(&feed).await
            });
        }
        let mut reports = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(report) => reports.push(report),
                // A panic in one feed's task is that feed's problem; the others carry on.
                Err(e) => tracing::error!("a feed poll task failed: {e}"),
            }
        }
        reports.sort_by(|a, b| a.url.cmp(&b.url));
        reports
    }

    /// When the next configured feed is due (`None`: no enabled feed).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        let now = Utc::now();
        self.config
            .feeds
            .iter()
            .filter_map(|f| {
                let state = self
                    .store
                    .feed_state(&f.url)
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                (!state.disabled).then(|| state.next_fetch.unwrap_or(now))
            })
            .min()
    }

    /// Polls the configured feeds until `shutdown` resolves: each due feed is polled, and each
    /// report that added or replaced articles goes to `on_ingest` (push its `new_events()`).
    pub async fn run<F, S>(&self, mut on_ingest: F, shutdown: S)
    where
        F: FnMut(IngestReport),
        S: Future<Output = ()>,
    {
        tokio::pin!(shutdown);
        if self.config.feeds.is_empty() {
            shutdown.await;
            return;
        }
        tracing::info!(feeds = self.config.feeds.len(), "polling feeds");
        loop {
            let reports = tokio::select! {
                _ = &mut shutdown => return,
                reports = self.poll_due() => reports,
            };
            for report in reports {
                if report.stored_something() {
                    on_ingest(report.ingest);
                }
            }
            // Re-check at least every minute: cheap, and robust to clock jumps.
            let wait = self
                .next_due()
                .map(|t| (t - Utc::now()).to_std().unwrap_or(Duration::ZERO))
                .unwrap_or(Duration::from_secs(60))
                .clamp(Duration::from_secs(1), Duration::from_secs(60));
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Fetches one feed once, ingests its new and changed items, and records the outcome in
    /// the feed's state. Never fails: problems are in the report (and the state).
    pub async fn poll(&self, feed: &FeedConfig) -> FeedReport {
        let url = feed.url.trim().to_string();
        let now = Utc::now();
        let seed = state::seed(&url, now);
        let mut state = match self.store.feed_state(&url) {
            Ok(s) => s.unwrap_or_default(),
            Err(e) => {
                // Without the state the poll could not be recorded; better not to poll.
                tracing::error!(feed = %url, "cannot read the feed's state: {e}");
                let status = FeedStatus::Failed {
                    error: format!("store: {e}"),
                    consecutive_failures: 0,
                    disabled: false,
                };
                return FeedReport::new(&url, default_outlet(feed, None), status);
            }
        };
        let validators = Validators {
            etag: state.etag.clone(),
            last_modified: state.last_modified.clone(),
        };
        let outcome = self.fetch_and_ingest(feed, &url, &validators, &state).await;
        let mut report = match outcome {
            Ok(Polled { report, keep }) => {
                state.succeeded(now, feed.interval(), seed);
                if let Some(keep) = keep {
                    // Only a poll whose items were all dealt with may let the next poll skip
                    // this document; otherwise a 304 would hide the items still to retry.
                    state.etag = keep.validators.etag;
                    state.last_modified = keep.validators.last_modified;
                    state.body_hash = Some(keep.body_hash);
                }
                report
            }
            Err(error) => {
                let retry_after = error.retry_after;
                let text = error.message;
                let newly_disabled =
                    state.failed(now, feed.interval(), text.clone(), retry_after, seed);
                if newly_disabled {
                    tracing::warn!(
                        feed = %url,
                        "feed disabled after {} consecutive failures (last: {text}); \
                         `storyline ingest --feed {url}` retries it and re-enables it on success",
                        state.consecutive_failures
                    );
                } else {
                    tracing::warn!(feed = %url, failures = state.consecutive_failures, "feed failed: {text}");
                }
                FeedReport::new(
                    &url,
                    default_outlet(feed, None),
                    FeedStatus::Failed {
                        error: text,
                        consecutive_failures: state.consecutive_failures,
                        disabled: newly_disabled,
                    },
                )
            }
        };
        if let Ok(n) = self.store.feed_item_count(&url) {
            state.items_seen = n;
        }
        state.last_result = Some(report.summary_line());
        if let Err(e) = self.store.put_feed_state(&url, &state) {
            tracing::error!(feed = %url, "cannot record the feed's state: {e}");
            report.failed.push(ItemProblem {
                item: url.clone(),
                reason: format!("state not recorded: {e}"),
            });
        }
        if report.stored_something() || !report.skipped.is_empty() || !report.failed.is_empty() {
            tracing::info!(feed = %url, "{}", report.summary_line());
        } else {
            tracing::debug!(feed = %url, "{}", report.summary_line());
        }
        report
    }

    async fn fetch_and_ingest(
        &self,
        feed: &FeedConfig,
        url: &str,
        validators: &Validators,
        state: &FeedState,
    ) -> Result<Polled, PollError> {
        crate::config::feeds::check_url(url).map_err(PollError::msg)?;
        let (bytes, final_url, new_validators) = match self.fetcher.get(url, validators).await {
            Ok(Fetched::NotModified) => {
                return Ok(Polled {
                    report: FeedReport::new(
                        url,
                        default_outlet(feed, None),
                        FeedStatus::NotModified,
                    ),
                    keep: None,
                })
            }
            Ok(Fetched::Body {
                bytes,
                final_url,
                validators,
                ..
            }) => (bytes, final_url, validators),
            Err(e) => return Err(PollError::fetch(e)),
        };
        let body_hash = format!("{:016x}", crate::fnv::fnv1a64(&bytes));
        if state.body_hash.as_deref() == Some(body_hash.as_str()) {
            return Ok(Polled {
                report: FeedReport::new(url, default_outlet(feed, None), FeedStatus::Unchanged),
                keep: Some(Keep {
                    validators: new_validators,
                    body_hash,
                }),
            });
        }
        let parsed = blocking(move || parse::parse_feed(&bytes, &final_url))
            .await
            .map_err(PollError::msg)?
            .map_err(PollError::msg)?;
        let outlet = default_outlet(feed, parsed.title.as_deref());
        let mut report = FeedReport::new(
            url,
            outlet.clone(),
            FeedStatus::Fetched {
                entries: parsed.entries.len(),
            },
        );

        // Entries → articles; pages fetched one after another (politeness to the outlet).
        let mut articles: Vec<(String, Article, String)> = Vec::new();
        let mut unchanged: Vec<(String, String)> = Vec::new();
        let mut seen_ids = HashSet::new();
        let now = Utc::now();
        for entry in &parsed.entries {
            let label = entry
                .link
                .clone()
                .or_else(|| entry.title.clone())
                .unwrap_or_else(|| "(an entry without link or title)".into());
            let Some(link) = entry.link.as_deref() else {
                skip(&mut report, label, "the entry has no http(s) link".into());
                continue;
            };
            let id = article::article_id(link);
            if !seen_ids.insert(id.clone()) {
                continue; // the same link twice in one document
            }
            match self.store.feed_item(url, &id) {
                Ok(Some(fp)) if fp == entry.fingerprint => {
                    unchanged.push((link.to_string(), id));
                    continue;
                }
                Ok(Some(fp)) if fp.strip_prefix(SKIPPED) == Some(entry.fingerprint.as_str()) => {
                    // Skipped before for a reason that has not changed; reported then.
                    continue;
                }
                Ok(_) => {}
                Err(e) => return Err(PollError::msg(format!("store: {e}"))),
            }
            let page = if item::needs_page(feed, entry) {
                match self.fetch_page(link).await {
                    Ok(page) => Some(page),
                    Err(PageError::Transient(reason)) => {
                        tracing::info!(feed = %url, item = %link, "page not fetched, retried next poll: {reason}");
                        report.failed.push(ItemProblem {
                            item: label,
                            reason,
                        });
                        continue;
                    }
                    Err(PageError::NoArticle(reason)) => {
                        // The feed's own text is still the outlet's words: use it if any.
                        tracing::info!(feed = %url, item = %link, "no article in the page ({reason}); using the feed's text");
                        None
                    }
                }
            } else {
                None
            };
            match item::build_article(feed, &outlet, entry, page.as_ref(), now) {
                Ok(a) => articles.push((link.to_string(), a, entry.fingerprint.clone())),
                Err(reason) => {
                    tracing::info!(feed = %url, item = %link, "item skipped: {reason}");
                    self.remember(url, &id, &format!("{SKIPPED}{}", entry.fingerprint))?;
                    skip(&mut report, label, reason);
                }
            }
        }

        // Off-topic items out, the rest through the ingest path, one feed at a time.
        let guard = self.ingest_lock.lock().await;
        let store = self.store.clone();
        let config = self.config.clone();
        let topics = feed.topics.clone();
        let feed_url = url.to_string();
        let (ingest, off_topic) = blocking(move || {
            let (kept, off_topic) = filter_topics(&config, &topics, articles);
            let mut fingerprints = Vec::with_capacity(kept.len());
            let mut origins = Vec::with_capacity(kept.len());
            for (origin, a, fp) in kept {
                fingerprints.push((a.id.clone(), fp));
                origins.push((origin, a));
            }
            let report = ingest_articles(&store, &config, origins)?;
            // Fingerprints only once the store holds the articles: a crash in between means
            // the items are processed again, never lost.
            for (id, fp) in &fingerprints {
                store.put_feed_item(&feed_url, id, fp)?;
            }
            Ok::<_, StoreError>((report, off_topic))
        })
        .await
        .map_err(PollError::msg)?
        .map_err(|e| PollError::msg(format!("store: {e}")))?;
        drop(guard);
        report.ingest = ingest;
        for (link, id, fp, topics_wanted) in off_topic {
            self.remember(url, &id, &format!("{SKIPPED}{fp}"))?;
            skip(
                &mut report,
                link,
                format!("not about the feed's topics ({})", topics_wanted),
            );
        }
        for (link, id) in unchanged {
            report.ingest.files.push(FileOutcome::Stored {
                path: link.into(),
                article_id: id,
                outcome: PutOutcome::Unchanged,
                new_events: Vec::new(),
            });
        }
        let keep = report.failed.is_empty().then_some(Keep {
            validators: new_validators,
            body_hash,
        });
        Ok(Polled { report, keep })
    }

    fn remember(&self, feed_url: &str, id: &str, fingerprint: &str) -> Result<(), PollError> {
        self.store
            .put_feed_item(feed_url, id, fingerprint)
            .map(|_| ())
            .map_err(|e| PollError::msg(format!("store: {e}")))
    }

    /// Fetches and extracts an article page.
    async fn fetch_page(&self, link: &str) -> Result<PageArticle, PageError> {
        let (bytes, final_url, content_type) = match self
            .fetcher
            .get(link, &Validators::default())
            .await
        {
            Ok(Fetched::Body {
                bytes,
                final_url,
                content_type,
                ..
            }) => (bytes, final_url, content_type),
            Ok(Fetched::NotModified) => return Err(PageError::Transient("unexpected 304".into())),
            Err(e) if e.is_transient() => return Err(PageError::Transient(format!("page: {e}"))),
            Err(e) => return Err(PageError::NoArticle(format!("page: {e}"))),
        };
        if let Some(ct) = content_type {
            let ct = ct.to_ascii_lowercase();
            if !(ct.contains("html") || ct.contains("xml") || ct.starts_with("text/")) {
                return Err(PageError::NoArticle(format!("the page is {ct}, not HTML")));
            }
        }
        // Pages that are not UTF-8 (rare now) lose only the odd character.
        let html = String::from_utf8_lossy(&bytes).into_owned();
        blocking(move || html::extract_page(&html, &final_url))
            .await
            .map_err(PageError::NoArticle)?
            .map_err(PageError::NoArticle)
    }
}

/// Polls the configured feeds until `shutdown`, calling `on_ingest` with each report that
/// stored something. For `serve`:
///
/// ```ignore
/// tokio::spawn(storyline::feeds::poll_feeds_forever(
///     store.clone(), config.clone(),
///     move |report| { let _ = tx.send(report); },   // push report.new_events()
///     shutdown_signal,
/// ));
/// ```
///
/// With no `[[feed]]` configured it just waits for `shutdown`.
pub async fn poll_feeds_forever<F, S>(
    store: Arc<Store>,
    config: Arc<Config>,
    on_ingest: F,
    shutdown: S,
) where
    F: FnMut(IngestReport),
    S: Future<Output = ()>,
{
    match FeedPoller::new(store, config) {
        Ok(poller) => poller.run(on_ingest, shutdown).await,
        Err(e) => {
            tracing::error!("feeds are not polled: {e}");
            shutdown.await;
        }
    }
}

/// One configured feed with its state, for `storyline feeds` and the admin `/stats`.
#[derive(Debug, Clone, Serialize)]
pub struct FeedOverview {
    pub url: String,
    pub outlet: Option<String>,
    pub interval_minutes: u64,
    pub topics: Vec<String>,
    pub state: FeedState,
}

impl FeedOverview {
    /// "https://…/rss — last fetch 2025-05-01 10:00 UTC, 12 items seen, ok" (one line for
    /// `/stats`; "DISABLED" and the last error when it applies).
    pub fn line(&self) -> String {
        let s = &self.state;
        let when = |t: &Option<DateTime<Utc>>| {
            t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_else(|| "never".into())
        };
        let health = match (&s.last_error, s.disabled) {
            (Some(e), true) => format!("DISABLED after {} failures: {e}", s.consecutive_failures),
            (None, true) => "DISABLED".into(),
            (Some(e), false) => format!("failing ({} in a row): {e}", s.consecutive_failures),
            (None, false) if s.last_fetch.is_some() => "ok".into(),
            (None, false) => "not fetched yet".into(),
        };
        format!(
            "{} — last fetch {}, {} items seen, {health}",
            self.url,
            when(&s.last_fetch),
            s.items_seen
        )
    }
}

/// The configured feeds with their stored state, in config order.
pub fn overview(config: &Config, store: &Store) -> Result<Vec<FeedOverview>, StoreError> {
    config
        .feeds
        .iter()
        .map(|f| {
            Ok(FeedOverview {
                url: f.url.clone(),
                outlet: f.outlet.clone(),
                interval_minutes: f.interval_minutes,
                topics: f.topics.clone(),
                state: store.feed_state(f.url.trim())?.unwrap_or_default(),
            })
        })
        .collect()
}

/// Marks the recorded fingerprint of an item that was skipped (not stored), so that an
/// unchanged entry is neither processed again nor reported as an unchanged article.
const SKIPPED: &str = "skipped:";

struct Polled {
    report: FeedReport,
    /// Validators and body hash to keep for the next poll (None: keep the old ones).
    keep: Option<Keep>,
}

struct Keep {
    validators: Validators,
    body_hash: String,
}

struct PollError {
    message: String,
    retry_after: Option<u64>,
}

impl PollError {
    fn msg(message: impl Into<String>) -> PollError {
        PollError {
            message: message.into(),
            retry_after: None,
        }
    }
    fn fetch(e: FetchError) -> PollError {
        PollError {
            retry_after: e.retry_after(),
            message: e.to_string(),
        }
    }
}

enum PageError {
    /// Worth retrying at the next poll.
    Transient(String),
    /// The page holds no usable article (or cannot be had): fall back to the feed's text.
    NoArticle(String),
}

fn skip(report: &mut FeedReport, item: String, reason: String) {
    report.skipped.push(ItemProblem { item, reason });
}

/// The outlet: configured, else the feed's title, else the host.
fn default_outlet(feed: &FeedConfig, feed_title: Option<&str>) -> String {
    if let Some(o) = feed
        .outlet
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        return o.to_string();
    }
    if let Some(t) = feed_title.map(html::clean_text).filter(|t| !t.is_empty()) {
        return t;
    }
    reqwest::Url::parse(feed.url.trim())
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_string())
        })
        .unwrap_or_else(|| feed.url.clone())
}

/// Splits articles into those about one of `topics` (all when `topics` is empty) and the rest
/// (link, id, fingerprint, the topics wanted).
#[allow(clippy::type_complexity)]
fn filter_topics(
    config: &Config,
    topics: &[String],
    articles: Vec<(String, Article, String)>,
) -> (
    Vec<(String, Article, String)>,
    Vec<(String, String, String, String)>,
) {
    if topics.is_empty() || articles.is_empty() {
        return (articles, Vec::new());
    }
    let extractor = crate::extract::Extractor::new(config);
    let mut kept = Vec::new();
    let mut off = Vec::new();
    for (origin, a, fp) in articles {
        let about = extractor
            .events(&a)
            .iter()
            .any(|e| e.topics.iter().any(|t| topics.contains(t)));
        if about {
            kept.push((origin, a, fp));
        } else {
            off.push((origin, a.id.clone(), fp, topics.join(", ")));
        }
    }
    (kept, off)
}

/// Runs CPU-bound or panicky-input work (parsing, extraction, sled) off the async threads; a
/// panic inside becomes an error message instead of taking the poller down.
async fn blocking<T, F>(f: F) -> Result<T, String>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| format!("internal error while processing: {e}"))
}
