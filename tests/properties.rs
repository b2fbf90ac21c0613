//! Property tests (proptest) for the parsers that read untrusted text: the article front matter,
//! the sentence splitter, the temporal tagger and the chat message parser. Each gets "no panic
//! on any input" (arbitrary bytes/strings plus inputs shaped like the real thing, so that the
//! deep paths are reached too), and the round trips and invariants that callers rely on:
//! an article written in front-matter form reads back to the same fields; sentences are
//! in-order slices of the paragraph that lose no text; date mentions are in-order, disjoint,
//! char-boundary ranges and explicit dates come back as written; `/command topic` parses to
//! that command and topic.
//!
//! Case counts are modest (256–512 per property) so that CI stays fast; the cargo-fuzz
//! targets under `fuzz/` run the same entry points for as long as one likes.

use std::path::Path;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use storyline::answer::{AsOf, Request, MAX_MESSAGE_CHARS};
use storyline::article::{load_article, parse, ReadOptions};
use storyline::event::Precision;
use storyline::extract::sentences::split_sentences;
use storyline::extract::time::{find_dates, TimeContext};

/// `n` cases, or `PROPTEST_CASES` when set (for a longer local run).
fn cases(n: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    ProptestConfig {
        cases: n,
        // Failures are reported with their minimal input; no regression files in the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn opts() -> ReadOptions {
    ReadOptions {
        max_bytes: 2 * 1024 * 1024,
        now: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    }
}

// ---------------------------------------------------------------------------------------------
// Front matter
// ---------------------------------------------------------------------------------------------

/// Lines that a front-matter file is made of, good and bad, so that random files get past the
/// decoder and into the key/value, quoting, date and time-zone code.
fn front_matter_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("---".to_string()),
        Just(" --- ".to_string()),
        Just(String::new()),
        Just("# a comment".to_string()),
        "(title|outlet|url|published|timezone|Title|URL|author|x-y|)[ ]?:[ ]?[^\n]{0,40}",
        "published: [0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?)?(Z|[+-][0-9]{2}:[0-9]{2})?",
        "timezone: (Europe/Kyiv|europe/KYIV|America/New_York|UTC|Mars/Olympus|)",
        "url: (https?|ftp)://[a-z./]{0,20}",
        "[a-z]+: \"([^\"\\\\]|\\\\[nt\"\\\\/'x])*\"?[^\n]{0,5}",
        "[a-z]+: '([^']|'')*'?[^\n]{0,5}",
        "[^\n]{0,80}",
    ]
}

fn front_matter_like() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(front_matter_piece(), 0..14),
    )
        .prop_map(|(bom, crlf, lines)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = String::new();
            if bom {
                text.push('\u{feff}');
            }
            text.push_str(&lines.join(eol));
            text.into_bytes()
        })
}

fn any_article_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        any::<String>().prop_map(String::into_bytes),
        front_matter_like(),
        front_matter_like(),
    ]
}

/// A value as it may appear in front matter: bare when that reads back the same, else quoted.
fn quoted(value: &str, style: u8) -> String {
    let bare_ok = !value.starts_with(['"', '\'']);
    match style % 3 {
        0 if bare_ok => value.to_string(),
        1 => format!("'{}'", value.replace('\'', "''")),
        _ => {
            let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{escaped}\"")
        }
    }
}

/// A title or outlet: any characters but controls, trimmed (the reader trims values), not empty.
fn name_text() -> impl Strategy<Value = String> {
    "[^\\p{Cc}]{1,40}"
        .prop_map(|s| s.trim().to_string())
        .prop_filter("not blank", |s| !s.is_empty())
}

#[derive(Debug, Clone)]
struct GenArticle {
    title: String,
    outlet: String,
    url: String,
    published: DateTime<FixedOffset>,
    timezone: Option<String>,
    paragraphs: Vec<String>,
    /// Quoting style per field, key order, BOM, CRLF, key case.
    styles: [u8; 5],
    order: Vec<usize>,
    bom: bool,
    crlf: bool,
    upper_keys: bool,
}

