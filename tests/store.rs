//! Store behaviour through its public API: round trips, idempotence, replacement and removal
//! (including every index), query orders, persistence across reopen and the process lock.

use std::path::Path;

use chrono::{DateTime, NaiveDate};
use storyline::article::Article;
use storyline::event::{DateSource, Event, EventDate, Modality, Precision};
use storyline::store::{PutOutcome, Store, StoreError};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn article(id: &str, hash: &str, published: &str) -> Article {
    Article {
        id: id.to_string(),
        title: format!("Title of {id}"),
        outlet: "Reuters".to_string(),
        url: format!("https://example.com/{id}"),
        published: DateTime::parse_from_rfc3339(published).unwrap(),
        timezone: Some("Europe/Kyiv".to_string()),
        paragraphs: vec!["First paragraph.".to_string(), "Second.".to_string()],
        content_hash: hash.to_string(),
        source_path: format!("/articles/{id}.txt"),
    }
}

/// An event of `a` at sentence `sentence`; `date` is an event day or `None` for undated.
fn event(
    a: &Article,
    sentence: u32,
    clause: &str,
    date: Option<&str>,
    topics: &[&str],
    actors: &[&str],
) -> Event {
    Event {
        article: a.id.clone(),
        sentence_index: sentence,
        clause_index: 0,
        sentence: clause.to_string(),
        clause: clause.to_string(),
        date: date.map(|d| EventDate {
            date: day(d),
            precision: Precision::Day,
            source: DateSource::Explicit,
            expression: format!("on {d}"),
        }),
        reported: a.published_date(),
        actors: actors.iter().map(|s| s.to_string()).collect(),
        attribution: Some("Reuters".to_string()),
        modality: Modality::Fact,
        topics: topics.iter().map(|s| s.to_string()).collect(),
        stages: vec![("aid".to_string(), "paused".to_string())],
    }
}

fn keys(events: &[Event]) -> Vec<String> {
    events.iter().map(Event::key).collect()
}

fn open(dir: &Path) -> Store {
    Store::open(dir).expect("open store")
}

#[test]
fn put_and_get_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let a = article("a1", "h1", "2025-03-04T09:30:00+02:00");
    let events = vec![
        event(
            &a,
            0,
            "The United States paused military aid to Ukraine.",
            Some("2025-03-03"),
            &["aid"],
            &["United States", "Ukraine"],
        ),
        event(
            &a,
            1,
            "Talks in Jeddah are planned.",
            None,
            &["talks"],
            &["Ukraine"],
        ),
    ];
    assert_eq!(store.put_article(&a, &events).unwrap(), PutOutcome::Added);

    assert_eq!(store.article("a1").unwrap(), Some(a.clone()));
    assert_eq!(store.article_hash("a1").unwrap().as_deref(), Some("h1"));
    assert_eq!(store.article("nope").unwrap(), None);
    assert_eq!(store.article_hash("nope").unwrap(), None);
    for e in &events {
        assert_eq!(store.event(&e.key()).unwrap().as_ref(), Some(e));
    }
    assert_eq!(store.event_count().unwrap(), 2);
    assert_eq!(store.term_postings("paus").unwrap(), vec!["a1:0000:00"]);
    assert_eq!(store.term_postings("jeddah").unwrap(), vec!["a1:0001:00"]);
    // Actor and attribution words are indexed too.
    assert_eq!(
        store.term_postings("ukraine").unwrap(),
        vec!["a1:0000:00", "a1:0001:00"]
    );
    assert_eq!(store.term_postings("reuter").unwrap().len(), 2);
    assert_eq!(store.term_frequency("ukraine").unwrap(), 2);
    assert_eq!(store.term_frequency("absent").unwrap(), 0);
    assert_eq!(
        keys(&store.actor_events("Ukraine").unwrap()),
        vec!["a1:0000:00", "a1:0001:00"]
    );
    assert_eq!(
        keys(&store.actor_events("United States").unwrap()),
        vec!["a1:0000:00"]
    );
    assert!(store.actor_events("United").unwrap().is_empty());
    assert_eq!(
        keys(&store.topic_events("aid").unwrap()),
        vec!["a1:0000:00"]
    );

    let stats = store.stats().unwrap();
    assert_eq!((stats.articles, stats.events), (1, 2));
    assert_eq!(
        stats.per_topic,
        vec![("aid".to_string(), 1), ("talks".to_string(), 1)]
    );
    assert!(stats.last_ingest.is_some());
    assert!(DateTime::parse_from_rfc3339(stats.last_ingest.as_deref().unwrap()).is_ok());
}

