//! Files → articles → events → store: idempotent, one report line per bad file, the rest still
//! ingested.
//!
//! A run first plans (walks folders in sorted order, loads each folder's manifest once), then
//! reads and stores the files. Planning first gives the file count for progress logging and
//! lets manifest problems be reported once, before the folder's files.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::article::manifest::{self, Manifest};
use crate::article::walk::{self, Found};
use crate::article::{self, Article, ArticleError, ReadOptions};
use crate::config::Config;
use crate::event::Event;
use crate::extract::Extractor;
use crate::store::{PutOutcome, Store, StoreError};

/// What happened to one file.
#[derive(Debug)]
pub enum FileOutcome {
    /// Stored (added, replaced or unchanged). `new_events` holds the events that the store did
    /// not hold before (empty when unchanged), for pushes.
    Stored {
        path: PathBuf,
        article_id: String,
        outcome: PutOutcome,
        new_events: Vec<Event>,
    },
    /// Skipped with the reason, one line naming the file.
    Failed { path: PathBuf, reason: String },
}

impl FileOutcome {
    pub fn path(&self) -> &Path {
        match self {
            FileOutcome::Stored { path, .. } | FileOutcome::Failed { path, .. } => path,
        }
    }
}

/// The result of one ingest run.
#[derive(Debug, Default)]
pub struct IngestReport {
    pub files: Vec<FileOutcome>,
    /// The typed error of each `Failed` outcome, in the same order, for callers that match on
    /// the kind rather than the text.
    pub errors: Vec<ArticleError>,
}

impl IngestReport {
    pub fn failed(&self) -> usize {
        self.files
            .iter()
            .filter(|f| matches!(f, FileOutcome::Failed { .. }))
            .count()
    }
    pub fn added(&self) -> usize {
        self.count(PutOutcome::Added)
    }
    pub fn replaced(&self) -> usize {
        self.count(PutOutcome::Replaced)
    }
    pub fn unchanged(&self) -> usize {
        self.count(PutOutcome::Unchanged)
    }
    fn count(&self, wanted: PutOutcome) -> usize {
        self.files
            .iter()
            .filter(|f| matches!(f, FileOutcome::Stored { outcome, .. } if *outcome == wanted))
            .count()
    }
    /// All events new to the store in this run, for pushes.
    pub fn new_events(&self) -> impl Iterator<Item = &Event> {
        self.files.iter().flat_map(|f| match f {
            FileOutcome::Stored { new_events, .. } => new_events.as_slice(),
            FileOutcome::Failed { .. } => &[],
        })
    }
    /// "7 files: 7 added, 0 replaced, 0 unchanged, 0 failed".
    pub fn summary_line(&self) -> String {
        format!(
            "{} files: {} added, {} replaced, {} unchanged, {} failed",
            self.files.len(),
            self.added(),
            self.replaced(),
            self.unchanged(),
            self.failed()
        )
    }
    fn fail(&mut self, error: ArticleError) {
        tracing::debug!("{error}");
        self.files.push(FileOutcome::Failed {
            path: error.path().to_path_buf(),
            reason: error.to_string(),
        });
        self.errors.push(error);
    }
}

