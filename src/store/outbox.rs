//! The push outbox: pending pushes in the order they were planned, in a tree of its own
//! (`outbox`, key = monotonic id as u64 big-endian, value = [`OutboxRecord`] as JSON). Delivered
//! pushes are removed, so a restart resends exactly what Telegram has not accepted yet.
//!
//! The store owns this record's shape. It is JSON with a `version` and a serde default on every
//! field that may be added (here and in the push and reply it holds), so a record written by an
//! older release loads into today's structs. Records are decoded one by one: one that still
//! cannot be decoded (corrupt, or a shape no release wrote) is set aside in the quarantine
//! (`quarantine.rs`) and every other push is still delivered.

use serde::{Deserialize, Serialize};
use sled::transaction::ConflictableTransactionError;
use sled::Transactional;

use super::subscriptions::{corrupt, encode, io, tx_error};
use super::{Store, StoreError};
use crate::notify::{OutboxItem, Push};

pub(super) const OUTBOX: &str = "outbox";

/// The shape written today. Version 1 is the shape before records carried a version (no
/// `version` field); it reads the same way.
const OUTBOX_VERSION: u32 = 2;

fn version_one() -> u32 {
    1
}

/// What the outbox keeps per push: the push and how many of its message parts Telegram has
/// accepted, so a long push cut short by a crash resumes at the next part instead of repeating.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct OutboxRecord {
    #[serde(default = "version_one")]
    version: u32,
    pub(super) push: Push,
    #[serde(default)]
    pub(super) parts_sent: u32,
}

impl OutboxRecord {
    fn new(push: Push) -> OutboxRecord {
        OutboxRecord {
            version: OUTBOX_VERSION,
            push,
            parts_sent: 0,
        }
    }
}

impl Store {
    pub(super) fn outbox_tree(&self) -> Result<sled::Tree, StoreError> {
        self.db.open_tree(OUTBOX).map_err(io)
    }

    /// How many pushes wait in the outbox.
    pub fn pending_push_count(&self) -> Result<usize, StoreError> {
        Ok(self.outbox_tree()?.len())
    }

    /// Queues the pushes planned by one ingest run in a single atomic batch: either all of them
    /// are pending or none is. Returns their outbox ids.
    pub fn enqueue_pushes(&self, pushes: &[Push]) -> Result<Vec<u64>, StoreError> {
        self.enqueue_pushes_settling(pushes, &[])
    }

    /// Queues `pushes` and removes the news markers of `settled` (the articles whose news they
    /// were planned from) in one transaction, so a kill leaves either the markers (and the next
    /// start plans them) or the pushes, never neither nor both.
    pub fn enqueue_pushes_settling(
        &self,
        pushes: &[Push],
        settled: &[String],
    ) -> Result<Vec<u64>, StoreError> {
        if pushes.is_empty() && settled.is_empty() {
            return Ok(Vec::new());
        }
        let outbox = self.outbox_tree()?;
        let mut records = Vec::with_capacity(pushes.len());
        for push in pushes {
            // Monotonic ids keep the outbox in planning order.
            let id = self.db.generate_id().map_err(io)?;
            records.push((id, encode(&OutboxRecord::new(push.clone()))?));
        }
        let markers: Vec<Vec<u8>> = settled
            .iter()
            .map(|id| self.news.tagged(id.as_bytes()))
            .collect();
        (&outbox, &self.tree)
            .transaction(|(outbox, tree)| {
                for (id, record) in &records {
                    outbox.insert(&id.to_be_bytes(), record.as_slice())?;
                }
                for k in &markers {
                    tree.remove(k.as_slice())?;
                }
                Ok::<(), ConflictableTransactionError<StoreError>>(())
            })
            .map_err(tx_error)?;
        self.db.flush().map_err(io)?;
        Ok(records.into_iter().map(|(id, _)| id).collect())
    }

