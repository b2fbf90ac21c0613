//! Ingest end to end: the `tests/data/bad` fixtures (copied to a temp dir) into a fresh store.
//! Each bad file must get its own typed error naming it; the good files must still be stored;
//! a second run must change nothing.

use std::path::{Path, PathBuf};

use storyline::article::ArticleError;
use storyline::config::Config;
use storyline::ingest::{ingest_paths, FileOutcome, IngestReport};
use storyline::store::{PutOutcome, Store};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    store: Store,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bad");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad"),
        &dir,
    );
    let store = Store::open(&tmp.path().join("store")).unwrap();
    Fixture {
        _tmp: tmp,
        dir,
        store,
    }
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The error reported for a file (by file name; for manifest problems, the manifest's folder
/// and the named entry).
fn error_for<'a>(report: &'a IngestReport, file: &str) -> &'a ArticleError {
    let found: Vec<&ArticleError> = report
        .errors
        .iter()
        .filter(|e| name(e.path()) == file)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one error for {file}, got {found:?}"
    );
    found[0]
}

fn stored<'a>(report: &'a IngestReport, file: &str) -> (&'a str, PutOutcome) {
    for f in &report.files {
        if let FileOutcome::Stored {
            path,
            article_id,
            outcome,
            ..
        } = f
        {
            if name(path) == file {
                return (article_id, *outcome);
            }
        }
    }
    panic!("{file} was not stored: {:#?}", report.files);
}

const GOOD: [&str; 5] = [
    "good_plain.txt",
    "good_bom.txt",
    "good_crlf.txt",
    "good_manifest.txt",
    "dup_url_1.txt",
];

#[test]
fn each_bad_file_gets_its_error_and_good_files_are_stored() {
    let fx = fixture();
    let config = Config::builtin();
    let report = ingest_paths(&fx.store, &config, &[fx.dir.as_path()]).unwrap();

    use ArticleError as E;
    type IsExpected = fn(&ArticleError) -> bool;
    let expect: &[(&str, IsExpected)] = &[
        ("empty.txt", |e| matches!(e, E::Empty { .. })),
        ("whitespace_only.txt", |e| {
            matches!(e, E::WhitespaceOnly { .. })
        }),
        ("binary.txt", |e| matches!(e, E::Binary { .. })),
        ("latin1.txt", |e| matches!(e, E::NotUtf8 { line: 8, .. })),
        ("not_closed.txt", |e| {
            matches!(e, E::FrontMatterNotClosed { .. })
        }),
        ("broken_line.txt", |e| {
            matches!(e, E::BadFrontMatterLine { line: 3, .. })
        }),
        (
            "unknown_key.txt",
            |e| matches!(e, E::UnknownKey { key, .. } if key == "author"),
        ),
        (
            "duplicate_key.txt",
            |e| matches!(e, E::DuplicateKey { key, .. } if key == "title"),
        ),
        (
            "missing_published.txt",
            |e| matches!(e, E::MissingField { field, .. } if field == "published"),
        ),
        (
            "bad_date.txt",
            |e| matches!(e, E::BadDate { value, .. } if value == "last Tuesday"),
        ),
        ("date_without_timezone.txt", |e| {
            matches!(e, E::DateNeedsTimezone { .. })
        }),
        ("future_date.txt", |e| matches!(e, E::FutureDate { .. })),
        (
            "unknown_timezone.txt",
            |e| matches!(e, E::UnknownTimezone { name, .. } if name == "Europe/Atlantis"),
        ),
        ("empty_body.txt", |e| matches!(e, E::EmptyBody { .. })),
        (
            "dup_url_2.txt",
            |e| matches!(e, E::DuplicateUrl { first, .. } if first.ends_with("dup_url_1.txt")),
        ),
        ("not_listed.txt", |e| matches!(e, E::NotInManifest { .. })),
        ("described.txt", |e| matches!(e, E::ManifestBroken { .. })),
    ];
    for (file, check) in expect {
        let e = error_for(&report, file);
        assert!(check(e), "{file}: unexpected error {e:?}");
        let line = e.to_string();
        assert!(line.starts_with(&e.path().display().to_string()), "{line}");
        assert!(line.contains(file), "{line}");
        assert!(!line.contains('\n'), "{line}");
    }

    // Problems of the manifests themselves name the manifest and the entry.
    let manifest_errors: Vec<&ArticleError> = report
        .errors
        .iter()
        .filter(|e| name(e.path()) == "manifest.toml")
        .collect();
    assert_eq!(manifest_errors.len(), 3, "{manifest_errors:?}");
    assert!(manifest_errors
        .iter()
        .any(|e| matches!(e, E::ManifestMissingFile { file, .. } if file == "missing.txt")));
    assert!(manifest_errors
        .iter()
        .any(|e| matches!(e, E::ManifestPathOutside { file, .. } if file == "../../etc/passwd")));
    assert!(manifest_errors.iter().any(|e| matches!(e, E::BadManifest { path, .. } if path.ends_with("broken_manifest/manifest.toml"))));
    for e in &manifest_errors {
        assert!(e.to_string().contains("manifest.toml"), "{e}");
    }

    // Nothing else failed, and every failure has its typed error.
    assert_eq!(
        report.failed(),
        expect.len() + manifest_errors.len(),
        "{:#?}",
        report.errors
    );
    assert_eq!(report.errors.len(), report.failed());
    for f in &report.files {
        if let FileOutcome::Failed { path, reason } = f {
            assert!(reason.starts_with(&path.display().to_string()), "{reason}");
        }
    }

    for file in GOOD {
        let (id, outcome) = stored(&report, file);
        assert_eq!(outcome, PutOutcome::Added, "{file}");
        let article = fx
            .store
            .article(id)
            .unwrap()
            .unwrap_or_else(|| panic!("{file} is in the store"));
        assert!(!article.paragraphs.is_empty());
        assert!(article
            .paragraphs
            .iter()
            .all(|p| !p.contains('\r') && !p.starts_with('\u{feff}')));
    }
    let (id, _) = stored(&report, "good_manifest.txt");
    let article = fx.store.article(id).unwrap().unwrap();
    assert_eq!(article.published.to_rfc3339(), "2025-03-05T00:00:00+02:00");
    let (id, _) = stored(&report, "good_crlf.txt");
    let article = fx.store.article(id).unwrap().unwrap();
    assert_eq!(article.title, "CRLF: Windows line ends");
    assert_eq!(article.paragraphs.len(), 3);

    // The README is not an article and not an error.
    assert!(report
        .files
        .iter()
        .all(|f| !f.path().ends_with("README.md")));
    assert_eq!(report.added(), GOOD.len());
    assert_eq!(
        report.summary_line(),
        format!(
            "{} files: {} added, 0 replaced, 0 unchanged, {} failed",
            report.files.len(),
            GOOD.len(),
            report.failed()
        )
    );
}

