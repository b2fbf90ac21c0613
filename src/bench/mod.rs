//! Benchmarks and stress corpora: `storyline gen-corpus` writes a deterministic synthetic
//! corpus in the ordinary article formats ([`gen_corpus`]); `storyline bench` builds stores of
//! several sizes from such corpora with the real ingest path and measures ingest throughput,
//! answer latency, memory, store size and open time.
//!
//! How a bench run is laid out (why: figures must belong to one size and one phase):
//! 1. the corpus for (size, seed, config) is generated once and cached under the system temp
//!    dir (`storyline-bench/`), with a marker file written last so a half-written corpus is
//!    never reused;
//! 2. a child process (this binary, `bench --child ingest`) ingests it into a fresh store;
//! 3. another fresh child (`bench --child answer`) opens that store, answers once (open → first
//!    answer), answers the fixed mix of 1,000 requests and reports its peak RSS;
//! 4. a last child (`bench --child push`) adds 10,000 subscribers to a topic, ingests one new
//!    article about it and times the push planning (`PushPlanner::queue_report`);
//! 5. the reference (`reference.rs`): a child builds a bare tantivy sentence index of the same
//!    corpus (`bench --child reference`), another answers the same questions from it
//!    (`--child reference-answer`); its figures are reported as `ref_*` beside Storyline's,
//!    with `ratio_*` = Storyline / reference;
//! 6. the parent measures the stores' files on disk against the corpus bytes and prints a table
//!    or, with `--json`, one JSON object per line.
//!
//! Sizes are any article counts: the README's figures come from 1,000 to 100,000, and a
//! 1,000,000-article point (`--sizes 1000000`: about 1.4 GB of text, kept out of CI) shows the
//! growth beyond.
//!
//! `bench --fanout N` measures serving instead: one article pushed to N subscribers by the real
//! `serve` against the in-project fake Bot API ([`fanout`], [`fake_bot_api`]).

pub mod child;
pub mod fake_bot_api;
pub mod fanout;
pub mod gen_corpus;
pub mod picture;
pub mod reference;
pub mod requests;
pub mod rng;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{bail, Context};
use serde_json::{json, Value};

use crate::config::Config;

/// The seed of `gen-corpus` and `bench` when none is given.
pub const DEFAULT_SEED: u64 = 20250304;

/// Bump when the generator's output changes, so cached corpora are not reused.
const GENERATOR_VERSION: u32 = 2;

/// The metrics every size reports, in table order (latency ones once per request kind).
pub const METRICS: &[&str] = &[
    "ingest_articles_per_s",
    "ingest_events_per_s",
    "latency_p50_ms",
    "latency_p99_ms",
    "peak_rss_mb",
    "store_bytes_per_text_byte",
    "open_to_first_answer_ms",
    "push_plan_10k_ms",
];

/// `gen-corpus` arguments. The article count comes from the global `--articles` flag (see
/// [`gen_corpus_command`]).
#[derive(Debug, clap::Args)]
pub struct GenCorpusArgs {
    /// Folder to write into (created if missing; existing files with the same names are
    /// overwritten).
    #[arg(long)]
    pub out: PathBuf,
    /// Seed: the same seed, count and config give byte-identical files.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
}

