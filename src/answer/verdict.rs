//! The verdict policy for yes/no and "when" questions about a topic's stage: the one place that
//! decides whether a headline may say "Yes".
//!
//! - "Yes" only from a fact that reached the stage asked about, within the question's bound
//!   ("on May 13", "by April 1", "before June", "in July") when it gives one.
//! - "No — not as of <day>" when the stage was reached only after the bound, or when the sources
//!   say it had not happened (a negated statement, "has yet to be ratified").
//! - Otherwise "My sources don't report it": never a verdict assembled from another stage.
//!
//! Pure: the caller reads the status and the evidence, this module only judges.

use chrono::{Datelike, NaiveDate};

use super::QuestionKind;
use crate::event::format_day;
use crate::event::{Event, Precision};
use crate::extract::time::{find_dates, TimeContext};

/// How a question bounds the time it asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundKind {
    /// "on May 13", "in July": that day or month.
    On,
    /// "by May 13", "as of", "until": on or before.
    By,
    /// "before May 13".
    Before,
    /// "after May 13", "since".
    After,
}

/// A date bound named in a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub kind: BoundKind,
    /// The day, or the first day of the month or year.
    pub date: NaiveDate,
    pub precision: Precision,
    /// Where the expression stands in the question.
    pub range: std::ops::Range<usize>,
}

impl Bound {
    /// The first date expression of `question` with the word before it, resolved against `now`.
    pub fn find(question: &str, now: NaiveDate) -> Option<Bound> {
        let m = find_dates(question, &TimeContext { published: now })
            .into_iter()
            .find(|m| {
                matches!(
                    m.precision,
                    Precision::Day | Precision::Month | Precision::Year | Precision::Before
                )
            })?;
        let before = question[..m.start].to_lowercase();
        let last_words: Vec<&str> = before.split_whitespace().rev().take(2).collect();
        let word = last_words.first().copied().unwrap_or("");
        let kind = if m.precision == Precision::Before
            || word == "before"
            || before.ends_with("prior to ")
        {
            BoundKind::Before
        } else if matches!(word, "by" | "until" | "till") || before.ends_with("as of ") {
            BoundKind::By
        } else if matches!(word, "after" | "since") {
            BoundKind::After
        } else {
            BoundKind::On
        };
        let precision = if m.precision == Precision::Before {
            Precision::Day
        } else {
            m.precision
        };
        Some(Bound {
            kind,
            date: m.date,
            precision,
            range: m.start..m.end,
        })
    }

    /// The last day the bound's period covers (the day itself, the month's or year's end).
    pub fn last_day(&self) -> NaiveDate {
        let end = match self.precision {
            Precision::Month => {
                let (y, m) = if self.date.month() == 12 {
                    (self.date.year() + 1, 1)
                } else {
                    (self.date.year(), self.date.month() + 1)
                };
                NaiveDate::from_ymd_opt(y, m, 1).and_then(|d| d.pred_opt())
            }
            Precision::Year => NaiveDate::from_ymd_opt(self.date.year(), 12, 31),
            _ => Some(self.date),
        };
        let end = end.unwrap_or(self.date);
        match self.kind {
            BoundKind::Before => self.date.pred_opt().unwrap_or(self.date),
            _ => end,
        }
    }

    /// Whether an act on `day` falls within the bound.
    fn holds(&self, day: NaiveDate) -> bool {
        match self.kind {
            BoundKind::On => day >= self.date && day <= self.last_day(),
            BoundKind::By => day <= self.last_day(),
            BoundKind::Before => day < self.date,
            BoundKind::After => day > self.last_day(),
        }
    }

    /// "on May 13, 2025", "by May 2025", "before Jun 1, 2025".
    fn phrase(&self) -> String {
        let when = match self.precision {
            Precision::Month => self.date.format("%B %Y").to_string(),
            Precision::Year => self.date.format("%Y").to_string(),
            _ => format_day(self.date),
        };
        let word = match self.kind {
            BoundKind::On if self.precision == Precision::Day => "on",
            BoundKind::On => "in",
            BoundKind::By => "by",
            BoundKind::Before => "before",
            BoundKind::After => "after",
        };
        format!("{word} {when}")
    }
}

/// The day a negated statement speaks for: its event day when that is a day no later than its
/// report, otherwise the day it was reported.
pub fn absence_day(e: &Event) -> NaiveDate {
    e.date
        .as_ref()
        .filter(|d| d.precision == Precision::Day && d.date <= e.reported)
        .map(|d| d.date)
        .unwrap_or(e.reported)
}

/// What the verdict is judged from.
pub struct Case<'a> {
    pub kind: QuestionKind,
    pub stage_name: &'a str,
    pub topic_name: &'a str,
    /// The day the stage was first reached (the outer None: not reached; inner: undated).
    pub reached: Option<Option<NaiveDate>>,
    pub bound: Option<&'a Bound>,
    /// At the bound: whether the current stage was the one asked, its name and since when.
    pub then_current: Option<(bool, &'a str, Option<NaiveDate>)>,
    /// The newest day a source said the stage had not been reached (within the bound).
    pub absent_as_of: Option<NaiveDate>,
    /// The stage is a lasting state ("paused", "in force"), not a one-off act ("signed").
    pub state: bool,
    /// For a state: the first report, after it was reached and within the bound, that a later
    /// stage was expected ("pledged to lift the pause"), with that stage's name. A state with a
    /// pending end is not a plain "Yes".
    pub pending_end: Option<(NaiveDate, &'a str)>,
}

/// The headline, and whether the answer rests on statements of absence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub title: String,
    pub shows_absence: bool,
}

