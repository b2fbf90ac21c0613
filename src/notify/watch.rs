//! Following the story as files arrive: [`FolderWatch`] notices new or changed article files by
//! their modification time and size, and [`PushPlanner`] ingests them (or takes the report of an
//! ingest done elsewhere, e.g. feeds), plans the pushes and queues them in the outbox in one
//! atomic write. Both block (file system, sled): callers run them on a blocking thread.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::answer::{topic_status, Citation, Engine};
use crate::article::walk::{self, Found, ManifestNames};
use crate::event::Event;
use crate::ingest::{ingest_paths, FileOutcome, IngestReport};
use crate::store::{PutOutcome, StoreError};

use super::plan::{plan, ArticleNews, PlanInput, StageNow, StatusChange};

/// How much of a touched topic's recent history a push compares new events with ("already
/// reported by"): at least this many events, whole days, newest first.
const EARLIER_RECENT_EVENTS: usize = 2_000;
/// Events read per day a new event reports (stored events of that day, any topic).
const EARLIER_PER_DAY: usize = 5_000;

/// What a file looked like at the last scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileState {
    modified: Option<SystemTime>,
    len: u64,
}

/// The article folders and the state of their files when last ingested.
#[derive(Debug)]
pub struct FolderWatch {
    dirs: Vec<PathBuf>,
    known: HashMap<PathBuf, FileState>,
    /// Which files the folders' manifests list, re-read when a manifest changes.
    listing: ManifestNames,
}

impl FolderWatch {
    /// Starts knowing no file, so the first scan offers every file: ingest is idempotent, so
    /// files already stored cost a re-read and push nothing, while files that arrived while the
    /// bot was down are pushed like any new article. `max_manifest_bytes` is the reader's size
    /// limit (`max_article_bytes`).
    pub fn new(dirs: Vec<PathBuf>, max_manifest_bytes: u64) -> FolderWatch {
        FolderWatch {
            dirs,
            known: HashMap::new(),
            listing: ManifestNames::new(max_manifest_bytes),
        }
    }

    /// Starts from the folders' current content, offering only later changes.
    pub fn from_now(dirs: Vec<PathBuf>, max_manifest_bytes: u64) -> FolderWatch {
        let mut watch = FolderWatch::new(dirs, max_manifest_bytes);
        watch.known = watch.scan();
        watch
    }

    /// The article files and manifests in the folders: what `ingest` of the same folders
    /// reads (one walker, [`walk`], with one set of rules), each with its current state.
    pub fn scan(&mut self) -> HashMap<PathBuf, FileState> {
        let mut files = HashMap::new();
        for dir in &self.dirs {
            for found in walk::walk(dir, &mut self.listing) {
                let (Found::Article(path) | Found::Manifest(path)) = found else {
                    // A missing or unreadable folder is not an error here: it may appear later.
                    continue;
                };
                if let Some(state) = file_state(&path) {
                    files.insert(path, state);
                }
            }
        }
        files
    }

    /// Files that are new or changed since they were last accepted, with their current state.
    pub fn changed(&mut self) -> Vec<(PathBuf, FileState)> {
        let mut changed: Vec<(PathBuf, FileState)> = self
            .scan()
            .into_iter()
            .filter(|(p, s)| self.known.get(p) != Some(s))
            .collect();
        changed.sort_by(|a, b| a.0.cmp(&b.0));
        changed
    }

    /// Of `candidates`, those still in the same state now (a file being written is left for the
    /// next scan rather than ingested half-written).
    pub fn settled(&self, candidates: Vec<(PathBuf, FileState)>) -> Vec<(PathBuf, FileState)> {
        candidates
            .into_iter()
            .filter(|(p, s)| file_state(p).as_ref() == Some(s))
            .collect()
    }

    /// Records files as ingested in the given state.
    pub fn accept(&mut self, files: &[(PathBuf, FileState)]) {
        for (p, s) in files {
            self.known.insert(p.clone(), *s);
        }
    }
}