fn gen_article() -> impl Strategy<Value = GenArticle> {
    let published = (
        // 1970 to 2025, well before `opts().now`.
        0i64..1_735_689_600,
        // Offsets from -12:00 to +14:00 in quarter hours.
        -48i32..=56,
    )
        .prop_map(|(secs, q)| {
            let offset = FixedOffset::east_opt(q * 15 * 60).unwrap();
            offset.timestamp_opt(secs, 0).unwrap()
        });
    let paragraph = "[^\\p{Cc}]{1,120}"
        .prop_map(|s| s.trim().to_string())
        .prop_filter("not blank", |s| !s.is_empty());
    (
        (name_text(), name_text()),
        "https?://[a-z][a-z0-9-]{0,15}\\.example(/[A-Za-z0-9._~%-]{0,12}){0,4}",
        published,
        proptest::option::of(prop_oneof![
            Just("Europe/Kyiv".to_string()),
            Just("America/New_York".to_string()),
            Just("UTC".to_string()),
            Just("Asia/Kolkata".to_string()),
        ]),
        proptest::collection::vec(paragraph, 1..6),
        any::<[u8; 5]>(),
        Just((0..5usize).collect::<Vec<_>>()).prop_shuffle(),
        (any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(
                (title, outlet),
                url,
                published,
                timezone,
                paragraphs,
                styles,
                order,
                (bom, crlf, upper_keys),
            )| {
                GenArticle {
                    title,
                    outlet,
                    url,
                    published,
                    timezone,
                    paragraphs,
                    styles,
                    order,
                    bom,
                    crlf,
                    upper_keys,
                }
            },
        )
}

impl GenArticle {
    fn to_text(&self) -> String {
        let published = self.published.to_rfc3339();
        let fields: [(&str, Option<&str>); 5] = [
            ("title", Some(&self.title)),
            ("outlet", Some(&self.outlet)),
            ("url", Some(&self.url)),
            ("published", Some(&published)),
            ("timezone", self.timezone.as_deref()),
        ];
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let mut lines = vec!["---".to_string()];
        for &i in &self.order {
            let (key, value) = fields[i];
            if let Some(value) = value {
                let key = if self.upper_keys {
                    key.to_uppercase()
                } else {
                    key.to_string()
                };
                lines.push(format!("{key}: {}", quoted(value, self.styles[i])));
            }
        }
        lines.push("---".to_string());
        lines.push(String::new());
        for p in &self.paragraphs {
            lines.push(p.clone());
            lines.push(String::new());
        }
        let mut text = String::new();
        if self.bom {
            text.push('\u{feff}');
        }
        text.push_str(&lines.join(eol));
        text
    }
}

proptest! {
    #![proptest_config(cases(512))]

    /// The pure parsing steps, in the order `load_article` runs them, on any bytes.
    #[test]
    fn front_matter_parsing_never_panics(bytes in any_article_bytes()) {
        let path = Path::new("fuzz.txt");
        if let Ok(text) = parse::decode(path, &bytes) {
            if let Ok(Some(fm)) = parse::split_front_matter(path, &text) {
                let _ = parse::resolve(path, fm.meta, opts().now);
                let _ = parse::paragraphs(fm.body);
            }
        }
        let _ = parse::starts_with_front_matter(&bytes);
    }
}

proptest! {
    #![proptest_config(cases(256))]

    /// The same through the file API, which also reads, size-checks and hashes.
    #[test]
    fn load_article_never_panics(bytes in any_article_bytes(), md in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(if md { "a.md" } else { "a.txt" });
        std::fs::write(&path, &bytes).unwrap();
        match load_article(&path, None, &opts()) {
            Ok(Some(a)) => {
                prop_assert!(!a.paragraphs.is_empty());
                prop_assert!(a.url.starts_with("http"));
            }
            Ok(None) => prop_assert!(md, "only a .md file may be 'not an article'"),
            // Every error names the file, on one line.
            Err(e) => {
                let line = e.to_string();
                prop_assert!(line.starts_with(&path.display().to_string()), "{}", line);
                prop_assert!(!line.contains('\n'), "{:?}", line);
            }
        }
    }

    /// A valid article written in front-matter form (any key order and case, bare or quoted
    /// values, BOM, CRLF) reads back to the same fields, and its id and hash are stable.
    #[test]
    fn front_matter_round_trips(g in gen_article()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("article.txt");
        let text = g.to_text();
        std::fs::write(&path, &text).unwrap();
        let a = load_article(&path, None, &opts())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?
            .expect("a .txt file with front matter is an article");
        prop_assert_eq!(&a.title, &g.title);
        prop_assert_eq!(&a.outlet, &g.outlet);
        prop_assert_eq!(&a.url, &g.url);
        prop_assert_eq!(a.published, g.published);
        prop_assert_eq!(a.published.offset(), g.published.offset());
        prop_assert_eq!(&a.timezone, &g.timezone);
        prop_assert_eq!(&a.paragraphs, &g.paragraphs);
        prop_assert_eq!(&a.id, &storyline::article::article_id(&g.url));
        let again = load_article(&path, None, &opts()).unwrap().unwrap();
        prop_assert_eq!(&again.content_hash, &a.content_hash);
    }
}

// ---------------------------------------------------------------------------------------------
// Sentences
// ---------------------------------------------------------------------------------------------

/// Prose-like text: words, abbreviations, numbers, terminators, quotes and brackets, line and
/// paragraph breaks, other scripts.
fn prose() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        4 => "[A-Za-z]{1,9}",
        1 => "(U\\.S\\.|Mr\\.|Feb\\.|St\\.|Dr\\.|a\\.m\\.|No\\.|e\\.g\\.|[A-Z]\\.)",
        1 => "[0-9]{1,4}(\\.[0-9]{1,2})?",
        2 => "[.?!…]{1,3}",
        1 => "[\"“”'’()\\[\\]»«]",
        1 => "[,;:—-]",
        1 => "(\n|\n\n|\r\n|\n \n|\t)",
        1 => "(Київ|Зеленський|東京|مرحبا|😀|é|ß|\u{200f})",
    ];
    proptest::collection::vec((token, prop_oneof![3 => Just(" "), 1 => Just("")]), 0..60).prop_map(
        |parts| {
            parts
                .into_iter()
                .map(|(t, sep)| format!("{t}{sep}"))
                .collect()
        },
    )
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), prose(), prose()]
}

