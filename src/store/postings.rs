//! Posting reads for question retrieval on large stores. Postings are stored per segment (one
//! ingest batch, see `keys::posting_entry`), and retrieval uses that: it reads the rarest
//! concepts' postings newest segment first up to a budget, then checks the other concepts only
//! in the segments its candidates came from, one read per (name, segment) instead of one event
//! decode per candidate.

use super::{decode, keys, posting_key, Posting, Store, StoreError};

/// What a posting lists: the events holding a term, or naming an actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostingOf<'a> {
    /// A stemmed term from `crate::text::terms`.
    Term(&'a str),
    /// An actor's canonical name.
    Actor(&'a str),
}

impl PostingOf<'_> {
    fn prefix(self) -> Vec<u8> {
        match self {
            PostingOf::Term(t) => keys::name_prefix(keys::TERM, t),
            PostingOf::Actor(a) => keys::name_prefix(keys::ACTOR, a),
        }
    }
}

/// Event keys by segment, newest segment first.
pub type SegmentKeys = Vec<(u64, Vec<String>)>;

impl Store {
    /// The event keys of `of`, newest segment (latest ingest) first, segment by segment until
    /// at least `max` keys are read (a segment is read whole), and whether they are all.
    pub fn postings_newest(
        &self,
        of: PostingOf<'_>,
        max: usize,
    ) -> Result<(SegmentKeys, bool), StoreError> {
        let prefix = of.prefix();
        let mut out = Vec::new();
        let mut read = 0usize;
        for item in self.index.scan_prefix(&prefix).rev() {
            if read >= max {
                return Ok((out, false));
            }
            let (k, v) = item.map_err(|e| self.err(e))?;
            let segment = segment_of(&k, prefix.len())?;
            let keys = posting_keys(&v)?;
            read += keys.len();
            out.push((segment, keys));
        }
        Ok((out, true))
    }

    /// The event keys of `of` in one segment (empty when it lists none there).
    pub fn posting_in_segment(
        &self,
        of: PostingOf<'_>,
        segment: u64,
    ) -> Result<Vec<String>, StoreError> {
        let mut key = of.prefix();
        key.extend_from_slice(&segment.to_be_bytes());
        match self.index.get(&key).map_err(|e| self.err(e))? {
            Some(v) => posting_keys(&v),
            None => Ok(Vec::new()),
        }
    }

    /// Every event key of `of`, in key order.
    pub(super) fn all_postings(&self, of: PostingOf<'_>) -> Result<Vec<String>, StoreError> {
        let (segments, _) = self.postings_newest(of, usize::MAX)?;
        let mut out: Vec<String> = segments.into_iter().flat_map(|(_, k)| k).collect();
        out.sort();
        Ok(out)
    }
}

fn segment_of(key: &[u8], prefix_len: usize) -> Result<u64, StoreError> {
    key.get(prefix_len..)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| super::bad_entry(key))
}

fn posting_keys(value: &[u8]) -> Result<Vec<String>, StoreError> {
    let posting: Posting = decode(value, "posting")?;
    Ok(posting
        .iter()
        .flat_map(|(article, at)| at.iter().map(move |a| posting_key(article, *a)))
        .collect())
}
