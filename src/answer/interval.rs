//! Questions that need two dated facts: "how long after the memorandum was the deal signed?",
//! "how many days between the vote and the deal coming into force?". The question is cut into
//! its two sides ([`parse`]); each side is found as a dated fact by the engine (a topic's stage
//! when the side names one, else the best dated fact the search finds); the answer states both
//! dates and the interval between them ([`headline`]).

use chrono::NaiveDate;

use super::lexicon::Language;
use super::locale;
use crate::event::format_day;
use crate::text::words;

/// The two sides of an interval question, in the order the question names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    /// What happened first ("the oval office meeting").
    pub from: String,
    /// What happened after it ("the deal signed").
    pub to: String,
}

/// Auxiliaries that end the first side of "how long after X was Y …".
const AUXILIARIES: &[&str] = &[
    "was", "were", "did", "does", "do", "had", "has", "have", "is", "are", "will", "would",
];

/// Reads "how long after X was/did Y", "how many days/weeks after X did Y" and "how long /
/// how many days between X and Y"; `None` for any other question.
pub fn parse(question: &str) -> Option<Interval> {
    let w = words(question);
    let how = w.iter().position(|x| x == "how")?;
    let asks_interval = match w.get(how + 1).map(String::as_str) {
        Some("long") => true,
        Some("many" | "much") => w
            .get(how + 2)
            .is_some_and(|u| matches!(u.as_str(), "days" | "weeks" | "months" | "time")),
        _ => false,
    };
    if !asks_interval {
        return None;
    }
    let rest = &w[how + 2..];
    if let Some(b) = rest.iter().position(|x| x == "between") {
        let sides = &rest[b + 1..];
        let and = sides.iter().position(|x| x == "and")?;
        return sides_of(&sides[..and], &sides[and + 1..]);
    }
    let a = rest.iter().position(|x| x == "after")?;
    let after = &rest[a + 1..];
    let aux = after
        .iter()
        .position(|x| AUXILIARIES.contains(&x.as_str()))?;
    sides_of(&after[..aux], &after[aux + 1..])
}

fn sides_of(from: &[String], to: &[String]) -> Option<Interval> {
    let from = from.join(" ");
    let to = to.join(" ");
    // Each side must say something: "how long after that did it happen" has no first fact.
    let says = |s: &str| words(s).iter().any(|w| !crate::text::is_stopword(w));
    (says(&from) && says(&to)).then_some(Interval { from, to })
}

/// "How long did the pause last?": the state whose length is asked ("the pause"), or `None`.
pub fn lasted(question: &str) -> Option<String> {
    let w = words(question);
    let how = w.windows(2).position(|p| p[0] == "how" && p[1] == "long")?;
    let aux = how + 2;
    if !w
        .get(aux)
        .is_some_and(|a| matches!(a.as_str(), "did" | "does" | "was" | "were" | "has" | "had"))
    {
        return None;
    }
    let last = w.iter().rposition(|x| x == "last" || x == "lasted")?;
    (last > aux + 1).then(|| w[aux + 1..last].join(" "))
}

/// "What changed between the March draft and the signed deal?", "how did A differ from B": the
/// two things compared, in the question's order; `None` for any other question.
pub fn compared(question: &str) -> Option<Interval> {
    let w = words(question);
    let asks = w.iter().any(|x| {
        matches!(
            x.as_str(),
            "changed"
                | "change"
                | "changes"
                | "different"
                | "difference"
                | "differences"
                | "differ"
        )
    });
    if !asks {
        return None;
    }
    if let Some(b) = w.iter().position(|x| x == "between") {
        let sides = &w[b + 1..];
        let and = sides.iter().position(|x| x == "and")?;
        return sides_of(&sides[..and], &sides[and + 1..]);
    }
    // "how did A differ from B", "what changed from A to B".
    let from = w.iter().position(|x| x == "from")?;
    if let Some(to) = w[from + 1..].iter().position(|x| x == "to") {
        return sides_of(&w[from + 1..from + 1 + to], &w[from + 2 + to..]);
    }
    let differ = w.iter().position(|x| x == "differ")?;
    let aux = w[..differ]
        .iter()
        .position(|x| AUXILIARIES.contains(&x.as_str()))?;
    sides_of(&w[aux + 1..differ], &w[from + 1..])
}

/// Phrases that ask whether something happened as foreseen, longest first.
const PLAN_CUES: &[&str] = &[
    "on the day",
    "as planned",
    "as scheduled",
    "as expected",
    "as promised",
    "as predicted",
    "as announced",
    "on schedule",
    "on time",
    "predicted",
    "planned",
    "scheduled",
    "promised",
    "forecast",
];

