//! Configuration: where the store lives, which folders hold articles, the topics followed (with
//! aliases and status stages) and the actors gazetteer. Read from TOML; every key has a default,
//! so a missing config file means the built-in defaults (`config/storyline.toml` is embedded).

pub mod feeds;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use feeds::{FeedConfig, FetchPage};

/// An IANA zone name; also accepts a different case ("europe/kyiv") since the intent is clear.
/// Here because settings (a feed's `timezone`) and articles (front matter, manifests) both name
/// zones.
pub fn parse_timezone(name: &str) -> Option<chrono_tz::Tz> {
    name.parse::<chrono_tz::Tz>().ok().or_else(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .copied()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
    })
}

/// The bundled configuration, used when no config file is found.
pub const DEFAULT_CONFIG: &str = include_str!("../config/storyline.toml");

/// Errors a caller acts on: the file is unreadable or its content is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Directory of the sled store. Env `STORYLINE_DATA` overrides it.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Folders ingested by `ingest` without paths, and at the start of `chat` and `serve`.
    #[serde(default = "default_article_dirs")]
    pub article_dirs: Vec<PathBuf>,
    /// Largest article file accepted, in bytes.
    #[serde(default = "default_max_article_bytes")]
    pub max_article_bytes: u64,
    /// How many items `/latest` shows.
    #[serde(default = "default_latest_count")]
    pub latest_count: usize,
    /// Telegram settings (the token itself comes only from `TELOXIDE_TOKEN`).
    #[serde(default)]
    pub telegram: TelegramConfig,
    #[serde(default, rename = "topic")]
    pub topics: Vec<Topic>,
    #[serde(default, rename = "actor")]
    pub actors: Vec<Actor>,
    /// Words that mean the same in questions about the story, with the shorthand, idioms and
    /// Ukrainian words people type for them (see [`Concept`]).
    #[serde(default, rename = "concept")]
    pub concepts: Vec<Concept>,
    /// Feeds polled by `serve` (and fetched once by `ingest --feed`); none by default, so the
    /// bot works offline.
    #[serde(default, rename = "feed")]
    pub feeds: Vec<FeedConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// Telegram user ids allowed to use admin commands (`/stats`).
    #[serde(default)]
    pub admins: Vec<u64>,
    /// Seconds between scans of the article folders for new or changed files in `serve`.
    #[serde(default = "default_watch_seconds")]
    pub watch_seconds: u64,
    /// Most subscriptions one chat may hold (all its forum threads together).
    #[serde(default = "default_max_subscriptions")]
    pub max_subscriptions_per_chat: usize,
    /// Seconds a long-poll `getUpdates` waits for updates at Telegram.
    #[serde(default = "default_poll_timeout")]
    pub poll_timeout_seconds: u64,
    /// Seconds any Bot API request may take before it is abandoned and retried; must exceed
    /// `poll_timeout_seconds`, or every long poll would time out.
    #[serde(default = "default_request_timeout")]
    pub request_timeout_seconds: u64,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            admins: Vec::new(),
            watch_seconds: default_watch_seconds(),
            max_subscriptions_per_chat: default_max_subscriptions(),
            poll_timeout_seconds: default_poll_timeout(),
            request_timeout_seconds: default_request_timeout(),
        }
    }
}

/// A story thread followed by the bot.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// Short id used in commands and storage ("minerals").
    pub id: String,
    /// Display name ("Minerals deal").
    pub name: String,
    /// Other names users type ("minerals deal", "resources pact"); matched case-insensitively.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Phrases that put a sentence in this topic on their own.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Weaker phrases ("the deal", "ratification") that count only in an article that is about
    /// this topic (its title or another sentence matched a keyword).
    #[serde(default)]
    pub context_keywords: Vec<String>,
    /// The stages of the topic's life, in order; the last that a dated fact supports is the
    /// status.
    #[serde(default, rename = "stage")]
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub id: String,
    /// Display name ("memorandum signed").
    pub name: String,
    /// Each trigger is a phrase whose words must all appear in the clause, in order, as whole
    /// words ("memorandum signed" does not match; "signed a memorandum" with trigger
    /// "signed memorandum" does, since words may be separated by others).
    #[serde(default)]
    pub triggers: Vec<String>,
    /// Words or phrases that veto this stage for a clause ("supposed to", "without").
    #[serde(default)]
    pub unless: Vec<String>,
    /// A setback ("collapsed", "stalled", "paused") may follow any later stage. Other stages
    /// only move the status forward: a late mention of "signed" does not undo "ratified".
    #[serde(default)]
    pub setback: bool,
    /// A state that lasts ("paused", "in force"), as opposed to a one-off act ("signed"): "was
    /// it paused on March 20?" asks whether the state still held then, "was it signed on May 8?"
    /// whether the act happened that day.
    #[serde(default)]
    pub state: bool,
}

