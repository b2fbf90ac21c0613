//! Parser tests: pure text in, metadata or a typed error out. Only the last few touch the file
//! system (the bundled seed and dev articles); none need the store.

use super::parse::*;
use super::*;
use chrono::TimeZone;

fn p() -> &'static Path {
    Path::new("x/a.txt")
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
}

fn opts() -> ReadOptions {
    ReadOptions {
        max_bytes: 2 * 1024 * 1024,
        now: now(),
    }
}

/// Parses a whole file's text with no manifest.
fn parse_text(text: &str) -> Result<Article, ArticleError> {
    let text = decode(p(), text.as_bytes())?;
    let fm =
        split_front_matter(p(), &text)?.ok_or(ArticleError::NoMetadata { path: p().into() })?;
    let meta = resolve(p(), fm.meta, now())?;
    let paragraphs = paragraphs(fm.body);
    if paragraphs.is_empty() {
        return Err(ArticleError::EmptyBody { path: p().into() });
    }
    Ok(Article::new(meta, paragraphs, p()))
}

const GOOD: &str = "---\ntitle: T\noutlet: O\nurl: https://example.com/a\npublished: 2025-03-04T07:30:00-05:00\n---\n\nFirst.\n\nSecond.\n";

#[test]
fn front_matter_article_parses() {
    let a = parse_text(GOOD).unwrap();
    assert_eq!(a.title, "T");
    assert_eq!(a.outlet, "O");
    assert_eq!(a.paragraphs, vec!["First.", "Second."]);
    assert_eq!(a.published.to_rfc3339(), "2025-03-04T07:30:00-05:00");
    assert_eq!(a.id.len(), 16);
    assert_eq!(a.id, article_id("https://example.com/a"));
    assert_eq!(a.content_hash.len(), 16);
    assert_eq!(a.source_path, "x/a.txt");
}

#[test]
fn content_hash_changes_with_body_and_metadata_but_not_path() {
    let a = parse_text(GOOD).unwrap();
    let b = parse_text(&GOOD.replace("Second.", "Second!")).unwrap();
    let c = parse_text(&GOOD.replace("title: T", "title: U")).unwrap();
    assert_ne!(a.content_hash, b.content_hash);
    assert_ne!(a.content_hash, c.content_hash);
    assert_eq!(a.id, b.id);
    let moved = Article::new(
        resolve(
            p(),
            split_front_matter(p(), GOOD).unwrap().unwrap().meta,
            now(),
        )
        .unwrap(),
        a.paragraphs.clone(),
        Path::new("elsewhere.txt"),
    );
    assert_eq!(moved.content_hash, a.content_hash);
}

