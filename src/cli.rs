//! The commands that read or write the store (`ingest`, `feeds`, `ask`, `stats`), written to
//! any pair of outputs so that they run the same way in the `storyline` process and, while the
//! bot runs, inside `serve` for a client of its control socket (the `control` module): the same
//! output, the same exit code.
//!
//! Exit codes: 0 success, 1 an error (printed as `error: …` on the error output), 2 some
//! article files or feed items were skipped (each named on the error output; the rest went in).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use anyhow::Context;

use crate::answer::{Engine, PictureKind, Request, Subscriber};
use crate::config::Config;
use crate::ingest::{ingest_paths, FileOutcome, IngestReport};
use crate::picture::Lang;
use crate::render::plain_text;
use crate::store::Store;

/// A command that needs the store, as the command line gave it (paths already absolute, so
/// `serve` reads the same files whatever its working directory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StoreCommand {
    /// Article files or folders (none: the configured folders) and feeds to fetch once.
    Ingest {
        paths: Vec<PathBuf>,
        feeds: Vec<String>,
    },
    Feeds {
        json: bool,
    },
    Ask {
        text: Vec<String>,
    },
    Stats {
        json: bool,
    },
    /// `timeline TOPIC`: the text timeline, or with `png` the picture written to that file.
    Timeline {
        topic: Option<String>,
        png: Option<PathBuf>,
        lang: String,
    },
    /// `status TOPIC`: the text status, or with `png` the status card written to that file.
    Status {
        topic: Option<String>,
        png: Option<PathBuf>,
        lang: String,
    },
}

impl StoreCommand {
    /// The same command with relative paths made absolute against `cwd`.
    pub fn absolute(self, cwd: &Path) -> StoreCommand {
        match self {
            StoreCommand::Ingest { paths, feeds } => StoreCommand::Ingest {
                paths: paths.into_iter().map(|p| cwd.join(p)).collect(),
                feeds,
            },
            StoreCommand::Timeline { topic, png, lang } => StoreCommand::Timeline {
                topic,
                png: png.map(|p| cwd.join(p)),
                lang,
            },
            StoreCommand::Status { topic, png, lang } => StoreCommand::Status {
                topic,
                png: png.map(|p| cwd.join(p)),
                lang,
            },
            other => other,
        }
    }
}

/// What a store command runs against.
pub struct StoreContext {
    pub store: Arc<Store>,
    pub config: Arc<Config>,
    pub engine: Arc<Engine>,
}

impl StoreContext {
    pub fn new(store: Arc<Store>, config: Arc<Config>) -> StoreContext {
        let engine = Arc::new(Engine::new(config.clone(), store.clone()));
        StoreContext {
            store,
            config,
            engine,
        }
    }
}

/// Runs `command`, printing to `out` and `err`; returns the exit code. `ingested` hears every
/// ingest of article files (`serve` plans their pushes). Errors are printed, as `error: …`,
/// with exit code 1.
pub fn run_store_command(
    command: &StoreCommand,
    ctx: &StoreContext,
    ingested: &mut dyn FnMut(IngestReport),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    match run(command, ctx, ingested, out, err) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(err, "error: {e:#}");
            1
        }
    }
}

fn run(
    command: &StoreCommand,
    ctx: &StoreContext,
    ingested: &mut dyn FnMut(IngestReport),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<u8> {
    let config = &ctx.config;
    match command {
        StoreCommand::Ingest { paths, feeds } => {
            let mut failed = false;
            if !paths.is_empty() || feeds.is_empty() {
                let paths = if paths.is_empty() {
                    config.article_dirs.clone()
                } else {
                    paths.clone()
                };
                let report = ingest(&ctx.store, config, &paths, err)?;
                failed |= report.failed() > 0;
                ingested(report);
            }
            if !feeds.is_empty() {
                failed |= !ingest_feeds(&ctx.store, config, feeds, err)?;
            }
            Ok(if failed { 2 } else { 0 })
        }
        StoreCommand::Feeds { json } => {
            list_feeds(&ctx.store, config, *json, out)?;
            Ok(0)
        }
        StoreCommand::Ask { text } => {
            if ctx.store.articles()?.is_empty() {
                // A fresh store: read the bundled articles first, so the first question works.
                let report = ingest(&ctx.store, config, &config.article_dirs.clone(), err)?;
                ingested(report);
            }
            let reply = ctx.engine.handle(&Subscriber::terminal(), &text.join(" "));
            write!(out, "{}", plain_text(&reply))?;
            Ok(0)
        }
        StoreCommand::Stats { json } => {
            stats(&ctx.store, *json, out)?;
            Ok(0)
        }
        StoreCommand::Timeline { topic, png, lang } => {
            let request = Request::Timeline {
                topic: topic.clone(),
            };
            let kind = PictureKind::Timeline;
            picture_or_text(ctx, &request, kind, topic, png.as_deref(), lang, out)
        }
        StoreCommand::Status { topic, png, lang } => {
            let request = Request::Status {
                topic: topic.clone(),
                as_of: None,
            };
            let kind = PictureKind::StatusCard;
            picture_or_text(ctx, &request, kind, topic, png.as_deref(), lang, out)
        }
    }
}

/// `timeline`/`status`: the answer as text, or with `png` the picture written to that file
/// (through a temporary file renamed into place, so a crash leaves no half-written picture).
fn picture_or_text(
    ctx: &StoreContext,
    request: &Request,
    kind: PictureKind,
    topic: &Option<String>,
    png: Option<&Path>,
    lang: &str,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let Some(path) = png else {
        let reply = ctx.engine.answer(&Subscriber::terminal(), request);
        write!(out, "{}", plain_text(&reply))?;
        return Ok(0);
    };
    let bytes = ctx
        .engine
        .picture_png(kind, topic.as_deref(), Lang::from_code(lang))?;
    let tmp = path.with_extension("png.tmp");
    std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    let (w, h) = png_size(&bytes).unwrap_or((0, 0));
    writeln!(
        out,
        "wrote {} ({w}×{h} pixels, {} bytes)",
        path.display(),
        bytes.len()
    )?;
    Ok(0)
}

/// The width and height in a PNG's header.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let be = |r: std::ops::Range<usize>| Some(u32::from_be_bytes(bytes.get(r)?.try_into().ok()?));
    Some((be(16..20)?, be(20..24)?))
}

