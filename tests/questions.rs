//! The evaluation questions (`tests/data/questions.toml`), asked through the real `storyline`
//! binary: ingest the stage's articles into an empty store, then `ask`, and check the plain-text
//! answer against the case's facts, dates, sources and forbidden patterns.

use std::path::{Path, PathBuf};
use std::process::Command;

use regex::RegexBuilder;
use serde::Deserialize;

#[derive(Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    stage: String,
    ask: String,
    #[serde(default)]
    facts: Vec<String>,
    #[serde(default)]
    dates: Vec<String>,
    #[serde(default)]
    any_date: bool,
    #[serde(default)]
    ordered: bool,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    forbid: Vec<String>,
    #[serde(default)]
    kind: Option<String>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn storyline(data: &Path, config: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_storyline"))
        .arg("--data")
        .arg(data)
        // An empty config path would fall back to config/storyline.toml; be explicit.
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .expect("run storyline");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The ways an answer may write a date: 2025-03-04, Mar 4, 2025, March 4, 2025, 4 Mar 2025.
fn date_forms(iso: &str) -> Vec<String> {
    let d = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").expect("case date");
    [
        "%Y-%m-%d",
        "%b %-d, %Y",
        "%B %-d, %Y",
        "%-d %b %Y",
        "%-d %B %Y",
    ]
    .iter()
    .map(|f| d.format(f).to_string())
    .collect()
}

fn first_date_position(text: &str, iso: &str) -> Option<usize> {
    date_forms(iso)
        .iter()
        .filter_map(|f| text.find(f.as_str()))
        .min()
}

fn matches(pattern: &str, text: &str) -> bool {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .expect("case regex")
        .is_match(text)
}

/// The citation lines of a plain-text answer (after "Sources:").
fn citations(answer: &str) -> &str {
    answer.split("\nSources:\n").nth(1).unwrap_or("")
}

fn check(case: &Case, answer: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if case.kind.as_deref() == Some("unknown") {
        if !matches(
            "(don't|do not) have (that|anything)|not in my sources",
            answer,
        ) {
            problems.push("does not say it is not in the sources".into());
        }
        if !citations(answer).is_empty() {
            problems.push("cites sources for an unknown".into());
        }
        return problems;
    }
    for f in &case.facts {
        if !matches(f, answer) {
            problems.push(format!("fact /{f}/ missing"));
        }
    }
    let positions: Vec<Option<usize>> = case
        .dates
        .iter()
        .map(|d| first_date_position(answer, d))
        .collect();
    if case.any_date {
        if !case.dates.is_empty() && positions.iter().all(Option::is_none) {
            problems.push(format!("none of the dates {:?} appears", case.dates));
        }
    } else {
        for (d, p) in case.dates.iter().zip(&positions) {
            if p.is_none() {
                problems.push(format!("date {d} missing"));
            }
        }
    }
    if case.ordered {
        let found: Vec<usize> = positions.iter().flatten().copied().collect();
        if found.windows(2).any(|w| w[0] > w[1]) {
            problems.push(format!("dates {:?} not in order", case.dates));
        }
    }
    for s in &case.sources {
        if !matches(s, citations(answer)) {
            problems.push(format!("source /{s}/ not cited"));
        }
    }
    for f in &case.forbid {
        if matches(f, answer) {
            problems.push(format!("forbidden /{f}/ present"));
        }
    }
    problems
}

/// The folders each stage ingests, in order.
fn stage_folders(stage: &str) -> Vec<PathBuf> {
    let mut folders = vec![root().join("seeds")];
    if stage == "dev" || stage == "wild" {
        folders.push(root().join("tests/data/dev"));
    }
    if stage == "wild" {
        folders.push(root().join("tests/data/wild"));
    }
    folders
}

/// Asks every case of `stage` in `file` after ingesting the stage's folders into an empty
/// store with the Ukraine story's config; returns (cases asked, failures with the answer).
fn run_stage(file: &str, stage: &str) -> (usize, Vec<String>) {
    run_cases(
        file,
        stage,
        &root().join("config/storyline.toml"),
        &stage_folders(stage),
    )
}

/// [`run_stage`] for any story: its config and the folders to ingest.
fn run_cases(file: &str, stage: &str, config: &Path, folders: &[PathBuf]) -> (usize, Vec<String>) {
    let text = std::fs::read_to_string(root().join(file)).expect("questions file");
    let cases: Cases = toml::from_str(&text).expect("questions file parses");
    let data = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["ingest".to_string()];
    args.extend(folders.iter().map(|f| f.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, _, err) = storyline(data.path(), config, &args);
    assert!(ok, "ingest of stage {stage} failed: {err}");
    let mut asked = 0;
    let mut failures = Vec::new();
    for case in cases.case.iter().filter(|c| c.stage == stage) {
        asked += 1;
        let (ok, answer, err) = storyline(data.path(), config, &["ask", &case.ask]);
        assert!(ok, "ask {:?} failed: {err}", case.ask);
        let problems = check(case, &answer);
        if !problems.is_empty() {
            failures.push(format!(
                "[{stage}] {:?}: {}\n{answer}",
                case.ask,
                problems.join("; ")
            ));
        }
    }
    (asked, failures)
}

#[test]
fn every_evaluation_question_is_answered_through_the_binary() {
    let mut failures = Vec::new();
    let mut asked = 0;
    for stage in ["seed", "dev"] {
        let (n, f) = run_stage("tests/data/questions.toml", stage);
        asked += n;
        failures.extend(f);
    }
    assert!(asked >= 20, "the question set is complete");
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The wild stage: articles in the styles real pages come in (live blog, datelines, explainer,
/// interview, clutter, Ukrainian). Not every case passes yet: the test holds the score at or
/// above the floor reached so far (raise it as answers improve, never lower it) and prints
/// every failing case with its answer.
const WILD_FLOOR: usize = 40;

#[test]
fn wild_questions_hold_their_score() {
    let (asked, failures) = run_stage("tests/data/questions.toml", "wild");
    let passed = asked - failures.len();
    eprintln!(
        "wild questions: {passed}/{asked} pass\n\n{}",
        failures.join("\n\n")
    );
    assert!(asked >= 50, "the wild set is complete");
    assert!(
        passed >= WILD_FLOOR,
        "wild questions: {passed}/{asked} pass, below the floor of {WILD_FLOOR}:\n\n{}",
        failures.join("\n\n")
    );
}

/// The second story (the 2025 US–China trade conflict), followed with nothing but its own config
/// (`config/trade.toml`) and articles (`tests/data/trade`): the engine must carry any story. The
/// score is held at its floor like the wild stage's (raise it, never lower it).
const TRADE_FLOOR: usize = 15;

#[test]
fn trade_story_questions_hold_their_score() {
    let (asked, failures) = run_cases(
        "tests/data/trade_questions.toml",
        "trade",
        &root().join("config/trade.toml"),
        &[root().join("tests/data/trade")],
    );
    let passed = asked - failures.len();
    eprintln!(
        "trade questions: {passed}/{asked} pass\n\n{}",
        failures.join("\n\n")
    );
    assert!(asked >= 20, "the trade set is complete");
    assert!(
        passed >= TRADE_FLOOR,
        "trade questions: {passed}/{asked} pass, below the floor of {TRADE_FLOOR}:\n\n{}",
        failures.join("\n\n")
    );
}
