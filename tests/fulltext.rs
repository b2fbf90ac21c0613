//! The full-text index beside sled: it follows every write, catches up after a process stopped
//! between a sled batch and the index commit, is rebuilt when missing or damaged, and knows
//! its vocabulary well enough to correct a misspelt word.

use std::path::Path;

use chrono::{DateTime, NaiveDate};
use storyline::article::Article;
use storyline::event::{DateSource, Event, EventDate, Modality, Precision};
use storyline::store::Store;

fn article(id: &str, hash: &str) -> Article {
    Article {
        id: id.to_string(),
        title: format!("Title of {id}"),
        outlet: "Reuters".to_string(),
        url: format!("https://example.com/{id}"),
        published: DateTime::parse_from_rfc3339("2025-03-04T09:30:00+02:00").unwrap(),
        timezone: None,
        paragraphs: vec!["First paragraph.".to_string()],
        content_hash: hash.to_string(),
        source_path: format!("/articles/{id}.txt"),
    }
}

fn event(a: &Article, sentence: u32, clause: &str, actors: &[&str]) -> Event {
    Event {
        article: a.id.clone(),
        sentence_index: sentence,
        clause_index: 0,
        sentence: clause.to_string(),
        clause: clause.to_string(),
        date: Some(EventDate {
            date: NaiveDate::from_ymd_opt(2025, 3, 3).unwrap(),
            precision: Precision::Day,
            source: DateSource::Explicit,
            expression: "on Monday".to_string(),
        }),
        reported: a.published_date(),
        actors: actors.iter().map(|s| s.to_string()).collect(),
        attribution: None,
        modality: Modality::Fact,
        topics: vec!["talks".to_string()],
        stages: vec![],
    }
}

fn open(dir: &Path) -> Store {
    Store::open(dir).expect("open store")
}

fn assert_consistent(store: &Store) {
    let report = store.check().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
}

/// Two articles, flushed (so the index has committed them).
fn two_articles(dir: &Path) -> (Article, Article) {
    let a = article("a1", "h1");
    let b = article("b1", "h1");
    let store = open(dir);
    store
        .put_article(
            &a,
            &[event(&a, 0, "The ceasefire talks resumed.", &["Ukraine"])],
        )
        .unwrap();
    store
        .put_article(&b, &[event(&b, 0, "A ceasefire was agreed.", &["Russia"])])
        .unwrap();
    store.flush().unwrap();
    assert_consistent(&store);
    (a, b)
}

#[test]
fn nearest_terms_correct_a_misspelt_word_from_the_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    two_articles(dir.path());
    let store = open(dir.path());
    let near = store.nearest_terms("ceasfire", 2).unwrap();
    assert_eq!(near.first(), Some(&("ceasefire".to_string(), 1, 2)));
    // A swap of neighbours is one edit.
    let near = store.nearest_terms("caesefire", 1).unwrap();
    assert_eq!(near, [("ceasefire".to_string(), 1, 2)]);
    // A word in the vocabulary is its own nearest, at no edit.
    assert_eq!(
        store.nearest_terms("resum", 1).unwrap().first(),
        Some(&("resum".to_string(), 0, 1))
    );
    assert!(store.nearest_terms("zzzzzzzz", 2).unwrap().is_empty());
    // Read-your-writes: a term stored a moment ago is found without a flush.
    let c = article("c1", "h1");
    store
        .put_article(&c, &[event(&c, 0, "Minerals deal signed.", &[])])
        .unwrap();
    assert_eq!(
        store.nearest_terms("minral", 1).unwrap().first(),
        Some(&("mineral".to_string(), 1, 1))
    );
}

#[test]
fn an_index_left_behind_catches_up_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = two_articles(dir.path());
    {
        // Stored in sled, but the process ends before the index commits: the same number of
        // events, other words, so only the catch-up (not the count check) can put it right.
        let store = open(dir.path());
        let replaced = article("a1", "h2");
        store
            .put_article(
                &replaced,
                &[event(&replaced, 0, "Zebras crossed the border.", &[])],
            )
            .unwrap();
        let c = article("c1", "h1");
        store.put_article(&c, &[]).unwrap();
        store.remove_article("c1").unwrap();
    }
    let store = open(dir.path());
    assert_consistent(&store);
    assert_eq!(store.nearest_terms("zebra", 0).unwrap()[0].0, "zebra");
    assert!(store.nearest_terms("resum", 0).unwrap().is_empty());
    assert_eq!(store.article_hash(&a.id).unwrap().as_deref(), Some("h2"));
}

#[test]
fn a_missing_or_damaged_index_is_rebuilt_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    two_articles(dir.path());
    let index = dir.path().join("fulltext");
    std::fs::remove_dir_all(&index).unwrap();
    {
        let store = open(dir.path());
        assert_consistent(&store);
        assert_eq!(store.nearest_terms("ceasefire", 0).unwrap()[0].2, 2);
    }
    std::fs::write(index.join("meta.json"), b"{ not json").unwrap();
    {
        let store = open(dir.path());
        assert_consistent(&store);
        assert_eq!(store.nearest_terms("ceasefire", 0).unwrap()[0].2, 2);
        // And on demand, losing nothing.
        assert_eq!(store.reindex().unwrap(), 2);
        assert_consistent(&store);
    }
}