/// Runs with more files than this log progress.
const PROGRESS_MIN_FILES: usize = 500;
const PROGRESS_EVERY: usize = 1_000;
/// Ingests files and folders (folders by the rules of [`crate::article::walk`]: `.txt` and `.md`
/// in any case, and files their folder's `manifest.toml` lists).
/// A bad file is reported and skipped; only a store failure stops the run.
pub fn ingest_paths(
    store: &Store,
    config: &Config,
    paths: &[&Path],
) -> Result<IngestReport, StoreError> {
    let opts = ReadOptions::from_config(config);
    let mut plan = Plan::new(&opts);
    for path in paths {
        plan.add_root(path);
    }
    let total = plan
        .items
        .iter()
        .filter(|i| matches!(i, Item::File { .. }))
        .count();

    let extraction = Extraction::new(config);
    let mut report = IngestReport::default();
    let started = Instant::now();
    let mut done = 0usize;
    // Two stages on two threads: this one reads files and extracts events (the CPU-heavy part),
    // the caller's thread writes to the store in batches. Items keep file order through the
    // channel, so the report is the same as a one-thread run's; the channel is bounded so a
    // fast reader cannot fill memory.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Ready, StoreError>>(WRITE_BATCH * 2);
    let manifests = plan.manifests;
    let items = plan.items;
    std::thread::scope(|scope| -> Result<(), StoreError> {
        // Owned here, so that an early return (a store error) drops it and the reader's next
        // send fails instead of blocking on a full channel.
        let rx = rx;
        let extraction = &extraction;
        let manifests = &manifests;
        let opts = &opts;
        scope.spawn(move || {
            // Article id → (first file, its content hash): a second file with the same URL.
            let mut seen: HashMap<String, (PathBuf, String)> = HashMap::new();
            for item in items {
                let ready = read_item(store, extraction, opts, manifests, &mut seen, item);
                let stop = ready.is_err();
                // A send fails only when the writer stopped (a store error): stop too.
                if tx.send(ready).is_err() || stop {
                    return;
                }
            }
        });
        let mut pending: Vec<Ready> = Vec::new();
        let mut to_store = 0usize;
        loop {
            // Wait for one item, then take whatever else is ready, up to a batch.
            let first = match rx.recv() {
                Ok(r) => Some(r?),
                Err(_) => None,
            };
            let mut last = first.is_none();
            if let Some(r) = first {
                to_store += usize::from(matches!(r, Ready::Store { .. }));
                pending.push(r);
                let deadline = Instant::now() + BATCH_WAIT;
                while to_store < WRITE_BATCH {
                    let wait = deadline.saturating_duration_since(Instant::now());
                    match rx.recv_timeout(wait) {
                        Ok(r) => {
                            let r = r?;
                            to_store += usize::from(matches!(r, Ready::Store { .. }));
                            pending.push(r);
                        }
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                            last = true;
                            break;
                        }
                    }
                }
            }
            // A batch is a full one, or what arrived within BATCH_WAIT of its first article:
            // waiting for a full batch even when reading is the slower side keeps sled's
            // writes few (one batch, one counter update per topic, per 256 articles).
            if !pending.is_empty() {
                for ready in write_batch(store, std::mem::take(&mut pending))? {
                    done += 1;
                    if total > PROGRESS_MIN_FILES && done % PROGRESS_EVERY == 0 {
                        let secs = started.elapsed().as_secs_f64().max(1e-9);
                        tracing::info!(
                            files_done = done,
                            total,
                            articles_per_sec = format!("{:.1}", done as f64 / secs),
                            "ingest progress"
                        );
                    }
                    match ready {
                        Written::File(outcome) => report.files.push(outcome),
                        Written::Failed(e) => report.fail(e),
                    }
                }
                to_store = 0;
            }
            if last {
                return Ok(());
            }
        }
    })?;
    store.flush()?;
    if total > PROGRESS_MIN_FILES {
        tracing::info!("ingest done: {}", report.summary_line());
    }
    Ok(report)
}

/// Articles written to the store in one batch during a file ingest.
const WRITE_BATCH: usize = 256;
/// How long a batch waits for more articles after its first: short enough that a file dropped
/// into a watched folder is answerable at once, long enough to fill batches in a backfill.
const BATCH_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// One planned item, read and extracted, waiting to be written (in file order). Most items are
/// `Store`, so boxing it (clippy's `large_enum_variant`) would add an allocation per article
/// and save nothing.
#[allow(clippy::large_enum_variant)]
enum Ready {
    /// A problem of the plan or of reading the file.
    Failed(ArticleError),
    /// Nothing to store: a copy of an article already handled in this run, or unchanged.
    Unchanged { path: PathBuf, article_id: String },
    /// An article to store, with its events and, when it replaces a stored version, the
    /// sentences of that version (so only new facts count as new).
    Store {
        path: PathBuf,
        article: Article,
        events: Vec<Event>,
        old_sentences: Option<HashSet<String>>,
    },
    /// A file that is not an article (nothing to report).
    Skip,
}