/// Byte offset of `part` inside `whole`, if `part` is a subslice of it.
fn offset_in(whole: &str, part: &str) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (start + part.len() <= whole.len()).then_some(start)
}

proptest! {
    #![proptest_config(cases(512))]

    /// Sentences are non-empty, trimmed subslices of the input, in order and disjoint, and
    /// what lies between them is white space only: nothing is lost, repeated or reordered.
    #[test]
    fn sentences_are_ordered_slices_covering_the_text(text in any_text()) {
        let sentences = split_sentences(&text);
        let mut at = 0;
        for s in &sentences {
            prop_assert!(!s.is_empty());
            prop_assert_eq!(*s, s.trim());
            let start = offset_in(&text, s).ok_or_else(|| TestCaseError::fail(format!("{s:?} is not a slice of the input")))?;
            prop_assert!(start >= at, "sentences overlap or go backwards");
            let gap = &text[at..start];
            prop_assert!(gap.chars().all(char::is_whitespace), "text lost between sentences: {:?}", gap);
            at = start + s.len();
        }
        prop_assert!(text[at..].chars().all(char::is_whitespace), "text lost at the end: {:?}", &text[at..]);
        let kept: String = sentences.concat().chars().filter(|c| !c.is_whitespace()).collect();
        let all: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        prop_assert_eq!(kept, all);
    }
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Text with many date words, so that every pattern of the tagger gets tried.
fn date_prose() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        3 => "[a-z]{1,8}",
        2 => "(January|Feb\\.|March|Apr|May|June|Sept\\.|December|Monday|Tuesday|Fri|weekend)",
        2 => "(on|in|last|next|this|early|mid|late|earlier|later|since|until|before|after|as of|ago|the|of)",
        2 => "(yesterday|today|tomorrow|week|month|year|days|weeks|morning|evening|night)",
        2 => "[0-9]{1,5}(st|nd|rd|th|s)?",
        1 => "(2025-03-05|1999|2100|1900|'25|two|three|ten)",
        1 => "[,.'’-]",
        1 => "(will|would|plans to|is scheduled to|said|signed)",
        1 => "(Київ|é|😀|\u{200f})",
    ];
    proptest::collection::vec((token, prop_oneof![4 => Just(" "), 1 => Just("")]), 0..40).prop_map(
        |parts| {
            parts
                .into_iter()
                .map(|(t, sep)| format!("{t}{sep}"))
                .collect()
        },
    )
}

