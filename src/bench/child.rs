//! The measuring halves of `storyline bench`, each run in a fresh child process (the bench
//! re-executes its own binary with the hidden `--child` flag) so that peak RSS (`VmHWM`, a
//! process-lifetime figure) and open times belong to one corpus size and one phase only.
//!
//! A child writes one JSON object per line on stdout: `{"metric", "value", "unit"}` and, for
//! latencies, `"request"`; the parent adds `"articles"`.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;

use super::gen_corpus::Vocabulary;
use super::requests::{request_mix, RequestKind};
use crate::answer::{Engine, Subscriber};
use crate::config::Config;
use crate::ingest::ingest_paths;
use crate::store::Store;

pub(super) fn emit(metric: &str, value: f64, unit: &str) {
    println!(
        "{}",
        json!({ "metric": metric, "value": round3(value), "unit": unit })
    );
}

fn emit_request(metric: &str, request: &str, value: f64) {
    println!(
        "{}",
        json!({ "metric": metric, "request": request, "value": round3(value), "unit": "ms" })
    );
}

/// p50, p99 and max of `times` (ms) for one kind of request; `prefix` names the engine
/// (empty for Storyline, `ref_` for the reference).
pub(super) fn emit_latencies(prefix: &str, request: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    emit_request(
        &format!("{prefix}latency_p50_ms"),
        request,
        percentile(&times, 0.50),
    );
    emit_request(
        &format!("{prefix}latency_p99_ms"),
        request,
        percentile(&times, 0.99),
    );
    emit_request(
        &format!("{prefix}latency_max_ms"),
        request,
        times.last().copied().unwrap_or(f64::NAN),
    );
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Ingests the corpus into a new store with the real ingest path; the clock stops after the
/// final flush (`ingest_paths` flushes), so the figures are for durable ingest.
pub fn ingest(config: &Config, corpus: &Path, store_dir: &Path) -> anyhow::Result<()> {
    let store = Store::open(store_dir)?;
    let started = Instant::now();
    let report = ingest_paths(&store, config, &[corpus])?;
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let articles = report.added() + report.replaced() + report.unchanged();
    let events = store.event_count()?;
    if report.failed() > 0 {
        eprintln!(
            "bench: {} corpus files failed to ingest (first: {:?})",
            report.failed(),
            report.errors.first()
        );
    }
    emit(
        "ingest_articles_per_s",
        articles as f64 / secs,
        "articles/s",
    );
    emit("ingest_events_per_s", events as f64 / secs, "events/s");
    emit("ingest_seconds", secs, "s");
    emit("ingest_failed_files", report.failed() as f64, "files");
    emit("events_stored", events as f64, "events");
    drop(store);
    emit(
        "ingest_peak_rss_mb",
        peak_rss_mb().unwrap_or(f64::NAN),
        "MB",
    );
    // sled writes its snapshot when a store is opened, replaying the log written since the
    // last one: the first open after a bulk ingest pays for the whole ingest once. Measured
    // here, so that the answering child measures the usual restart of a bot.
    let started = Instant::now();
    drop(Store::open(store_dir)?);
    emit(
        "first_open_after_ingest_ms",
        started.elapsed().as_secs_f64() * 1000.0,
        "ms",
    );
    Ok(())
}

/// Opens the store, answers once (the open → first answer time), then the fixed mix of
/// requests, timing each; reports percentiles per request kind and the process's peak RSS.
pub fn answer(
    config: Config,
    store_dir: &Path,
    seed: u64,
    questions: &[String],
) -> anyhow::Result<()> {
    let vocab = Vocabulary::new(&config);
    let mix = request_mix(&config, &vocab, seed, questions);
    let config = Arc::new(config);
    let from = Subscriber::terminal();

    let started = Instant::now();
    let store = Arc::new(Store::open(store_dir)?);
    let engine = Engine::new(config, store);
    std::hint::black_box(engine.handle(&from, "/status"));
    emit(
        "open_to_first_answer_ms",
        started.elapsed().as_secs_f64() * 1000.0,
        "ms",
    );
    emit(
        "rss_after_open_mb",
        current_rss_mb().unwrap_or(f64::NAN),
        "MB",
    );

    // Diagnostics for profiling (not part of the report): STORYLINE_BENCH_ONLY=status keeps
    // one kind of request; STORYLINE_BENCH_TRACE=1 prints each request's time on stderr.
    let only = std::env::var("STORYLINE_BENCH_ONLY").ok();
    let trace = std::env::var_os("STORYLINE_BENCH_TRACE").is_some();
    let mut times: Vec<(RequestKind, f64)> = Vec::with_capacity(mix.len());
    for (kind, text) in &mix {
        if only.as_deref().is_some_and(|o| o != kind.name()) {
            continue;
        }
        let t = Instant::now();
        let reply = engine.handle(&from, text);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if trace {
            eprintln!("{ms:10.3} ms  {text}");
        }
        std::hint::black_box(reply);
        times.push((*kind, ms));
    }
    for kind in RequestKind::ALL {
        let v: Vec<f64> = times
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, t)| *t)
            .collect();
        emit_latencies("", kind.name(), v);
    }
    emit("peak_rss_mb", peak_rss_mb().unwrap_or(f64::NAN), "MB");
    Ok(())
}