#[test]
fn quoted_values() {
    assert_eq!(
        unquote(r#" "Ukraine, US: 'soon'" "#).unwrap(),
        "Ukraine, US: 'soon'"
    );
    assert_eq!(unquote(r#""say \"hi\"""#).unwrap(), r#"say "hi""#);
    assert_eq!(unquote("'it''s'").unwrap(), "it's");
    assert_eq!(unquote("bare: colon").unwrap(), "bare: colon");
    assert_eq!(unquote("\"x\" # note").unwrap(), "x");
    assert!(unquote("\"open").is_err());
    assert!(unquote("'a' b").is_err());
    let a = parse_text(&GOOD.replace("title: T", "title: \"Talks: 'soon'\"")).unwrap();
    assert_eq!(a.title, "Talks: 'soon'");
}

#[test]
fn crlf_and_bom_are_accepted() {
    let crlf = format!("\u{feff}{}", GOOD.replace('\n', "\r\n"));
    let a = parse_text(&crlf).unwrap();
    assert_eq!(a.paragraphs, vec!["First.", "Second."]);
    assert_eq!(a.title, "T");
    assert_eq!(a.content_hash, parse_text(GOOD).unwrap().content_hash);
}

#[test]
fn byte_level_errors() {
    assert!(matches!(decode(p(), b""), Err(ArticleError::Empty { .. })));
    assert!(matches!(
        decode(p(), b"\xEF\xBB\xBF"),
        Err(ArticleError::Empty { .. })
    ));
    assert!(matches!(
        decode(p(), b" \n\t\r\n "),
        Err(ArticleError::WhitespaceOnly { .. })
    ));
    assert!(matches!(
        decode(p(), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        Err(ArticleError::Binary { .. })
    ));
    match decode(p(), b"line one\ncaf\xe9\n") {
        Err(ArticleError::NotUtf8 { offset, line, .. }) => assert_eq!((offset, line), (12, 2)),
        other => panic!("{other:?}"),
    }
    let long = "a".repeat(MAX_LINE_BYTES + 1);
    assert!(matches!(
        decode(p(), long.as_bytes()),
        Err(ArticleError::LineTooLong { line: 1, .. })
    ));
}

fn err(text: &str) -> ArticleError {
    parse_text(text).expect_err("must fail")
}

#[test]
fn front_matter_errors() {
    assert!(matches!(
        err("---\ntitle: T\n\nbody\n"),
        ArticleError::FrontMatterNotClosed { .. }
    ));
    assert!(matches!(
        err(&GOOD.replace("outlet: O", "outlet O")),
        ArticleError::BadFrontMatterLine { line: 3, .. }
    ));
    assert!(matches!(
        err(&GOOD.replace("outlet: O", "outlet: \"O")),
        ArticleError::BadFrontMatterLine { line: 3, .. }
    ));
    match err(&GOOD.replace("outlet: O", "outlet: O\nauthor: A")) {
        ArticleError::UnknownKey { key, .. } => assert_eq!(key, "author"),
        other => panic!("{other:?}"),
    }
    match err(&GOOD.replace("outlet: O", "outlet: O\ntitle: Again")) {
        ArticleError::DuplicateKey { key, at, .. } => {
            assert_eq!(key, "title");
            assert!(at.contains("lines 2 and 4"), "{at}");
        }
        other => panic!("{other:?}"),
    }
    match err(&GOOD.replace("published: 2025-03-04T07:30:00-05:00\n", "")) {
        ArticleError::MissingField { field, .. } => assert_eq!(field, "published"),
        other => panic!("{other:?}"),
    }
    match err(&GOOD.replace("title: T", "title: ''")) {
        ArticleError::EmptyField { field, .. } => assert_eq!(field, "title"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        err(&GOOD.replace("https://example.com/a", "example.com/a")),
        ArticleError::BadUrl { .. }
    ));
    assert!(matches!(err("---\ntitle: T\noutlet: O\nurl: https://e.com/x\npublished: 2025-03-04T07:30:00Z\n---\n\n \n"), ArticleError::EmptyBody { .. }));
    assert!(matches!(
        err("---\ntitle: T\noutlet: O\nurl: https://e.com/x\npublished: 2025-03-04T07:30:00Z\n---"),
        ArticleError::EmptyBody { .. }
    ));
}

#[test]
fn error_display_is_one_line_starting_with_the_path() {
    for text in [
        "",
        "---\nx\n",
        "---\ntitle: T\n",
        "---\nfoo: 1\n---\nb\n",
        &GOOD.replace("2025-03-04T07:30:00-05:00", "soon"),
    ] {
        let e = err(text).to_string();
        assert!(e.starts_with("x/a.txt: "), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }
}

#[test]
fn dates_and_time_zones() {
    let set = |value: &str| GOOD.replace("2025-03-04T07:30:00-05:00", value);
    match err(&set("yesterday")) {
        ArticleError::BadDate { value, .. } => assert_eq!(value, "yesterday"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        err(&set("2025-02-30T10:00:00Z")),
        ArticleError::BadDate { .. }
    ));
    assert!(matches!(
        err(&set("2025-03-05")),
        ArticleError::DateNeedsTimezone { .. }
    ));
    assert!(matches!(
        err(&set("2999-01-01T00:00:00Z")),
        ArticleError::FutureDate { .. }
    ));
    // Within the 2-day slack: accepted.
    assert!(parse_text(&set("2025-06-03T00:00:00Z")).is_ok());
    match err(&set("2025-03-05\ntimezone: Mars/Olympus")) {
        ArticleError::UnknownTimezone { name, .. } => assert_eq!(name, "Mars/Olympus"),
        other => panic!("{other:?}"),
    }
    let kyiv = parse_text(&set("2025-03-05\ntimezone: Europe/Kyiv")).unwrap();
    assert_eq!(kyiv.published.to_rfc3339(), "2025-03-05T00:00:00+02:00");
    assert_eq!(kyiv.timezone.as_deref(), Some("Europe/Kyiv"));
    // Summer time applies to the date's own offset.
    let summer = parse_text(&set("2024-07-01\ntimezone: europe/kyiv")).unwrap();
    assert_eq!(summer.published.to_rfc3339(), "2024-07-01T00:00:00+03:00");
    // RFC 3339 with a zone keeps its own offset.
    let kept = parse_text(&set(
        "2025-05-01T03:00:00+03:00\ntimezone: America/New_York",
    ))
    .unwrap();
    assert_eq!(kept.published.to_rfc3339(), "2025-05-01T03:00:00+03:00");
    assert_eq!(
        kept.published_date(),
        NaiveDate::from_ymd_opt(2025, 5, 1).unwrap()
    );
    // A local time without offset is placed in the zone.
    let local = parse_text(&set("2025-03-04 07:30:00\ntimezone: America/New_York")).unwrap();
    assert_eq!(local.published.to_rfc3339(), "2025-03-04T07:30:00-05:00");
}

#[test]
fn midnight_in_a_spring_gap_moves_to_the_first_valid_time() {
    // Asia/Beirut skipped 00:00-01:00 on 2025-03-30.
    let tz: chrono_tz::Tz = "Asia/Beirut".parse().unwrap();
    let midnight = NaiveDate::from_ymd_opt(2025, 3, 30)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let t = local_in_zone(tz, midnight).unwrap();
    assert_eq!(
        t.date_naive(),
        NaiveDate::from_ymd_opt(2025, 3, 30).unwrap()
    );
    assert_eq!(t.offset().local_minus_utc(), 3 * 3600);
}

const MANIFEST: &str = r#"
[[article]]
file = "a.txt"
title = "A"
outlet = "O"
url = "https://e.com/a"
published = "2025-03-05"
timezone = "Europe/Kyiv"

[[article]]
file = "b.txt"
title = "B"
outlet = "O"
url = "https://e.com/b"
published = 2025-03-04T07:30:00-05:00

[[article]]
file = "gone.txt"

[[article]]
file = "../../etc/passwd"

[[article]]
file = "/etc/passwd"

[[article]]
file = "c.txt"
title = "C"
author = "X"

[[article]]
file = "b.txt"
"#;

#[test]
fn manifest_entries_and_problems() {
    let mpath = Path::new("dir/manifest.toml");
    let m = Manifest::parse(mpath, MANIFEST, |f| {
        ["a.txt", "b.txt", "c.txt"].contains(&f)
    });
    assert!(m.broken().is_none());
    let a = m.entry("a.txt").unwrap().clone().unwrap();
    let meta = resolve(Path::new("dir/a.txt"), a, now()).unwrap();
    assert_eq!(meta.published.to_rfc3339(), "2025-03-05T00:00:00+02:00");
    // Listed twice: the file gets an error naming both entries.
    match m.entry("b.txt").unwrap() {
        Err(ArticleError::DuplicateKey { path, at, .. }) => {
            assert_eq!(path, Path::new("dir/b.txt"));
            assert!(at.contains("entries 2 and 7"), "{at}");
        }
        other => panic!("{other:?}"),
    }
    match m.entry("c.txt").unwrap() {
        Err(ArticleError::UnknownKey { path, key, .. }) => {
            assert_eq!(path, Path::new("dir/c.txt"));
            assert_eq!(key, "author");
        }
        other => panic!("{other:?}"),
    }
    let problems = m.problems();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        matches!(&problems[0], ArticleError::ManifestMissingFile { file, .. } if file == "gone.txt")
    );
    assert!(
        matches!(&problems[1], ArticleError::ManifestPathOutside { file, .. } if file == "../../etc/passwd")
    );
    assert!(
        matches!(&problems[2], ArticleError::ManifestPathOutside { file, .. } if file == "/etc/passwd")
    );
    assert!(problems
        .iter()
        .all(|e| e.to_string().starts_with("dir/manifest.toml: ")));
    assert_eq!(
        m.files().collect::<Vec<_>>(),
        vec!["a.txt", "b.txt", "c.txt"]
    );
}

#[test]
fn unquoted_toml_date_in_manifest() {
    let m = Manifest::parse(
        Path::new("manifest.toml"),
        "[[article]]\nfile='a.txt'\ntitle='A'\noutlet='O'\nurl='https://e.com/a'\npublished=2025-03-04T07:30:00-05:00\n",
        |_| true,
    );
    let meta = resolve(
        Path::new("a.txt"),
        m.entry("a.txt").unwrap().clone().unwrap(),
        now(),
    )
    .unwrap();
    assert_eq!(meta.published.to_rfc3339(), "2025-03-04T07:30:00-05:00");
}

#[test]
fn broken_manifests() {
    for text in [
        "[[article]\nfile = 'a.txt'",
        "[[articles]]\nfile = 'a.txt'",
        "article = 3",
        "[[article]]\nfile = 'a.txt'\nfile = 'b.txt'",
    ] {
        let m = Manifest::parse(Path::new("d/manifest.toml"), text, |_| true);
        assert!(m.broken().is_some(), "{text}");
        assert!(matches!(m.problems(), [ArticleError::BadManifest { .. }]));
        let line = m.problems()[0].to_string();
        assert!(
            line.starts_with("d/manifest.toml: broken manifest"),
            "{line}"
        );
        assert!(!line.contains('\n'), "{line}");
        assert!(m.entry("a.txt").is_none());
    }
}

#[test]
fn seed_article_reads_through_its_manifest() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let o = opts();
    let manifest = Manifest::load(&dir, &o).expect("seeds has a manifest");
    assert!(manifest.problems().is_empty(), "{:?}", manifest.problems());
    let a = load_article(&dir.join("000_586a47ec60a85a45.txt"), Some(&manifest), &o)
        .unwrap()
        .unwrap();
    assert_eq!(a.published.to_rfc3339(), "2025-03-05T00:00:00+02:00");
    assert_eq!(a.timezone.as_deref(), Some("Europe/Kyiv"));
    assert_eq!(a.outlet, "The Kyiv Independent");
    assert!(a.paragraphs[0].starts_with("Ukrainian and American delegations"));
    assert!(a.paragraphs.iter().all(|p| !p.is_empty() && p.trim() == p));
    assert_eq!(a.id, article_id(&a.url));
    // The manifest is not an article.
    assert!(matches!(
        load_article(&dir.join("manifest.toml"), Some(&manifest), &o),
        Err(ArticleError::NotInManifest { .. })
    ));
}

#[test]
fn dev_articles_read_and_facts_md_is_ignored() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dev");
    let o = opts();
    let a5 = load_article(
        &dir.join("a5-2025-05-01-minerals-deal-signed.txt"),
        None,
        &o,
    )
    .unwrap()
    .unwrap();
    assert_eq!(a5.published.to_rfc3339(), "2025-05-01T03:00:00+03:00");
    assert_eq!(
        a5.published_date(),
        NaiveDate::from_ymd_opt(2025, 5, 1).unwrap()
    );
    assert_eq!(a5.outlet, "Dnipro Wire");
    assert!(load_article(&dir.join("FACTS.md"), None, &o)
        .unwrap()
        .is_none());
    let mut ids = std::collections::HashSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if has_extension(&path, "txt") {
            let a = load_article(&path, None, &o).unwrap().unwrap();
            assert!(ids.insert(a.id), "ids differ");
        }
    }
    assert_eq!(ids.len(), 6);
}

#[test]
fn size_is_checked_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.txt");
    std::fs::write(&path, GOOD).unwrap();
    let small = ReadOptions {
        max_bytes: 10,
        now: now(),
    };
    match load_article(&path, None, &small) {
        Err(ArticleError::TooLarge { size, limit, .. }) => {
            assert_eq!((size, limit), (GOOD.len() as u64, 10))
        }
        other => panic!("{other:?}"),
    }
    assert!(load_article(&path, None, &opts()).unwrap().is_some());
}