/// One concept of the question lexicon: a question that says any of its forms asks about it,
/// and an event that says any of them answers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concept {
    /// English words, the first naming the concept ("parliament", "rada", "lawmakers").
    pub terms: Vec<String>,
    /// Ways of saying it in several words or in chat shorthand, read as the first term
    /// ("turned the weapons back on" → "resumed", "rn" → "now").
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Ukrainian (and Russian-spelled) words for it, matched by their stems.
    #[serde(default)]
    pub uk: Vec<String>,
}

/// A person, organisation or country, with the name variants that mean it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// Canonical name ("Volodymyr Zelensky").
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// "person", "organisation" or "country".
    #[serde(default = "default_actor_kind")]
    pub kind: String,
    /// The country or body the actor speaks for ("Russia" for Putin), so "did Russia ..."
    /// finds Putin's statements.
    #[serde(default)]
    pub represents: Option<String>,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}
fn default_article_dirs() -> Vec<PathBuf> {
    vec![PathBuf::from("seeds")]
}
fn default_max_article_bytes() -> u64 {
    2 * 1024 * 1024
}
fn default_latest_count() -> usize {
    5
}
fn default_watch_seconds() -> u64 {
    5
}
fn default_max_subscriptions() -> usize {
    20
}
fn default_poll_timeout() -> u64 {
    10
}
fn default_request_timeout() -> u64 {
    // teloxide's own default: the 10 s long poll plus a margin for a slow network.
    17
}
fn default_actor_kind() -> String {
    "person".to_string()
}

impl Config {
    /// The bundled defaults.
    pub fn builtin() -> Config {
        Config::parse(DEFAULT_CONFIG, Path::new("<built-in>"))
            .expect("the bundled config/storyline.toml is valid (checked by a unit test)")
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        config.validate(path)?;
        Ok(config)
    }

    /// Loads `path` if given; otherwise `config/storyline.toml` if it exists in the working
    /// directory; otherwise the built-in defaults. Then applies `STORYLINE_DATA`.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config = match path {
            Some(p) => Self::read(p)?,
            None => {
                let local = Path::new("config/storyline.toml");
                if local.is_file() {
                    Self::read(local)?
                } else {
                    Config::builtin()
                }
            }
        };
        if let Some(dir) = std::env::var_os("STORYLINE_DATA").filter(|d| !d.is_empty()) {
            config.data_dir = PathBuf::from(dir);
        }
        Ok(config)
    }

    fn read(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mut seen = std::collections::HashSet::new();
        for topic in &self.topics {
            if topic.id.is_empty() || topic.id.contains(char::is_whitespace) {
                return Err(invalid(format!("topic id {:?} must be one word", topic.id)));
            }
            if !seen.insert(topic.id.as_str()) {
                return Err(invalid(format!("topic id {:?} is defined twice", topic.id)));
            }
        }
        let t = &self.telegram;
        if t.request_timeout_seconds <= t.poll_timeout_seconds {
            return Err(invalid(format!(
                "telegram.request_timeout_seconds ({}) must exceed telegram.poll_timeout_seconds ({})",
                t.request_timeout_seconds, t.poll_timeout_seconds
            )));
        }
        if self.max_article_bytes == 0 {
            return Err(invalid("max_article_bytes must be above 0".into()));
        }
        feeds::check_feeds(&self.feeds, &self.topics).map_err(invalid)?;
        Ok(())
    }

    /// Finds a topic by id, name or alias, case-insensitively ("minerals deal" → minerals).
    pub fn find_topic(&self, name: &str) -> Option<&Topic> {
        let wanted = normalise(name);
        if wanted.is_empty() {
            return None;
        }
        self.topics.iter().find(|t| {
            normalise(&t.id) == wanted
                || normalise(&t.name) == wanted
                || t.aliases.iter().any(|a| normalise(a) == wanted)
        })
    }

    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }
}

/// Lowercase, words separated by single spaces, punctuation other than inner apostrophes dropped.
pub fn normalise(text: &str) -> String {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_config_is_valid_and_names_the_minerals_topic() {
        let config = Config::builtin();
        let topic = config
            .find_topic("Natural resources deal")
            .expect("alias resolves");
        assert_eq!(topic.id, "minerals");
        assert!(topic.stages.iter().any(|s| s.id == "ratified"));
    }

    #[test]
    fn unknown_keys_are_rejected_with_the_file_name() {
        let err = Config::parse("data_dirr = 'x'", Path::new("bad.toml")).unwrap_err();
        assert!(err.to_string().contains("bad.toml"), "{err}");
    }
}