/// `bench` arguments.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Corpus sizes in articles, comma-separated (1000000 for the million-article point).
    #[arg(long, value_delimiter = ',', default_values_t = [1_000usize, 10_000, 100_000])]
    pub sizes: Vec<usize>,
    /// Questions to ask, one a line (blank lines and `#` comments skipped), instead of the
    /// generated ones; Storyline and the reference are asked the same.
    #[arg(long, value_name = "FILE")]
    pub questions: Option<PathBuf>,
    /// One JSON object per line instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Corpus seed.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Where generated corpora are cached (default: <temp dir>/storyline-bench).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Instead of the store benchmark: push one article to this many subscribers through the
    /// real `serve` and the in-project fake Bot API (pushes/s, time to the last push, lost,
    /// doubled, serve's peak RSS).
    #[arg(long, value_name = "N")]
    pub fanout: Option<usize>,
    /// With --fanout: this many subscribers' first push is refused with 429 (retry after 5 s).
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub inject_429: usize,
    /// With --fanout: the storyline binary whose `serve` is measured (default: this one), for
    /// comparing two builds.
    #[arg(long, value_name = "PATH")]
    pub serve_exe: Option<PathBuf>,
    /// Instead of the store benchmark: draw a 40-event timeline picture and a status card this
    /// many times each and print the median, 95th percentile and worst time (issue 14's
    /// target: a timeline under 50 ms in a release build).
    #[arg(long, value_name = "RUNS")]
    pub picture: Option<usize>,
    /// Internal: run one measuring phase ("ingest", "answer", "push", "reference",
    /// "reference-answer") in this process.
    #[arg(long, hide = true)]
    pub child: Option<String>,
    /// Internal: the corpus folder of an ingest child.
    #[arg(long, hide = true)]
    pub corpus: Option<PathBuf>,
    /// Internal: the store folder of a child.
    #[arg(long, hide = true)]
    pub store: Option<PathBuf>,
}

