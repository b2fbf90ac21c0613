//! Feed bytes → entries, with feed-rs (RSS 0.9x/1.0/2.0, Atom, JSON Feed; the format is
//! detected from the content). Each entry keeps what an article needs: an absolute link, a
//! plain-text title, the dates the feed gives, and its summary and content as paragraphs.

use chrono::{DateTime, Utc};

use super::html;

/// Entries past this many in one document are ignored: feeds list the newest first, and an
/// endless feed should not turn one poll into thousands of page fetches.
pub const MAX_ENTRIES: usize = 100;

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// The feed's own title (the default outlet name).
    pub title: Option<String>,
    pub entries: Vec<FeedEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// Absolute http(s) link to the article; entries without one are kept so they can be
    /// reported, not silently lost.
    pub link: Option<String>,
    pub title: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub summary: Vec<String>,
    pub content: Vec<String>,
    /// Changes whenever anything above changes: an entry with the fingerprint already recorded
    /// is not processed again.
    pub fingerprint: String,
}

impl FeedEntry {
    /// Characters of body text the feed itself carries (content, else summary).
    pub fn text_len(&self) -> usize {
        self.body().iter().map(|p| p.chars().count()).sum()
    }
    /// The fullest text the feed carries: its content if any, else its summary.
    pub fn body(&self) -> &[String] {
        if self.content.is_empty() {
            &self.summary
        } else {
            &self.content
        }
    }
}

/// Parses a feed document. `base_url` (the URL it was fetched from, after redirects) resolves
/// relative links.
pub fn parse_feed(bytes: &[u8], base_url: &str) -> Result<ParsedFeed, String> {
    let feed = feed_rs::parser::Builder::new()
        .base_uri(Some(base_url))
        .build()
        .parse(bytes)
        .map_err(|e| format!("not a valid RSS, Atom or JSON feed: {e}"))?;
    let base = reqwest::Url::parse(base_url).ok();
    let title = feed.title.as_ref().map(text_of).filter(|t| !t.is_empty());
    let entries = feed
        .entries
        .iter()
        .take(MAX_ENTRIES)
        .map(|e| entry(e, base.as_ref()))
        .collect();
    Ok(ParsedFeed { title, entries })
}

fn entry(e: &feed_rs::model::Entry, base: Option<&reqwest::Url>) -> FeedEntry {
    // The article link: an "alternate" (or unlabelled) link first, as Atom entries also list
    // "self", "edit" and "enclosure" links.
    let link = e
        .links
        .iter()
        .filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .chain(e.links.iter())
        .find_map(|l| absolute(&l.href, base));
    let title = e.title.as_ref().map(text_of).filter(|t| !t.is_empty());
    let summary = e
        .summary
        .as_ref()
        .map(|t| html::paragraphs(&t.content, is_html(t.content_type.as_ref())))
        .unwrap_or_default();
    let content = e
        .content
        .as_ref()
        .and_then(|c| {
            let body = c.body.as_deref()?;
            Some(html::paragraphs(body, is_html(c.content_type.as_ref())))
        })
        .unwrap_or_default();
    let mut entry = FeedEntry {
        link,
        title,
        published: e.published,
        updated: e.updated,
        summary,
        content,
        fingerprint: String::new(),
    };
    entry.fingerprint = fingerprint(&entry);
    entry
}

fn fingerprint(e: &FeedEntry) -> String {
    let mut text = String::new();
    let date = |d: &Option<DateTime<Utc>>| d.map(|d| d.to_rfc3339()).unwrap_or_default();
    for field in [
        e.link.clone().unwrap_or_default(),
        e.title.clone().unwrap_or_default(),
        date(&e.published),
        date(&e.updated),
        e.summary.join("\n"),
        e.content.join("\n"),
    ] {
        text.push_str(&field);
        text.push('\u{1f}');
    }
    format!("{:016x}", crate::fnv::fnv1a64(text.as_bytes()))
}

fn is_html(media_type: &str) -> bool {
    let m = media_type.to_ascii_lowercase();
    m.contains("html") || m.contains("xhtml")
}

/// A feed title or entry title as plain text (Atom allows HTML titles).
fn text_of(t: &feed_rs::model::Text) -> String {
    if is_html(t.content_type.as_ref()) || html::looks_like_html(&t.content) {
        html::clean_text(&html::html_paragraphs(&t.content).join(" "))
    } else {
        html::clean_text(&t.content)
    }
}

/// An absolute http(s) URL (relative ones resolved against the feed), without its fragment:
/// `#comments` is the same article.
pub fn absolute(href: &str, base: Option<&reqwest::Url>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let mut url = match reqwest::Url::parse(href) {
        Ok(u) => u,
        Err(_) => base?.join(href).ok()?,
    };
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    Some(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for input in [
            &b""[..],
            b"<rss",
            b"<rss version=\"2.0\"><channel><item><title>x</title>",
            b"{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [",
            b"\xff\xfe\x00<",
            b"<html><body>not a feed</body></html>",
        ] {
            let _ = parse_feed(input, "http://127.0.0.1/feed");
        }
        assert!(parse_feed(b"<html><body>not a feed</body></html>", "http://x.example/").is_err());
        let deep = format!(
            "<rss version=\"2.0\"><channel><item><title>t</title>{}</item></channel></rss>",
            "<x>".repeat(100_000)
        );
        let _ = parse_feed(deep.as_bytes(), "http://127.0.0.1/feed");
        let deep_json = format!(
            "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":{}",
            "[".repeat(100_000)
        );
        assert!(parse_feed(deep_json.as_bytes(), "http://127.0.0.1/feed").is_err());
    }

    #[test]
    fn relative_links_resolve_and_fragments_go() {
        let base = reqwest::Url::parse("https://wire.example/feeds/rss.xml").unwrap();
        assert_eq!(
            absolute("/news/a#comments", Some(&base)).as_deref(),
            Some("https://wire.example/news/a")
        );
        assert_eq!(absolute("mailto:x@example.com", Some(&base)), None);
        assert_eq!(absolute("  ", Some(&base)), None);
    }

    #[test]
    fn rss_items_keep_dates_and_summaries() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
            <item><title>Deal &amp; fund</title><link>https://wire.example/a</link>
            <pubDate>Thu, 01 May 2025 00:00:00 GMT</pubDate>
            <description>&lt;p&gt;Short summary.&lt;/p&gt;</description></item></channel></rss>"#;
        let feed = parse_feed(rss.as_bytes(), "https://wire.example/rss").unwrap();
        assert_eq!(feed.title.as_deref(), Some("Wire"));
        let e = &feed.entries[0];
        assert_eq!(e.title.as_deref(), Some("Deal & fund"));
        assert_eq!(e.link.as_deref(), Some("https://wire.example/a"));
        assert_eq!(e.summary, vec!["Short summary."]);
        assert!(e.content.is_empty());
        assert_eq!(
            e.published.unwrap().to_rfc3339(),
            "2025-05-01T00:00:00+00:00"
        );
    }
}