#[test]
fn second_run_changes_nothing_and_an_edit_replaces() {
    let fx = fixture();
    let config = Config::builtin();
    let first = ingest_paths(&fx.store, &config, &[fx.dir.as_path()]).unwrap();
    let second = ingest_paths(&fx.store, &config, &[fx.dir.as_path()]).unwrap();
    assert_eq!(second.added(), 0);
    assert_eq!(second.replaced(), 0);
    assert_eq!(second.unchanged(), GOOD.len());
    assert_eq!(second.failed(), first.failed());
    assert_eq!(second.new_events().count(), 0);

    // An edited article is replaced; only events of sentences it did not have before are new.
    let path = fx.dir.join("good_plain.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let added = "On March 12, Ukraine agreed to a 30-day ceasefire proposed by the United States, officials said.";
    std::fs::write(&path, format!("{text}{added}\n")).unwrap();
    let third = ingest_paths(&fx.store, &config, &[path.as_path()]).unwrap();
    assert_eq!(third.files.len(), 1);
    let (_, outcome) = stored(&third, "good_plain.txt");
    assert_eq!(outcome, PutOutcome::Replaced);
    assert!(
        third
            .new_events()
            .any(|e| e.sentence.contains("30-day ceasefire")),
        "the added sentence yields a new event: {:#?}",
        third.new_events().collect::<Vec<_>>()
    );
    for e in third.new_events() {
        assert!(
            !text.contains(&e.sentence),
            "old sentence reported as new: {}",
            e.sentence
        );
    }
}

#[test]
fn huge_files_and_long_lines_are_reported_without_reading_them_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("articles");
    std::fs::create_dir(&dir).unwrap();
    let header = "---\ntitle: Big\noutlet: O\nurl: https://e.example/big\npublished: 2025-03-10T09:00:00Z\n---\n\n";
    // 20 MB: over the default 2 MB limit.
    let para = "Talks continued on Monday, officials said.\n";
    let big = format!("{header}{}", para.repeat(20 * 1024 * 1024 / para.len()));
    std::fs::write(dir.join("huge.txt"), &big).unwrap();
    // 1 MB on one line: under the size limit, but no paragraph is that long.
    let line = format!(
        "---\ntitle: Long\noutlet: O\nurl: https://e.example/long\npublished: 2025-03-10T09:00:00Z\n---\n\n{}\n",
        "word ".repeat(1024 * 1024 / 5)
    );
    std::fs::write(dir.join("long_line.txt"), line).unwrap();
    let store = Store::open(&tmp.path().join("store")).unwrap();
    let config = Config::builtin();
    let report = ingest_paths(&store, &config, &[dir.as_path()]).unwrap();
    assert!(
        matches!(error_for(&report, "huge.txt"), ArticleError::TooLarge { limit, .. } if *limit == config.max_article_bytes)
    );
    assert!(matches!(
        error_for(&report, "long_line.txt"),
        ArticleError::LineTooLong { line: 8, .. }
    ));
    assert_eq!(
        report.summary_line(),
        "2 files: 0 added, 0 replaced, 0 unchanged, 2 failed"
    );
}

