//! `storyline bench --fanout N`: the push path under load, end to end. The real `storyline
//! serve` (a child process) talks to the in-project fake Bot API ([`super::fake_bot_api`]) over
//! real HTTP; N private chats follow the minerals deal; one article is dropped into the watched
//! folder, and the fan-out is timed from the drop to the last push Telegram accepted.
//!
//! Reported: pushes per second (first to last accepted push), time to the first and the last
//! push, pushes lost (chats without one) and doubled (copies beyond one per chat), serve's peak
//! RSS (`VmHWM`, read from /proc before it stops) and its RSS once the fan-out is done, and how
//! long an unrelated chat waited for an answer asked in the middle of the fan-out. With
//! `--inject-429 K`, K subscribers' first push is refused with 429 `retry_after` 5 s.
//!
//! The subscriptions are written into the store before `serve` starts: subscribing 10,000 chats
//! through Telegram would take 10,000 answers at 30 a second, and it is not what is measured.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::{json, Value};

use super::fake_bot_api::{FakeBotApi, Fault, Sent};
use crate::config::{Config, DEFAULT_CONFIG};
use crate::ingest::ingest_paths;
use crate::notify::Subscription;
use crate::store::Store;

/// The articles in the folder when `serve` starts (the story up to the signing), and the one
/// dropped to start the fan-out (the ratification: a status change and what is new).
const SEED_ARTICLES: &[(&str, &str)] = &[
    (
        "a4-2025-04-18-memorandum-of-intent.txt",
        include_str!("../../tests/data/dev/a4-2025-04-18-memorandum-of-intent.txt"),
    ),
    (
        "a5-2025-05-01-minerals-deal-signed.txt",
        include_str!("../../tests/data/dev/a5-2025-05-01-minerals-deal-signed.txt"),
    ),
];
const DROPPED: (&str, &str) = (
    "a6-2025-05-09-rada-ratifies-deal.txt",
    include_str!("../../tests/data/dev/a6-2025-05-09-rada-ratifies-deal.txt"),
);
/// The topic the subscribers follow.
const TOPIC: &str = "minerals";
/// Subscriber chat ids start here (private chats).
const FIRST_CHAT: i64 = 1_000_000;
/// The chat that asks a question during the fan-out (follows nothing).
const BYSTANDER: i64 = 42;
/// The fan-out is given up when no push was accepted for this long.
const STALL: Duration = Duration::from_secs(90);
/// After the last expected push, how long to keep watching for copies.
const SETTLE: Duration = Duration::from_secs(3);
/// `retry_after` of an injected 429.
const INJECTED_RETRY_AFTER: u32 = 5;

/// How a fan-out run is set up.
#[derive(Debug, Clone)]
pub struct FanoutSettings {
    pub subscribers: usize,
    /// Subscribers whose first push gets a 429.
    pub inject_429: usize,
    /// The binary whose `serve` is measured.
    pub serve_exe: PathBuf,
    /// The config file the bench was given (its topics); `None`: the built-in one.
    pub config_path: Option<PathBuf>,
}