/// "Did the board meet in July as planned?", "Was it signed on the day Trump predicted?": the
/// question without its plan cue ("the board meet in july"), or `None` when it has none or is
/// not a yes/no question.
pub fn as_planned(question: &str) -> Option<String> {
    let w = words(question);
    let first = w.first()?;
    if !matches!(
        first.as_str(),
        "did" | "was" | "were" | "has" | "have" | "is" | "does" | "had"
    ) {
        return None;
    }
    let mut line = format!(" {} ", w[1..].join(" "));
    let mut cued = false;
    for cue in PLAN_CUES {
        let c = format!(" {cue} ");
        if line.contains(&c) {
            line = line.replace(&c, " ");
            cued = true;
        }
    }
    let rest = line.trim().to_string();
    (cued && !rest.is_empty()).then_some(rest)
}

/// "No: expected on Apr 24, 2025 [1]; it happened on Apr 30, 2025 [2]": the plan, then what
/// happened, each dated and cited. The plan counts as kept when the fact falls within what it
/// foresaw (its day, or its month for "in July").
pub fn plan_headline(
    plan: (&crate::event::EventDate, usize),
    happened: (NaiveDate, usize),
    language: Language,
) -> String {
    use crate::event::{format_event_date, Precision};
    let (p, pc) = plan;
    let kept = match p.precision {
        Precision::Day => p.date == happened.0,
        Precision::Week => (happened.0 - p.date).num_days().abs() < 7,
        Precision::Month => {
            p.date.format("%Y-%m").to_string() == happened.0.format("%Y-%m").to_string()
        }
        Precision::Year => p.date.format("%Y").to_string() == happened.0.format("%Y").to_string(),
        Precision::Before => happened.0 <= p.date,
    };
    if language == Language::Ukrainian {
        let planned = locale::iso_dates(&format_event_date(p));
        let verdict = if kept { "Так" } else { "Ні" };
        return format!(
            "{verdict}: очікувалося {planned} [{pc}]; сталося {} [{}]",
            happened.0.format("%Y-%m-%d"),
            happened.1
        );
    }
    let planned = match p.precision {
        Precision::Day => format!("on {}", format_event_date(p)),
        Precision::Before => format_event_date(p),
        _ => format!("in {}", format_event_date(p)),
    };
    let verdict = if kept { "Yes" } else { "No" };
    format!(
        "{verdict}: expected {planned} [{pc}]; it happened on {} [{}]",
        format_day(happened.0),
        happened.1
    )
}

/// "61 days (about 2 months): from Feb 28, 2025 [1] to Apr 30, 2025 [2]"; in Ukrainian
/// "61 день (близько 2 місяців): від 2025-02-28 [1] до 2025-04-30 [2]". A `to` before `from`
/// is said as such ("… before …").
pub fn headline(from: (NaiveDate, usize), to: (NaiveDate, usize), language: Language) -> String {
    let days = (to.0 - from.0).num_days();
    let n = days.unsigned_abs();
    let uk = language == Language::Ukrainian;
    let day = |d: NaiveDate| {
        if uk {
            d.format("%Y-%m-%d").to_string()
        } else {
            format_day(d)
        }
    };
    let span = if uk {
        format!("{n} {}", locale::days_word(n))
    } else if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    };
    let about = rough(n, uk).map(|r| format!(" ({r})")).unwrap_or_default();
    let order = match (days < 0, uk) {
        (false, false) => "",
        (true, false) => " earlier",
        (false, true) => "",
        (true, true) => " раніше",
    };
    if uk {
        format!(
            "{span}{about}{order}: від {} [{}] до {} [{}]",
            day(from.0),
            from.1,
            day(to.0),
            to.1
        )
    } else {
        format!(
            "{span}{about}{order}: from {} [{}] to {} [{}]",
            day(from.0),
            from.1,
            day(to.0),
            to.1
        )
    }
}

