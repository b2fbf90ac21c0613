//! Pure parsing of article text: decoding bytes, front matter, metadata values (dates, time
//! zones, URLs) and paragraphs. Nothing here touches the file system, so it is unit-testable.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use std::path::Path;

use super::ArticleError;

/// Longest line accepted. Real paragraphs are a few KB; a megabyte-long line is a dump or a
/// minified blob, and would only make sentence splitting slow.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// How far after "now" a publication time may be: time zones and clock skew explain a day;
/// more is a typo.
pub const FUTURE_SLACK_DAYS: i64 = 2;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The metadata keys an article may carry.
pub const KEYS: [&str; 5] = ["title", "outlet", "url", "published", "timezone"];

/// Metadata as written, before checking: from front matter or a manifest entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawMeta {
    pub title: Option<String>,
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    pub timezone: Option<String>,
    /// Where the metadata came from ("front matter", "entry 2 of seeds/manifest.toml"), for
    /// messages.
    pub at: String,
}

impl RawMeta {
    pub fn new(at: impl Into<String>) -> RawMeta {
        RawMeta {
            at: at.into(),
            ..RawMeta::default()
        }
    }

    /// The slot for a known key, `None` for an unknown key.
    pub fn slot(&mut self, key: &str) -> Option<&mut Option<String>> {
        match key {
            "title" => Some(&mut self.title),
            "outlet" => Some(&mut self.outlet),
            "url" => Some(&mut self.url),
            "published" => Some(&mut self.published),
            "timezone" => Some(&mut self.timezone),
            _ => None,
        }
    }
}

/// Checked metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub title: String,
    pub outlet: String,
    pub url: String,
    pub published: DateTime<FixedOffset>,
    pub timezone: Option<String>,
}

/// Bytes → text: strips a UTF-8 BOM and rejects empty, binary, non-UTF-8, whitespace-only
/// files and over-long lines.
pub fn decode(path: &Path, bytes: &[u8]) -> Result<String, ArticleError> {
    let p = || path.to_path_buf();
    let bom_len = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let bytes = &bytes[bom_len..];
    if bytes.is_empty() {
        return Err(ArticleError::Empty { path: p() });
    }
    // NUL never occurs in text; checked before UTF-8 so that binary files get the clearer error.
    if bytes.contains(&0) {
        return Err(ArticleError::Binary { path: p() });
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let offset = e.valid_up_to();
            let line = bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1;
            // Offsets count from the start of the file, BOM included, to match a hex editor.
            return Err(ArticleError::NotUtf8 {
                path: p(),
                offset: offset + bom_len,
                line,
            });
        }
    };
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    if controls > 0 && controls * 100 >= text.chars().count() {
        return Err(ArticleError::Binary { path: p() });
    }
    if text.trim().is_empty() {
        return Err(ArticleError::WhitespaceOnly { path: p() });
    }
    for (i, line) in text.split('\n').enumerate() {
        if line.len() > MAX_LINE_BYTES {
            return Err(ArticleError::LineTooLong {
                path: p(),
                line: i + 1,
                len: line.len(),
                limit: MAX_LINE_BYTES,
            });
        }
    }
    Ok(text.to_string())
}

/// Whether raw bytes open with a `---` line (after an optional BOM), used to decide whether a
/// `.md` file that fails to decode was meant to be an article.
pub fn starts_with_front_matter(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
    first.trim_ascii() == b"---"
}

/// Front matter split from the body.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontMatter<'a> {
    pub meta: RawMeta,
    pub body: &'a str,
    /// 1-based line number of the body's first line, for messages.
    pub body_line: usize,
}

