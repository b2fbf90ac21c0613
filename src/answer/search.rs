//! Finding and scoring the events that answer a question's concepts. An event covers a
//! concept when it holds one of the concept's forms (a term or an actor), at that form's
//! factor; a concept weighs by its rarity (`ln(1 + events / events holding it)`), and an
//! event's coverage is the weight it covers over the question's total. Too little coverage
//! means no answer. The store's full-text index finds the best candidates (scoring them the
//! same way, see `Store::best_events`); the coverage and the preferences by kind of question
//! are then computed from the events themselves. Turning a question into concepts is
//! `question.rs`'s concern.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::question::QuestionKind;
use crate::event::Event;
use crate::store::{event_terms, Form, ScoredConcept, Store, StoreError};

/// The part of the question's weight that events must cover to count as an answer.
const MIN_COVERAGE: f32 = 0.5;

/// One form of a concept: what an event must hold to say it.
pub enum Alternative {
    /// A stemmed term (`crate::text::stem` of a question word).
    Term(String),
    /// An actor's canonical name.
    Actor(String),
}

impl Alternative {
    fn form(&self) -> Form<'_> {
        match self {
            Alternative::Term(t) => Form::Term(t),
            Alternative::Actor(a) => Form::Actor(a),
        }
    }
}

/// One thing the question asks about, with the forms that count as saying it.
pub struct Concept {
    /// Each form with the factor a match by it counts for (1.0 for the word itself).
    pub alternatives: Vec<(Alternative, f32)>,
}

/// An event and how well it answers.
pub struct Scored {
    pub event: Event,
    pub coverage: f32,
}

/// Candidates read beyond the best `4 × limit`, so that events tied at the cut are put in key
/// order (as a full scoring would) rather than the index's order.
const TIE_MARGIN: usize = 32;