fn day_or_unknown(d: Option<NaiveDate>) -> String {
    d.map(format_day)
        .unwrap_or_else(|| "a date my sources don't give".into())
}

/// For a state with a reported pending end: "Not confirmed either way: paused since Mar 5, 2025;
/// on Mar 11, 2025 my sources report it expected to be resumed, not that it was".
fn pending(c: &Case<'_>, since: Option<NaiveDate>) -> Option<String> {
    let (on, next) = c.pending_end.filter(|_| c.state)?;
    Some(format!(
        "Not confirmed either way: {} since {}, but on {} my sources report it expected to be \
         {next}, not that it was",
        c.stage_name,
        day_or_unknown(since),
        format_day(on)
    ))
}

/// Judges a stage question (see the module comment).
pub fn judge(c: &Case<'_>) -> Verdict {
    let stage = c.stage_name;
    let verdict = |title: String, shows_absence: bool| Verdict {
        title,
        shows_absence,
    };
    match (c.reached, c.bound) {
        (Some(day), None) => {
            // "Is aid still paused?" after it resumed: no longer.
            if let (true, QuestionKind::YesNo, Some((false, now, since))) =
                (c.state, c.kind, c.then_current)
            {
                return verdict(
                    format!(
                        "No — no longer {stage}: {now} since {} (it was {stage} on {})",
                        day_or_unknown(since),
                        day_or_unknown(day)
                    ),
                    false,
                );
            }
            // "Is aid still paused?" while its end was announced as coming.
            let current = c.then_current.is_none_or(|(same, _, _)| same);
            if c.kind != QuestionKind::When && current {
                if let Some(t) = pending(c, day) {
                    return verdict(t, false);
                }
            }
            let title = match (c.kind, day) {
                (QuestionKind::When, Some(d)) => {
                    format!("{}: {stage} on {}", c.topic_name, format_day(d))
                }
                (_, Some(d)) => format!("Yes: {stage} on {}", format_day(d)),
                (_, None) => format!("Yes: {stage} (my sources don't give the date)"),
            };
            verdict(title, false)
        }
        (Some(day), Some(b)) => {
            let in_bound = day.is_some_and(|d| b.holds(d));
            // A state that held at the bound ("still paused on March 4?"), reached before it.
            let held_then = c.state
                && c.then_current.is_some_and(|(same, _, _)| same)
                && matches!(b.kind, BoundKind::On | BoundKind::By);
            if held_then && !in_bound {
                if let Some(t) = pending(c, day) {
                    return verdict(t, false);
                }
            }
            if in_bound || held_then {
                let title = match day {
                    Some(d)
                        if b.kind == BoundKind::On
                            && b.precision == Precision::Day
                            && d != b.date =>
                    {
                        format!(
                            "Yes, as of {}: {stage} since {}",
                            format_day(b.date),
                            format_day(d)
                        )
                    }
                    Some(d) => format!("Yes: {stage} on {}", format_day(d)),
                    None => format!("Yes: {stage}"),
                };
                return verdict(title, false);
            }
            let then = match c.then_current {
                Some((false, name, since)) if day.is_some_and(|d| d <= b.last_day()) => {
                    format!(" (by then {name}, since {})", day_or_unknown(since))
                }
                _ => String::new(),
            };
            verdict(
                format!(
                    "No — not {}{then}: my sources report it {stage} on {}",
                    b.phrase(),
                    day_or_unknown(day)
                ),
                c.absent_as_of.is_some(),
            )
        }
        (None, bound) => {
            let within = bound
                .map(|b| format!(" {}", b.phrase()))
                .unwrap_or_default();
            match c.absent_as_of {
                Some(d) => verdict(
                    format!(
                        "No — not {stage} as of {}, by my sources{within}",
                        format_day(d)
                    ),
                    true,
                ),
                None => verdict(
                    format!(
                        "My sources don't report the {} as {stage}{within}",
                        c.topic_name.to_lowercase()
                    ),
                    false,
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn case<'a>(reached: Option<&str>, bound: Option<&'a Bound>) -> Case<'a> {
        Case {
            kind: QuestionKind::YesNo,
            stage_name: "signed",
            topic_name: "Minerals deal",
            reached: reached.map(|r| Some(day(r))),
            bound,
            then_current: None,
            absent_as_of: None,
            state: false,
            pending_end: None,
        }
    }

    #[test]
    fn bounds_are_read_with_their_word() {
        let now = day("2025-09-18");
        let b = Bound::find("Was it signed on April 24?", now).unwrap();
        assert_eq!((b.kind, b.date), (BoundKind::On, day("2025-04-24")));
        let b = Bound::find("was it ratified by May 1, 2025", now).unwrap();
        assert_eq!((b.kind, b.date), (BoundKind::By, day("2025-05-01")));
        let b = Bound::find("did the board meet in July", now).unwrap();
        assert_eq!((b.kind, b.precision), (BoundKind::On, Precision::Month));
        assert_eq!(b.last_day(), day("2025-07-31"));
        let b = Bound::find("signed before June 2025?", now).unwrap();
        assert_eq!(b.kind, BoundKind::Before);
        assert!(Bound::find("is the deal signed yet?", now).is_none());
    }

    #[test]
    fn yes_only_within_the_bound() {
        let now = day("2025-09-18");
        let on = Bound::find("signed on April 24?", now).unwrap();
        let v = judge(&case(Some("2025-04-30"), Some(&on)));
        assert!(
            v.title.starts_with("No — not on Apr 24, 2025"),
            "{}",
            v.title
        );
        assert!(v.title.contains("Apr 30, 2025"));
        let before = Bound::find("signed before May 15?", now).unwrap();
        assert!(judge(&case(Some("2025-04-30"), Some(&before)))
            .title
            .starts_with("Yes"));
        let before = Bound::find("signed before April 2?", now).unwrap();
        assert!(judge(&case(Some("2025-04-30"), Some(&before)))
            .title
            .starts_with("No"));
        let by = Bound::find("signed by May 1?", now).unwrap();
        assert!(judge(&case(Some("2025-04-30"), Some(&by)))
            .title
            .starts_with("Yes"));
        assert!(judge(&case(Some("2025-04-30"), None))
            .title
            .starts_with("Yes: signed on Apr 30"));
    }

    #[test]
    fn a_state_is_judged_as_it_stood_at_the_bound() {
        let now = day("2025-09-18");
        let on = Bound::find("still paused on March 20?", now).unwrap();
        let mut c = case(Some("2025-03-03"), Some(&on));
        c.stage_name = "paused";
        c.state = true;
        c.then_current = Some((false, "resumed", Some(day("2025-03-11"))));
        let v = judge(&c);
        assert!(
            v.title
                .starts_with("No — not on Mar 20, 2025 (by then resumed"),
            "{}",
            v.title
        );
        c.then_current = Some((true, "paused", Some(day("2025-03-03"))));
        let on = Bound::find("paused on March 4?", now).unwrap();
        c.bound = Some(&on);
        assert!(judge(&c)
            .title
            .starts_with("Yes, as of Mar 4, 2025: paused since Mar 3"));
    }

    #[test]
    fn an_act_on_another_day_is_not_a_state_that_held() {
        let now = day("2025-09-18");
        let on = Bound::find("was it signed on May 8?", now).unwrap();
        let mut c = case(Some("2025-04-30"), Some(&on));
        c.then_current = Some((true, "signed", Some(day("2025-04-30"))));
        let v = judge(&c);
        assert!(
            v.title
                .starts_with("No — not on May 8, 2025: my sources report it signed on Apr 30"),
            "{}",
            v.title
        );
    }

    #[test]
    fn a_state_with_its_end_announced_is_not_a_plain_yes() {
        let now = day("2025-09-18");
        let on = Bound::find("still paused on March 20?", now).unwrap();
        let mut c = case(Some("2025-03-05"), Some(&on));
        c.stage_name = "paused";
        c.state = true;
        c.then_current = Some((true, "paused", Some(day("2025-03-05"))));
        c.pending_end = Some((day("2025-03-11"), "resumed"));
        let v = judge(&c);
        assert!(
            v.title
                .starts_with("Not confirmed either way: paused since Mar 5, 2025"),
            "{}",
            v.title
        );
        assert!(v.title.contains("Mar 11, 2025") && v.title.contains("resumed"));
        // Without a bound: "is it still paused?".
        c.bound = None;
        assert!(judge(&c).title.starts_with("Not confirmed either way"));
        // "When was it paused?" is answered with the day all the same.
        c.kind = QuestionKind::When;
        assert!(judge(&c).title.contains("paused on Mar 5, 2025"));
        // Once it ended: no longer.
        c.kind = QuestionKind::YesNo;
        c.then_current = Some((false, "resumed", Some(day("2025-03-11"))));
        let v = judge(&c);
        assert!(
            v.title
                .starts_with("No — no longer paused: resumed since Mar 11, 2025"),
            "{}",
            v.title
        );
        c.then_current = Some((true, "paused", Some(day("2025-03-05"))));
        // Without the announced end: the plain yes.
        c.kind = QuestionKind::YesNo;
        c.pending_end = None;
        assert!(judge(&c).title.starts_with("Yes: paused on Mar 5, 2025"));
    }

    #[test]
    fn without_a_fact_no_yes() {
        let mut c = case(None, None);
        assert!(judge(&c).title.starts_with("My sources don't report"));
        c.absent_as_of = Some(day("2025-05-14"));
        let v = judge(&c);
        assert!(v.title.starts_with("No — not signed as of May 14, 2025"));
        assert!(v.shows_absence);
    }
}
