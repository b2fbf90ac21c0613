//! A feed entry (plus, when fetched, its page) → an [`Article`] like any read from a file.
//! Pure: no network, no store, so every rule here is unit-tested.
//!
//! The rules: the URL is the entry's link; the title the entry's (else the page's); the text the
//! page's article when it has more than the feed, else the feed's content, else its summary;
//! the publication time the entry's `published`, else the page's metadata, else the entry's
//! `updated`. Without any, the item is skipped: a date is never invented.

use std::path::Path;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

use super::html::{clean_text, PageArticle};
use super::parse::FeedEntry;
use crate::article::parse::{parse_published, parse_timezone, resolve};
use crate::article::{Article, RawMeta};
use crate::config::feeds::{FeedConfig, FetchPage};

/// Below this many characters of text, an entry is a summary, not an article (a lead paragraph
/// is 200–400 characters; a full news article is over 1,500).
pub const SHORT_TEXT_CHARS: usize = 600;
/// Titles longer than this are cut: they are shown in every citation.
const MAX_TITLE_CHARS: usize = 300;

/// Whether the entry's page should be fetched.
pub fn needs_page(feed: &FeedConfig, entry: &FeedEntry) -> bool {
    match feed.fetch_page {
        FetchPage::Never => false,
        FetchPage::Always => true,
        FetchPage::Auto => entry.text_len() < SHORT_TEXT_CHARS || entry.published.is_none(),
    }
}