#[test]
fn same_hash_is_unchanged_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let a = article("a1", "h1", "2025-03-04T09:30:00+02:00");
    let events = vec![
        event(
            &a,
            0,
            "Aid was paused.",
            Some("2025-03-03"),
            &["aid"],
            &["Ukraine"],
        ),
        event(
            &a,
            2,
            "Talks were held.",
            Some("2025-03-04"),
            &["talks"],
            &[],
        ),
    ];
    assert_eq!(store.put_article(&a, &events).unwrap(), PutOutcome::Added);
    let before = store.stats().unwrap();
    let postings = store.term_postings("paus").unwrap();
    // Even with different events: the content hash decides.
    assert_eq!(
        store.put_article(&a, &events[..1]).unwrap(),
        PutOutcome::Unchanged
    );
    assert_eq!(
        store.put_article(&a, &events).unwrap(),
        PutOutcome::Unchanged
    );
    let after = store.stats().unwrap();
    assert_eq!(
        (after.articles, after.events, &after.per_topic),
        (before.articles, before.events, &before.per_topic)
    );
    assert_eq!(after.last_ingest, before.last_ingest);
    assert_eq!(store.term_postings("paus").unwrap(), postings);
    assert_eq!(store.term_frequency("paus").unwrap(), 1);
    assert_eq!(store.latest_events(None, 10).unwrap().len(), 2);
}

#[test]
fn replaced_article_drops_old_events_and_index_entries() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let other = article("b2", "hb", "2025-03-05T10:00:00+00:00");
    store
        .put_article(
            &other,
            &[event(
                &other,
                0,
                "The ceasefire proposal was discussed.",
                Some("2025-03-05"),
                &["talks"],
                &["Rubio"],
            )],
        )
        .unwrap();

    let v1 = article("a1", "h1", "2025-03-12T09:00:00+03:00");
    let old = vec![
        event(
            &v1,
            0,
            "Delegations met in Jeddah about a ceasefire.",
            Some("2025-03-11"),
            &["talks"],
            &["Rubio", "Yermak"],
        ),
        event(
            &v1,
            1,
            "Intelligence sharing resumed.",
            Some("2025-03-12"),
            &["aid"],
            &["Ukraine"],
        ),
        event(
            &v1,
            5,
            "A later meeting is possible.",
            None,
            &["talks"],
            &[],
        ),
    ];
    assert_eq!(store.put_article(&v1, &old).unwrap(), PutOutcome::Added);
    assert_eq!(store.term_frequency("ceasefire").unwrap(), 2);

    let v2 = article("a1", "h2", "2025-03-12T11:00:00+03:00");
    let new = vec![event(
        &v2,
        0,
        "Ukraine accepted the ceasefire proposal.",
        Some("2025-03-11"),
        &["ceasefire"],
        &["Ukraine"],
    )];
    assert_eq!(store.put_article(&v2, &new).unwrap(), PutOutcome::Replaced);

    // Old-only terms, topics and actors are gone; shared ones count the new version once.
    assert!(store.term_postings("jeddah").unwrap().is_empty());
    assert_eq!(store.term_frequency("jeddah").unwrap(), 0);
    assert!(store.term_postings("intelligence").unwrap().is_empty());
    assert_eq!(
        store.term_postings("ceasefire").unwrap(),
        vec!["a1:0000:00", "b2:0000:00"]
    );
    assert_eq!(store.term_frequency("ceasefire").unwrap(), 2);
    assert_eq!(store.term_frequency("ukraine").unwrap(), 1);
    assert!(store.actor_events("Yermak").unwrap().is_empty());
    assert_eq!(
        keys(&store.actor_events("Rubio").unwrap()),
        vec!["b2:0000:00"]
    );
    assert_eq!(
        keys(&store.actor_events("Ukraine").unwrap()),
        vec!["a1:0000:00"]
    );
    assert!(store.topic_events("aid").unwrap().is_empty());
    assert_eq!(
        keys(&store.topic_events("talks").unwrap()),
        vec!["b2:0000:00"]
    );
    assert_eq!(
        keys(&store.topic_events("ceasefire").unwrap()),
        vec!["a1:0000:00"]
    );
    assert_eq!(store.event("a1:0001:00").unwrap(), None);
    assert_eq!(store.event("a1:0005:00").unwrap(), None);
    assert_eq!(store.event("a1:0000:00").unwrap().as_ref(), Some(&new[0]));
    assert_eq!(
        keys(&store.latest_events(None, 10).unwrap()),
        vec!["a1:0000:00", "b2:0000:00"]
    );
    assert_eq!(store.article("a1").unwrap(), Some(v2.clone()));
    assert_eq!(store.article_hash("a1").unwrap().as_deref(), Some("h2"));

    let stats = store.stats().unwrap();
    assert_eq!((stats.articles, stats.events), (2, 2));
    assert_eq!(
        stats.per_topic,
        vec![("ceasefire".to_string(), 1), ("talks".to_string(), 1)]
    );
    assert_eq!(store.articles().unwrap().len(), 2);
}