fn published_day() -> impl Strategy<Value = NaiveDate> {
    // Year 1 to 9999: what a front-matter date may hold.
    (1i32..=9999, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

proptest! {
    #![proptest_config(cases(512))]

    /// Mentions are non-empty char-boundary ranges inside the sentence, in order, not
    /// overlapping.
    #[test]
    fn date_mentions_are_ordered_disjoint_ranges(
        text in prop_oneof![any::<String>(), date_prose(), date_prose()],
        published in prop_oneof![published_day(), (1990i32..2030).prop_map(|y| NaiveDate::from_ymd_opt(y, 3, 15).unwrap())],
    ) {
        let mentions = find_dates(&text, &TimeContext { published });
        let mut at = 0;
        for m in &mentions {
            prop_assert!(m.start < m.end && m.end <= text.len(), "{:?} outside {:?}", m, text);
            prop_assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end), "{:?} splits a char", m);
            prop_assert!(m.start >= at, "mentions overlap or go backwards: {:?}", mentions);
            prop_assert_eq!(m.expression(&text), &text[m.start..m.end]);
            at = m.end;
        }
    }

    /// "Month D, YYYY" gives back that day, whatever the publication date and the words around.
    #[test]
    fn explicit_dates_round_trip(
        y in 1900i32..=2100,
        m in 1u32..=12,
        d in 1u32..=31,
        published in (1990i32..2030, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap()),
        before in prop_oneof![
            Just("The deal was signed on"),
            Just("Talks will resume on"),
            Just("Zelensky said that on"),
            Just("By"),
            Just("Officials met"),
        ],
        after in prop_oneof![Just("."), Just(", officials said."), Just(" in Jeddah."), Just("")],
    ) {
        let Some(day) = NaiveDate::from_ymd_opt(y, m, d) else { return Ok(()); };
        let written = format!("{} {d}, {y}", MONTHS[day.month0() as usize]);
        let sentence = format!("{before} {written}{after}");
        let mentions = find_dates(&sentence, &TimeContext { published });
        let at = sentence.find(&written).unwrap();
        let hit = mentions.iter().find(|m| m.start <= at && at + written.len() <= m.end);
        let m = hit.ok_or_else(|| TestCaseError::fail(format!("no mention covers {written:?} in {sentence:?}: {mentions:?}")))?;
        prop_assert_eq!(m.date, day, "{:?}", sentence);
        prop_assert!(matches!(m.precision, Precision::Day | Precision::Before), "{:?}", m);
    }
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/// A topic as users type it: words of letters and digits (any script), single spaces.
fn topic() -> impl Strategy<Value = String> {
    proptest::collection::vec("[\\p{L}\\p{N}]{1,12}", 1..4).prop_map(|w| w.join(" "))
}

/// White space a client may put between a command and its argument.
fn gap() -> impl Strategy<Value = String> {
    "[ \t\n]{1,3}"
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn message_parsing_never_panics(text in prop_oneof![
        any::<String>(),
        "/[^ ]{0,20}( [^\n]{0,40})?",
        "/status [a-z ]{0,20}[0-9é-]{8,12}",
        "[\\p{Cc}\\p{Cf} /@a-z]{0,30}",
    ]) {
        match Request::parse(&text) {
            Request::Ask(q) => {
                prop_assert!(!q.is_empty() && q.chars().count() <= MAX_MESSAGE_CHARS);
                prop_assert!(!q.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
            }
            Request::Unknown { command } => prop_assert!(command.starts_with('/')),
            _ => {}
        }
    }

    /// `/command topic` (any case, an optional @bot suffix, any white space around) parses to
    /// that command with exactly that topic.
    #[test]
    fn commands_round_trip(
        command in prop_oneof![Just("latest"), Just("news"), Just("timeline"), Just("subscribe"), Just("unsubscribe"), Just("status")],
        upper in any::<bool>(),
        bot in proptest::option::of("@[a-z_]{1,12}bot"),
        topic in proptest::option::of(topic()),
        gap in gap(),
        pad in "[ \t\n]{0,2}",
    ) {
        let head = if upper { command.to_uppercase() } else { command.to_string() };
        let text = match &topic {
            Some(t) => format!("{pad}/{head}{}{gap}{t}{pad}", bot.clone().unwrap_or_default()),
            None => format!("{pad}/{head}{}{pad}", bot.clone().unwrap_or_default()),
        };
        let want = match command {
            "latest" | "news" => Request::Latest { topic: topic.clone() },
            "timeline" => Request::Timeline { topic: topic.clone() },
            "subscribe" => Request::Subscribe { topic: topic.clone() },
            "unsubscribe" => Request::Unsubscribe { topic: topic.clone() },
            _ => Request::Status { topic: topic.clone(), as_of: None },
        };
        prop_assert_eq!(Request::parse(&text), want, "{:?}", text);
    }

    /// `/status topic YYYY-MM-DD` splits the date off; an impossible date is kept as written
    /// for the answer to report.
    #[test]
    fn status_dates_round_trip(
        topic in proptest::option::of(topic()),
        y in 1000i32..=9999, m in 1u32..=12, d in 1u32..=31,
        gap in gap(),
    ) {
        let written = format!("{y:04}-{m:02}-{d:02}");
        let text = match &topic {
            Some(t) => format!("/status {t}{gap}{written}"),
            None => format!("/status{gap}{written}"),
        };
        let as_of = match NaiveDate::from_ymd_opt(y, m, d) {
            Some(day) => AsOf::Date(day),
            None => AsOf::Invalid(written.clone()),
        };
        prop_assert_eq!(Request::parse(&text), Request::Status { topic, as_of: Some(as_of) }, "{:?}", text);
    }

    /// Text that is not a command is a question, trimmed, cut to the message limit.
    #[test]
    fn plain_text_is_a_question(q in "[^/\\p{Cc}\\s][^\\p{Cc}]{0,300}", pad in "[ \n]{0,2}", repeat in 1usize..20) {
        let long = q.repeat(repeat);
        let asked = match Request::parse(&format!("{pad}{long}{pad}")) {
            Request::Ask(asked) => asked,
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        let want: String = format!("{pad}{long}").chars().take(MAX_MESSAGE_CHARS).collect();
        prop_assert_eq!(asked, want.trim());
    }
}
