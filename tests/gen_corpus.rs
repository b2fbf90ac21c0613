//! The corpus generator and the benchmark: the same seed writes byte-identical files, N
//! articles come out in the real formats (front matter, and manifest folders) and ingest with no
//! failures; `bench --json` on a tiny size prints every metric the issue names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use storyline::bench::gen_corpus::generate;
use storyline::config::Config;
use storyline::ingest::ingest_paths;
use storyline::store::Store;

fn config() -> Config {
    Config::load(Some(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/storyline.toml"),
    ))
    .expect("config")
}

/// Relative path → bytes of every file under `dir`.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn same_seed_same_files_and_real_formats_that_ingest_cleanly() {
    let config = config();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    let sa = generate(&config, a.path(), 50, 7).unwrap();
    generate(&config, b.path(), 50, 7).unwrap();
    generate(&config, c.path(), 50, 8).unwrap();
    let (fa, fb, fc) = (files(a.path()), files(b.path()), files(c.path()));
    assert_eq!(fa, fb, "the same seed must write the same files");
    assert_ne!(fa, fc, "another seed must write another corpus");

    // 50 articles: front-matter files plus plain files described by the folder's manifest.
    let articles: Vec<_> = fa
        .keys()
        .filter(|k| !k.ends_with("manifest.toml"))
        .collect();
    assert_eq!(articles.len(), 50);
    assert_eq!(sa.articles, 50);
    let front = fa.values().filter(|v| v.starts_with(b"---\n")).count();
    assert!(
        front >= 40 && sa.manifest_articles >= 3,
        "front matter {front}, manifest {}",
        sa.manifest_articles
    );
    let manifest = fa
        .iter()
        .find(|(k, _)| k.ends_with("manifest.toml"))
        .expect("a manifest");
    let manifest = String::from_utf8(manifest.1.clone()).unwrap();
    assert_eq!(
        manifest.matches("[[article]]").count(),
        sa.manifest_articles
    );
    assert_eq!(
        sa.text_bytes,
        fa.values().map(|v| v.len() as u64).sum::<u64>()
    );

    let store_dir = tempfile::tempdir().unwrap();
    let store = Store::open(store_dir.path()).unwrap();
    let report = ingest_paths(&store, &config, &[a.path()]).unwrap();
    assert_eq!(report.failed(), 0, "{:?}", report.errors);
    assert_eq!(report.added(), 50);
    assert!(
        store.event_count().unwrap() > 50 * 5,
        "events: {}",
        store.event_count().unwrap()
    );
    // The configured topics get events, so /status and /timeline have something to read.
    let stats = store.stats().unwrap();
    assert!(
        stats.per_topic.iter().filter(|(_, n)| *n > 0).count() >= 2,
        "{:?}",
        stats.per_topic
    );
}

#[test]
fn gen_corpus_command_writes_n_articles() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_storyline"))
        .args(["gen-corpus", "--articles", "12", "--seed", "3", "--out"])
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let n = files(out.path())
        .keys()
        .filter(|k| !k.ends_with("manifest.toml"))
        .count();
    assert_eq!(n, 12);
}

#[test]
fn bench_json_prints_every_metric() {
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_storyline"))
        .arg("--config")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/storyline.toml"))
        .args(["bench", "--sizes", "20", "--json", "--cache"])
        .arg(cache.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    for metric in storyline::bench::METRICS {
        assert!(
            lines.iter().any(|l| l["metric"] == *metric),
            "missing {metric}:\n{stdout}"
        );
    }
    for request in ["latest", "status", "timeline", "question"] {
        for metric in ["latency_p50_ms", "latency_p99_ms"] {
            assert!(
                lines
                    .iter()
                    .any(|l| l["metric"] == metric && l["request"] == request),
                "missing {metric} for {request}"
            );
        }
    }
    for l in &lines {
        assert_eq!(l["articles"], 20, "{l}");
        assert!(l["unit"].is_string(), "{l}");
        assert!(l["value"].is_number(), "{l}");
    }
}