fn file_state(path: &Path) -> Option<FileState> {
    let meta = std::fs::metadata(path).ok()?;
    meta.is_file().then(|| FileState {
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub files: usize,
    pub failed: usize,
    /// Articles that added events.
    pub articles_with_news: usize,
    pub pushes_queued: usize,
}

/// Turns ingest runs into queued pushes. It remembers the stage the core computed for each
/// followed topic, so a push can say what changed even when the ingest happened elsewhere (the
/// feed poller hands over its reports after storing them).
#[derive(Debug, Default)]
pub struct PushPlanner {
    /// Topic id → its stage when last looked at (`None`: no dated stage yet).
    last_status: HashMap<String, Option<StageNow>>,
}

/// Where `topic` stands now, from the core's structured status (what `/status` shows).
fn stage_now(engine: &Engine, topic: &str) -> Result<Option<StageNow>, StoreError> {
    let Some(topic) = engine.config().topic(topic) else {
        return Ok(None);
    };
    Ok(StageNow::of(&topic_status(engine.store(), topic, None)?))
}

impl PushPlanner {
    pub fn new() -> PushPlanner {
        PushPlanner::default()
    }

    /// Records the status of followed topics not seen yet (new subscriptions) and forgets
    /// topics nobody follows any more, so "was" is never stale. Call before ingesting.
    pub fn refresh(&mut self, engine: &Engine) -> Result<(), StoreError> {
        let followed: BTreeSet<String> = engine
            .store()
            .all_subscriptions()?
            .into_iter()
            .map(|s| s.topic)
            .collect();
        self.last_status.retain(|t, _| followed.contains(t));
        for topic in followed {
            if let std::collections::hash_map::Entry::Vacant(slot) = self.last_status.entry(topic) {
                let status = stage_now(engine, slot.key())?;
                slot.insert(status);
            }
        }
        Ok(())
    }

    /// Ingests `paths`, plans pushes for the subscribers of the topics that gained events and
    /// queues them in the outbox in one atomic write. A store failure leaves nothing queued
    /// (the caller retries the files later); bad files are logged and skipped.
    pub fn ingest_and_queue(
        &mut self,
        engine: &Engine,
        paths: &[PathBuf],
    ) -> Result<RunSummary, StoreError> {
        self.refresh(engine)?;
        let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let report = ingest_paths(engine.store(), engine.config(), &refs)?;
        self.queue_report(engine, report)
    }

    /// Plans and queues the pushes for an ingest that already happened (files or feeds).
    pub fn queue_report(
        &mut self,
        engine: &Engine,
        report: IngestReport,
    ) -> Result<RunSummary, StoreError> {
        let mut summary = RunSummary {
            files: report.files.len(),
            failed: report.failed(),
            ..RunSummary::default()
        };
        let mut news = Vec::new();
        for file in report.files {
            match file {
                FileOutcome::Failed { path, reason } => {
                    tracing::warn!(path = %path.display(), %reason, "article skipped");
                }
                FileOutcome::Stored {
                    path,
                    article_id,
                    outcome,
                    new_events,
                } => {
                    if outcome == PutOutcome::Unchanged {
                        tracing::debug!(path = %path.display(), article = %article_id, "article unchanged");
                    } else {
                        tracing::info!(path = %path.display(), article = %article_id, ?outcome, new_events = new_events.len(), "article ingested");
                    }
                    if !new_events.is_empty() {
                        news.push(ArticleNews {
                            article_id,
                            events: new_events,
                        });
                    }
                }
            }
        }
        summary.articles_with_news = news.len();
        if news.is_empty() {
            return Ok(summary);
        }
        let store = engine.store();
        // The news markers these articles were stored with go in the write that queues their
        // pushes (none when nobody follows their topics).
        let settled: Vec<String> = news.iter().map(|n| n.article_id.clone()).collect();
        let config = engine.config();
        let subscriptions = store.all_subscriptions()?;
        let followed: BTreeSet<String> = subscriptions.iter().map(|s| s.topic.clone()).collect();
        // The core's own status (what `/status` computes), before (remembered) and after,
        // compared by stage id.
        let mut changes = Vec::new();
        for topic_id in &followed {
            let after = stage_now(engine, topic_id)?;
            if let (Some(topic), Some(before)) =
                (config.topic(topic_id), self.last_status.get(topic_id))
            {
                changes.extend(StatusChange::between(
                    topic,
                    before.as_ref(),
                    after.as_ref(),
                ));
            }
            self.last_status.insert(topic_id.clone(), after);
        }
        self.last_status.retain(|t, _| followed.contains(t));
        if subscriptions.is_empty() {
            store.enqueue_pushes_settling(&[], &settled)?;
            return Ok(summary);
        }

        // What the store held before this run, for "already reported": the touched topics' events
        // minus the ones this run added.
        let new_keys: HashSet<String> = news
            .iter()
            .flat_map(|n| n.events.iter().map(Event::key))
            .collect();
        let touched: BTreeSet<&String> = news
            .iter()
            .flat_map(|n| n.events.iter().flat_map(|e| e.topics.iter()))
            .filter(|t| followed.contains(*t))
            .collect();
        // Read from the indexes, not the topics' whole history (80,000 events at 100k articles
        // took 2 s per push): the newest days of each touched topic, where restatements of
        // current news are, and every event on the days the new events report (a restated
        // stage is matched by its day).
        let mut earlier: Vec<Event> = Vec::new();
        let mut earlier_keys = HashSet::new();
        let mut add = |e: Event| {
            let key = e.key();
            if !new_keys.contains(&key) && earlier_keys.insert(key) {
                earlier.push(e);
            }
        };
        for topic in &touched {
            store
                .topic_recent_days(topic, EARLIER_RECENT_EVENTS)?
                .events
                .into_iter()
                .for_each(&mut add);
        }
        let days: BTreeSet<chrono::NaiveDate> = news
            .iter()
            .flat_map(|n| {
                n.events
                    .iter()
                    .filter_map(|e| e.date.as_ref().map(|d| d.date))
            })
            .collect();
        for day in days {
            store
                .events_on(day, EARLIER_PER_DAY)?
                .into_iter()
                .filter(|e| e.topics.iter().any(|t| touched.contains(t)))
                .for_each(&mut add);
        }

        let mut sources = HashMap::new();
        let ids: BTreeSet<&String> = news
            .iter()
            .map(|n| &n.article_id)
            .chain(earlier.iter().map(|e| &e.article))
            .collect();
        for id in ids {
            if let Some(a) = store.article(id)? {
                sources.insert(a.id.clone(), Citation::of(&a));
            }
        }

        let pushes = plan(&PlanInput {
            config,
            news: &news,
            sources: &sources,
            subscriptions: &subscriptions,
            earlier: &earlier,
            status: &changes,
        });
        store.enqueue_pushes_settling(&pushes, &settled)?;
        summary.pushes_queued = pushes.len();
        Ok(summary)
    }

    /// Plans the pushes of articles stored with news whose planning a kill cut short (their
    /// news markers survived; see `Store::set_news_marking`). Call at start, before new ingests.
    pub fn recover(&mut self, engine: &Engine) -> Result<RunSummary, StoreError> {
        let store = engine.store();
        let mut report = IngestReport::default();
        for (article_id, keys) in store.pending_news()? {
            let Some(article) = store.article(&article_id)? else {
                continue;
            };
            let new_events: Vec<Event> = store
                .article_events_stored(&article_id)?
                .into_iter()
                .filter(|e| keys.contains(&e.key()))
                .collect();
            if new_events.is_empty() {
                // Its news was replaced away before it was planned.
                store.enqueue_pushes_settling(&[], &[article_id])?;
                continue;
            }
            tracing::info!(article = %article_id, news = new_events.len(), "planning pushes a restart interrupted");
            report.files.push(FileOutcome::Stored {
                path: PathBuf::from(&article.source_path),
                article_id,
                outcome: PutOutcome::Added,
                new_events,
            });
        }
        self.queue_report(engine, report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_and_changed_article_files_are_noticed_once_accepted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("old.txt"), "old").unwrap();
        let mut first = FolderWatch::new(vec![dir.path().to_path_buf()], 1 << 20);
        assert_eq!(
            first.changed().len(),
            1,
            "a new watch offers every file once"
        );
        let mut watch = FolderWatch::from_now(vec![dir.path().to_path_buf()], 1 << 20);
        assert!(watch.changed().is_empty());

        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/new.md"), "new").unwrap();
        std::fs::write(dir.path().join("notes.json"), "{}").unwrap();
        std::fs::write(dir.path().join(".hidden.txt"), "x").unwrap();
        std::fs::write(dir.path().join("old.txt"), "old but longer").unwrap();
        let changed = watch.changed();
        let names: Vec<_> = changed
            .iter()
            .map(|(p, _)| p.strip_prefix(dir.path()).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            names,
            vec![PathBuf::from("old.txt"), PathBuf::from("sub/new.md")]
        );
        let settled = watch.settled(changed);
        assert_eq!(settled.len(), 2);
        watch.accept(&settled);
        assert!(watch.changed().is_empty());
    }

    #[test]
    fn an_ingest_queues_one_push_per_subscriber_stating_the_status_change() {
        use crate::config::Config;
        use crate::notify::Subscription;
        use crate::store::Store;
        use std::sync::Arc;

        let dir = tempfile::tempdir().unwrap();
        let articles = dir.path().join("articles");
        std::fs::create_dir(&articles).unwrap();
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(root.join("seeds")).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, articles.join(path.file_name().unwrap())).unwrap();
        }
        let store = Store::open(&dir.path().join("data")).unwrap();
        let engine = Engine::new(Arc::new(Config::builtin()), Arc::new(store));
        let mut planner = PushPlanner::new();
        let first = planner
            .ingest_and_queue(&engine, std::slice::from_ref(&articles))
            .unwrap();
        assert_eq!(
            (first.articles_with_news, first.pushes_queued),
            (1, 0),
            "nobody subscribed yet"
        );

        for chat in [1, -2] {
            let sub = Subscription {
                chat_id: chat,
                thread_id: None,
                topic: "minerals".into(),
            };
            engine.store().add_subscription(&sub).unwrap();
        }
        let signed = articles.join("a5.txt");
        std::fs::copy(
            root.join("tests/data/dev/a5-2025-05-01-minerals-deal-signed.txt"),
            &signed,
        )
        .unwrap();
        let run = planner
            .ingest_and_queue(&engine, std::slice::from_ref(&signed))
            .unwrap();
        assert_eq!(run.pushes_queued, 2);
        let pending = engine.store().pending_pushes().unwrap();
        assert_eq!(
            pending.iter().map(|p| p.push.chat_id).collect::<Vec<_>>(),
            vec![-2, 1]
        );
        let reply = &pending[0].push.reply;
        assert!(
            reply.intro[0].starts_with("Status: signed"),
            "{:?}",
            reply.intro
        );
        assert!(reply.intro[0].contains("(was: "), "{:?}", reply.intro);
        assert!(reply.items.iter().all(|i| i.cites == vec![1]));

        let again = planner.ingest_and_queue(&engine, &[signed]).unwrap();
        assert_eq!(again.pushes_queued, 0, "an unchanged file pushes nothing");

        // The next stage: the change is found by stage id from the core's structured status
        // (no reply title is read, so rewording `/status` cannot lose it), in `/status`'s words.
        let ratified = articles.join("a6.txt");
        std::fs::copy(
            root.join("tests/data/dev/a6-2025-05-09-rada-ratifies-deal.txt"),
            &ratified,
        )
        .unwrap();
        let before = engine.store().pending_pushes().unwrap().len();
        let run = planner.ingest_and_queue(&engine, &[ratified]).unwrap();
        assert_eq!(run.pushes_queued, 2);
        let pending = engine.store().pending_pushes().unwrap();
        for item in &pending[before..] {
            assert_eq!(
                item.push.reply.intro[0],
                "Status: ratified (as of May 8, 2025) (was: signed)"
            );
        }
    }

    #[test]
    fn news_stored_but_not_planned_before_a_kill_is_planned_at_the_next_start() {
        use crate::config::Config;
        use crate::notify::Subscription;
        use crate::store::Store;
        use std::sync::Arc;

        let dir = tempfile::tempdir().unwrap();
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let signed = dir.path().join("a5.txt");
        std::fs::copy(
            root.join("tests/data/dev/a5-2025-05-01-minerals-deal-signed.txt"),
            &signed,
        )
        .unwrap();
        let data = dir.path().join("data");
        let report = {
            let store = Store::open(&data).unwrap();
            store.set_news_marking(true);
            store
                .add_subscription(&Subscription {
                    chat_id: 7,
                    thread_id: None,
                    topic: "minerals".into(),
                })
                .unwrap();
            // The article is stored (and flushed), then the process dies before planning.
            let report = ingest_paths(&store, &Config::builtin(), &[signed.as_path()]).unwrap();
            assert_eq!(store.pending_news().unwrap().len(), 1);
            report
        };
        let news: Vec<String> = report.new_events().map(Event::key).collect();
        assert!(!news.is_empty());

        let store = Arc::new(Store::open(&data).unwrap());
        store.set_news_marking(true);
        let engine = Engine::new(Arc::new(Config::builtin()), store.clone());
        assert_eq!(
            store.pending_news().unwrap()[0].1,
            news,
            "the marker holds the report's news"
        );
        // On restart the file is unchanged, so ingest alone would push nothing.
        let mut planner = PushPlanner::new();
        let rerun = planner
            .ingest_and_queue(&engine, std::slice::from_ref(&signed))
            .unwrap();
        assert_eq!(rerun.pushes_queued, 0);
        let recovered = planner.recover(&engine).unwrap();
        assert_eq!(recovered.pushes_queued, 1);
        let pending = store.pending_pushes().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].push.chat_id, 7);
        assert!(
            store.pending_news().unwrap().is_empty(),
            "settled with the queued push"
        );
        // A second restart plans nothing again.
        assert_eq!(planner.recover(&engine).unwrap().pushes_queued, 0);
        assert_eq!(store.pending_pushes().unwrap().len(), 1);
    }

    #[test]
    fn the_watch_offers_exactly_what_ingest_reads() {
        use crate::config::Config;
        use crate::store::Store;

        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("articles");
        crate::article::walk::sample_tree(&root);
        let store = Store::open(&dir.path().join("data")).unwrap();
        let report = ingest_paths(&store, &Config::builtin(), &[root.as_path()]).unwrap();
        let mut read: Vec<PathBuf> = Vec::new();
        for file in &report.files {
            match file {
                FileOutcome::Stored { path, .. } => read.push(path.clone()),
                FileOutcome::Failed { path, reason } => panic!("{}: {reason}", path.display()),
            }
        }
        read.sort();
        let mut watch = FolderWatch::new(vec![root.clone()], 1 << 20);
        let mut offered: Vec<PathBuf> = watch
            .scan()
            .into_keys()
            .filter(|p| !p.ends_with("manifest.toml"))
            .collect();
        offered.sort();
        assert_eq!(read, offered);
        let names: Vec<String> = read
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let mut expected = vec!["B.TXT", "a.txt", "c.Md", "deepest.txt", "wire.dat"];
        if cfg!(unix) {
            expected.push("linked-file.txt");
        }
        for name in expected {
            assert!(names.iter().any(|n| n == name), "{name} missing: {names:?}");
        }
        assert_eq!(read.len(), if cfg!(unix) { 6 } else { 5 }, "{names:?}");
    }

    #[test]
    fn missing_folders_are_not_an_error() {
        let mut watch = FolderWatch::new(
            vec![PathBuf::from("/nonexistent/storyline/articles")],
            1 << 20,
        );
        assert!(watch.changed().is_empty());
    }
}