/// Builds the article, or says why the item is skipped.
pub fn build_article(
    feed: &FeedConfig,
    outlet: &str,
    entry: &FeedEntry,
    page: Option<&PageArticle>,
    now: DateTime<Utc>,
) -> Result<Article, String> {
    let url = entry.link.clone().ok_or("the entry has no http(s) link")?;
    let title = entry
        .title
        .clone()
        .or_else(|| page.and_then(|p| p.title.clone()))
        .map(|t| {
            clean_text(&t)
                .chars()
                .take(MAX_TITLE_CHARS)
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
        .ok_or("no title in the feed entry or the page")?;

    let feed_text = entry.body();
    let paragraphs = match page {
        Some(p) if chars(&p.paragraphs) >= chars(feed_text) => p.paragraphs.clone(),
        _ => feed_text.to_vec(),
    };
    if paragraphs.is_empty() {
        return Err("no article text in the feed entry or the page".into());
    }

    let tz = feed.timezone.as_deref().and_then(parse_timezone);
    let page_time = page
        .and_then(|p| p.published.as_deref())
        .and_then(|raw| parse_page_time(raw, tz));
    let published = match (entry.published, page_time, entry.updated) {
        (Some(instant), page_time, _) => local(instant, tz, page_time),
        (None, Some(page_time), _) => match tz {
            Some(tz) => page_time.with_timezone(&tz).fixed_offset(),
            None => page_time,
        },
        (None, None, Some(updated)) => local(updated, tz, None),
        (None, None, None) => {
            return Err("no publication time in the feed entry or the page's metadata".into())
        }
    };

    let mut raw = RawMeta::new(format!("feed {}", feed.url));
    raw.title = Some(title);
    raw.outlet = Some(outlet.to_string());
    raw.url = Some(url.clone());
    raw.published = Some(published.to_rfc3339());
    raw.timezone = feed.timezone.clone();
    // The file reader's checks (URL, control characters, dates in the future) apply as well.
    let meta = resolve(Path::new(&url), raw, now).map_err(|e| {
        let text = e.to_string();
        // The error names the "path", which here is the URL the caller already shows.
        text.strip_prefix(&format!("{url}: "))
            .unwrap_or(&text)
            .to_string()
    })?;
    Ok(Article::new(meta, paragraphs, Path::new(&url)))
}

/// An instant in the outlet's zone: the configured one, else the page's own offset when the
/// page states the same instant, else UTC.
fn local(
    instant: DateTime<Utc>,
    tz: Option<Tz>,
    page_time: Option<DateTime<FixedOffset>>,
) -> DateTime<FixedOffset> {
    if let Some(tz) = tz {
        return instant.with_timezone(&tz).fixed_offset();
    }
    match page_time {
        Some(p) if p.with_timezone(&Utc) == instant => p,
        _ => instant.fixed_offset(),
    }
}

/// A time as pages write it: RFC 3339, ISO 8601 without the colon in the offset, fractional
/// seconds, RFC 2822, or a bare date / local time (in the feed's zone, else UTC: the day is the
/// page's, only the offset is assumed).
pub fn parse_page_time(raw: &str, tz: Option<Tz>) -> Option<DateTime<FixedOffset>> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 64 {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(raw) {
        return Some(dt);
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(raw, format) {
            return Some(dt);
        }
    }
    parse_published(raw, Some(tz.unwrap_or(Tz::UTC)))
        .ok()
        .or_else(|| {
            // "2025-05-01T03:00:00.000" and similar: drop the fraction.
            let (head, _) = raw.split_once('.')?;
            parse_published(head, Some(tz.unwrap_or(Tz::UTC))).ok()
        })
}

fn chars(paragraphs: &[String]) -> usize {
    paragraphs.iter().map(|p| p.chars().count()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> FeedEntry {
        FeedEntry {
            link: Some("https://wire.example/a".into()),
            title: Some("Deal signed".into()),
            published: None,
            updated: None,
            summary: vec!["Short summary of the deal.".into()],
            content: vec![],
            fingerprint: "f".into(),
        }
    }

    fn now() -> DateTime<Utc> {
        "2025-06-01T00:00:00Z".parse().unwrap()
    }

    fn page(published: Option<&str>) -> PageArticle {
        PageArticle {
            title: Some("Page title".into()),
            published: published.map(str::to_string),
            site_name: None,
            paragraphs: vec!["A long paragraph from the page about the minerals deal.".into(); 3],
        }
    }

    #[test]
    fn no_date_anywhere_skips_the_item() {
        let feed = FeedConfig::from_url("https://wire.example/rss");
        let err = build_article(&feed, "Wire", &entry(), Some(&page(None)), now()).unwrap_err();
        assert!(err.contains("no publication time"), "{err}");
    }

    #[test]
    fn page_date_keeps_its_offset_and_page_text_wins_over_a_summary() {
        let feed = FeedConfig::from_url("https://wire.example/rss");
        let a = build_article(
            &feed,
            "Wire",
            &entry(),
            Some(&page(Some("2025-05-01T03:00:00+0300"))),
            now(),
        )
        .unwrap();
        assert_eq!(a.published.to_rfc3339(), "2025-05-01T03:00:00+03:00");
        assert_eq!(a.paragraphs.len(), 3);
        assert_eq!(a.title, "Deal signed");
        assert_eq!(a.id, crate::article::article_id("https://wire.example/a"));
    }

    #[test]
    fn feed_instant_takes_the_configured_zone() {
        let mut feed = FeedConfig::from_url("https://wire.example/rss");
        feed.timezone = Some("Europe/Kyiv".into());
        let mut e = entry();
        e.published = Some("2025-04-30T22:30:00Z".parse().unwrap());
        let a = build_article(&feed, "Wire", &e, None, now()).unwrap();
        assert_eq!(a.published.to_rfc3339(), "2025-05-01T01:30:00+03:00");
        assert_eq!(a.published_date().to_string(), "2025-05-01");
        assert_eq!(a.paragraphs, vec!["Short summary of the deal."]);
    }

    #[test]
    fn future_dates_and_missing_links_are_refused() {
        let feed = FeedConfig::from_url("https://wire.example/rss");
        let mut e = entry();
        e.published = Some("2031-01-01T00:00:00Z".parse().unwrap());
        assert!(build_article(&feed, "Wire", &e, None, now())
            .unwrap_err()
            .contains("future"));
        e.link = None;
        assert!(build_article(&feed, "Wire", &e, None, now()).is_err());
    }

    #[test]
    fn page_times_in_common_shapes() {
        for raw in [
            "2025-05-01T03:00:00+03:00",
            "2025-05-01T03:00:00+0300",
            "2025-05-01T03:00:00.000+03:00",
            "Thu, 01 May 2025 03:00:00 +0300",
        ] {
            let t = parse_page_time(raw, None).unwrap_or_else(|| panic!("{raw}"));
            assert_eq!(t.to_rfc3339(), "2025-05-01T03:00:00+03:00", "{raw}");
        }
        assert_eq!(
            parse_page_time("2025-05-01", None).unwrap().to_rfc3339(),
            "2025-05-01T00:00:00+00:00"
        );
        assert!(parse_page_time("yesterday", None).is_none());
    }
}