#[test]
fn latest_events_newest_first_with_ties_and_topic_filter() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let early = article("a1", "h1", "2025-03-04T09:00:00+00:00");
    let late = article("a2", "h2", "2025-05-01T09:00:00+00:00");
    store
        .put_article(
            &early,
            &[
                event(&early, 0, "Aid paused.", Some("2025-03-03"), &["aid"], &[]),
                event(
                    &early,
                    1,
                    "Deal expected.",
                    Some("2025-04-30"),
                    &["minerals"],
                    &[],
                ),
                event(&early, 2, "Undated remark.", None, &["aid"], &[]),
                event(
                    &early,
                    3,
                    "Another on April 30.",
                    Some("2025-04-30"),
                    &["aid"],
                    &[],
                ),
            ],
        )
        .unwrap();
    store
        .put_article(
            &late,
            &[
                event(
                    &late,
                    0,
                    "Deal signed.",
                    Some("2025-04-30"),
                    &["minerals"],
                    &[],
                ),
                event(
                    &late,
                    1,
                    "Ratification scheduled.",
                    Some("2025-05-08"),
                    &["minerals"],
                    &[],
                ),
                event(
                    &late,
                    2,
                    "Old background.",
                    Some("2024-09-26"),
                    &["aid"],
                    &[],
                ),
            ],
        )
        .unwrap();

    // 05-08, then 04-30 (later-reported a2 first, then a1's two in key order), ...; undated last
    // is excluded entirely.
    let all = keys(&store.latest_events(None, 100).unwrap());
    assert_eq!(
        all,
        vec![
            "a2:0001:00",
            "a2:0000:00",
            "a1:0001:00",
            "a1:0003:00",
            "a1:0000:00",
            "a2:0002:00"
        ]
    );
    // A limit cutting through a tie keeps the tie order.
    assert_eq!(
        keys(&store.latest_events(None, 3).unwrap()),
        vec!["a2:0001:00", "a2:0000:00", "a1:0001:00"]
    );
    assert_eq!(
        keys(&store.latest_events(None, 1).unwrap()),
        vec!["a2:0001:00"]
    );
    assert!(store.latest_events(None, 0).unwrap().is_empty());

    assert_eq!(
        keys(&store.latest_events(Some("aid"), 10).unwrap()),
        vec!["a1:0003:00", "a1:0000:00", "a2:0002:00"]
    );
    assert_eq!(
        keys(&store.latest_events(Some("minerals"), 2).unwrap()),
        vec!["a2:0001:00", "a2:0000:00"]
    );
    assert!(store.latest_events(Some("min"), 10).unwrap().is_empty());
    assert!(store.latest_events(Some("unknown"), 10).unwrap().is_empty());

    // topic_events: dated in date order, undated last.
    assert_eq!(
        keys(&store.topic_events("aid").unwrap()),
        vec!["a2:0002:00", "a1:0000:00", "a1:0003:00", "a1:0002:00"]
    );

    // articles: newest published first.
    let ids: Vec<String> = store
        .articles()
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, vec!["a2", "a1"]);
}

