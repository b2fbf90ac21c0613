//! Answers on articles the evaluation set does not contain (`tests/data/later/`: the law signed,
//! the agreement in force), and odd input to the core: the mechanisms, not the examples.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use storyline::answer::{Engine, Reply, ReplyKind, Subscriber};
use storyline::config::Config;
use storyline::ingest::ingest_paths;
use storyline::render::plain_text;
use storyline::store::Store;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// An engine over a fresh store holding the given folders (relative to the crate root).
fn engine(folders: &[&str]) -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Arc::new(Config::builtin());
    let store = Arc::new(Store::open(&dir.path().join("data")).expect("store"));
    let paths: Vec<PathBuf> = folders.iter().map(|f| root().join(f)).collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let report = ingest_paths(&store, &config, &refs).expect("ingest");
    assert_eq!(report.failed(), 0, "{}", report.summary_line());
    (dir, Engine::new(config, store))
}

fn ask(engine: &Engine, text: &str) -> (Reply, String) {
    let reply = engine.handle(&Subscriber::terminal(), text);
    let text = plain_text(&reply);
    (reply, text)
}

#[test]
fn a_late_look_back_does_not_undo_a_later_stage() {
    let (_d, e) = engine(&["seeds", "tests/data/dev", "tests/data/later"]);
    // The law-signing article recalls the April 30 signing after the May 8 ratification, and
    // the in-force article moves the status on.
    let (_, text) = ask(&e, "/status minerals");
    assert!(
        text.starts_with("Minerals deal: in force (as of May 30, 2025)"),
        "{text}"
    );
    let (_, text) = ask(&e, "/status minerals 2025-05-20");
    assert!(text.starts_with("Minerals deal: ratified"), "{text}");
    assert!(!text.contains("Now: in force"), "{text}");
}

#[test]
fn a_past_perfect_date_is_the_clause_own_date() {
    let (_d, e) = engine(&["tests/data/later"]);
    let (_, text) = ask(&e, "When did the Rada ratify the agreement?");
    // "had ratified the agreement last Thursday" in an article of Tuesday May 13.
    assert!(text.contains("May 8, 2025"), "{text}");
}

#[test]
fn a_plan_is_not_a_step_taken() {
    let (_d, e) = engine(&["seeds", "tests/data/dev", "tests/data/later"]);
    let (_, text) = ask(&e, "Is the fund operational?");
    assert!(text.starts_with("My sources don't report"), "{text}");
    assert!(text.contains("Expected"), "{text}");
}

#[test]
fn a_question_outside_the_sources_gets_no_citations() {
    let (_d, e) = engine(&["seeds", "tests/data/dev"]);
    for q in [
        "What is the weather in Kyiv?",
        "Who won the 2024 Super Bowl?",
        "How tall is Mount Everest?",
    ] {
        let (reply, text) = ask(&e, q);
        assert_eq!(reply.kind, ReplyKind::NotInSources, "{q}: {text}");
        assert!(reply.citations.is_empty(), "{q}");
    }
}

#[test]
fn name_variants_and_synonyms_find_the_same_event() {
    let (_d, e) = engine(&["seeds", "tests/data/dev", "tests/data/later"]);
    for q in [
        "When did Zelenskyy sign the ratification law?",
        "When did Zelensky sign the law ratifying the deal?",
        "When did Zelenskiy sign the law?",
    ] {
        let (_, text) = ask(&e, q);
        assert!(text.contains("May 12, 2025"), "{q}: {text}");
        assert!(text.contains("Harbor Times"), "{q}: {text}");
    }
}

#[test]
fn odd_messages_get_polite_replies() {
    let (_d, e) = engine(&["seeds"]);
    let cases = [
        ("", ReplyKind::Error),
        ("   ", ReplyKind::Error),
        ("/frobnicate", ReplyKind::Error),
        ("/status minerals 2025-13-45", ReplyKind::Error),
        ("/status unicorns", ReplyKind::Error),
        ("/timeline unicorns", ReplyKind::Error),
    ];
    for (msg, kind) in cases {
        let (reply, text) = ask(&e, msg);
        assert_eq!(reply.kind, kind, "{msg:?}: {text}");
        assert!(!text.trim().is_empty());
    }
    // Nothing a person can type makes the core panic.
    let long = "why ".repeat(5_000);
    for msg in [
        long.as_str(),
        "\u{202e}evil\u{0}",
        "<script>alert(1)</script>",
        "🇺🇦🤝🇺🇸?",
        "/status\t2025-01-01",
        "/@",
        "/",
    ] {
        let _ = ask(&e, msg);
    }
}

#[test]
fn a_day_in_the_question_picks_that_day() {
    let (_d, e) = engine(&["seeds", "tests/data/dev"]);
    let (reply, text) = ask(&e, "What happened on March 11?");
    assert!(text.starts_with("On Mar 11, 2025"), "{text}");
    assert!(reply.items.iter().all(|i| i.event_date.as_ref().map(|d| d.date.to_string()) == Some("2025-03-11".into())), "{text}");
    let (_, text) = ask(&e, "What did Trump say on March 11?");
    assert!(text.contains("Trump said he would talk"), "{text}");
    let (reply, text) = ask(&e, "What happened on June 3?");
    assert_eq!(reply.kind, ReplyKind::NotInSources, "{text}");
}

/// Two outlets date one signing to different days (Washington and Kyiv time): both days are
/// shown, each cited, and the pending ratification is a dated "No".
#[test]
fn outlets_that_date_one_act_differently_are_shown_side_by_side() {
    let (_d, e) = engine(&["tests/data/conflict"]);
    let (_, text) = ask(&e, "When was the minerals deal signed?");
    let head = text.lines().next().unwrap_or("");
    assert!(
        head.contains("Apr 30, 2025") && head.contains("May 1, 2025"),
        "{text}"
    );
    assert!(head.contains("sources differ"), "{text}");
    assert!(
        text.contains("Potomac Ledger") && text.contains("Podil Evening Post"),
        "{text}"
    );
    let (_, text) = ask(&e, "Is the minerals deal ratified?");
    assert!(
        text.starts_with("No — not ratified as of May 2, 2025"),
        "{text}"
    );
    // One report alone is no dispute.
    let (_d, e) = engine(&["tests/data/later"]);
    let (_, text) = ask(&e, "When was the minerals deal signed?");
    assert!(!text.contains("sources differ"), "{text}");
}