    /// The pushes not yet delivered, oldest first. Records that cannot be read are set aside
    /// (see the module comment), never returned as an error.
    pub fn pending_pushes(&self) -> Result<Vec<OutboxItem>, StoreError> {
        Ok(self
            .outbox_records()?
            .into_iter()
            .map(|(id, record)| OutboxItem {
                id,
                push: record.push,
                parts_sent: record.parts_sent,
            })
            .collect())
    }

    /// Up to `limit` pending pushes with ids above `after` (all, with `None`), oldest first: the
    /// delivery reads the outbox a window at a time instead of decoding 10,000 pushes at once.
    /// Unreadable records are set aside, as in [`Store::pending_pushes`].
    pub fn pending_pushes_after(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let outbox = self.outbox_tree()?;
        let range = match after {
            Some(id) => outbox.range((
                std::ops::Bound::Excluded(id.to_be_bytes()),
                std::ops::Bound::Unbounded,
            )),
            None => outbox.iter(),
        };
        let mut items = Vec::new();
        let mut unreadable = Vec::new();
        for kv in range {
            if items.len() >= limit {
                break;
            }
            let (k, v) = kv.map_err(io)?;
            match decode_record(&k, &v) {
                Ok((id, record)) => items.push(OutboxItem {
                    id,
                    push: record.push,
                    parts_sent: record.parts_sent,
                }),
                Err(reason) => unreadable.push((k, v, reason)),
            }
        }
        for (k, v, reason) in unreadable {
            self.set_aside(&outbox, OUTBOX, &k, &v, &reason);
        }
        Ok(items)
    }

    /// Records what Telegram accepted for several pushes in one atomic write and one flush (the
    /// delivery's group commit): pushes [`OutboxProgress::Done`] leave the outbox, the others
    /// keep how many parts went out. A push no longer in the outbox (its chat was removed) is
    /// skipped.
    pub fn record_progress(&self, progress: &[OutboxProgress]) -> Result<(), StoreError> {
        if progress.is_empty() {
            return Ok(());
        }
        let outbox = self.outbox_tree()?;
        let mut batch = sled::Batch::default();
        for p in progress {
            match *p {
                OutboxProgress::Done(id) => batch.remove(&id.to_be_bytes()),
                OutboxProgress::PartsSent(id, parts_sent) => {
                    let key = id.to_be_bytes();
                    let Some(bytes) = outbox.get(key).map_err(io)? else {
                        continue;
                    };
                    match decode_record(&key, &bytes) {
                        Ok((_, mut record)) => {
                            record.parts_sent = parts_sent;
                            batch.insert(&key, encode(&record)?);
                        }
                        Err(reason) => self.set_aside(&outbox, OUTBOX, &key, &bytes, &reason),
                    }
                }
            }
        }
        outbox.apply_batch(batch).map_err(io)?;
        outbox.flush().map_err(io)?;
        Ok(())
    }

    /// Records that Telegram accepted the first `parts_sent` messages of a push.
    pub fn record_parts_sent(&self, id: u64, parts_sent: u32) -> Result<(), StoreError> {
        let outbox = self.outbox_tree()?;
        let key = id.to_be_bytes();
        let Some(bytes) = outbox.get(key).map_err(io)? else {
            return Ok(());
        };
        let mut record: OutboxRecord = match serde_json::from_slice(&bytes) {
            Ok(record) => record,
            Err(e) => {
                self.set_aside(&outbox, OUTBOX, &key, &bytes, &e);
                return Err(corrupt("bad outbox record (set aside)", e));
            }
        };
        record.parts_sent = parts_sent;
        outbox.insert(key, encode(&record)?).map_err(io)?;
        outbox.flush().map_err(io)?;
        Ok(())
    }

    /// Removes a push from the outbox: call only once Telegram accepted every part (or the push
    /// can never be delivered).
    pub fn mark_delivered(&self, id: u64) -> Result<(), StoreError> {
        let outbox = self.outbox_tree()?;
        outbox.remove(id.to_be_bytes()).map_err(io)?;
        outbox.flush().map_err(io)?;
        Ok(())
    }