#[test]
fn topic_and_actor_events_put_undated_last() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let a = article("a1", "h1", "2025-03-19T20:00:00+00:00");
    store
        .put_article(
            &a,
            &[
                event(
                    &a,
                    0,
                    "Undated first sentence.",
                    None,
                    &["talks"],
                    &["Putin"],
                ),
                event(
                    &a,
                    1,
                    "Call on March 18.",
                    Some("2025-03-18"),
                    &["talks"],
                    &["Putin", "Trump"],
                ),
                event(
                    &a,
                    2,
                    "Earlier call in February.",
                    Some("2025-02-12"),
                    &["talks"],
                    &["Putin"],
                ),
            ],
        )
        .unwrap();
    assert_eq!(
        keys(&store.topic_events("talks").unwrap()),
        vec!["a1:0002:00", "a1:0001:00", "a1:0000:00"]
    );
    assert_eq!(
        keys(&store.actor_events("Putin").unwrap()),
        vec!["a1:0002:00", "a1:0001:00", "a1:0000:00"]
    );
    assert_eq!(
        keys(&store.actor_events("Trump").unwrap()),
        vec!["a1:0001:00"]
    );
}

#[test]
fn reopen_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let a = article("a1", "h1", "2025-03-04T09:30:00+02:00");
    let e = event(
        &a,
        0,
        "Aid was paused.",
        Some("2025-03-03"),
        &["aid"],
        &["Ukraine"],
    );
    {
        let store = open(dir.path());
        store.put_article(&a, std::slice::from_ref(&e)).unwrap();
        store.flush().unwrap();
    }
    let store = open(dir.path());
    assert_eq!(store.article("a1").unwrap(), Some(a.clone()));
    assert_eq!(store.event(&e.key()).unwrap(), Some(e.clone()));
    assert_eq!(store.event_count().unwrap(), 1);
    assert_eq!(store.term_frequency("paus").unwrap(), 1);
    assert_eq!(
        keys(&store.latest_events(Some("aid"), 5).unwrap()),
        vec![e.key()]
    );
    assert_eq!(store.put_article(&a, &[e]).unwrap(), PutOutcome::Unchanged);
    let stats = store.stats().unwrap();
    assert_eq!((stats.articles, stats.events), (1, 1));
    assert!(stats.size_on_disk > 0);
}

