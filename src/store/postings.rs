//! Bounded posting reads for question retrieval on large stores: the first `max` event keys of
//! a term or an actor (saying whether that was all), and one article's posting of a term (to
//! test whether a candidate event holds a common term without reading the term's whole list).

use super::{bad_entry, decode, keys, Store, StoreError};

impl Store {
    /// The first `max` keys of [`Store::term_postings`] (key order), and whether they are all.
    pub fn term_postings_capped(
        &self,
        term: &str,
        max: usize,
    ) -> Result<(Vec<String>, bool), StoreError> {
        let prefix = keys::name_prefix(keys::TERM, term);
        let mut out = Vec::new();
        for item in self.index.scan_prefix(&prefix) {
            if out.len() >= max {
                return Ok((out, false));
            }
            let (k, v) = item.map_err(|e| self.err(e))?;
            let article = keys::key_after(&k, prefix.len()).ok_or_else(|| bad_entry(&k))?;
            let suffixes: Vec<String> = decode(&v, "posting")?;
            out.extend(suffixes.into_iter().map(|s| format!("{article}{s}")));
        }
        Ok((out, true))
    }

    /// The event-key suffixes (`":0003:00"`) of `article`'s events holding `term`, if any.
    pub fn term_posting(
        &self,
        term: &str,
        article: &str,
    ) -> Result<Option<Vec<String>>, StoreError> {
        match self
            .index
            .get(keys::term_entry(term, article))
            .map_err(|e| self.err(e))?
        {
            Some(v) => decode(&v, "posting").map(Some),
            None => Ok(None),
        }
    }

    /// The first `max` keys of [`Store::actor_event_keys`], and whether they are all.
    pub fn actor_event_keys_capped(
        &self,
        actor: &str,
        max: usize,
    ) -> Result<(Vec<String>, bool), StoreError> {
        let prefix = keys::name_prefix(keys::ACTOR, actor);
        let head = prefix.len() + 8;
        let mut out = Vec::new();
        for item in self.index.scan_prefix(&prefix) {
            if out.len() >= max {
                return Ok((out, false));
            }
            let (k, _) = item.map_err(|e| self.err(e))?;
            out.push(
                keys::key_after(&k, head)
                    .ok_or_else(|| bad_entry(&k))?
                    .to_string(),
            );
        }
        Ok((out, true))
    }
}