/// What a written item adds to the report.
enum Written {
    File(FileOutcome),
    Failed(ArticleError),
}

/// Reads one planned item and extracts its events (the reading thread's part).
fn read_item(
    store: &Store,
    extraction: &Extraction,
    opts: &ReadOptions,
    manifests: &[Manifest],
    seen: &mut HashMap<String, (PathBuf, String)>,
    item: Item,
) -> Result<Ready, StoreError> {
    let (path, manifest) = match item {
        Item::Problem(e) => return Ok(Ready::Failed(e)),
        Item::File { path, manifest } => (path, manifest),
    };
    let manifest = manifest.and_then(|i| manifests.get(i));
    let mut article = match article::load_article(&path, manifest, opts) {
        Ok(Some(a)) => a,
        Ok(None) => return Ok(Ready::Skip),
        Err(e) => return Ok(Ready::Failed(e)),
    };
    if let Some((first, hash)) = seen.get(&article.id) {
        if *hash == article.content_hash {
            // A copy of an article already handled in this run: nothing new to store.
            return Ok(Ready::Unchanged {
                path,
                article_id: article.id,
            });
        }
        return Ok(Ready::Failed(ArticleError::DuplicateUrl {
            path,
            url: article.url,
            first: first.clone(),
        }));
    }
    seen.insert(
        article.id.clone(),
        (path.clone(), article.content_hash.clone()),
    );
    article.content_hash = format!("{}+{}", article.content_hash, extraction.fingerprint);
    let previous = store.article_hash(&article.id)?;
    if previous.as_deref() == Some(article.content_hash.as_str()) {
        // Unchanged content and rules: extraction is the expensive part, skip it.
        return Ok(Ready::Unchanged {
            path,
            article_id: article.id,
        });
    }
    let old_sentences = match previous {
        Some(_) => Some(old_sentences(store, &extraction.extractor, &article.id)?),
        None => None,
    };
    let events = extraction.extractor.events(&article);
    Ok(Ready::Store {
        path,
        article,
        events,
        old_sentences,
    })
}