/// Splits `---` front matter from the body. `Ok(None)`: the text has no front matter (its
/// first line is not `---`).
pub fn split_front_matter<'a>(
    path: &Path,
    text: &'a str,
) -> Result<Option<FrontMatter<'a>>, ArticleError> {
    let p = || path.to_path_buf();
    let mut lines = text.split_inclusive('\n');
    match lines.next() {
        Some(first) if first.trim() == "---" => {}
        _ => return Ok(None),
    }
    // Checked first: without a closing line, the body's first line would be blamed as a broken
    // key line, which hides the real mistake.
    if !text.lines().skip(1).any(|l| l.trim() == "---") {
        return Err(ArticleError::FrontMatterNotClosed { path: p() });
    }
    let mut consumed = text.split_inclusive('\n').next().map_or(0, str::len);
    let mut meta = RawMeta::new("front matter");
    let mut seen_at: Vec<(String, usize)> = Vec::new();
    for (i, raw_line) in lines.enumerate() {
        let line_no = i + 2;
        consumed += raw_line.len();
        let line = raw_line.trim();
        if line == "---" {
            return Ok(Some(FrontMatter {
                meta,
                body: &text[consumed..],
                body_line: line_no + 1,
            }));
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |reason: String| ArticleError::BadFrontMatterLine {
            path: p(),
            line: line_no,
            reason,
        };
        let Some((key, value)) = line.split_once(':') else {
            return Err(bad(format!(
                "expected `key: value`, found {:?}",
                shorten(line)
            )));
        };
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(bad(format!(
                "expected `key: value`, found {:?}",
                shorten(line)
            )));
        }
        let value = unquote(value).map_err(|r| bad(r.to_string()))?;
        let at = format!("front matter line {line_no}");
        if let Some((_, first)) = seen_at.iter().find(|(k, _)| *k == key) {
            return Err(ArticleError::DuplicateKey {
                path: p(),
                key,
                at: format!("front matter lines {first} and {line_no}"),
            });
        }
        let Some(slot) = meta.slot(&key) else {
            return Err(ArticleError::UnknownKey { path: p(), key, at });
        };
        *slot = Some(value);
        seen_at.push((key, line_no));
    }
    Err(ArticleError::FrontMatterNotClosed { path: p() })
}

/// A front matter value: bare (trimmed), "double quoted" with backslash escapes, or
/// 'single quoted' with '' for a quote, as in YAML.
pub fn unquote(value: &str) -> Result<String, &'static str> {
    let v = value.trim();
    let mut chars = v.chars();
    let quote = match chars.next() {
        Some(q @ ('"' | '\'')) => q,
        _ => return Ok(v.to_string()),
    };
    let mut out = String::new();
    loop {
        match chars.next() {
            None => return Err("unterminated quoted value"),
            Some('\\') if quote == '"' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(c @ ('"' | '\\' | '\'' | '/')) => out.push(c),
                _ => return Err("unknown escape in double-quoted value"),
            },
            Some(c) if c == quote => {
                if quote == '\'' && chars.clone().next() == Some('\'') {
                    chars.next();
                    out.push('\'');
                    continue;
                }
                break;
            }
            Some(c) => out.push(c),
        }
    }
    let rest = chars.as_str().trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return Err("text after the closing quote");
    }
    Ok(out)
}

