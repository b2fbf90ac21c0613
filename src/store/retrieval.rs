//! Reads for question retrieval, answered by the full-text index (`fulltext.rs`): how common
//! a concept is, the best-covering events for a set of weighted concepts, and the events
//! holding one term or naming one actor.

use chrono::NaiveDate;

use super::fulltext::{Form, ScoredConcept};
use super::{Store, StoreError};

/// Up to this many events (by the term dictionaries' counts), a concept's frequency is
/// counted exactly (its forms' union, live events only); above, the sum of its forms' counts
/// is close enough for a weight and costs no posting read.
const EXACT_COUNT_MAX: u64 = 10_000;

impl Store {
    /// How many events hold one of `forms`: exact for a rare concept, the sum of the forms'
    /// document frequencies (an upper bound of the union) for a common one.
    pub fn concept_frequency(&self, forms: &[Form<'_>]) -> Result<u64, StoreError> {
        self.fulltext_current()?;
        let mut sum = 0u64;
        for form in forms {
            sum += self.fulltext.doc_freq(*form)?;
        }
        if sum <= EXACT_COUNT_MAX {
            self.fulltext.count(forms)
        } else {
            Ok(sum)
        }
    }

    /// The `limit` best events (key and score) for `concepts`: an event scores the sum over
    /// concepts of the best score among the forms it holds. Only events holding every concept
    /// of one of the `gates` (sets of indexes into `concepts`) count (with none, nothing does),
    /// and with `day` only events dated that day. Best first; among equal scores, the order is
    /// the index's.
    pub fn best_events(
        &self,
        concepts: &[ScoredConcept<'_>],
        gates: &[Vec<usize>],
        day: Option<NaiveDate>,
        limit: usize,
    ) -> Result<Vec<(String, f32)>, StoreError> {
        self.fulltext_current()?;
        self.fulltext.best(concepts, gates, day, limit)
    }

    /// Keys of events whose text holds `term` (a stemmed term from `crate::text::terms`), in key
    /// order.
    pub fn term_postings(&self, term: &str) -> Result<Vec<String>, StoreError> {
        self.fulltext_current()?;
        self.fulltext.keys_with(Form::Term(term))
    }

    /// The keys of the events naming an actor (canonical name), in key order.
    pub fn actor_event_keys(&self, actor: &str) -> Result<Vec<String>, StoreError> {
        self.fulltext_current()?;
        self.fulltext.keys_with(Form::Actor(actor))
    }

    /// How many events hold `term`.
    pub fn term_frequency(&self, term: &str) -> Result<u64, StoreError> {
        self.fulltext_current()?;
        self.fulltext.count(&[Form::Term(term)])
    }

    /// How many events name `actor` (canonical name).
    pub fn actor_frequency(&self, actor: &str) -> Result<u64, StoreError> {
        self.fulltext_current()?;
        self.fulltext.count(&[Form::Actor(actor)])
    }
}
