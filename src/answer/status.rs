//! A topic's status: the stage the latest dated fact supports, the stage history, and what is
//! expected. Only facts move the stage; hedged, conditional and future statements are shown as
//! "expected".

use chrono::NaiveDate;

use crate::config::Topic;
use crate::event::{Event, Modality, Precision};
use crate::store::{Store, StoreError};

/// One stage reached, with the events that report it (the first leads, the rest are other
/// outlets reporting the same).
#[derive(Debug, Clone)]
pub struct StageStep<'t> {
    pub stage: &'t str,
    pub stage_name: &'t str,
    pub date: Option<NaiveDate>,
    /// The latest day a fact still reported this stage (for "as of").
    pub confirmed: Option<NaiveDate>,
    pub evidence: Vec<Event>,
}

/// The status of one topic as of a date.
#[derive(Debug, Clone)]
pub struct TopicStatus<'t> {
    pub topic: &'t Topic,
    pub as_of: Option<NaiveDate>,
    /// The current stage (the last of `history` that has a day, week or month date).
    pub current: Option<StageStep<'t>>,
    /// Stages reached, oldest first; undated or "before" ones first.
    pub history: Vec<StageStep<'t>>,
    /// Hedged, conditional or future statements about later stages.
    pub expected: Vec<(String, Event)>,
}

impl<'t> TopicStatus<'t> {
    /// The first step that reached `stage`, if any.
    pub fn reached(&self, stage: &str) -> Option<&StageStep<'t>> {
        self.history.iter().find(|s| s.stage == stage)
    }

    pub fn rank(&self, stage: &str) -> Option<usize> {
        self.topic.stages.iter().position(|s| s.id == stage)
    }
}

/// Computes the status of `topic` from its events, counting only what happened on or before
/// `as_of` (when given) and what had been reported by then.
pub fn topic_status<'t>(
    store: &Store,
    topic: &'t Topic,
    as_of: Option<NaiveDate>,
) -> Result<TopicStatus<'t>, StoreError> {
    let events = store.topic_events(&topic.id)?;
    let stage_of = |e: &Event| {
        e.stages
            .iter()
            .find(|(t, _)| *t == topic.id)
            .and_then(|(_, s)| topic.stages.iter().position(|st| st.id == *s))
    };
    let in_time = |e: &Event| match as_of {
        None => true,
        Some(d) => e.reported <= d && e.date.as_ref().is_none_or(|ed| ed.date <= d),
    };
    // Facts with a stage, ordered by (date, rank); "before X" dates sort first since they name
    // only an upper bound.
    let mut facts: Vec<(usize, &Event)> = events
        .iter()
        .filter(|e| e.modality == Modality::Fact && in_time(e))
        .filter_map(|e| stage_of(e).map(|r| (r, e)))
        .filter(|(_, e)| e.date.is_some())
        .collect();
    facts.sort_by_key(|(rank, e)| {
        let d = e.date.as_ref().expect("filtered to dated events");
        let before = d.precision == Precision::Before;
        (!before, d.date, *rank, e.reported)
    });
    let mut history: Vec<StageStep<'t>> = Vec::new();
    let mut at: Option<usize> = None;
    for (rank, e) in facts {
        let stage = &topic.stages[rank];
        // Forward stages only move forward: "signed the agreement in April" reported after the
        // ratification is a look back, not a step back. Setbacks may come at any time.
        let forward_ok = at.is_none_or(|a| rank >= a || topic.stages[a].setback);
        if !stage.setback && !forward_ok {
            continue;
        }
        at = Some(rank);
        let date = e.date.as_ref().map(|d| d.date);
        match history.last_mut() {
            // Another report of the stage just reached: evidence, not a new step.
            Some(last) if last.stage == stage.id => {
                if e.date.as_ref().is_some_and(|d| d.precision != Precision::Before) {
                    last.confirmed = last.confirmed.max(date);
                }
                if last.date == date && !last.evidence.iter().any(|x| x.article == e.article) {
                    last.evidence.push(e.clone());
                }
            }
            _ => history.push(StageStep {
                stage: &stage.id,
                stage_name: &stage.name,
                date,
                confirmed: date,
                evidence: vec![e.clone()],
            }),
        }
    }
    let current = history
        .iter()
        .rev()
        .find(|s| {
            s.evidence[0]
                .date
                .as_ref()
                .is_some_and(|d| d.precision != Precision::Before)
        })
        .cloned();
    let current_rank = current
        .as_ref()
        .and_then(|c| topic.stages.iter().position(|s| s.id == c.stage));
    let current_date = current.as_ref().and_then(|c| c.date);
    let mut expected: Vec<(String, Event)> = events
        .iter()
        .filter(|e| e.modality != Modality::Fact && in_time(e))
        .filter_map(|e| stage_of(e).map(|r| (r, e)))
        .filter(|(r, e)| {
            current_rank.is_none_or(|c| *r > c)
                && match (&e.date, current_date) {
                    (Some(d), Some(c)) => d.date >= c || e.reported >= c,
                    _ => current_date.is_none_or(|c| e.reported >= c),
                }
        })
        .map(|(r, e)| (topic.stages[r].name.clone(), e.clone()))
        .collect();
    expected.sort_by(|a, b| b.1.reported.cmp(&a.1.reported).then(a.1.key().cmp(&b.1.key())));
    expected.truncate(4);
    Ok(TopicStatus { topic, as_of, current, history, expected })
}
