//! A topic's status: the stage the latest dated fact supports, the stage history, and what is
//! expected. Only facts move the stage; hedged, conditional and future statements are shown as
//! "expected".

use chrono::NaiveDate;

use crate::config::Topic;
use crate::event::Event;
use crate::store::{StageCell, Store, StoreError};

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
    topic_status_known_by(store, topic, as_of, as_of)
}

/// [`topic_status`] as of `as_of` by what was reported by `reported_by` (`None`: everything
/// reported so far, the view a verdict about a past day takes).
pub fn topic_status_known_by<'t>(
    store: &Store,
    topic: &'t Topic,
    as_of: Option<NaiveDate>,
    reported_by: Option<NaiveDate>,
) -> Result<TopicStatus<'t>, StoreError> {
    let rank_of = |stage: &str| topic.stages.iter().position(|st| st.id == stage);
    // Facts with a stage, in cells of (before?, day, stage) from the store's stage index; a
    // day's cells ordered by rank. "Before X" dates sort first since they name only an upper
    // bound. Reading cells, not events, keeps this flat as a topic gathers reports: every
    // event of a cell has the same rank and date, so the history below treats a cell as
    // one event would, and only the first few of its events are evidence.
    let mut cells: Vec<(usize, StageCell)> = store
        .stage_fact_cells_known_by(&topic.id, as_of, reported_by, EVIDENCE_MAX)?
        .into_iter()
        .filter_map(|c| rank_of(&c.stage).map(|r| (r, c)))
        .collect();
    drop_loose_mentions(store, &mut cells)?;
    cells.sort_by_key(|(rank, c)| (!c.before, c.day, *rank));
    // The walk needs only each cell's rank, day and keys; events are decoded for the steps it
    // keeps (a topic may have thousands of cells and a dozen steps).
    struct Step {
        rank: usize,
        date: Option<NaiveDate>,
        confirmed: Option<NaiveDate>,
        before: bool,
        keys: Vec<String>,
    }
    let mut steps: Vec<Step> = Vec::new();
    let mut at: Option<usize> = None;
    for (rank, cell) in cells {
        let stage = &topic.stages[rank];
        // Forward stages only move forward: "signed the agreement in April" reported after the
        // ratification is a look back, not a step back. Setbacks may come at any time.
        let forward_ok = at.is_none_or(|a| rank >= a || topic.stages[a].setback);
        if !stage.setback && !forward_ok {
            continue;
        }
        at = Some(rank);
        let date = Some(cell.day);
        match steps.last_mut() {
            // More reports of the stage just reached: evidence, not a new step.
            Some(last) if last.rank == rank => {
                if !cell.before {
                    last.confirmed = last.confirmed.max(date);
                }
                if last.date == date {
                    add_evidence(&mut last.keys, cell.keys);
                }
            }
            _ => {
                let mut keys = Vec::new();
                add_evidence(&mut keys, cell.keys);
                steps.push(Step {
                    rank,
                    date,
                    confirmed: date,
                    before: cell.before,
                    keys,
                });
            }
        }
    }
    // The current stage: the last step whose date is not a "before" bound.
    let current_index = steps.iter().rposition(|s| !s.before);
    let mut history: Vec<StageStep<'t>> = Vec::with_capacity(steps.len());
    for step in steps {
        let stage = &topic.stages[step.rank];
        let mut evidence = Vec::with_capacity(step.keys.len());
        for key in &step.keys {
            evidence.push(store.event(key)?.ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "a stage index entry points to the missing event {key}"
                ))
            })?);
        }
        history.push(StageStep {
            stage: &stage.id,
            stage_name: &stage.name,
            date: step.date,
            confirmed: step.confirmed,
            evidence,
        });
    }
    let current = current_index.map(|i| history[i].clone());
    let current_rank = current
        .as_ref()
        .and_then(|c| topic.stages.iter().position(|s| s.id == c.stage));
    let current_date = current.as_ref().and_then(|c| c.date);
    let later_stages: Vec<&str> = topic
        .stages
        .iter()
        .enumerate()
        .filter(|(r, _)| current_rank.is_none_or(|c| *r > c))
        .map(|(_, s)| s.id.as_str())
        .collect();
    // Statements about later stages, dated or reported since the current stage (the store
    // compares the later of date and report day with it) and by `as_of`; newest reports first.
    let expected = store
        .stage_expectations(&topic.id, &later_stages, current_date, as_of, EXPECTED_MAX)?
        .into_iter()
        .filter_map(|(stage, e)| rank_of(&stage).map(|r| (topic.stages[r].name.clone(), e)))
        .collect();
    Ok(TopicStatus {
        topic,
        as_of,
        current,
        history,
        expected,
    })
}

/// "Signed at the end of April" is a loose mention of a signing that other reports date to the
/// day: it confirms the stage but must not date it, nor (sorted at April 1) make the memorandum
/// of April 17 look like a step back. The same holds for a mention that took its day from the
/// sentence before ("the move to cut off aid", after a sentence about the Oval Office row): a
/// later report recalling the act, not a dating of it. Drops the week-, month- and year-dated
/// and the context-dated cells of stages that have an explicitly day-dated fact.
fn drop_loose_mentions(
    store: &Store,
    cells: &mut Vec<(usize, StageCell)>,
) -> Result<(), StoreError> {
    use crate::event::{DateSource, Precision};
    let mut loose = vec![false; cells.len()];
    for (i, (_, cell)) in cells.iter().enumerate() {
        if cell.before {
            continue;
        }
        // A cell's events share a day but not a date source: it is loose only when every
        // event shown for it is (a cell holds a few keys, one per article).
        let mut all_loose = !cell.keys.is_empty();
        for key in &cell.keys {
            let event_loose = store.event(key)?.is_some_and(|e| {
                e.date.is_some_and(|d| {
                    d.precision != Precision::Day || d.source == DateSource::Context
                })
            });
            if !event_loose {
                all_loose = false;
                break;
            }
        }
        loose[i] = all_loose;
    }
    let dated_to_the_day: Vec<usize> = cells
        .iter()
        .zip(&loose)
        .filter(|((_, c), loose)| !c.before && !**loose)
        .map(|((rank, _), _)| *rank)
        .collect();
    let mut i = 0;
    cells.retain(|(rank, _)| {
        let keep = !(loose[i] && dated_to_the_day.contains(rank));
        i += 1;
        keep
    });
    Ok(())
}

/// Events reporting a stage step: the first, then one per other article, at most this many
/// ("also reported by" beyond that says nothing more, and each costs a citation).
pub const EVIDENCE_MAX: usize = 10;
/// Expected (not yet factual) statements shown with a status.
const EXPECTED_MAX: usize = 4;

fn add_evidence(evidence: &mut Vec<String>, keys: Vec<String>) {
    // Event keys start with the article id: one piece of evidence per article.
    let article = |k: &str| k.split(':').next().unwrap_or(k).to_string();
    for k in keys {
        if evidence.len() >= EVIDENCE_MAX {
            break;
        }
        let a = article(&k);
        if !evidence.iter().any(|x| article(x) == a) {
            evidence.push(k);
        }
    }
}
