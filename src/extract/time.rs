//! The temporal tagger: finds date expressions in running text and resolves them against the
//! article's publication date (in the article's own time zone).

use chrono::NaiveDate;

use crate::event::Precision;

/// What relative expressions resolve against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeContext {
    /// The publication date in the article's own time zone.
    pub published: NaiveDate,
}

/// One date expression found in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeMention {
    /// Byte range of the expression in the sentence.
    pub start: usize,
    pub end: usize,
    /// The day, or the first day of the week/month/year; for `Before`, the bound.
    pub date: NaiveDate,
    pub precision: Precision,
}

/// Finds and resolves the date expressions of one sentence, in order of appearance.
pub fn find_dates(_sentence: &str, _ctx: &TimeContext) -> Vec<TimeMention> {
    Vec::new()
}