/// `storyline gen-corpus --articles N --out DIR [--seed S]`. The CLI's `--articles` is a
/// global flag (article folders for the other commands), so clap cannot also give this
/// subcommand its own `--articles`; here its single value is read as the count.
pub fn gen_corpus_command(
    config: &Config,
    articles: &[PathBuf],
    args: &GenCorpusArgs,
) -> anyhow::Result<ExitCode> {
    let n = match articles {
        [one] => one
            .to_str()
            .and_then(|s| s.replace('_', "").parse::<usize>().ok())
            .with_context(|| format!("--articles takes a number of articles, not {:?}", one))?,
        _ => bail!("gen-corpus needs exactly one --articles N (the number of articles to write)"),
    };
    let started = std::time::Instant::now();
    let summary = gen_corpus::generate(config, &args.out, n, args.seed)
        .with_context(|| format!("writing the corpus into {}", args.out.display()))?;
    eprintln!(
        "wrote {} articles ({} described by manifests) in {} folders, {:.1} MB, in {:.1}s",
        summary.articles,
        summary.manifest_articles,
        summary.folders,
        summary.text_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// `storyline bench`: the parent (or, with `--child`, one measuring phase).
pub fn bench_command(
    config: &Config,
    config_path: Option<&Path>,
    args: &BenchArgs,
) -> anyhow::Result<ExitCode> {
    let questions = match &args.questions {
        Some(path) => read_questions(path)?,
        None => Vec::new(),
    };
    if let Some(phase) = &args.child {
        let store = args.store.as_deref().context("--child needs --store")?;
        match phase.as_str() {
            "ingest" => child::ingest(
                config,
                args.corpus
                    .as_deref()
                    .context("--child ingest needs --corpus")?,
                store,
            )?,
            "answer" => child::answer(config.clone(), store, args.seed, &questions)?,
            "push" => child::push(config.clone(), store)?,
            "reference" => reference::build(
                config,
                args.corpus
                    .as_deref()
                    .context("--child reference needs --corpus")?,
                store,
            )?,
            "reference-answer" => {
                let vocab = gen_corpus::Vocabulary::new(config);
                let asked: Vec<String> =
                    requests::request_mix(config, &vocab, args.seed, &questions)
                        .into_iter()
                        .filter(|(k, _)| *k == requests::RequestKind::Question)
                        .map(|(_, q)| q)
                        .collect();
                reference::answer(store, &asked)?
            }
            other => bail!("unknown bench phase {other:?}"),
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(runs) = args.picture {
        picture::picture_command(runs)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(subscribers) = args.fanout {
        let serve_exe = match &args.serve_exe {
            Some(p) => p.clone(),
            None => std::env::current_exe().context("finding the storyline binary")?,
        };
        let settings = fanout::FanoutSettings {
            subscribers,
            inject_429: args.inject_429,
            serve_exe,
            config_path: config_path.map(Path::to_path_buf),
        };
        return fanout::fanout_command(&settings, args.json);
    }
    if args.sizes.is_empty() || args.sizes.contains(&0) {
        bail!("--sizes needs one or more article counts above zero");
    }
    let root = args
        .cache
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("storyline-bench"));
    std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
    let mut rows: Vec<Value> = Vec::new();
    for &size in &args.sizes {
        let lines = bench_size(
            config,
            config_path,
            &root,
            size,
            args.seed,
            args.questions.as_deref(),
        )?;
        for line in lines {
            if args.json {
                println!("{line}");
            }
            rows.push(line);
        }
    }
    if !args.json {
        print!("{}", table(&args.sizes, &rows));
    }
    Ok(ExitCode::SUCCESS)
}

/// Everything measured for one size, as JSON lines with `"articles"` set.
fn bench_size(
    config: &Config,
    config_path: Option<&Path>,
    root: &Path,
    size: usize,
    seed: u64,
    questions: Option<&Path>,
) -> anyhow::Result<Vec<Value>> {
    let (corpus, text_bytes) = cached_corpus(config, root, size, seed)?;
    let mut asked: Vec<&str> = Vec::new();
    if let Some(q) = questions {
        asked.extend(["--questions", path_str(q)?]);
    }
    let store = root.join(format!("store-{size}-{}", std::process::id()));
    if store.exists() {
        std::fs::remove_dir_all(&store)?;
    }
    eprintln!("bench: {size} articles: ingesting…");
    let mut out = run_child(
        config_path,
        &[
            "--child",
            "ingest",
            "--corpus",
            path_str(&corpus)?,
            "--store",
            path_str(&store)?,
        ],
    )?;
    let store_bytes = dir_bytes(&store)?;
    let got = |out: &[Value], m: &str| {
        out.iter()
            .find(|v| v["metric"] == m)
            .and_then(|v| v["value"].as_f64())
    };
    eprintln!(
        "bench: {size} articles: ingest {:.0} articles/s, {:.1}s, store {:.1} MB",
        got(&out, "ingest_articles_per_s").unwrap_or(f64::NAN),
        got(&out, "ingest_seconds").unwrap_or(f64::NAN),
        store_bytes as f64 / 1e6
    );
    out.push(json!({
        "metric": "store_bytes_per_text_byte",
        "value": (store_bytes as f64 / text_bytes.max(1) as f64 * 1000.0).round() / 1000.0,
        "unit": "bytes/byte",
    }));
    out.push(json!({ "metric": "store_mb", "value": (store_bytes as f64 / 1e5).round() / 10.0, "unit": "MB" }));
    out.push(json!({ "metric": "corpus_mb", "value": (text_bytes as f64 / 1e5).round() / 10.0, "unit": "MB" }));
    eprintln!("bench: {size} articles: answering…");
    let seed_s = seed.to_string();
    out.extend(run_child(
        config_path,
        &[
            "--child",
            "answer",
            "--store",
            path_str(&store)?,
            "--seed",
            &seed_s,
        ]
        .into_iter()
        .chain(asked.iter().copied())
        .collect::<Vec<_>>(),
    )?);
    // Last: it adds subscriptions, an article and pushes to the store.
    eprintln!("bench: {size} articles: planning a push to 10,000 subscribers…");
    out.extend(run_child(
        config_path,
        &["--child", "push", "--store", path_str(&store)?],
    )?);
    std::fs::remove_dir_all(&store).ok();
    out.extend(reference_figures(
        config_path,
        &corpus,
        &root.join(format!("reference-{size}-{}", std::process::id())),
        text_bytes,
        &seed_s,
        &asked,
    )?);
    out.extend(ratios(&out));
    for v in &mut out {
        if let Some(o) = v.as_object_mut() {
            o.insert("articles".into(), json!(size));
        }
    }
    // Field order as the issue writes it: metric, articles, value, unit (then request / note).
    Ok(out.into_iter().map(order_fields).collect())
}

/// The reference's figures for one corpus: build, size, answers (see `reference.rs`).
fn reference_figures(
    config_path: Option<&Path>,
    corpus: &Path,
    index: &Path,
    text_bytes: u64,
    seed: &str,
    asked: &[&str],
) -> anyhow::Result<Vec<Value>> {
    if index.exists() {
        std::fs::remove_dir_all(index)?;
    }
    eprintln!("bench: the tantivy reference: indexing…");
    let mut out = run_child(
        config_path,
        &[
            "--child",
            "reference",
            "--corpus",
            path_str(corpus)?,
            "--store",
            path_str(index)?,
        ],
    )?;
    let bytes = dir_bytes(index)?;
    out.push(json!({
        "metric": "ref_store_bytes_per_text_byte",
        "value": (bytes as f64 / text_bytes.max(1) as f64 * 1000.0).round() / 1000.0,
        "unit": "bytes/byte",
    }));
    eprintln!("bench: the tantivy reference: answering…");
    let mut args = vec![
        "--child",
        "reference-answer",
        "--store",
        path_str(index)?,
        "--seed",
        seed,
    ];
    args.extend(asked.iter().copied());
    out.extend(run_child(config_path, &args)?);
    std::fs::remove_dir_all(index).ok();
    Ok(out)
}

/// `ratio_<metric>` = Storyline's figure / the reference's, for each metric both report.
fn ratios(rows: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for r in rows {
        let Some(name) = r["metric"].as_str().and_then(|m| m.strip_prefix("ref_")) else {
            continue;
        };
        let ours = rows.iter().find(|o| {
            o["metric"] == name && o.get("request").is_none_or(|q| Some(q) == r.get("request"))
        });
        let (Some(a), Some(b)) = (ours.and_then(|o| o["value"].as_f64()), r["value"].as_f64())
        else {
            continue;
        };
        if b == 0.0 {
            continue;
        }
        let mut line = json!({
            "metric": format!("ratio_{name}"),
            "value": (a / b * 100.0).round() / 100.0,
            "unit": "x",
        });
        if let Some(q) = r.get("request") {
            line["request"] = q.clone();
        }
        out.push(line);
    }
    out
}

/// The questions of a `--questions` file: one a line, blank lines and `#` comments skipped.
fn read_questions(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading questions from {}", path.display()))?;
    let questions: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    if questions.is_empty() {
        bail!("{} holds no questions", path.display());
    }
    Ok(questions)
}

fn order_fields(v: Value) -> Value {
    let Value::Object(mut o) = v else { return v };
    let mut sorted = serde_json::Map::new();
    for k in ["metric", "request", "articles", "value", "unit"] {
        if let Some(x) = o.remove(k) {
            sorted.insert(k.to_string(), x);
        }
    }
    sorted.extend(o);
    Value::Object(sorted)
}

/// The cached corpus for (size, seed, config), generated when missing; returns its folder and
/// its size in bytes.
fn cached_corpus(
    config: &Config,
    root: &Path,
    size: usize,
    seed: u64,
) -> anyhow::Result<(PathBuf, u64)> {
    let rules = format!(
        "{}{}",
        serde_json::to_string(&config.topics).unwrap_or_default(),
        serde_json::to_string(&config.actors).unwrap_or_default()
    );
    let key = format!(
        "corpus-v{GENERATOR_VERSION}-{size}-seed{seed}-{:08x}",
        crate::fnv::fnv1a64(rules.as_bytes()) as u32
    );
    let dir = root.join(key);
    let marker = dir.join(".complete");
    if let Some(bytes) = std::fs::read_to_string(&marker)
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
    {
        return Ok((dir, bytes));
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    eprintln!("bench: generating {size} articles into {}…", dir.display());
    let summary = gen_corpus::generate(config, &dir, size, seed)?;
    // Written last: its presence means the corpus is whole. (Dot files are not articles.)
    std::fs::write(&marker, summary.text_bytes.to_string())?;
    Ok((dir, summary.text_bytes))
}

/// Runs this binary as a measuring child and collects its JSON lines. Its log output is kept
/// to warnings so progress lines do not flood the report.
fn run_child(config_path: Option<&Path>, args: &[&str]) -> anyhow::Result<Vec<Value>> {
    let exe = std::env::current_exe().context("finding the storyline binary")?;
    let mut cmd = Command::new(exe);
    if let Some(c) = config_path {
        cmd.arg("--config").arg(c);
    }
    cmd.arg("bench")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if std::env::var_os("RUST_LOG").is_none() {
        cmd.env("RUST_LOG", "storyline=warn");
    }
    let mut child = cmd.spawn().context("starting a bench child")?;
    let stdout = child.stdout.take().context("child stdout")?;
    let mut out = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        match serde_json::from_str::<Value>(&line) {
            Ok(v) if v.get("metric").is_some() => out.push(v),
            _ => eprintln!("{line}"),
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!(
            "bench child {:?} failed: {status}",
            args.first().zip(args.get(1))
        );
    }
    Ok(out)
}

fn path_str(p: &Path) -> anyhow::Result<&str> {
    p.to_str()
        .with_context(|| format!("{} is not UTF-8", p.display()))
}

/// Bytes of all files under `dir`.
fn dir_bytes(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = entry.metadata()?;
        total += if meta.is_dir() {
            dir_bytes(&entry.path())?
        } else {
            meta.len()
        };
    }
    Ok(total)
}

/// The readable report: one row per metric (and request kind), one column per size.
fn table(sizes: &[usize], rows: &[Value]) -> String {
    let mut cells: BTreeMap<(usize, String), String> = BTreeMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    for r in rows {
        let metric = r["metric"].as_str().unwrap_or("?");
        let label = match r.get("request").and_then(Value::as_str) {
            Some(req) => format!("{metric} ({req})"),
            None => metric.to_string(),
        };
        let unit = r["unit"].as_str().unwrap_or("").to_string();
        if !order.iter().any(|(l, _)| *l == label) {
            order.push((label.clone(), unit));
        }
        let articles = r["articles"].as_u64().unwrap_or(0) as usize;
        let value = match r["value"].as_f64() {
            Some(v) if v >= 100.0 => format!("{v:.0}"),
            Some(v) if v >= 10.0 => format!("{v:.1}"),
            Some(v) => format!("{v:.2}"),
            None => "n/a".to_string(),
        };
        cells.insert((articles, label), value);
    }
    // The metrics first, in its order; extras after.
    let table_order: Vec<&str> = METRICS
        .iter()
        .flat_map(|m| {
            if *m == "latency_p99_ms" {
                vec![*m, "latency_max_ms"]
            } else {
                vec![*m]
            }
        })
        .collect();
    // Each metric, then the reference's figure and the ratio beside it.
    let rank = |label: &str| {
        let (base, engine) = match (label.strip_prefix("ref_"), label.strip_prefix("ratio_")) {
            (Some(base), _) => (base, 1),
            (_, Some(base)) => (base, 2),
            _ => (label, 0),
        };
        let at = table_order
            .iter()
            .position(|m| base.starts_with(m))
            .unwrap_or(table_order.len());
        (at, base.to_string(), engine)
    };
    order.sort_by_cached_key(|(l, _)| rank(l));
    let width = order
        .iter()
        .map(|(l, _)| l.len())
        .max()
        .unwrap_or(10)
        .max(10);
    let mut s = format!("{:<width$}", "metric");
    for n in sizes {
        s.push_str(&format!(" {:>12}", format!("{n} art.")));
    }
    s.push_str("  unit\n");
    for (label, unit) in &order {
        s.push_str(&format!("{label:<width$}"));
        for n in sizes {
            let v = cells.get(&(*n, label.clone())).map_or("-", String::as_str);
            s.push_str(&format!(" {v:>12}"));
        }
        s.push_str(&format!("  {unit}\n"));
    }
    s
}