/// Checks raw metadata: required fields, URL, time zone and publication time.
pub fn resolve(path: &Path, raw: RawMeta, now: DateTime<Utc>) -> Result<Metadata, ArticleError> {
    let p = || path.to_path_buf();
    let at = raw.at.clone();
    let required = |field: &str, value: Option<String>| -> Result<String, ArticleError> {
        match value.map(|v| v.trim().to_string()) {
            None => Err(ArticleError::MissingField {
                path: p(),
                field: field.into(),
                at: at.clone(),
            }),
            Some(v) if v.is_empty() => Err(ArticleError::EmptyField {
                path: p(),
                field: field.into(),
                at: at.clone(),
            }),
            Some(v) => Ok(v),
        }
    };
    let title = required("title", raw.title)?;
    let outlet = required("outlet", raw.outlet)?;
    let url = required("url", raw.url)?;
    let published = required("published", raw.published)?;
    let timezone = match raw.timezone.map(|t| t.trim().to_string()) {
        Some(t) if t.is_empty() => {
            return Err(ArticleError::EmptyField {
                path: p(),
                field: "timezone".into(),
                at,
            })
        }
        other => other,
    };
    for (field, value) in [("title", &title), ("outlet", &outlet)] {
        if value.chars().any(char::is_control) {
            return Err(ArticleError::BadValue {
                path: p(),
                field: field.into(),
                at: at.clone(),
                reason: "holds control characters".into(),
            });
        }
    }
    if !is_http_url(&url) {
        return Err(ArticleError::BadUrl { path: p(), url });
    }
    let tz = match &timezone {
        Some(name) => Some(
            parse_timezone(name).ok_or_else(|| ArticleError::UnknownTimezone {
                path: p(),
                name: name.clone(),
            })?,
        ),
        None => None,
    };
    let published_at = parse_published(&published, tz).map_err(|e| match e {
        DateProblem::NeedsTimezone => ArticleError::DateNeedsTimezone {
            path: p(),
            value: published.clone(),
        },
        DateProblem::Invalid(reason) => ArticleError::BadDate {
            path: p(),
            value: published.clone(),
            reason,
        },
    })?;
    if published_at.with_timezone(&Utc) > now + TimeDelta::days(FUTURE_SLACK_DAYS) {
        return Err(ArticleError::FutureDate {
            path: p(),
            published: published_at.to_rfc3339(),
            now: now.format("%Y-%m-%d").to_string(),
        });
    }
    Ok(Metadata {
        title,
        outlet,
        url,
        published: published_at,
        timezone,
    })
}

fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    matches!(rest, Some(r) if !r.is_empty() && !r.starts_with('/'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

pub use crate::config::parse_timezone;

#[derive(Debug, Clone, PartialEq)]
pub enum DateProblem {
    /// A local date or time without an offset, and no zone to place it in.
    NeedsTimezone,
    Invalid(String),
}

/// RFC 3339 keeps its own offset (even when a zone is given); a plain date means local
/// midnight in `tz`, and a date-time without offset means that local time in `tz`.
pub fn parse_published(value: &str, tz: Option<Tz>) -> Result<DateTime<FixedOffset>, DateProblem> {
    let value = value.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
        return Ok(dt);
    }
    let local = if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        date.and_time(chrono::NaiveTime::MIN)
    } else if let Some(dt) = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
    {
        dt
    } else {
        let looks_like_date =
            value.len() >= 10 && value.as_bytes()[..4].iter().all(u8::is_ascii_digit);
        let reason = if looks_like_date {
            "no such date or time (expected 2025-03-04T07:30:00-05:00 or 2025-03-05)"
        } else {
            "expected RFC 3339 (2025-03-04T07:30:00-05:00) or a date (2025-03-05) with a timezone"
        };
        return Err(DateProblem::Invalid(reason.into()));
    };
    let tz = tz.ok_or(DateProblem::NeedsTimezone)?;
    local_in_zone(tz, local)
        .ok_or_else(|| DateProblem::Invalid("not a valid local time in that time zone".into()))
}

/// Local time in `tz` as a fixed offset. In an autumn overlap the earlier instant is taken; in
/// a spring gap (some zones skip midnight) the first valid local time after it.
pub fn local_in_zone(tz: Tz, local: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
    (0..=24 * 4)
        .filter_map(|quarter| local.checked_add_signed(TimeDelta::minutes(15 * quarter)))
        .find_map(|t| tz.from_local_datetime(&t).earliest())
        .map(|dt| dt.fixed_offset())
}

/// Body lines → paragraphs: trimmed (CRLF included), empty lines dropped.
pub fn paragraphs(body: &str) -> Vec<String> {
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// A line cut for an error message, so that one message stays one short line.
fn shorten(line: &str) -> String {
    const MAX: usize = 60;
    if line.chars().count() <= MAX {
        line.to_string()
    } else {
        let cut: String = line.chars().take(MAX).collect();
        format!("{cut}…")
    }
}
