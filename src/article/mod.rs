//! Reading articles: a `.txt`/`.md` file with front matter, or with its metadata in the folder's
//! `manifest.toml`. Every bad file becomes one [`ArticleError`] naming the file and the reason.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

use crate::event::ArticleId;

/// An article as read from disk: metadata plus the body, one paragraph per entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Hash of the URL (stable across re-ingests and file renames).
    pub id: ArticleId,
    pub title: String,
    pub outlet: String,
    pub url: String,
    /// Publication time with the offset of the article's own time zone. When only a date is
    /// known, midnight local time.
    pub published: DateTime<FixedOffset>,
    /// IANA time zone name when the metadata gave one ("Europe/Kyiv").
    pub timezone: Option<String>,
    /// The body, one paragraph per entry, exactly as written (trimmed of line ends).
    pub paragraphs: Vec<String>,
    /// A hash of metadata and body: a changed article has a new hash.
    pub content_hash: String,
    /// Where it was read from, for messages.
    pub source_path: String,
}

impl Article {
    /// The publication date in the article's own time zone (what relative dates resolve against).
    pub fn published_date(&self) -> NaiveDate {
        self.published.date_naive()
    }
}