/// Writes the articles of `pending` in one atomic batch; returns the report entries in order.
fn write_batch(store: &Store, pending: Vec<Ready>) -> Result<Vec<Written>, StoreError> {
    let batch: Vec<(&Article, &[Event])> = pending
        .iter()
        .filter_map(|r| match r {
            Ready::Store {
                article, events, ..
            } => Some((article, events.as_slice())),
            _ => None,
        })
        .collect();
    // The news each article brings, for the store's news markers when pushes are planned.
    let news: Vec<Vec<String>> = if store.marks_news() {
        pending
            .iter()
            .filter_map(|r| match r {
                Ready::Store {
                    events,
                    old_sentences,
                    ..
                } => Some(news_keys(events, old_sentences.as_ref())),
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut outcomes = store.put_articles_with_news(&batch, &news)?.into_iter();
    let mut out = Vec::with_capacity(pending.len());
    for ready in pending {
        out.push(match ready {
            Ready::Failed(e) => Written::Failed(e),
            Ready::Skip => continue,
            Ready::Unchanged { path, article_id } => Written::File(FileOutcome::Stored {
                path,
                article_id,
                outcome: PutOutcome::Unchanged,
                new_events: Vec::new(),
            }),
            Ready::Store {
                path,
                article,
                events,
                old_sentences,
            } => {
                let outcome = outcomes.next().expect("one outcome per stored article");
                let new_events = match outcome {
                    PutOutcome::Unchanged => Vec::new(),
                    _ => new_events(events, old_sentences.as_ref()),
                };
                Written::File(FileOutcome::Stored {
                    path,
                    article_id: article.id,
                    outcome,
                    new_events,
                })
            }
        });
    }
    Ok(out)
}

/// Ingests articles built elsewhere (fetched from feeds) through the same path as files:
/// idempotent by URL and content, events extracted, `new_events` for pushes. `origin` names each
/// article in the report (feed items use their URL); it becomes the outcome's `path`.
pub fn ingest_articles(
    store: &Store,
    config: &Config,
    articles: Vec<(String, Article)>,
) -> Result<IngestReport, StoreError> {
    let extraction = Extraction::new(config);
    let mut report = IngestReport::default();
    for (origin, article) in articles {
        let article_id = article.id.clone();
        let (outcome, new_events) = store_article(store, &extraction, article)?;
        report.files.push(FileOutcome::Stored {
            path: PathBuf::from(origin),
            article_id,
            outcome,
            new_events,
        });
    }
    store.flush()?;
    Ok(report)
}

/// The extractor for a run, and a fingerprint of what shapes its output (the extraction code's
/// version and the topics and actors of the config). The fingerprint is stored with each
/// article's content hash, so a new build or a changed config re-extracts stored articles
/// instead of keeping events made by other rules.
struct Extraction {
    extractor: Extractor,
    fingerprint: String,
}

/// Bump when extraction rules change in a way that should re-extract stored articles.
const EXTRACTION_VERSION: &str = "extract-3";

impl Extraction {
    fn new(config: &Config) -> Extraction {
        let rules = format!(
            "{EXTRACTION_VERSION}{}{}",
            serde_json::to_string(&config.topics).unwrap_or_default(),
            serde_json::to_string(&config.actors).unwrap_or_default()
        );
        Extraction {
            extractor: Extractor::new(config),
            fingerprint: format!("{:016x}", crate::fnv::fnv1a64(rules.as_bytes())),
        }
    }
}

/// Extracts and stores one article; returns what the store did and the events new to it.
fn store_article(
    store: &Store,
    extraction: &Extraction,
    mut article: Article,
) -> Result<(PutOutcome, Vec<Event>), StoreError> {
    article.content_hash = format!("{}+{}", article.content_hash, extraction.fingerprint);
    let previous = store.article_hash(&article.id)?;
    if previous.as_deref() == Some(article.content_hash.as_str()) {
        // Unchanged content and rules: extraction is the expensive part, skip it.
        return Ok((PutOutcome::Unchanged, Vec::new()));
    }
    let old_sentences = match previous {
        Some(_) => old_sentences(store, &extraction.extractor, &article.id)?,
        None => HashSet::new(),
    };
    let events = extraction.extractor.events(&article);
    let old = previous.is_some().then_some(&old_sentences);
    let news = if store.marks_news() {
        vec![news_keys(&events, old)]
    } else {
        Vec::new()
    };
    let outcome = store.put_articles_with_news(&[(&article, &events)], &news)?[0];
    let new_events = match outcome {
        PutOutcome::Unchanged => Vec::new(),
        _ => new_events(events, old),
    };
    Ok((outcome, new_events))
}

/// The events of a stored article that are news: all of a new article's, and those of a
/// replaced one whose sentence its old version did not have (`old` is `None` for a new one).
fn new_events(events: Vec<Event>, old: Option<&HashSet<String>>) -> Vec<Event> {
    match old {
        None => events,
        Some(old) => events
            .into_iter()
            .filter(|e| !old.contains(&e.sentence))
            .collect(),
    }
}

/// The keys of [`new_events`], without taking the events.
fn news_keys(events: &[Event], old: Option<&HashSet<String>>) -> Vec<String> {
    events
        .iter()
        .filter(|e| old.is_none_or(|old| !old.contains(&e.sentence)))
        .map(Event::key)
        .collect()
}

/// Sentences of the events stored for the previous version of an article. The store has no
/// "events of an article" query, so the old version is re-extracted to learn its event keys,
/// and the stored events under those keys are read back; the re-extracted sentences count too,
/// so a changed config does not make old facts look new.
fn old_sentences(
    store: &Store,
    extractor: &Extractor,
    id: &str,
) -> Result<HashSet<String>, StoreError> {
    let mut sentences = HashSet::new();
    let Some(old) = store.article(id)? else {
        return Ok(sentences);
    };
    for event in extractor.events(&old) {
        if let Some(stored) = store.event(&event.key())? {
            sentences.insert(stored.sentence);
        }
        sentences.insert(event.sentence);
    }
    Ok(sentences)
}

enum Item {
    /// A problem found while planning (a manifest's, or an unreadable path).
    Problem(ArticleError),
    /// A file to read, with the index of its folder's manifest.
    File {
        path: PathBuf,
        manifest: Option<usize>,
    },
}

struct Plan<'a> {
    opts: &'a ReadOptions,
    items: Vec<Item>,
    manifests: Vec<Manifest>,
    /// Folder → index of its manifest (None: the folder has none).
    by_dir: HashMap<PathBuf, Option<usize>>,
    /// Manifests whose problems were already reported in this run.
    reported: HashSet<usize>,
    /// Files already planned (canonical paths), so overlapping arguments read a file once.
    planned: HashSet<PathBuf>,
}

impl<'a> Plan<'a> {
    fn new(opts: &'a ReadOptions) -> Plan<'a> {
        Plan {
            opts,
            items: Vec::new(),
            manifests: Vec::new(),
            by_dir: HashMap::new(),
            reported: HashSet::new(),
            planned: HashSet::new(),
        }
    }

    fn add_root(&mut self, path: &Path) {
        match std::fs::metadata(path) {
            Err(e) => self.items.push(Item::Problem(ArticleError::Io {
                path: path.to_path_buf(),
                message: e.to_string(),
            })),
            Ok(m) if m.is_dir() => self.add_dir(path),
            Ok(_) => {
                let dir = path
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let manifest = self.manifest(dir);
                if name == manifest::FILE_NAME {
                    // Naming a manifest means: check it and ingest the files it lists.
                    if let Some(i) = manifest {
                        self.report_manifest(i);
                        let files: Vec<String> =
                            self.manifests[i].files().map(str::to_string).collect();
                        for file in files {
                            self.add_file(dir.join(file), manifest);
                        }
                    }
                } else if walk::is_article_name(path) || self.listed(manifest, &name) {
                    self.add_file(path.to_path_buf(), manifest);
                } else {
                    self.items.push(Item::Problem(ArticleError::NotAnArticle {
                        path: path.to_path_buf(),
                    }));
                }
            }
        }
    }

    /// Plans a folder's articles: what the one walker (`article::walk`) finds, with each
    /// folder's manifest problems reported before its first file.
    fn add_dir(&mut self, dir: &Path) {
        for found in walk::walk(dir, self) {
            match found {
                Found::Article(path) => {
                    let folder = path.parent().unwrap_or(Path::new("."));
                    let manifest = self.manifest(folder);
                    if let Some(i) = manifest {
                        self.report_manifest(i);
                    }
                    self.add_file(path, manifest);
                }
                Found::Manifest(path) => {
                    if let Some(i) = self.manifest(path.parent().unwrap_or(Path::new("."))) {
                        self.report_manifest(i);
                    }
                }
                Found::Unreadable { path, message } => {
                    self.items
                        .push(Item::Problem(ArticleError::Io { path, message }));
                }
            }
        }
    }

    fn add_file(&mut self, path: PathBuf, manifest: Option<usize>) {
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if self.planned.insert(key) {
            self.items.push(Item::File { path, manifest });
        }
    }

    fn listed(&self, manifest: Option<usize>, name: &str) -> bool {
        manifest.is_some_and(|i| self.manifests[i].entry(name).is_some())
    }

    /// The manifest of a folder, loaded once per run.
    fn manifest(&mut self, dir: &Path) -> Option<usize> {
        let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if let Some(i) = self.by_dir.get(&key) {
            return *i;
        }
        let index = Manifest::load(dir, self.opts).map(|m| {
            self.manifests.push(m);
            self.manifests.len() - 1
        });
        self.by_dir.insert(key, index);
        index
    }

    fn report_manifest(&mut self, index: usize) {
        if self.reported.insert(index) {
            let problems = self.manifests[index].problems().to_vec();
            self.items.extend(problems.into_iter().map(Item::Problem));
        }
    }
}

impl walk::Listing for Plan<'_> {
    fn lists(&mut self, dir: &Path, file_name: &str) -> bool {
        let manifest = self.manifest(dir);
        self.listed(manifest, file_name)
    }
}
