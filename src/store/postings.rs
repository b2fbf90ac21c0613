//! Bounded posting reads for question retrieval on large stores: the first `max` event keys of
//! a term or an actor, saying whether that was all. (Whether one candidate event holds a
//! common term is answered from the event itself, `event_terms`, not from postings.)

use super::{decode, keys, Posting, Store, StoreError};

impl Store {
    /// Up to `max` keys of events holding `term` (at least `max` when there are more, since
    /// a segment is read whole), in ingest order (segment by segment), and whether they are all.
    pub fn term_postings_capped(
        &self,
        term: &str,
        max: usize,
    ) -> Result<(Vec<String>, bool), StoreError> {
        self.postings_capped(keys::TERM, term, max)
    }

    /// The same for the events naming `actor` (canonical name).
    pub fn actor_event_keys_capped(
        &self,
        actor: &str,
        max: usize,
    ) -> Result<(Vec<String>, bool), StoreError> {
        self.postings_capped(keys::ACTOR, actor, max)
    }

    fn postings_capped(
        &self,
        kind: u8,
        name: &str,
        max: usize,
    ) -> Result<(Vec<String>, bool), StoreError> {
        let prefix = keys::name_prefix(kind, name);
        let mut out = Vec::new();
        for item in self.index.scan_prefix(&prefix) {
            if out.len() >= max {
                return Ok((out, false));
            }
            let (_, v) = item.map_err(|e| self.err(e))?;
            let posting: Posting = decode(&v, "posting")?;
            for (article, suffixes) in posting {
                out.extend(suffixes.into_iter().map(|s| format!("{article}{s}")));
            }
        }
        Ok((out, true))
    }
}