/// Finds the events that say the most of `concepts`, best first; empty when nothing covers
/// enough of them (or there are none).
pub fn search(
    store: &Store,
    concepts: &[Concept],
    kind: QuestionKind,
    day: Option<NaiveDate>,
    limit: usize,
) -> Result<Vec<Scored>, StoreError> {
    if concepts.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let weights = concept_weights(store, concepts)?;
    let total_weight: f32 = weights.iter().sum();
    let gates = covering_sets(&weights);
    let scored: Vec<ScoredConcept<'_>> = concepts
        .iter()
        .zip(&weights)
        .map(|(c, w)| ScoredConcept {
            forms: c
                .alternatives
                .iter()
                .map(|(alt, factor)| (alt.form(), factor * w))
                .collect(),
        })
        .collect();
    // The best by coverage, in key order among equals; with a day asked about, also the best
    // of that day, so that the day's events can rise (see the bonus below).
    let keep = limit * 4;
    let bar = MIN_COVERAGE * total_weight;
    let mut keys = ranked(
        store.best_events(&scored, &gates, None, keep + TIE_MARGIN)?,
        bar,
    );
    keys.truncate(keep);
    if day.is_some() {
        let of_day = store.best_events(&scored, &gates, day, keep + TIE_MARGIN)?;
        for key in ranked(of_day, bar) {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    let mut out = Vec::new();
    for key in keys {
        let Some(event) = store.event(&key)? else {
            continue;
        };
        let coverage = coverage(&event, concepts, &weights) / total_weight;
        if coverage >= MIN_COVERAGE {
            let own = own_clause_coverage(&event, concepts, &weights) / total_weight;
            out.push((Scored { event, coverage }, own));
        }
    }
    // Among near-equals, prefer what answers the kind of question: a dated fact for "when",
    // a number for "how many".
    let bonus = |e: &Event| -> f32 {
        let mut b = 0.0;
        if day.is_some() && e.date.as_ref().map(|d| d.date) == day {
            b += 0.5;
        }
        if e.date.is_some() {
            b += if kind == QuestionKind::When {
                0.08
            } else {
                0.02
            };
        }
        if e.modality == crate::event::Modality::Fact {
            b += if kind == QuestionKind::When {
                0.1
            } else {
                0.03
            };
        }
        if kind == QuestionKind::HowMany && says_a_number(&e.clause) {
            b += 0.1;
        }
        if kind == QuestionKind::Why
            && (e.clause.contains("due to") || e.clause.contains("because"))
        {
            b += 0.05;
        }
        b
    };
    // A clause is indexed with the rest of its sentence (see `event_terms`), so the clauses
    // of one sentence cover a question alike: the one that says more of it itself ranks first,
    // and the sentence is shown once.
    let score = |(s, own): &(Scored, f32)| s.coverage + bonus(&s.event) + OWN_CLAUSE * own;
    out.sort_by(|a, b| {
        score(b)
            .total_cmp(&score(a))
            .then_with(|| a.0.event.key().cmp(&b.0.event.key()))
    });
    let mut seen: Vec<(String, u32)> = Vec::new();
    let mut kept = Vec::new();
    for (s, _) in out {
        let sentence = (s.event.article.clone(), s.event.sentence_index);
        if !seen.contains(&sentence) {
            seen.push(sentence);
            kept.push(s);
        }
    }
    kept.truncate(limit);
    Ok(kept)
}

/// Whether `clause` has a number that is not part of a date ("338 votes", "$2.26bn", not "on 28
/// February"): what a "how many / how much" question asks for.
fn says_a_number(clause: &str) -> bool {
    let dates = crate::extract::time::find_dates(
        clause,
        &crate::extract::time::TimeContext {
            published: NaiveDate::default(),
        },
    );
    clause
        .char_indices()
        .any(|(i, c)| c.is_ascii_digit() && !dates.iter().any(|m| i >= m.start && i < m.end))
}

/// The weight of a clause's own words (not the rest of its sentence) in the ranking.
const OWN_CLAUSE: f32 = 0.05;

/// [`coverage`] over the clause's own words and the event's actors.
fn own_clause_coverage(event: &Event, concepts: &[Concept], weights: &[f32]) -> f32 {
    if event.clause.len() >= event.sentence.len() {
        return coverage(event, concepts, weights);
    }
    let own = Event {
        sentence: event.clause.clone(),
        ..event.clone()
    };
    coverage(&own, concepts, weights)
}

/// Each concept's weight: rare concepts weigh more. A concept's frequency is that of all its
/// forms together ("Russia" with Putin and the Kremlin is as common as their events combined);
/// words the store never saw weigh like the rarest, so that a question about something absent
/// is not carried by its common words.
fn concept_weights(store: &Store, concepts: &[Concept]) -> Result<Vec<f32>, StoreError> {
    let total_events = store.event_count()?.max(1) as f32;
    concepts
        .iter()
        .map(|c| {
            let forms: Vec<Form<'_>> = c.alternatives.iter().map(|(a, _)| a.form()).collect();
            let df = store.concept_frequency(&forms)?.max(1) as f32;
            Ok((1.0 + total_events / df).ln())
        })
        .collect()
}

/// Questions with more concepts than this are gated on single concepts instead of covering
/// sets (2^n subsets are enumerated).
const MAX_COVER_CONCEPTS: usize = 12;

/// The sets of concepts an answer must say all of, one set or another: the minimal sets whose
/// weight reaches the coverage an answer needs. An event's coverage is at most the weight of
/// the concepts it says (factors are at most 1), so an event reaching the bar says every
/// concept of at least one of these sets. Intersections, not a union of every concept: an
/// event must say a rare concept, or several common ones together, and the index finds those
/// without walking every event that says one common word.
fn covering_sets(weights: &[f32]) -> Vec<Vec<usize>> {
    let n = weights.len();
    let total: f32 = weights.iter().sum();
    // Float sums in another order may land a hair lower: never drop a set on that.
    let bar = MIN_COVERAGE * total * (1.0 - 1e-5);
    if n > MAX_COVER_CONCEPTS {
        // Any event reaching the bar says one of the heaviest concepts that together weigh
        // more than the rest can make up for.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|a, b| weights[*b].total_cmp(&weights[*a]).then(a.cmp(b)));
        let mut rest = total;
        let mut out = Vec::new();
        for ci in order {
            if rest < bar {
                break;
            }
            out.push(vec![ci]);
            rest -= weights[ci];
        }
        return out;
    }
    let weight = |mask: u32| -> f32 {
        (0..n)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| weights[i])
            .sum()
    };
    let mut out = Vec::new();
    for mask in 1u32..(1 << n) {
        let members = || (0..n).filter(move |i| mask & (1 << i) != 0);
        let reaches = weight(mask) >= bar;
        if reaches && members().all(|i| weight(mask & !(1 << i)) < bar) {
            out.push(members().collect());
        }
    }
    out
}

/// Candidates at or above `bar`, best score first and in key order among equals.
fn ranked(mut hits: Vec<(String, f32)>, bar: f32) -> Vec<String> {
    // The index sums scores in its own order: allow for the last bits of an f32.
    let bar = bar * (1.0 - 1e-5);
    hits.retain(|(_, score)| *score >= bar);
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    hits.into_iter().map(|(key, _)| key).collect()
}

/// The weight of `concepts` an event covers: for each concept, the best factor among the
/// forms the event holds (its index terms, `event_terms`, or its actors), summed in concept
/// order.
fn coverage(event: &Event, concepts: &[Concept], weights: &[f32]) -> f32 {
    let terms: BTreeMap<String, ()> = event_terms(event).into_iter().map(|t| (t, ())).collect();
    concepts
        .iter()
        .zip(weights)
        .map(|(c, w)| {
            let best = c
                .alternatives
                .iter()
                .filter(|(alt, _)| match alt {
                    Alternative::Term(t) => terms.contains_key(t),
                    Alternative::Actor(a) => event.actors.contains(a),
                })
                .map(|(_, factor)| *factor)
                .fold(0.0f32, f32::max);
            best * w
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_dates_are_not_amounts() {
        assert!(says_a_number("338 lawmakers voted for it on May 8"));
        assert!(says_a_number("a £2.26bn loan was signed"));
        assert!(!says_a_number("the framework collapsed on 28 February"));
        assert!(!says_a_number("it was signed on April 30, 2025"));
    }

    #[test]
    fn covering_sets_are_the_minimal_sets_that_reach_the_bar() {
        // Total 6, bar 3: the rare concept alone, or all three common ones together.
        assert_eq!(
            covering_sets(&[3.0, 1.0, 1.0, 1.0]),
            vec![vec![0], vec![1, 2, 3]]
        );
        // No single concept reaches half: every pair does.
        assert_eq!(
            covering_sets(&[1.0, 1.0, 1.0]),
            vec![vec![0, 1], vec![0, 2], vec![1, 2]]
        );
        // Too many concepts to enumerate: single concepts, heaviest first, until the rest
        // cannot reach the bar (11 of 22) without one of them: the ten light ones make 10.
        let many = [
            5.0, 4.0, 3.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
        ];
        assert_eq!(covering_sets(&many), vec![vec![0], vec![1], vec![2]]);
    }
}
