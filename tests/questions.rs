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
    /// What the case tests (typo, shorthand, ukrainian, ...), for the scores a test prints.
    #[serde(default)]
    category: Option<String>,
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

/// Ukrainian month names as a date writes them ("8 травня 2025").
const UK_MONTHS: [&str; 12] = [
    "січня",
    "лютого",
    "березня",
    "квітня",
    "травня",
    "червня",
    "липня",
    "серпня",
    "вересня",
    "жовтня",
    "листопада",
    "грудня",
];

/// The ways an answer may write a date: 2025-03-04, Mar 4, 2025, March 4, 2025, 4 Mar 2025,
/// and in a Ukrainian reply 4 березня 2025.
fn date_forms(iso: &str) -> Vec<String> {
    use chrono::Datelike;
    let d = chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").expect("case date");
    let mut forms: Vec<String> = [
        "%Y-%m-%d",
        "%b %-d, %Y",
        "%B %-d, %Y",
        "%-d %b %Y",
        "%-d %B %Y",
    ]
    .iter()
    .map(|f| d.format(f).to_string())
    .collect();
    forms.push(format!(
        "{} {} {}",
        d.day(),
        UK_MONTHS[d.month0() as usize],
        d.year()
    ));
    forms
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
        // In English or, for a Ukrainian question, in Ukrainian ("у моїх джерелах цього немає").
        if !matches(
            "(don't|do not) have (that|anything)|not in my sources|(в|у) моїх джерелах[^.\\n]{0,20}немає|немає в моїх джерелах",
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

/// One case asked: its category and what was wrong with the answer (empty: it passed).
struct Outcome {
    category: String,
    problems: Vec<String>,
    report: String,
}

/// [`run_stage`] for any story: its config and the folders to ingest.
fn run_cases(file: &str, stage: &str, config: &Path, folders: &[PathBuf]) -> (usize, Vec<String>) {
    let outcomes = ask_cases(file, stage, config, folders);
    let failures = outcomes
        .iter()
        .filter(|o| !o.problems.is_empty())
        .map(|o| o.report.clone())
        .collect();
    (outcomes.len(), failures)
}

/// [`run_cases`] case by case (one ingest for the stage).
fn ask_cases(file: &str, stage: &str, config: &Path, folders: &[PathBuf]) -> Vec<Outcome> {
    let text = std::fs::read_to_string(root().join(file)).expect("questions file");
    let cases: Cases = toml::from_str(&text).expect("questions file parses");
    let data = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["ingest".to_string()];
    args.extend(folders.iter().map(|f| f.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (ok, _, err) = storyline(data.path(), config, &args);
    assert!(ok, "ingest of stage {stage} failed: {err}");
    let mut outcomes = Vec::new();
    for case in cases.case.iter().filter(|c| c.stage == stage) {
        let (ok, answer, err) = storyline(data.path(), config, &["ask", &case.ask]);
        assert!(ok, "ask {:?} failed: {err}", case.ask);
        let problems = check(case, &answer);
        let report = format!(
            "[{stage}] {:?}: {}\n{answer}",
            case.ask,
            problems.join("; ")
        );
        outcomes.push(Outcome {
            category: case.category.clone().unwrap_or_default(),
            problems,
            report,
        });
    }
    outcomes
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
const WILD_FLOOR: usize = 44;

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

/// Questions as people type them (`tests/data/typed_questions.toml`, issue 11): typos, shorthand
/// and idioms, Ukrainian, who/when/how-many, two-article questions and true unknowns, over every
/// article of the Ukraine story (stage wild). The score is held at or above the floor reached so
/// far (a ratchet: raise it as answers improve, never lower it); the test prints the score per
/// category and every failing case with its answer.
const TYPED_FLOOR: usize = 44;

#[test]
fn typed_questions_hold_their_score() {
    let outcomes = ask_cases(
        "tests/data/typed_questions.toml",
        "wild",
        &root().join("config/storyline.toml"),
        &stage_folders("wild"),
    );
    let passed = outcomes.iter().filter(|o| o.problems.is_empty()).count();
    let mut categories: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for o in &outcomes {
        let c = categories.entry(o.category.as_str()).or_default();
        c.0 += usize::from(o.problems.is_empty());
        c.1 += 1;
    }
    let by_category: Vec<String> = categories
        .iter()
        .map(|(c, (p, n))| format!("  {c}: {p}/{n}"))
        .collect();
    let failures: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.problems.is_empty())
        .map(|o| o.report.as_str())
        .collect();
    eprintln!(
        "typed questions: {passed}/{} pass\n{}\n\n{}",
        outcomes.len(),
        by_category.join("\n"),
        failures.join("\n\n")
    );
    assert!(outcomes.len() >= 60, "the typed set is complete");
    assert!(
        outcomes.iter().all(|o| !o.category.is_empty()),
        "every typed question has a category"
    );
    assert!(
        passed >= TYPED_FLOOR,
        "typed questions: {passed}/{} pass, below the floor of {TYPED_FLOOR}",
        outcomes.len()
    );
}