/// The interval in weeks or months, when that reads better than days.
fn rough(days: u64, uk: bool) -> Option<String> {
    if days < 7 {
        return None;
    }
    if days < 45 {
        let weeks = (days as f64 / 7.0).round() as u64;
        let exact = days % 7 == 0;
        return Some(match (uk, exact, weeks) {
            (false, true, 1) => "exactly a week".to_string(),
            (false, true, w) => format!("exactly {w} weeks"),
            (false, false, 1) => "about a week".to_string(),
            (false, false, w) => format!("about {w} weeks"),
            (true, true, w) => format!(
                "рівно {w} {}",
                locale::plural(w, ["тиждень", "тижні", "тижнів"])
            ),
            (true, false, w) => format!("близько {w} {}", locale::weeks_word(w)),
        });
    }
    let months = (days as f64 / 30.44).round() as u64;
    Some(if uk {
        format!("близько {months} {}", locale::months_word(months))
    } else {
        format!("about {months} months")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_two_sides_are_read_from_the_question() {
        assert_eq!(
            parse("How long after the budget vote was the bridge opened?"),
            Some(Interval {
                from: "the budget vote".into(),
                to: "the bridge opened".into()
            })
        );
        assert_eq!(
            parse("how many days after the strike did the port reopen"),
            Some(Interval {
                from: "the strike".into(),
                to: "the port reopen".into()
            })
        );
        assert_eq!(
            parse("how many days between the first vote and the second one?"),
            Some(Interval {
                from: "the first vote".into(),
                to: "the second one".into()
            })
        );
        assert_eq!(parse("How long were the talks?"), None);
        assert_eq!(parse("how many votes did it get after the debate"), None);
        assert_eq!(parse("how long after that did it happen"), None);
    }

    #[test]
    fn the_two_things_compared() {
        let pair = |a: &str, b: &str| {
            Some(Interval {
                from: a.into(),
                to: b.into(),
            })
        };
        assert_eq!(
            compared("What changed between the first plan and the final budget?"),
            pair("the first plan", "the final budget")
        );
        assert_eq!(
            compared("how did the draft differ from the final text"),
            pair("the draft", "the final text")
        );
        assert_eq!(
            compared("what changed from the draft to the law?"),
            pair("the draft", "the law")
        );
        assert_eq!(compared("what happened between the votes?"), None);
    }

    #[test]
    fn the_state_whose_length_is_asked() {
        assert_eq!(
            lasted("how long did the port strike last?").as_deref(),
            Some("the port strike")
        );
        assert_eq!(lasted("How long were the talks?"), None);
        assert_eq!(lasted("how long did it take"), None);
    }

    #[test]
    fn a_plan_cue_is_cut_from_a_yes_no_question() {
        assert_eq!(
            as_planned("Did the council meet in June as planned?").as_deref(),
            Some("the council meet in june")
        );
        assert_eq!(
            as_planned("Was the bridge opened on the day the mayor predicted?").as_deref(),
            Some("the bridge opened the mayor")
        );
        assert_eq!(as_planned("Did the council meet in June?"), None);
        assert_eq!(as_planned("When was the meeting planned?"), None);
    }

    #[test]
    fn a_plan_is_kept_when_the_fact_falls_within_it() {
        use crate::event::{DateSource, EventDate, Precision};
        let plan = |d: &str, precision| EventDate {
            date: day(d),
            precision,
            expression: String::new(),
            source: DateSource::Explicit,
        };
        assert_eq!(
            plan_headline(
                (&plan("2025-07-01", Precision::Month), 1),
                (day("2025-09-03"), 2),
                Language::English
            ),
            "No: expected in July 2025 [1]; it happened on Sep 3, 2025 [2]"
        );
        assert_eq!(
            plan_headline(
                (&plan("2025-04-24", Precision::Day), 2),
                (day("2025-04-24"), 1),
                Language::English
            ),
            "Yes: expected on Apr 24, 2025 [2]; it happened on Apr 24, 2025 [1]"
        );
    }

    #[test]
    fn the_interval_states_both_dates() {
        assert_eq!(
            headline(
                (day("2024-02-28"), 1),
                (day("2024-04-30"), 2),
                Language::English
            ),
            "62 days (about 2 months): from Feb 28, 2024 [1] to Apr 30, 2024 [2]"
        );
        assert_eq!(
            headline(
                (day("2025-03-03"), 1),
                (day("2025-03-11"), 1),
                Language::English
            ),
            "8 days (about a week): from Mar 3, 2025 [1] to Mar 11, 2025 [1]"
        );
        assert_eq!(
            headline(
                (day("2025-05-12"), 2),
                (day("2025-05-08"), 1),
                Language::English
            ),
            "4 days earlier: from May 12, 2025 [2] to May 8, 2025 [1]"
        );
        assert_eq!(
            headline(
                (day("2025-05-08"), 1),
                (day("2025-05-23"), 2),
                Language::Ukrainian
            ),
            "15 днів (близько 2 тижнів): від 2025-05-08 [1] до 2025-05-23 [2]"
        );
    }
}
