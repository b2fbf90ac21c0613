//! The checks behind the fuzz targets, one function per target. Each takes raw bytes, runs one
//! of Storyline's parsers of untrusted text, and panics (which the fuzzer reports as a crash) on
//! a panic inside the parser or on a broken invariant, the same invariants as
//! `tests/properties.rs`. They live in a library, not in the `fuzz_targets/` files, so that the
//! stable `replay` binary runs exactly the same checks.

use std::path::Path;

use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use storyline::answer::{Request, MAX_MESSAGE_CHARS};
use storyline::article::{article_id, parse, Article};
use storyline::extract::sentences::split_sentences;
use storyline::extract::time::{find_dates, is_future_context, TimeContext};

/// Front matter: decoding, splitting, metadata checks and paragraphs, as `load_article` runs
/// them (without the file system). Errors are one line naming the file; an accepted article
/// has trimmed, non-empty fields, an http(s) URL, a date not in the future and paragraphs.
pub fn front_matter(data: &[u8]) {
    let path = Path::new("fuzz.txt");
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let _ = parse::starts_with_front_matter(data);
    let text = match parse::decode(path, data) {
        Ok(text) => text,
        Err(e) => return one_line(&e.to_string()),
    };
    assert!(!text.contains('\0'), "decoded text holds NUL");
    let fm = match parse::split_front_matter(path, &text) {
        Ok(Some(fm)) => fm,
        Ok(None) => {
            let first = text.split('\n').next().unwrap_or("");
            assert_ne!(first.trim(), "---", "front matter missed");
            return;
        }
        Err(e) => return one_line(&e.to_string()),
    };
    assert!(text.ends_with(fm.body), "the body is the end of the text");
    let meta = match parse::resolve(path, fm.meta, now) {
        Ok(meta) => meta,
        Err(e) => return one_line(&e.to_string()),
    };
    for field in [&meta.title, &meta.outlet, &meta.url] {
        assert!(!field.is_empty() && field.trim() == field.as_str(), "field {field:?}");
    }
    assert!(!meta.title.chars().any(char::is_control));
    assert!(meta.url.to_ascii_lowercase().starts_with("http"));
    assert!(meta.published.with_timezone(&Utc) <= now + TimeDelta::days(parse::FUTURE_SLACK_DAYS));
    let paragraphs = parse::paragraphs(fm.body);
    for p in &paragraphs {
        assert!(!p.is_empty() && p.trim() == p.as_str() && !p.contains('\n'), "paragraph {p:?}");
    }
    let article = Article::new(meta, paragraphs, path);
    assert_eq!(article.id, article_id(&article.url));
}

fn one_line(message: &str) {
    assert!(message.starts_with("fuzz.txt"), "error does not name the file: {message:?}");
    assert!(!message.contains('\n'), "error spans lines: {message:?}");
}

/// Sentences: non-empty trimmed slices of the input, in order, with only white space between
/// them: nothing lost, repeated or reordered.
pub fn sentences(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut at = 0;
    for s in split_sentences(text) {
        assert!(!s.is_empty() && s.trim() == s, "sentence {s:?}");
        let start = (s.as_ptr() as usize)
            .checked_sub(text.as_ptr() as usize)
            .filter(|st| st + s.len() <= text.len())
            .unwrap_or_else(|| panic!("{s:?} is not a slice of the input"));
        assert!(start >= at, "sentences overlap or go backwards");
        assert!(text[at..start].chars().all(char::is_whitespace), "text lost: {:?}", &text[at..start]);
        at = start + s.len();
    }
    assert!(text[at..].chars().all(char::is_whitespace), "text lost at the end: {:?}", &text[at..]);
}

/// Dates: the first two bytes pick the publication day (1900 to 2079), the rest is the
/// sentence. Mentions are non-empty char-boundary ranges in order, not overlapping.
pub fn dates(data: &[u8]) {
    let [a, b, rest @ ..] = data else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let published = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + TimeDelta::days(i64::from(u16::from_le_bytes([*a, *b])));
    let mentions = find_dates(text, &TimeContext { published });
    let mut at = 0;
    for m in &mentions {
        assert!(m.start < m.end && m.end <= text.len(), "{m:?} outside the sentence");
        assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end), "{m:?} splits a char");
        assert!(m.start >= at, "mentions overlap or go backwards: {mentions:?}");
        let _ = is_future_context(text, m.start);
        at = m.end;
    }
    let _ = is_future_context(text, usize::from(*a));
}

/// Messages: never a panic; a question is non-empty, within the message limit, free of
/// control characters, and parses to itself again; an unknown command keeps its slash.
pub fn message(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Request::parse(&text) {
        Request::Ask(q) => {
            assert!(!q.is_empty() && q.chars().count() <= MAX_MESSAGE_CHARS);
            assert!(!q.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{q:?}");
            if !q.starts_with('/') {
                assert_eq!(Request::parse(&q), Request::Ask(q.clone()), "a question reparses to itself");
            }
        }
        Request::Unknown { command } => assert!(command.starts_with('/')),
        _ => {}
    }
}

/// The targets by name, for `replay`.
pub const TARGETS: [(&str, fn(&[u8])); 4] = [
    ("front_matter", front_matter),
    ("sentences", sentences),
    ("dates", dates),
    ("message", message),
];