#[test]
fn remove_article_drops_everything_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let a = article("a1", "h1", "2025-03-04T09:30:00+02:00");
    let b = article("b2", "h2", "2025-03-05T09:30:00+02:00");
    store
        .put_article(
            &a,
            &[event(
                &a,
                0,
                "Aid was paused.",
                Some("2025-03-03"),
                &["aid"],
                &["Ukraine"],
            )],
        )
        .unwrap();
    store
        .put_article(
            &b,
            &[event(&b, 0, "Aid resumed.", None, &["aid"], &["Ukraine"])],
        )
        .unwrap();

    assert!(store.remove_article("a1").unwrap());
    assert!(!store.remove_article("a1").unwrap());
    assert_eq!(store.article("a1").unwrap(), None);
    assert_eq!(store.article_hash("a1").unwrap(), None);
    assert_eq!(store.event("a1:0000:00").unwrap(), None);
    assert!(store.term_postings("paus").unwrap().is_empty());
    assert_eq!(store.term_postings("aid").unwrap(), vec!["b2:0000:00"]);
    assert_eq!(store.term_frequency("aid").unwrap(), 1);
    assert!(store.latest_events(None, 10).unwrap().is_empty());
    assert_eq!(
        keys(&store.topic_events("aid").unwrap()),
        vec!["b2:0000:00"]
    );
    assert_eq!(
        keys(&store.actor_events("Ukraine").unwrap()),
        vec!["b2:0000:00"]
    );
    let stats = store.stats().unwrap();
    assert_eq!((stats.articles, stats.events), (1, 1));
    assert_eq!(stats.per_topic, vec![("aid".to_string(), 1)]);
    assert_eq!(store.articles().unwrap(), vec![b.clone()]);

    assert!(store.remove_article("b2").unwrap());
    let stats = store.stats().unwrap();
    assert_eq!(
        (stats.articles, stats.events, stats.per_topic.len()),
        (0, 0, 0)
    );
    // A removed article comes back as new.
    assert_eq!(store.put_article(&a, &[]).unwrap(), PutOutcome::Added);
}

#[test]
fn events_of_another_article_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let a = article("a1", "h1", "2025-03-04T09:30:00+02:00");
    let b = article("b2", "h2", "2025-03-05T09:30:00+02:00");
    let stray = event(&b, 0, "Not mine.", None, &[], &[]);
    assert!(store.put_article(&a, &[stray]).is_err());
    let e = event(&a, 0, "Twice.", None, &[], &[]);
    assert!(store.put_article(&a, &[e.clone(), e]).is_err());
    assert_eq!(store.article("a1").unwrap(), None);
    assert_eq!(store.event_count().unwrap(), 0);
}

#[cfg(unix)]
#[test]
fn store_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("store");
    let _store = open(&path);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
}

const LOCK_CHILD: &str = "STORYLINE_STORE_TEST_LOCK_CHILD";

/// Opens a store, then runs this same test in a child process that tries to open it too.
#[test]
fn open_from_another_process_is_locked() {
    if let Ok(dir) = std::env::var(LOCK_CHILD) {
        // The child: report how the second open went through the exit code.
        let code = match Store::open(Path::new(&dir)) {
            Err(StoreError::Locked { .. }) => 42,
            Ok(_) => 1,
            Err(e) => {
                eprintln!("unexpected error: {e}");
                2
            }
        };
        std::process::exit(code);
    }
    let dir = tempfile::tempdir().unwrap();
    let _store = open(dir.path());
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "open_from_another_process_is_locked",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(LOCK_CHILD, dir.path())
        .status()
        .unwrap();
    assert_eq!(
        status.code(),
        Some(42),
        "the second process should get StoreError::Locked"
    );
}