/// Subscribers the push benchmark plans for.
const PUSH_SUBSCRIBERS: i64 = 10_000;

/// The push path for one new article: 10,000 chats follow the first configured topic, one new
/// article about it is ingested, and `PushPlanner::queue_report` (status before/after, what was
/// already reported, one push per chat, queued in the outbox) is timed. A child of its own:
/// it writes to the store, and its memory must not count as the answering child's.
pub fn push(config: Config, store_dir: &Path) -> anyhow::Result<()> {
    use crate::notify::watch::PushPlanner;
    use crate::notify::Subscription;

    let Some(topic) = config.topics.first().cloned() else {
        anyhow::bail!("push planning needs a configured topic");
    };
    let store = Arc::new(Store::open(store_dir)?);
    let engine = Engine::new(Arc::new(config), store.clone());
    for chat in 0..PUSH_SUBSCRIBERS {
        let sub = Subscription {
            chat_id: 1_000_000 + chat,
            thread_id: None,
            topic: topic.id.clone(),
        };
        store.add_subscription(&sub)?;
    }
    let mut planner = PushPlanner::new();
    planner.refresh(&engine)?;
    // One article after the corpus's last day, in the topic's own words.
    let name = topic
        .keywords
        .first()
        .or(topic.aliases.first())
        .unwrap_or(&topic.name)
        .clone();
    let dir = store_dir.with_extension("push");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("push-article.txt");
    std::fs::write(
        &file,
        format!(
            "---\ntitle: New developments on the {name}\noutlet: Bench Wire\nurl: https://benchwire.example/push/{name}\npublished: 2026-06-28T09:00:00+00:00\n---\n\n\
             Officials discussed the {name} in Geneva on June 27, a spokesperson said.\n\
             The {name} could move forward next week, according to two officials.\n"
        ),
    )?;
    let report = ingest_paths(&store, engine.config(), &[file.as_path()])?;
    let started = Instant::now();
    let summary = planner.queue_report(&engine, report)?;
    emit(
        "push_plan_10k_ms",
        started.elapsed().as_secs_f64() * 1000.0,
        "ms",
    );
    emit("pushes_queued", summary.pushes_queued as f64, "pushes");
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The process's peak resident set (`VmHWM` in `/proc/self/status`), in MiB; `None` where
/// there is no procfs.
pub fn peak_rss_mb() -> Option<f64> {
    proc_status_mb("VmHWM:")
}

/// The process's resident set now (`VmRSS`), in MiB.
pub fn current_rss_mb() -> Option<f64> {
    proc_status_mb("VmRSS:")
}

fn proc_status_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[3.0], 0.99), 3.0);
    }
}