fn stats(store: &Store, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let stats = store.stats()?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&stats)?)?;
        return Ok(());
    }
    writeln!(out, "articles:      {}", stats.articles)?;
    writeln!(out, "events:        {}", stats.events)?;
    for (topic, n) in &stats.per_topic {
        writeln!(out, "  {topic:<12} {n}")?;
    }
    writeln!(
        out,
        "last ingest:   {}",
        stats.last_ingest.as_deref().unwrap_or("never")
    )?;
    writeln!(out, "size on disk:  {} bytes", stats.size_on_disk)?;
    Ok(())
}

/// Ingests and reports: one line per failed file on `err`, then a summary line.
pub fn ingest(
    store: &Store,
    config: &Config,
    paths: &[PathBuf],
    err: &mut dyn Write,
) -> anyhow::Result<IngestReport> {
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let report = ingest_paths(store, config, &refs)?;
    for f in &report.files {
        if let FileOutcome::Failed { reason, .. } = f {
            writeln!(err, "skipped: {reason}")?;
        }
    }
    writeln!(err, "{}", report.summary_line())?;
    Ok(report)
}

/// Fetches each feed once and ingests its items: one line per skipped or failed item on `err`,
/// then a summary line per feed. Returns whether everything went through.
fn ingest_feeds(
    store: &Arc<Store>,
    config: &Arc<Config>,
    urls: &[String],
    err: &mut dyn Write,
) -> anyhow::Result<bool> {
    for url in urls {
        crate::config::feeds::check_url(url).map_err(|e| anyhow::anyhow!("--feed {url:?}: {e}"))?;
    }
    let poller = crate::feeds::FeedPoller::new(store.clone(), config.clone())?;
    // Inside `serve` this runs on a blocking thread of its runtime, which can wait on it;
    // the command line has no runtime and makes one (whose own `block_on` drives its timers
    // and sockets: a handle's would wait forever).
    let own = match tokio::runtime::Handle::try_current() {
        Ok(_) => None,
        Err(_) => Some(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?,
        ),
    };
    let mut ok = true;
    for url in urls {
        let feed = poller.feed_for_url(url);
        let poll = poller.poll(&feed);
        let report = match &own {
            Some(runtime) => runtime.block_on(poll),
            None => tokio::runtime::Handle::current().block_on(poll),
        };
        for p in &report.skipped {
            writeln!(err, "skipped: {}: {}", p.item, p.reason)?;
        }
        for p in &report.failed {
            writeln!(err, "failed (retried next time): {}: {}", p.item, p.reason)?;
        }
        writeln!(err, "feed {}: {}", report.url, report.summary_line())?;
        ok &= !report.is_failure() && report.skipped.is_empty() && report.failed.is_empty();
    }
    Ok(ok)
}

/// `storyline feeds`: each configured feed with its state.
fn list_feeds(
    store: &Store,
    config: &Config,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let feeds = crate::feeds::overview(config, store)?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&feeds)?)?;
        return Ok(());
    }
    if feeds.is_empty() {
        writeln!(
            out,
            "no feeds configured (add [[feed]] entries to the config)"
        )?;
        return Ok(());
    }
    let when = |t: &Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or("never".to_string(), |t| {
            t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
        })
    };
    for (i, f) in feeds.iter().enumerate() {
        let s = &f.state;
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", f.url)?;
        writeln!(
            out,
            "  outlet:       {}",
            f.outlet.as_deref().unwrap_or("(the feed's title)")
        )?;
        writeln!(out, "  every:        {} min", f.interval_minutes)?;
        let topics = if f.topics.is_empty() {
            "all".to_string()
        } else {
            f.topics.join(", ")
        };
        writeln!(out, "  topics:       {topics}")?;
        let status = if s.disabled {
            "DISABLED (ingest --feed URL retries it)"
        } else {
            "enabled"
        };
        writeln!(out, "  status:       {status}")?;
        writeln!(out, "  last fetch:   {}", when(&s.last_fetch))?;
        writeln!(out, "  last success: {}", when(&s.last_success))?;
        writeln!(
            out,
            "  last error:   {}",
            s.last_error.as_deref().unwrap_or("-")
        )?;
        writeln!(out, "  failures:     {} in a row", s.consecutive_failures)?;
        writeln!(out, "  items seen:   {}", s.items_seen)?;
        writeln!(
            out,
            "  last result:  {}",
            s.last_result.as_deref().unwrap_or("-")
        )?;
        let next = if s.disabled {
            "-".to_string()
        } else {
            when(&s.next_fetch).replace("never", "when serve starts")
        };
        writeln!(out, "  next fetch:   {next}")?;
    }
    Ok(())
}