/// Bulk ingest timing: `STORE_BENCH_ARTICLES=100000 cargo test --release --test store -- --ignored
/// --nocapture bulk_ingest`. Clauses of ~20 words from a 5000-word vocabulary, 12 events each.
#[test]
#[ignore]
fn bulk_ingest_speed() {
    let n: usize = std::env::var("STORE_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let vocab: Vec<String> = (0..5000).map(|i| format!("word{i}x")).collect();
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let start = std::time::Instant::now();
    for i in 0..n {
        let day_n = (i % 400) as i64;
        let published = (NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
            + chrono::Duration::days(day_n))
        .format("%Y-%m-%d");
        let a = article(
            &format!("{i:016x}"),
            "h",
            &format!("{published}T10:00:00+00:00"),
        );
        let events: Vec<Event> = (0..12)
            .map(|s| {
                let clause: Vec<&str> = (0..20)
                    .map(|_| vocab[(next() % 5000) as usize].as_str())
                    .collect();
                let d = (NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()
                    + chrono::Duration::days((next() % 400) as i64))
                .format("%Y-%m-%d")
                .to_string();
                let date = if s % 4 == 3 { None } else { Some(d.as_str()) };
                let topic = ["aid", "talks", "minerals"][(next() % 3) as usize];
                event(
                    &a,
                    s,
                    &clause.join(" "),
                    date,
                    &[topic],
                    &["Ukraine", "United States"],
                )
            })
            .collect();
        store.put_article(&a, &events).unwrap();
    }
    store.flush().unwrap();
    let elapsed = start.elapsed();
    let stats = store.stats().unwrap();
    let q = std::time::Instant::now();
    let latest = store.latest_events(Some("aid"), 10).unwrap();
    let tf = store.term_frequency("word7x").unwrap();
    eprintln!(
        "{n} articles, {} events in {:.1?} ({:.0} articles/s); {} MiB on disk; latest(10) + tf in {:.1?} (tf {tf})",
        stats.events,
        elapsed,
        n as f64 / elapsed.as_secs_f64(),
        stats.size_on_disk >> 20,
        q.elapsed()
    );
    assert_eq!(latest.len(), 10);
    assert_eq!(stats.articles, n as u64);
}

/// Articles stored in one batch share its counters and log entry: replacing or removing one of
/// them must leave the others' events and full-text documents whole, and the store consistent.
#[test]
fn articles_sharing_a_batch_are_replaced_and_removed_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let a = article("a1", "h1", "2025-03-04T10:00:00+02:00");
    let b = article("b2", "h2", "2025-03-05T10:00:00+02:00");
    let c = article("c3", "h3", "2025-03-06T10:00:00+02:00");
    let ea = [event(
        &a,
        0,
        "Washington paused military aid.",
        Some("2025-03-03"),
        &["aid"],
        &["Trump"],
    )];
    let eb = [
        event(
            &b,
            0,
            "The aid pause was criticised in Kyiv.",
            None,
            &["aid"],
            &["Zelensky"],
        ),
        event(
            &b,
            1,
            "Military aid talks resumed in Jeddah.",
            Some("2025-03-05"),
            &["aid"],
            &["Rubio"],
        ),
    ];
    let ec = [event(
        &c,
        0,
        "Military aid resumed.",
        Some("2025-03-06"),
        &["aid"],
        &["Trump"],
    )];
    store
        .put_articles(&[(&a, &ea[..]), (&b, &eb[..]), (&c, &ec[..])])
        .unwrap();
    let military = &storyline::text::terms("military")[0];
    assert_eq!(
        store.term_postings(military).unwrap(),
        ["a1:0000:00", "b2:0001:00", "c3:0000:00"]
    );
    assert_eq!(
        store.actor_event_keys("Trump").unwrap(),
        ["a1:0000:00", "c3:0000:00"]
    );

    // b2 changes: its new version is stored in a batch of its own.
    let b_new = article("b2", "h2-new", "2025-03-05T10:00:00+02:00");
    let eb_new = vec![event(
        &b_new,
        0,
        "Kyiv welcomed the news.",
        None,
        &["aid"],
        &["Zelensky"],
    )];
    store.put_article(&b_new, &eb_new).unwrap();
    assert_eq!(
        store.term_postings(military).unwrap(),
        ["a1:0000:00", "c3:0000:00"]
    );
    assert_eq!(
        store
            .term_postings(&storyline::text::terms("welcomed")[0])
            .unwrap(),
        ["b2:0000:00"]
    );
    assert!(store.actor_event_keys("Rubio").unwrap().is_empty());
    assert_eq!(store.term_frequency(military).unwrap(), 2);

    store.remove_article("a1").unwrap();
    assert_eq!(store.term_postings(military).unwrap(), ["c3:0000:00"]);
    assert_eq!(store.actor_event_keys("Trump").unwrap(), ["c3:0000:00"]);
    assert_eq!(store.actor_frequency("Trump").unwrap(), 1);
    let report = store.check().unwrap();
    assert!(report.is_consistent(), "{:?}", report.problems);
    assert_eq!((report.articles, report.events), (2, 2));
}
