//! `[[feed]]` entries of the configuration: which feeds to follow, how often, and whether to
//! fetch article pages. Checked once at load time, so the poller never meets a bad entry.

use serde::{Deserialize, Serialize};

use super::Topic;

/// Polling more often than this is impolite to the outlet and rarely brings news sooner.
pub const MIN_INTERVAL_MINUTES: u64 = 1;
pub const DEFAULT_INTERVAL_MINUTES: u64 = 10;

/// One followed feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// The feed's URL (RSS 0.9x/1.0/2.0, Atom or JSON Feed; the format is detected).
    pub url: String,
    /// The outlet named in citations. Default: the feed's own title, else the host name.
    #[serde(default)]
    pub outlet: Option<String>,
    /// Topic ids to keep; an item none of whose events touches one of them is skipped.
    /// Empty (the default): keep every item.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Minutes between polls (default 10, at least 1). Each poll is moved by up to ±10% so
    /// that feeds configured together do not hit their servers at the same second.
    #[serde(default = "default_interval_minutes")]
    pub interval_minutes: u64,
    /// When to fetch the article page for its full text: `auto` (default) when the entry has
    /// only a summary or no publication time, `always`, or `never` (store the feed's text).
    #[serde(default)]
    pub fetch_page: FetchPage,
    /// The outlet's IANA time zone ("Europe/Kyiv"). Feeds give instants; the article's local
    /// day is what relative dates ("on Tuesday") resolve against, so a zone makes it exact.
    /// Without it, the page's own offset is used when the page was fetched, else UTC.
    #[serde(default)]
    pub timezone: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FetchPage {
    #[default]
    Auto,
    Always,
    Never,
}

fn default_interval_minutes() -> u64 {
    DEFAULT_INTERVAL_MINUTES
}

impl FeedConfig {
    /// A feed given on the command line: defaults for everything but the URL.
    pub fn from_url(url: &str) -> FeedConfig {
        FeedConfig {
            url: url.trim().to_string(),
            outlet: None,
            topics: Vec::new(),
            interval_minutes: DEFAULT_INTERVAL_MINUTES,
            fetch_page: FetchPage::Auto,
            timezone: None,
        }
    }

    pub fn interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.interval_minutes.max(MIN_INTERVAL_MINUTES) * 60)
    }

    /// Checks one entry; the message names the feed and says what to write instead.
    pub fn check(&self, topics: &[Topic]) -> Result<(), String> {
        check_url(&self.url).map_err(|reason| format!("feed {:?}: {reason}", self.url))?;
        let feed = &self.url;
        if self.interval_minutes < MIN_INTERVAL_MINUTES {
            return Err(format!(
                "feed {feed}: interval_minutes = {} is below the minimum of {MIN_INTERVAL_MINUTES} \
                 minute (polling more often is impolite to the outlet)",
                self.interval_minutes
            ));
        }
        if self.outlet.as_deref().is_some_and(|o| o.trim().is_empty()) {
            return Err(format!(
                "feed {feed}: outlet is empty (remove it to use the feed's title)"
            ));
        }
        for t in &self.topics {
            if !topics.iter().any(|topic| topic.id == *t) {
                let known: Vec<&str> = topics.iter().map(|t| t.id.as_str()).collect();
                return Err(format!(
                    "feed {feed}: unknown topic {t:?} (known: {})",
                    known.join(", ")
                ));
            }
        }
        if let Some(tz) = &self.timezone {
            if super::parse_timezone(tz).is_none() {
                return Err(format!(
                    "feed {feed}: unknown time zone {tz:?} (expected an IANA name such as Europe/Kyiv)"
                ));
            }
        }
        Ok(())
    }
}

/// Checks every `[[feed]]` entry and that no URL is listed twice.
pub fn check_feeds(feeds: &[FeedConfig], topics: &[Topic]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for feed in feeds {
        feed.check(topics)?;
        if !seen.insert(feed.url.trim()) {
            return Err(format!("feed {} is listed twice", feed.url));
        }
    }
    Ok(())
}

/// An absolute http(s) URL with a host.
pub fn check_url(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("scheme {:?} is not http or https", parsed.scheme()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host".into());
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<crate::config::Config, super::super::ConfigError> {
        super::super::Config::parse(text, std::path::Path::new("test.toml"))
    }

    #[test]
    fn defaults_apply() {
        let c = parse("[[feed]]\nurl = \"https://example.com/rss\"\n").unwrap();
        assert_eq!(c.feeds.len(), 1);
        assert_eq!(c.feeds[0].interval_minutes, 10);
        assert_eq!(c.feeds[0].fetch_page, FetchPage::Auto);
        assert!(c.feeds[0].topics.is_empty());
    }

    #[test]
    fn interval_below_a_minute_is_refused_with_a_clear_message() {
        let err = parse("[[feed]]\nurl = \"https://example.com/rss\"\ninterval_minutes = 0\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("below the minimum of 1 minute"), "{err}");
        assert!(err.contains("https://example.com/rss"), "{err}");
    }

    #[test]
    fn bad_entries_are_refused() {
        for (text, wanted) in [
            ("url = \"ftp://example.com/rss\"", "scheme"),
            ("url = \"not a url\"", "not a URL"),
            (
                "url = \"https://example.com/\"\ntopics = [\"nope\"]",
                "unknown topic",
            ),
            (
                "url = \"https://example.com/\"\ntimezone = \"Mars/Base\"",
                "unknown time zone",
            ),
            (
                "url = \"https://example.com/\"\nfetch_page = \"sometimes\"",
                "unknown variant",
            ),
            (
                "url = \"https://example.com/\"\ninterval = 5",
                "unknown field",
            ),
        ] {
            let err = parse(&format!("[[feed]]\n{text}\n"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(wanted), "{text}: {err}");
        }
        let twice =
            "[[feed]]\nurl = \"https://a.example/\"\n[[feed]]\nurl = \"https://a.example/\"\n";
        assert!(parse(twice).unwrap_err().to_string().contains("twice"));
    }

    #[test]
    fn bundled_config_follows_no_feed_and_its_commented_examples_are_valid() {
        assert!(super::super::Config::builtin().feeds.is_empty());
        let text = super::super::DEFAULT_CONFIG;
        let start = text
            .find("# [[feed]]")
            .expect("commented [[feed]] examples");
        let examples: Vec<&str> = text[start..]
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect();
        let config = parse(&format!("{}{}\n", &text[..start], examples.join("\n"))).unwrap();
        assert_eq!(config.feeds.len(), 4);
        assert!(config
            .feeds
            .iter()
            .all(|f| f.outlet.is_some() && f.timezone.is_some()));
    }
}
