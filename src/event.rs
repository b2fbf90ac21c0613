//! The event model: one thing an article reports, with its date, actors, source and certainty.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A stable article identifier: a hash of the article's URL (hex, 16 chars).
pub type ArticleId = String;

/// How precisely an event's date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Precision {
    /// The exact day (`date` is that day).
    Day,
    /// Some day in the week starting at `date` (a Monday).
    Week,
    /// Some day in the month whose first day is `date`; `Part` narrows it (early/mid/late).
    Month,
    /// Some day in the year starting at `date`.
    Year,
    /// Some time before `date` (e.g. "previously", "had earlier").
    Before,
}

/// Where the event date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DateSource {
    /// A date expression in the sentence itself.
    Explicit,
    /// No expression in the sentence: taken from an earlier sentence of the same article that
    /// tells the same story (news leads give the date once, then elaborate).
    Context,
}

/// When an event happened (or is expected to), as precisely as the text says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDate {
    /// The day, or the first day of the week/month/year; the bound for `Before`.
    pub date: NaiveDate,
    pub precision: Precision,
    pub source: DateSource,
    /// The words of the text that gave the date ("on Tuesday", "late on April 30").
    pub expression: String,
}

/// How sure the source is that the event happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Modality {
    /// Reported as having happened or being the case.
    Fact,
    /// Hedged: "may", "could", "suggested", "hoped", "believed".
    Hedged,
    /// Depends on a condition: "if", "once", "provided", "subject to", "unless".
    Conditional,
    /// Planned, predicted or scheduled: "would be signed next Thursday", "is expected to".
    Future,
    /// Reported as not having happened or not being so, as of the statement: "has yet to be
    /// ratified", "did not attend", "was supposed to be signed but …". With a stage, it says the
    /// stage had not been reached by then. (Last, so stores written before it still decode.)
    Negated,
}

impl Modality {
    pub fn label(self) -> &'static str {
        match self {
            Modality::Fact => "fact",
            Modality::Hedged => "hedged",
            Modality::Conditional => "conditional",
            Modality::Future => "expected",
            Modality::Negated => "not so",
        }
    }
}

/// One event: a sentence (or clause) of an article and what was extracted from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub article: ArticleId,
    /// 0-based index of the sentence in the article (for the citation).
    pub sentence_index: u32,
    /// 0-based index of the clause within the sentence (most sentences have one event).
    pub clause_index: u32,
    /// The exact source sentence, as written.
    pub sentence: String,
    /// The clause this event was read from (equal to `sentence` for single-event sentences).
    pub clause: String,
    /// When it happened; `None` when neither the sentence nor its context says.
    pub date: Option<EventDate>,
    /// The article's publication date, in the article's own time zone.
    pub reported: NaiveDate,
    /// Canonical actor names (people, organisations, countries) named in the clause.
    pub actors: Vec<String>,
    /// Who the article attributes the statement to ("Yermak", "Reuters", "CBS News, citing X").
    pub attribution: Option<String>,
    pub modality: Modality,
    /// Topic ids from the config.
    pub topics: Vec<String>,
    /// Stage signals for topics: (topic id, stage id) this event supports.
    pub stages: Vec<(String, String)>,
}

/// Dates as every reply writes them (terminal, Telegram, pushes), with the year.
/// "Mar 4, 2025".
pub fn format_day(d: NaiveDate) -> String {
    d.format("%b %-d, %Y").to_string()
}

/// An event date as precisely as it is known: "Mar 4, 2025", "week of Mar 3, 2025",
/// "late March 2025", "February 2022", "2024", "before Mar 5, 2025".
pub fn format_event_date(d: &EventDate) -> String {
    match d.precision {
        Precision::Day => format_day(d.date),
        Precision::Week => format!("week of {}", format_day(d.date)),
        Precision::Month => {
            let month = d.date.format("%B %Y").to_string();
            let expr = d.expression.to_lowercase();
            let part = ["early", "mid", "late"]
                .into_iter()
                .find(|p| expr.contains(p));
            match part {
                Some(p) => format!("{p} {month}"),
                None => month,
            }
        }
        Precision::Year => d.date.format("%Y").to_string(),
        Precision::Before => format!("before {}", format_day(d.date)),
    }
}

impl Event {
    /// A key unique within the store: article id, sentence, clause.
    pub fn key(&self) -> String {
        format!(
            "{}:{:04}:{:02}",
            self.article, self.sentence_index, self.clause_index
        )
    }
}
