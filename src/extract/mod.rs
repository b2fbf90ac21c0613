//! From an article's sentences to events: dates, actors, attribution, modality, topics, stages.
//!
//! A sentence usually reports one event; a sentence with two dated events joined by ", and" or
//! ", after" is cut into clauses, one event each. A clause without a date of its own takes the
//! date of the sentence before it when that one told of a day (news leads give the date once and
//! then elaborate), and says so in [`DateSource::Context`].

pub mod actors;
pub mod attribution;
pub mod modality;
pub mod sentences;
pub mod time;
pub mod topics;

use crate::article::Article;
use crate::config::Config;
use crate::event::{DateSource, Event, EventDate, Modality, Precision};
use crate::text::word_spans;
use actors::ActorMatcher;
use time::{TimeContext, TimeMention};
use topics::TopicMatcher;

/// Where a sentence may be cut between two dated events.
const CLAUSE_BREAKS: &[&str] = &["; ", ", and ", ", after ", ", but ", " but ", ", while "];

/// Words saying an undated clause happened some time before the article.
const EARLIER: &[&str] = &["previously", "formerly", "earlier"];

/// Words saying a clause happened after the day told before ("after which the president
/// paused"): such a clause does not take that day.
const LATER: &[&str] = &[
    "after which",
    "later",
    "subsequently",
    "since then",
    "afterwards",
];

/// Holds the matchers built from the config, so a run over many articles builds them once.
pub struct Extractor {
    actors: ActorMatcher,
    topics: TopicMatcher,
}

/// Extracts the events of one article (builds the matchers; prefer [`Extractor`] in loops).
pub fn extract_events(article: &Article, config: &Config) -> Vec<Event> {
    Extractor::new(config).events(article)
}

impl Extractor {
    pub fn new(config: &Config) -> Extractor {
        Extractor {
            actors: ActorMatcher::new(config),
            topics: TopicMatcher::new(config),
        }
    }

    pub fn actors(&self) -> &ActorMatcher {
        &self.actors
    }

    pub fn topic_matcher(&self) -> &TopicMatcher {
        &self.topics
    }

    pub fn events(&self, article: &Article) -> Vec<Event> {
        let sentences: Vec<&str> = article
            .paragraphs
            .iter()
            .flat_map(|p| sentences::split_sentences(p))
            .collect();
        let article_topics = self.article_topics(&article.title, &sentences);
        let ctx = TimeContext {
            published: article.published_date(),
        };
        let mut events = Vec::new();
        // The date the previous sentence told of, if it was a day worth carrying forward.
        let mut carried: Option<EventDate> = None;
        for (index, sentence) in sentences.iter().enumerate() {
            let mentions = time::find_dates(sentence, &ctx);
            let clauses = split_clauses(sentence, &mentions);
            let sentence_attribution =
                self.source(attribution::find(sentence, &self.actors), &events);
            // The carried day survives sentences without a day of their own (quotes, hedged
            // asides) and is replaced by the next day a sentence reports.
            let mut next_carried = carried.clone();
            let single = clauses.len() == 1;
            for (clause_index, (clause, clause_mentions)) in clauses.iter().enumerate() {
                let clause = *clause;
                let modality = modality::classify(clause);
                let date = self.date_of(clause, clause_mentions, modality, carried.as_ref(), &ctx);
                let topics = self.topics.topics(clause, &article_topics);
                let stages = topics
                    .iter()
                    .filter_map(|t| self.topics.stage(t, clause).map(|s| (t.clone(), s)))
                    .collect();
                // A sentence's speaker speaks for a clause only when the sentence is one clause:
                // in "X halted deliveries on March 3, and Y confirmed on March 5", Y is not the
                // source of the first clause.
                let attribution = self
                    .source(attribution::find(clause, &self.actors), &events)
                    .or_else(|| sentence_attribution.clone().filter(|_| single));
                // Carry a day forward only from what happened or was said on it, not from a
                // prediction about a later day.
                if let Some(d) = date.as_ref().filter(|d| {
                    d.source == DateSource::Explicit
                        && d.precision == Precision::Day
                        && (modality == Modality::Fact || d.date <= ctx.published)
                }) {
                    next_carried = Some(d.clone());
                }
                events.push(Event {
                    article: article.id.clone(),
                    sentence_index: index as u32,
                    clause_index: clause_index as u32,
                    sentence: sentence.to_string(),
                    clause: clause.to_string(),
                    date,
                    reported: ctx.published,
                    actors: self.actors.find(clause),
                    attribution,
                    modality,
                    topics,
                    stages,
                });
            }
            carried = next_carried;
        }
        events
    }

    /// Resolves "he said" to the source of the sentence before, where there is one.
    fn source(&self, found: Option<attribution::Source>, before: &[Event]) -> Option<String> {
        match found? {
            attribution::Source::Named(n) => Some(n),
            attribution::Source::Pronoun => before.last().and_then(|e| e.attribution.clone()),
        }
    }

