//! The reply value every front-end renders: items with dates, modality and numbered citations.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::event::{EventDate, Modality};

/// What the core answers to one request. Front-ends only render it.
///
/// Pushes keep replies in the store's outbox as JSON until delivered, so every field of this
/// file's types that may be missing from an older record has a serde default: a new field needs
/// one too, or pushes queued before an upgrade cannot be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Reply {
    /// A one-line heading ("Latest on the minerals deal", "Status: ratified as of May 8, 2025").
    pub title: String,
    /// Lines of plain prose before the items (no claims without citations here).
    pub intro: Vec<String>,
    /// Dated, cited claims.
    pub items: Vec<ReplyItem>,
    /// Articles cited by the items, numbered from 1 in order of first use.
    pub citations: Vec<Citation>,
    /// Closing notes (e.g. "Hedged statements are marked as such").
    pub notes: Vec<String>,
    /// Follow-up actions a front-end may offer as buttons.
    pub actions: Vec<Action>,
    pub kind: ReplyKind,
    /// The title quotes the sources' own words (a direct answer: "338 votes in favor, on May 8,
    /// 2025 [1]"), built in the reply's language already: a translation leaves it as it is.
    #[serde(default)]
    pub title_quotes_sources: bool,
}

impl Reply {
    /// Cites `citation`'s article: articles are numbered from 1 in order of first use, one
    /// number per article, and a second citation of an article adds its sentences to the first.
    /// Returns the article's number. The one citation numbering (answers, pushes, merges).
    pub fn cite(&mut self, citation: &Citation) -> usize {
        if let Some(n) = self.cite_again(&citation.article_id, &citation.sentences) {
            return n;
        }
        let mut c = citation.clone();
        c.sentences.sort_unstable();
        c.sentences.dedup();
        self.citations.push(c);
        self.citations.len()
    }

    /// When `article_id` is cited already: adds `sentences` to its citation and returns its
    /// number (so a caller can skip building a [`Citation`]); `None` otherwise.
    pub fn cite_again(&mut self, article_id: &str, sentences: &[u32]) -> Option<usize> {
        let pos = self
            .citations
            .iter()
            .position(|c| c.article_id == article_id)?;
        let cited = &mut self.citations[pos].sentences;
        for s in sentences {
            if !cited.contains(s) {
                cited.push(*s);
            }
        }
        cited.sort_unstable();
        Some(pos + 1)
    }
}

/// What sort of reply this is, so front-ends and tests can tell them apart without parsing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ReplyKind {
    #[default]
    Answer,
    /// Nothing relevant in the sources.
    NotInSources,
    /// Help, topic lists, source lists: no claims.
    Info,
    /// The request could not be understood or was invalid (bad date, unknown topic).
    Error,
}

/// One claim: what happened, when, how sure, and where it is said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyItem {
    /// The claim as written by the source (normally the source sentence).
    pub text: String,
    /// When it happened (or is expected), if known.
    #[serde(default)]
    pub event_date: Option<EventDate>,
    /// When it was reported (publication date of the first citation).
    pub reported: NaiveDate,
    pub modality: Modality,
    /// Who the source attributes it to, if anyone.
    #[serde(default)]
    pub attribution: Option<String>,
    /// 1-based indexes into `Reply::citations`.
    #[serde(default)]
    pub cites: Vec<usize>,
    /// Further citations of the same fact by other outlets ("also reported by").
    #[serde(default)]
    pub also_reported_by: Vec<usize>,
    /// A short label in front of the claim ("Stage: signed", "Expected").
    #[serde(default)]
    pub label: Option<String>,
}

/// An article cited by a reply, with the sentence numbers that support the claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Citation {
    pub article_id: String,
    #[serde(default)]
    pub outlet: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub url: String,
    pub published: NaiveDate,
    /// 1-based sentence numbers in the article that the reply relies on.
    #[serde(default)]
    pub sentences: Vec<u32>,
}

impl Citation {
    /// A citation of `article`, with no sentence numbers yet.
    pub fn of(article: &crate::article::Article) -> Citation {
        Citation {
            article_id: article.id.clone(),
            outlet: article.outlet.clone(),
            title: article.title.clone(),
            url: article.url.clone(),
            published: article.published_date(),
            sentences: Vec::new(),
        }
    }
}

/// A follow-up a front-end may offer (Telegram renders them as inline buttons).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub label: String,
    /// The message to send when chosen ("/timeline minerals").
    pub command: String,
}
