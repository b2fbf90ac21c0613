//! Keeping the full-text index (`fulltext.rs`) in step with sled, the store of record.
//!
//! Every sled batch gets the next ingest sequence number (`M/ingest_seq`) and a log entry
//! (`L | seq` → the ids of the articles it wrote or removed), in the batch itself. The index
//! receives the same articles right after the batch, but commits only in [`Store::flush`]
//! (and before a read that must see them), after sled's own flush, with the sequence it
//! reflects as the commit payload. So the index is never ahead of what sled made durable, and
//! after a kill it lacks at most the batches whose log entries are still in sled: opening the
//! store replays those (their articles' events as sled holds them now), and rebuilds the index
//! whole when it is missing, damaged, of another analyzer, ahead of sled (a store restored from
//! an older copy) or out of count with the events. Log entries the index has committed are
//! removed after each commit.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::fulltext::{analyzer_fingerprint, Watermark};
use super::{decode, decode_events, read_u64, Store, StoreError, META_INDEX_SEQ, META_INGEST_SEQ};

impl Store {
    /// The sequence number of the last batch applied to sled (0: none yet); the full-text
    /// index's commits carry the one they reflect.
    pub fn ingest_seq(&self) -> Result<u64, StoreError> {
        match self.meta.get(META_INGEST_SEQ).map_err(|e| self.err(e))? {
            Some(v) => read_u64(&v).ok_or_else(|| super::bad_entry(META_INGEST_SEQ)),
            None => Ok(0),
        }
    }

    /// Flushes sled, then commits the index's pending writes with the ingest sequence they
    /// reflect, and drops the log entries it no longer needs. The caller holds the writer lock.
    pub(super) fn commit_fulltext(&self) -> Result<(), StoreError> {
        // The index must never hold what a crash could still take from sled.
        self.db.flush().map_err(|e| self.err(e))?;
        let seq = self.ingest_seq()?;
        self.fulltext.commit(&Watermark {
            seq,
            analyzer: analyzer_fingerprint(),
        })?;
        self.fulltext_dirty.store(false, Ordering::SeqCst);
        let mut batch = sled::Batch::default();
        self.meta
            .stage(&mut batch, META_INDEX_SEQ, Some(&seq.to_be_bytes()));
        for item in self.log.range(..=seq.to_be_bytes().to_vec()) {
            let (k, _) = item.map_err(|e| self.err(e))?;
            self.log.stage(&mut batch, &k, None);
        }
        self.tree.apply_batch(batch).map_err(|e| self.err(e))
    }

    /// Commits the index if it has writes a reader has not seen yet (read-your-writes for
    /// callers that store and then ask without a flush in between).
    pub(super) fn fulltext_current(&self) -> Result<(), StoreError> {
        if self.fulltext_dirty.load(Ordering::SeqCst) {
            let _writer = self.lock_writer();
            if self.fulltext_dirty.load(Ordering::SeqCst) {
                self.commit_fulltext()?;
            }
        }
        Ok(())
    }

    /// Brings the index in step with sled on open (see the module comment).
    pub(super) fn sync_fulltext(&self, recreated: bool) -> Result<(), StoreError> {
        let _writer = self.lock_writer();
        let seq = self.ingest_seq()?;
        let events = self.event_count()?;
        let mark = self.fulltext.watermark()?;
        let mut reason = match &mark {
            _ if recreated => Some("it could not be opened".to_string()),
            None if seq == 0 && events == 0 => None,
            None => Some("it is missing".to_string()),
            Some(m) if m.analyzer != analyzer_fingerprint() => {
                Some("it was built by another analyzer or document format".to_string())
            }
            Some(m) if m.seq > seq => Some(format!(
                "it reflects ingest {} but the store only reached {seq}",
                m.seq
            )),
            Some(m) if m.seq < seq => {
                if self.catch_up_fulltext(m.seq, seq)? {
                    None
                } else {
                    Some(format!(
                        "the store's log does not cover ingests {} to {seq}",
                        m.seq + 1
                    ))
                }
            }
            Some(_) => None,
        };
        if reason.is_none() && self.fulltext.num_docs() != events {
            reason = Some(format!(
                "it holds {} events where the store has {events}",
                self.fulltext.num_docs()
            ));
        }
        if let Some(reason) = reason {
            tracing::info!(store = %self.shown(), "rebuilding the full-text index: {reason}");
            self.rebuild_fulltext()?;
        }
        Ok(())
    }

    /// Replays the logged batches after `from` up to `to`; `false` (nothing written) when the
    /// log misses one of them.
    fn catch_up_fulltext(&self, from: u64, to: u64) -> Result<bool, StoreError> {
        let mut articles: BTreeSet<String> = BTreeSet::new();
        let mut batches = 0u64;
        let start = (from + 1).to_be_bytes().to_vec();
        let end = to.to_be_bytes().to_vec();
        for item in self.log.range(start..=end) {
            let (_, v) = item.map_err(|e| self.err(e))?;
            articles.extend(decode::<Vec<String>>(&v, "ingest log entry")?);
            batches += 1;
        }
        if batches != to - from {
            return Ok(false);
        }
        for id in &articles {
            self.fulltext
                .replace_article(id, &self.article_events_stored(id)?)?;
        }
        self.commit_fulltext()?;
        tracing::info!(
            store = %self.shown(),
            batches,
            articles = articles.len(),
            "the full-text index caught up with the store"
        );
        Ok(true)
    }

    /// Builds the index anew from every stored event. The caller holds the writer lock.
    fn rebuild_fulltext(&self) -> Result<u64, StoreError> {
        let started = Instant::now();
        self.fulltext.clear()?;
        for item in self.events.iter() {
            let (_, v) = item.map_err(|e| self.err(e))?;
            self.fulltext.add_events(&decode_events(&v)?)?;
        }
        self.commit_fulltext()?;
        let docs = self.fulltext.num_docs();
        tracing::info!(
            store = %self.shown(),
            events = docs,
            secs = format!("{:.1}", started.elapsed().as_secs_f64()),
            "full-text index rebuilt"
        );
        Ok(docs)
    }

    /// Rebuilds the full-text index from the stored events (`storyline reindex`); returns the
    /// number of events indexed.
    pub fn reindex(&self) -> Result<u64, StoreError> {
        let _writer = self.lock_writer();
        self.rebuild_fulltext()
    }

    /// The index's vocabulary near `word` (a question word, analyzed like the index's terms:
    /// `crate::text::stem` of a lowercase word): (term, edits, events holding it) for each term
    /// within `max_edits` edits (at most 2; a swap of neighbours counts one), nearest first,
    /// then commonest. For correcting question words the store never saw.
    pub fn nearest_terms(
        &self,
        word: &str,
        max_edits: u8,
    ) -> Result<Vec<(String, u8, u64)>, StoreError> {
        self.fulltext_current()?;
        self.fulltext.nearest_terms(word, max_edits)
    }
}