    /// Topics the article is about: named in its title, or in two or more sentences.
    fn article_topics(&self, title: &str, sentences: &[&str]) -> Vec<String> {
        let mut topics = self.topics.strong_topics(title);
        let mut counts: Vec<(String, usize)> = Vec::new();
        for s in sentences {
            for t in self.topics.strong_topics(s) {
                match counts.iter_mut().find(|(id, _)| *id == t) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((t, 1)),
                }
            }
        }
        for (t, n) in counts {
            if n >= 2 && !topics.contains(&t) {
                topics.push(t);
            }
        }
        topics
    }

    fn date_of(
        &self,
        clause: &str,
        mentions: &[TimeMention],
        modality: Modality,
        carried: Option<&EventDate>,
        ctx: &TimeContext,
    ) -> Option<EventDate> {
        let main: Vec<&TimeMention> = mentions
            .iter()
            .filter(|m| !is_background(clause, m))
            .collect();
        let explicit = |m: &TimeMention| EventDate {
            date: m.date,
            precision: m.precision,
            source: DateSource::Explicit,
            expression: clause.get(m.start..m.end).unwrap_or_default().to_string(),
        };
        // A fact happened on the first date named; a prediction is about the latest one
        // ("on Thursday, Trump predicted it would be signed next Thursday").
        let chosen = if modality == Modality::Future {
            main.iter().max_by_key(|m| m.date).copied()
        } else {
            main.first().copied()
        };
        if let Some(m) = chosen {
            return Some(explicit(m));
        }
        // "The Rada had ratified the agreement last Thursday": the past perfect's own date.
        if let Some(m) = mentions
            .iter()
            .find(|m| role(clause, m) == Role::PastPerfect)
        {
            return Some(explicit(m));
        }
        let lower = clause.to_lowercase();
        // "previously rejected": some time before the article, unless "earlier" is itself part
        // of a dated phrase ("earlier on Thursday", "earlier in the day").
        let ws = word_spans(&lower);
        let earlier = ws.iter().enumerate().any(|(i, w)| {
            EARLIER.contains(&w.text)
                && !ws
                    .get(i + 1)
                    .is_some_and(|n| matches!(n.text, "on" | "in" | "this" | "that" | "today"))
        });
        if earlier {
            return Some(EventDate {
                date: ctx.published,
                precision: Precision::Before,
                source: DateSource::Context,
                expression: "previously".to_string(),
            });
        }
        let moves_on = LATER.iter().any(|w| lower.contains(w));
        if modality == Modality::Fact && !moves_on {
            if let Some(c) = carried {
                return Some(EventDate {
                    source: DateSource::Context,
                    ..c.clone()
                });
            }
        }
        // Only a starting point ("since February 2022"): still the best date there is.
        if let Some(m) = mentions.first() {
            return Some(explicit(m));
        }
        None
    }
}

/// How a date mention relates to the clause's own event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The clause's event happened (or is expected) then.
    Main,
    /// After "had": an earlier event ("the aid it had cut off last week"). It dates the clause
    /// only when nothing else in it does.
    PastPerfect,
    /// After "since": a starting point, not the event ("since February 2022").
    Since,
}

fn role(clause: &str, m: &TimeMention) -> Role {
    let before = &clause[..m.start.min(clause.len())];
    let words: Vec<String> = word_spans(before)
        .iter()
        .rev()
        .take(6)
        .map(|w| w.folded())
        .collect();
    if words.first().is_some_and(|w| w == "since") || words.get(1).is_some_and(|w| w == "since") {
        Role::Since
    } else if words.iter().any(|w| w == "had") {
        Role::PastPerfect
    } else if words.iter().any(|w| w == "since") {
        Role::Since
    } else {
        Role::Main
    }
}

fn is_background(clause: &str, m: &TimeMention) -> bool {
    role(clause, m) != Role::Main
}

/// Cuts a sentence into trimmed clauses, each with its date mentions rebased onto the clause.
fn split_clauses<'s>(
    sentence: &'s str,
    mentions: &[TimeMention],
) -> Vec<(&'s str, Vec<TimeMention>)> {
    let main: Vec<&TimeMention> = mentions
        .iter()
        .filter(|m| !is_background(sentence, m))
        .collect();
    let mut cuts = Vec::new();
    for pair in main.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.date == b.date || a.end > b.start {
            continue;
        }
        let between = &sentence[a.end..b.start];
        if let Some((pos, sep)) = CLAUSE_BREAKS
            .iter()
            .filter_map(|s| between.rfind(s).map(|p| (p, s)))
            .max_by_key(|(p, _)| *p)
        {
            cuts.push((a.end + pos, a.end + pos + sep.len()));
        }
    }
    let mut out = Vec::new();
    let mut start = 0;
    for (cut_start, cut_end) in cuts
        .into_iter()
        .chain(std::iter::once((sentence.len(), sentence.len())))
    {
        let raw = &sentence[start..cut_start];
        let clause = raw.trim();
        let offset = start + (raw.len() - raw.trim_start().len());
        let ms = mentions
            .iter()
            .filter(|m| m.start >= offset && m.end <= offset + clause.len())
            .map(|m| TimeMention {
                start: m.start - offset,
                end: m.end - offset,
                ..m.clone()
            })
            .collect();
        out.push((clause, ms));
        start = cut_end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn two_dated_events_in_one_sentence_become_two_clauses() {
        let ctx = TimeContext {
            published: day(2025, 3, 12),
        };
        let s = "The United States halted weapons deliveries on March 3, and CIA Director John Ratcliffe confirmed on March 5 that intelligence sharing had also been paused.";
        let mentions = time::find_dates(s, &ctx);
        let clauses = split_clauses(s, &mentions);
        assert_eq!(clauses.len(), 2);
        assert_eq!(
            clauses[0].0,
            "The United States halted weapons deliveries on March 3"
        );
        let second = &clauses[1];
        assert!(second.0[second.1[0].start..second.1[0].end].ends_with("March 5"));
        assert_eq!(second.1[0].date, day(2025, 3, 5));
    }
}