    /// Every readable outbox record with its id, oldest first; unreadable ones are set aside.
    pub(super) fn outbox_records(&self) -> Result<Vec<(u64, OutboxRecord)>, StoreError> {
        let outbox = self.outbox_tree()?;
        let mut records = Vec::new();
        let mut unreadable = Vec::new();
        for kv in outbox.iter() {
            let (k, v) = kv.map_err(io)?;
            match decode_record(&k, &v) {
                Ok(entry) => records.push(entry),
                Err(reason) => unreadable.push((k, v, reason)),
            }
        }
        for (k, v, reason) in unreadable {
            self.set_aside(&outbox, OUTBOX, &k, &v, &reason);
        }
        Ok(records)
    }
}

/// What the delivery learnt about one push, for [`Store::record_progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxProgress {
    /// Telegram accepted this many of the push's message parts (not all of them).
    PartsSent(u64, u32),
    /// Done with the push: every part accepted, or given up (it can never be delivered).
    Done(u64),
}

/// One outbox entry: its id (from the key) and its record.
fn decode_record(key: &[u8], value: &[u8]) -> Result<(u64, OutboxRecord), String> {
    let id = <[u8; 8]>::try_from(key)
        .map(u64::from_be_bytes)
        .map_err(|_| format!("bad outbox key ({} bytes, not 8)", key.len()))?;
    let record: OutboxRecord =
        serde_json::from_slice(value).map_err(|e| format!("bad outbox record: {e}"))?;
    if record.version > OUTBOX_VERSION {
        // Written by a newer release: the fields this one knows are read, the rest ignored.
        tracing::warn!(
            push = id,
            version = record.version,
            "outbox record from a newer release"
        );
    }
    Ok((id, record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::Reply;
    use crate::notify::Subscription;

    fn push(chat_id: i64, article: &str) -> Push {
        Push {
            chat_id,
            thread_id: None,
            article_id: article.into(),
            topics: vec!["minerals".into()],
            reply: Reply {
                title: format!("news {article}"),
                ..Reply::default()
            },
            quiet: false,
        }
    }

    /// A push as a release before records were versioned could have written it: no `version`,
    /// no `parts_sent`, no `quiet`, a reply without `kind`, `actions` or `notes`, an item
    /// without `also_reported_by` or `label`, a citation without `sentences`.
    const OLDER_SHAPE: &str = r#"{"push": {
        "chat_id": 7, "thread_id": null, "article_id": "old", "topics": ["minerals"],
        "reply": {
            "title": "Minerals deal: new from Kyiv Independent",
            "intro": [],
            "items": [{"text": "The deal was signed.", "event_date": null,
                       "reported": "2025-05-01", "modality": "Fact", "attribution": null,
                       "cites": [1]}],
            "citations": [{"article_id": "old", "outlet": "Kyiv Independent",
                           "title": "Deal signed", "url": "https://kyivindependent.com/x",
                           "published": "2025-05-01"}]
        }
    }}"#;

    #[test]
    fn older_records_are_read_and_unreadable_ones_set_aside_without_stopping_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let ids = store.enqueue_pushes(&[push(1, "a")]).unwrap();
        let outbox = store.outbox_tree().unwrap();
        let next = ids[0] + 100;
        outbox
            .insert(next.to_be_bytes(), OLDER_SHAPE.as_bytes())
            .unwrap();
        outbox
            .insert(
                (next + 1).to_be_bytes(),
                &b"{\"push\": {\"chat_id\": 7, \"rep"[..],
            )
            .unwrap();
        outbox
            .insert(
                (next + 2).to_be_bytes(),
                &br#"{"push": 5, "parts_sent": 0}"#[..],
            )
            .unwrap();
        outbox.insert(b"odd", &b"{}"[..]).unwrap();
        store
            .add_subscription(&Subscription {
                chat_id: 9,
                thread_id: None,
                topic: "minerals".into(),
            })
            .unwrap();
        store
            .subscriptions_tree_for_tests()
            .insert(b"bad subscription", &b"\xff\xfe"[..])
            .unwrap();
        let last = store.enqueue_pushes(&[push(2, "b")]).unwrap()[0];

        let pending = store.pending_pushes().unwrap();
        let got: Vec<(u64, i64, &str)> = pending
            .iter()
            .map(|p| (p.id, p.push.chat_id, p.push.article_id.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![(ids[0], 1, "a"), (last, 2, "b"), (next, 7, "old")]
        );
        let old = &pending[2];
        assert_eq!(old.parts_sent, 0);
        assert!(!old.push.quiet);
        assert_eq!(old.push.reply.items[0].cites, vec![1]);
        assert!(old.push.reply.citations[0].sentences.is_empty());

        // The unreadable ones were moved, not deleted: the outbox holds only what it can send.
        let aside = store.quarantined().unwrap();
        let outbox_aside: Vec<&[u8]> = aside
            .iter()
            .filter(|q| q.tree == OUTBOX)
            .map(|q| q.key.as_slice())
            .collect();
        assert_eq!(
            outbox_aside,
            vec![
                &(next + 1).to_be_bytes()[..],
                &(next + 2).to_be_bytes()[..],
                &b"odd"[..]
            ]
        );
        assert_eq!(store.pending_push_count().unwrap(), 3);
        assert_eq!(store.all_subscriptions().unwrap().len(), 1);
        assert!(store
            .quarantined()
            .unwrap()
            .iter()
            .any(|q| q.tree == "subscriptions" && q.value == b"\xff\xfe"));

        // Delivering, moving and forgetting chats work around them.
        store.record_parts_sent(next, 1).unwrap();
        assert_eq!(store.pending_pushes().unwrap()[2].parts_sent, 1);
        assert_eq!(store.migrate_chat(7, -1007).unwrap(), 0);
        assert_eq!(store.pending_pushes().unwrap()[2].push.chat_id, -1007);
        store.remove_chat(1).unwrap();
        store.mark_delivered(last).unwrap();
        let left: Vec<u64> = store
            .pending_pushes()
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(left, vec![next]);
        assert_eq!(store.quarantined_count().unwrap(), 4);
    }

    #[test]
    fn the_outbox_is_read_a_page_at_a_time_and_progress_is_recorded_in_one_write() {
        let dir = tempfile::tempdir().unwrap();
        let ids;
        {
            let store = Store::open(dir.path()).unwrap();
            let pushes: Vec<Push> = (0..10).map(|c| push(c, "a")).collect();
            ids = store.enqueue_pushes(&pushes).unwrap();
            let first = store.pending_pushes_after(None, 4).unwrap();
            assert_eq!(
                first.iter().map(|p| p.id).collect::<Vec<_>>(),
                ids[..4].to_vec()
            );
            let next = store.pending_pushes_after(Some(ids[3]), 4).unwrap();
            assert_eq!(
                next.iter().map(|p| p.id).collect::<Vec<_>>(),
                ids[4..8].to_vec()
            );
            assert_eq!(store.pending_pushes_after(Some(ids[9]), 4).unwrap(), vec![]);
            store
                .record_progress(&[
                    OutboxProgress::Done(ids[0]),
                    OutboxProgress::PartsSent(ids[1], 2),
                    OutboxProgress::Done(ids[2]),
                    // Already gone (its chat was removed): skipped.
                    OutboxProgress::PartsSent(ids[9] + 50, 1),
                ])
                .unwrap();
        }
        // Durable: the store reopened holds what was recorded.
        let store = Store::open(dir.path()).unwrap();
        let pending = store.pending_pushes_after(None, 100).unwrap();
        assert_eq!(pending.len(), 8);
        assert_eq!(pending[0].id, ids[1]);
        assert_eq!(pending[0].parts_sent, 2);
        assert_eq!(pending[1].id, ids[3]);
    }

    #[test]
    fn records_written_today_carry_the_current_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let id = store.enqueue_pushes(&[push(1, "a")]).unwrap()[0];
        let bytes = store
            .outbox_tree()
            .unwrap()
            .get(id.to_be_bytes())
            .unwrap()
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["version"], OUTBOX_VERSION);
    }
}