#[test]
fn the_size_limit_comes_from_the_config() {
    let fx = fixture();
    let mut config = Config::builtin();
    config.max_article_bytes = 200;
    let path = fx.dir.join("good_crlf.txt");
    let report = ingest_paths(&fx.store, &config, &[path.as_path()]).unwrap();
    match error_for(&report, "good_crlf.txt") {
        ArticleError::TooLarge { size, limit, .. } => {
            assert_eq!(*limit, 200);
            assert_eq!(*size, std::fs::metadata(&path).unwrap().len());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bundled_folders_ingest_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Store::open(&tmp.path().join("store")).unwrap();
    let config = Config::builtin();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dev = root.join("tests/data/dev");
    let seeds = root.join("seeds");
    let report = ingest_paths(&store, &config, &[dev.as_path(), seeds.as_path()]).unwrap();
    assert_eq!(
        report.summary_line(),
        "7 files: 7 added, 0 replaced, 0 unchanged, 0 failed",
        "{:#?}",
        report.errors
    );
    // The same file named twice (directly and through its folder) is read once.
    let a1 = dev.join("a1-2025-03-04-us-pauses-military-aid.txt");
    let again = ingest_paths(&store, &config, &[a1.as_path(), dev.as_path()]).unwrap();
    assert_eq!(
        again.summary_line(),
        "6 files: 0 added, 0 replaced, 6 unchanged, 0 failed"
    );
}

#[test]
fn explicit_paths_that_are_not_articles() {
    let fx = fixture();
    let config = Config::builtin();
    let missing = fx.dir.join("no_such_file.txt");
    let other = fx.dir.join("notes.pdf");
    std::fs::write(&other, "x").unwrap();
    let report = ingest_paths(&fx.store, &config, &[missing.as_path(), other.as_path()]).unwrap();
    assert!(matches!(
        error_for(&report, "no_such_file.txt"),
        ArticleError::Io { .. }
    ));
    assert!(matches!(
        error_for(&report, "notes.pdf"),
        ArticleError::NotAnArticle { .. }
    ));
}

#[test]
fn a_large_run_with_progress_logging_completes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("many");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..1_001 {
        let text = format!(
            "---\ntitle: Item {i}\noutlet: O\nurl: https://e.example/{i}\npublished: 2025-03-10T09:00:00Z\n---\n\nTalks resumed on March {}, officials said.\n",
            i % 28 + 1
        );
        std::fs::write(dir.join(format!("{i:05}.txt")), text).unwrap();
    }
    let store = Store::open(&tmp.path().join("store")).unwrap();
    let report = ingest_paths(&store, &Config::builtin(), &[dir.as_path()]).unwrap();
    assert_eq!(
        report.summary_line(),
        "1001 files: 1001 added, 0 replaced, 0 unchanged, 0 failed"
    );
}