/// Runs the fan-out and prints the figures (a table, or JSON lines with `--json`).
pub fn fanout_command(settings: &FanoutSettings, json_lines: bool) -> anyhow::Result<ExitCode> {
    if settings.subscribers == 0 {
        bail!("--fanout needs a number of subscribers above zero");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let rows = runtime.block_on(run(settings))?;
    for row in &rows {
        if json_lines {
            println!("{row}");
        } else {
            println!(
                "{:<28} {:>12}  {}",
                row["metric"].as_str().unwrap_or("?"),
                format_value(&row["value"]),
                row["unit"].as_str().unwrap_or("")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn format_value(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x.fract() == 0.0 => format!("{x:.0}"),
        Some(x) if x >= 100.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.2}"),
        None => "n/a".into(),
    }
}

/// A push (not an answer): pushes are titled "…: new from Outlet" or "…: also reported by …".
fn is_push(sent: &Sent) -> bool {
    sent.text.contains(": new from ") || sent.text.contains(": also reported by ")
}

/// The scratch folder of one run, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `serve` as a child process; killed if the bench ends early.
struct Serve {
    child: Child,
    log: PathBuf,
}

impl Serve {
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// A field of the child's /proc status in MiB (`VmHWM:`, `VmRSS:`).
    fn memory_mb(&self, field: &str) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with(field))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    }

    /// SIGTERM, then waits up to 30 s for a clean exit.
    async fn stop(mut self) -> anyhow::Result<()> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait()? {
                if !status.success() {
                    bail!("serve exited with {status}:\n{}", self.log_tail());
                }
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("serve did not stop within 30 s of SIGTERM")
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

async fn run(settings: &FanoutSettings) -> anyhow::Result<Vec<Value>> {
    let root = std::env::temp_dir().join(format!("storyline-fanout-{}", std::process::id()));
    if root.exists() {
        std::fs::remove_dir_all(&root)?;
    }
    std::fs::create_dir_all(&root)?;
    let scratch = Scratch(root.clone());
    let (config, data, articles) = prepare(&scratch.0, settings)?;
    let chats: Vec<i64> = (0..settings.subscribers as i64)
        .map(|i| FIRST_CHAT + i)
        .collect();
    eprintln!("bench: subscribing {} chats…", chats.len());
    subscribe(settings, &data, &articles, &chats)?;

    let api = FakeBotApi::start().await;
    let serve = start_serve(settings, &api, &config, &data, &articles).await?;
    for chat in chats
        .iter()
        .step_by((chats.len() / settings.inject_429.max(1)).max(1))
        .take(settings.inject_429)
    {
        api.fail_next(*chat, Fault::RetryAfter(INJECTED_RETRY_AFTER), 1);
    }
    eprintln!("bench: dropping the article…");
    let dropped = drop_article(&scratch.0, &articles)?;
    let progress = watch_fanout(&api, &serve, &chats, dropped).await;
    tokio::time::sleep(SETTLE).await;
    let peak = serve.memory_mb("VmHWM:");
    let after = serve.memory_mb("VmRSS:");
    let tail = serve.log_tail();
    serve.stop().await?;

    let counts = api.delivered_count_by_chat(is_push);
    let lost = chats.iter().filter(|c| !counts.contains_key(c)).count();
    let doubled: usize = counts.values().map(|n| n.saturating_sub(1)).sum();
    let delivered: usize = counts.values().sum();
    let Some((first, last)) = api.delivered_span(is_push) else {
        bail!("no push was delivered; serve's log ends:\n{tail}");
    };
    if lost > 0 {
        eprintln!("bench: {lost} chats got no push; serve's log ends:\n{tail}");
    }
    let span = last.duration_since(first).as_secs_f64();
    let per_s = if span > 0.0 {
        (delivered.saturating_sub(1)) as f64 / span
    } else {
        f64::NAN
    };
    let row = |metric: &str, value: f64, unit: &str| json!({ "metric": metric, "subscribers": settings.subscribers, "value": (value * 1000.0).round() / 1000.0, "unit": unit });
    Ok(vec![
        row("pushes_per_s", per_s, "pushes/s"),
        row(
            "time_to_first_push_s",
            first.duration_since(dropped).as_secs_f64(),
            "s",
        ),
        row(
            "time_to_last_push_s",
            last.duration_since(dropped).as_secs_f64(),
            "s",
        ),
        row("pushes_delivered", delivered as f64, "pushes"),
        row("pushes_lost", lost as f64, "chats"),
        row("pushes_doubled", doubled as f64, "pushes"),
        row("serve_peak_rss_mb", peak.unwrap_or(f64::NAN), "MB"),
        row("serve_rss_after_mb", after.unwrap_or(f64::NAN), "MB"),
        row(
            "answer_during_fanout_ms",
            progress
                .bystander_answer
                .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0),
            "ms",
        ),
        row("injected_429", settings.inject_429 as f64, "chats"),
    ])
}

/// Writes the config (the bench's, scanning the folder every second), the seed articles and
/// returns (config file, data folder, article folder).
fn prepare(root: &Path, settings: &FanoutSettings) -> anyhow::Result<(PathBuf, PathBuf, PathBuf)> {
    let text = match &settings.config_path {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?
        }
        None => DEFAULT_CONFIG.to_string(),
    };
    let config = root.join("storyline.toml");
    std::fs::write(&config, with_watch_every_second(&text))?;
    let articles = root.join("articles");
    std::fs::create_dir_all(&articles)?;
    for (name, body) in SEED_ARTICLES {
        std::fs::write(articles.join(name), body)?;
    }
    Ok((config, root.join("data"), articles))
}

/// The config text with `telegram.watch_seconds = 1`, so the drop is seen within a second.
fn with_watch_every_second(config: &str) -> String {
    let mut out = String::with_capacity(config.len() + 32);
    let mut set = false;
    for line in config.lines() {
        if line.trim_start().starts_with("watch_seconds") {
            out.push_str("watch_seconds = 1\n");
            set = true;
        } else {
            out.push_str(line);
            out.push('\n');
            if line.trim() == "[telegram]" && !config.contains("\nwatch_seconds") {
                out.push_str("watch_seconds = 1\n");
                set = true;
            }
        }
    }
    if !set {
        out.push_str("\n[telegram]\nwatch_seconds = 1\n");
    }
    out
}

/// Ingests the seed articles (so `serve`'s first scan finds them stored and pushes nothing)
/// and subscribes `chats` to [`TOPIC`].
fn subscribe(
    settings: &FanoutSettings,
    data: &Path,
    articles: &Path,
    chats: &[i64],
) -> anyhow::Result<()> {
    let config = Config::load(settings.config_path.as_deref())?;
    let store = Store::open(data)?;
    let report = ingest_paths(&store, &config, &[articles])?;
    if report.failed() > 0 {
        bail!(
            "the seed articles did not ingest: {}",
            report.summary_line()
        );
    }
    for chat in chats {
        store.add_subscription(&Subscription {
            chat_id: *chat,
            thread_id: None,
            topic: TOPIC.into(),
        })?;
    }
    store.flush()?;
    Ok(())
}

async fn start_serve(
    settings: &FanoutSettings,
    api: &FakeBotApi,
    config: &Path,
    data: &Path,
    articles: &Path,
) -> anyhow::Result<Serve> {
    let log = config.with_file_name("serve.log");
    let file = std::fs::File::create(&log)?;
    let child = Command::new(&settings.serve_exe)
        .arg("--config")
        .arg(config)
        .arg("--data")
        .arg(data)
        .arg("--articles")
        .arg(articles)
        .arg("serve")
        .env("TELOXIDE_TOKEN", "123456789:bench-token")
        .env("TELOXIDE_API_URL", api.url())
        .env_remove("STORYLINE_DATA")
        .env(
            "RUST_LOG",
            std::env::var("STORYLINE_FANOUT_LOG").unwrap_or_else(|_| "storyline=warn".into()),
        )
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .spawn()
        .with_context(|| format!("starting {} serve", settings.serve_exe.display()))?;
    let serve = Serve { child, log };
    let ready = api
        .wait_until(Duration::from_secs(120), |a| {
            !a.calls_to("setMyCommands").is_empty() && a.methods().iter().any(|m| m == "getupdates")
        })
        .await;
    if !ready {
        bail!(
            "serve did not start polling; its log ends:\n{}",
            serve.log_tail()
        );
    }
    Ok(serve)
}

/// Moves the article in whole (written beside the folder, then renamed), and returns when.
fn drop_article(root: &Path, articles: &Path) -> anyhow::Result<Instant> {
    let staging = root.join(format!(".{}", DROPPED.0));
    std::fs::write(&staging, DROPPED.1)?;
    let at = Instant::now();
    std::fs::rename(&staging, articles.join(DROPPED.0))?;
    Ok(at)
}

/// What was seen while the fan-out ran.
struct Progress {
    /// How long the bystander's question waited for its answer.
    bystander_answer: Option<Duration>,
}

/// Waits until every chat got a push, or until none was accepted for [`STALL`]; once the
/// first push is out, an unrelated chat asks `/latest` and its answer is timed.
async fn watch_fanout(
    api: &FakeBotApi,
    serve: &Serve,
    chats: &[i64],
    dropped: Instant,
) -> Progress {
    let mut asked: Option<Instant> = None;
    let mut answered = None;
    let mut last_count = 0;
    let mut last_change = Instant::now();
    let mut report = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let counts = api.delivered_count_by_chat(is_push);
        let done = chats.iter().filter(|c| counts.contains_key(c)).count();
        if asked.is_none() && done > 0 {
            asked = Some(Instant::now());
            api.send_text(BYSTANDER, "/latest minerals");
        }
        if let (Some(at), None) = (asked, answered) {
            if !api
                .delivered_count_by_chat(|s: &Sent| s.chat_id == BYSTANDER)
                .is_empty()
            {
                let answer_at = api
                    .delivered_span(|s: &Sent| s.chat_id == BYSTANDER)
                    .map(|(first, _)| first);
                answered = answer_at.map(|t| t.saturating_duration_since(at));
            }
        }
        if report.elapsed() >= Duration::from_secs(10) {
            report = Instant::now();
            eprintln!(
                "bench: {done} of {} chats pushed after {:.0} s (serve RSS {:.0} MB)",
                chats.len(),
                dropped.elapsed().as_secs_f64(),
                serve.memory_mb("VmRSS:").unwrap_or(f64::NAN)
            );
        }
        if done != last_count {
            last_count = done;
            last_change = Instant::now();
        }
        let all = done == chats.len();
        if (all && (answered.is_some() || asked.is_none())) || last_change.elapsed() > STALL {
            break;
        }
    }
    Progress {
        bystander_answer: answered,
    }
}