#[test]
fn files_without_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("plain.txt");
    let md = dir.path().join("notes.md");
    std::fs::write(&txt, "Just text.\n").unwrap();
    std::fs::write(&md, "# Notes\n").unwrap();
    assert!(matches!(
        load_article(&txt, None, &opts()),
        Err(ArticleError::NoMetadata { .. })
    ));
    assert!(load_article(&md, None, &opts()).unwrap().is_none());
    // An empty or binary .md without front matter is not an article either.
    std::fs::write(&md, b"\0\x01").unwrap();
    assert!(load_article(&md, None, &opts()).unwrap().is_none());
    let m = Manifest::parse(&dir.path().join("manifest.toml"), "[[article]\n", |_| true);
    assert!(matches!(
        load_article(&txt, Some(&m), &opts()),
        Err(ArticleError::ManifestBroken { .. })
    ));
    assert!(load_article(&md, Some(&m), &opts()).unwrap().is_none());
}

#[test]
fn arbitrary_input_never_panics_and_errors_stay_one_line() {
    // A small deterministic generator: pieces that stress the parser, glued at random.
    let pieces: [&[u8]; 16] = [
        b"---\n",
        b"---",
        b"\r\n",
        b"\n",
        b"title: ",
        b"url: https://e.com/x\n",
        b"published: ",
        b"2025-03-05",
        b"T07:30:00+02:00\n",
        b"timezone: Europe/Kyiv\n",
        b"\"",
        b"'",
        b"\xe9",
        b"\0",
        b"\xEF\xBB\xBF",
        "\u{2028}é 日本 :".as_bytes(),
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..5000 {
        let n = (next() % 24) as usize;
        let mut bytes = Vec::new();
        for _ in 0..n {
            bytes.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
        }
        let result = decode(p(), &bytes).and_then(|text| {
            let fm = split_front_matter(p(), &text)?
                .ok_or(ArticleError::NoMetadata { path: p().into() })?;
            resolve(p(), fm.meta, now()).map(|_| paragraphs(fm.body))
        });
        if let Err(e) = result {
            let line = e.to_string();
            assert!(
                line.starts_with("x/a.txt: ") && !line.contains('\n'),
                "{line}"
            );
        }
        let text = String::from_utf8_lossy(&bytes);
        let m = Manifest::parse(Path::new("m/manifest.toml"), &text, |_| true);
        for e in m.problems() {
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }
}
