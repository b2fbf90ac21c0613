//! The push outbox: pending pushes in the order they were planned, in a tree of its own
//! (`outbox`, key = monotonic id as u64 big-endian, value = [`OutboxRecord`] as JSON). Delivered
//! pushes are removed, so a restart resends exactly what Telegram has not accepted yet.
//!
//! A push is a message for a chat, and a fan-out sends the same message to thousands of chats.
//! So since version 3 a record holds only its chat, how far it got, and the id of its message,
//! a [`BodyRecord`] stored once in `outbox_bodies` (key = body id, then `b`) with a count of the
//! records that use it (key = body id, then `n`); the body goes when its last record does, in
//! the same transaction. 10,000 pushes of one article are 10,000 records of ~90 bytes and one
//! body, where they were 10,000 copies of a 4 KB reply (decoded all at once for delivery).
//!
//! The store owns these records' shapes. They are JSON with a `version` and a serde default on
//! every field that may be added (here and in the push and reply they hold), so a record
//! written by an older release loads into today's structs: versions 1 and 2 hold the whole push
//! and are still delivered. Records are decoded one by one: one that still cannot be decoded
//! (corrupt, a shape no release wrote, or a body that is missing) is set aside in the quarantine
//! (`quarantine.rs`) and every other push is still delivered.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::Transactional;

use super::subscriptions::{encode, io, tx_error};
use super::{Store, StoreError};
use crate::answer::Reply;
use crate::notify::{OutboxItem, Push};

pub(super) const OUTBOX: &str = "outbox";
const BODIES: &str = "outbox_bodies";

/// The shape written today. Version 1 is the shape before records carried a version (no
/// `version` field); it reads like version 2, which held the whole push in each record.
const OUTBOX_VERSION: u32 = 3;

fn version_one() -> u32 {
    1
}

/// What the outbox keeps per push: whom it is for, its message (in the record up to version 2,
/// shared since version 3), and how many of its message parts Telegram has accepted, so a long
/// push cut short by a crash resumes at the next part instead of repeating.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct OutboxRecord {
    #[serde(default = "version_one")]
    version: u32,
    /// Versions 1 and 2: the whole push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    push: Option<Push>,
    /// Version 3: the chat, and the body it shares with the run's other pushes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<Target>,
    #[serde(default)]
    pub(super) parts_sent: u32,
}

/// Whom a version 3 record is for, and which body it sends.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Target {
    chat_id: i64,
    #[serde(default)]
    thread_id: Option<i32>,
    body: u64,
}

/// A push's message, shared by every chat that gets the same one.
#[derive(Debug, Serialize, Deserialize)]
struct BodyRecord {
    #[serde(default = "version_one")]
    version: u32,
    #[serde(default)]
    article_id: String,
    #[serde(default)]
    topics: Vec<String>,
    reply: Arc<Reply>,
    #[serde(default)]
    quiet: bool,
}

impl OutboxRecord {
    /// The chat the push is for.
    pub(super) fn chat_id(&self) -> i64 {
        match (&self.to, &self.push) {
            (Some(to), _) => to.chat_id,
            (None, Some(push)) => push.chat_id,
            (None, None) => 0,
        }
    }

    /// Points the push at another chat (a group that became a supergroup).
    pub(super) fn move_to_chat(&mut self, chat_id: i64) {
        if let Some(to) = self.to.as_mut() {
            to.chat_id = chat_id;
        }
        if let Some(push) = self.push.as_mut() {
            push.chat_id = chat_id;
        }
    }

    /// The shared body, for records that have one.
    pub(super) fn body(&self) -> Option<u64> {
        self.to.map(|t| t.body)
    }
}

fn body_key(body: u64) -> [u8; 9] {
    let mut k = [b'b'; 9];
    k[..8].copy_from_slice(&body.to_be_bytes());
    k
}

fn count_key(body: u64) -> [u8; 9] {
    let mut k = [b'n'; 9];
    k[..8].copy_from_slice(&body.to_be_bytes());
    k
}

/// Inside a transaction: `released` records no longer use these bodies (body → how many); a
/// body no record uses any more is removed with its count.
pub(super) fn release_bodies(
    bodies: &TransactionalTree,
    released: &HashMap<u64, u32>,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    for (&body, &n) in released {
        let left = bodies
            .get(count_key(body))?
            .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
            .map(u32::from_be_bytes)
            .unwrap_or(0)
            .saturating_sub(n);
        if left == 0 {
            bodies.remove(&body_key(body)[..])?;
            bodies.remove(&count_key(body)[..])?;
        } else {
            bodies.insert(&count_key(body)[..], &left.to_be_bytes()[..])?;
        }
    }
    Ok(())
}

/// How many of `records` use each body.
pub(super) fn bodies_used<'r>(
    records: impl IntoIterator<Item = &'r OutboxRecord>,
) -> HashMap<u64, u32> {
    let mut used = HashMap::new();
    for body in records.into_iter().filter_map(OutboxRecord::body) {
        *used.entry(body).or_insert(0) += 1;
    }
    used
}

/// Pushes that may share one body: the same reply (the planner hands one `Arc` to every chat
/// that gets the same message) about the same article and topics.
#[derive(PartialEq, Eq, Hash)]
struct BodyKey<'p> {
    reply: *const Reply,
    article_id: &'p str,
    topics: &'p [String],
    quiet: bool,
}

impl<'p> BodyKey<'p> {
    fn of(push: &'p Push) -> BodyKey<'p> {
        BodyKey {
            reply: Arc::as_ptr(&push.reply),
            article_id: &push.article_id,
            topics: &push.topics,
            quiet: push.quiet,
        }
    }
}

/// The writes that queue a run's pushes: records in planning order and the bodies they share.
struct Queued {
    records: Vec<(u64, Vec<u8>)>,
    /// Body id, encoded body, how many records use it.
    bodies: Vec<(u64, Vec<u8>, u32)>,
}

impl Store {
    pub(super) fn outbox_tree(&self) -> Result<sled::Tree, StoreError> {
        self.db.open_tree(OUTBOX).map_err(io)
    }

    pub(super) fn bodies_tree(&self) -> Result<sled::Tree, StoreError> {
        self.db.open_tree(BODIES).map_err(io)
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
        let bodies = self.bodies_tree()?;
        let queued = self.queued(pushes)?;
        let markers: Vec<Vec<u8>> = settled
            .iter()
            .map(|id| self.news.tagged(id.as_bytes()))
            .collect();
        (&outbox, &bodies, &self.tree)
            .transaction(|(outbox, bodies, tree)| {
                for (body, value, uses) in &queued.bodies {
                    bodies.insert(&body_key(*body)[..], value.as_slice())?;
                    bodies.insert(&count_key(*body)[..], &uses.to_be_bytes()[..])?;
                }
                for (id, record) in &queued.records {
                    outbox.insert(&id.to_be_bytes(), record.as_slice())?;
                }
                for k in &markers {
                    tree.remove(k.as_slice())?;
                }
                Ok::<(), ConflictableTransactionError<StoreError>>(())
            })
            .map_err(tx_error)?;
        self.db.flush().map_err(io)?;
        Ok(queued.records.into_iter().map(|(id, _)| id).collect())
    }

    /// Encodes `pushes` as records (ids in planning order) and each distinct message once.
    fn queued(&self, pushes: &[Push]) -> Result<Queued, StoreError> {
        let mut queued = Queued {
            records: Vec::with_capacity(pushes.len()),
            bodies: Vec::new(),
        };
        let mut known: HashMap<BodyKey<'_>, usize> = HashMap::new();
        for push in pushes {
            let slot = match known.get(&BodyKey::of(push)) {
                Some(&slot) => slot,
                None => {
                    let body = self.db.generate_id().map_err(io)?;
                    let value = encode(&BodyRecord {
                        version: OUTBOX_VERSION,
                        article_id: push.article_id.clone(),
                        topics: push.topics.clone(),
                        reply: push.reply.clone(),
                        quiet: push.quiet,
                    })?;
                    queued.bodies.push((body, value, 0));
                    known.insert(BodyKey::of(push), queued.bodies.len() - 1);
                    queued.bodies.len() - 1
                }
            };
            let entry = &mut queued.bodies[slot];
            entry.2 += 1;
            let record = OutboxRecord {
                version: OUTBOX_VERSION,
                push: None,
                to: Some(Target {
                    chat_id: push.chat_id,
                    thread_id: push.thread_id,
                    body: entry.0,
                }),
                parts_sent: 0,
            };
            // Monotonic ids keep the outbox in planning order.
            let id = self.db.generate_id().map_err(io)?;
            queued.records.push((id, encode(&record)?));
        }
        Ok(queued)
    }

    /// The pushes not yet delivered, oldest first. Records that cannot be read are set aside
    /// (see the module comment), never returned as an error.
    pub fn pending_pushes(&self) -> Result<Vec<OutboxItem>, StoreError> {
        self.pending_pushes_after(None, usize::MAX)
    }

    /// Up to `limit` pending pushes with ids above `after` (all, with `None`), oldest first: the
    /// delivery reads the outbox a window at a time instead of decoding 10,000 pushes at once.
    /// Pushes that share a body share its reply (one `Arc`). Unreadable records are set aside.
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
        let mut bodies: HashMap<u64, Option<Arc<BodyRecord>>> = HashMap::new();
        let mut items = Vec::new();
        let mut unreadable = Vec::new();
        for kv in range {
            if items.len() >= limit {
                break;
            }
            let (k, v) = kv.map_err(io)?;
            let item = decode_record(&k, &v)
                .and_then(|(id, record)| self.outbox_item(id, record, &mut bodies));
            match item {
                Ok(item) => items.push(item),
                Err(reason) => unreadable.push((k, v, reason)),
            }
        }
        for (k, v, reason) in unreadable {
            self.set_aside(&outbox, OUTBOX, &k, &v, &reason);
        }
        Ok(items)
    }

    /// The push a record stands for, its body read through `bodies` (each body decoded once).
    fn outbox_item(
        &self,
        id: u64,
        record: OutboxRecord,
        bodies: &mut HashMap<u64, Option<Arc<BodyRecord>>>,
    ) -> Result<OutboxItem, String> {
        let parts_sent = record.parts_sent;
        let (push, body) = match (record.to, record.push) {
            (Some(to), _) => {
                let shared = match bodies.get(&to.body) {
                    Some(known) => known.clone(),
                    None => {
                        let read = self.read_body(to.body);
                        bodies.insert(to.body, read.clone());
                        read
                    }
                };
                let shared =
                    shared.ok_or_else(|| format!("outbox record {id}: its message is missing"))?;
                let push = Push {
                    chat_id: to.chat_id,
                    thread_id: to.thread_id,
                    article_id: shared.article_id.clone(),
                    topics: shared.topics.clone(),
                    reply: shared.reply.clone(),
                    quiet: shared.quiet,
                };
                (push, Some(to.body))
            }
            (None, Some(push)) => (push, None),
            (None, None) => return Err(format!("outbox record {id} names no push")),
        };
        Ok(OutboxItem {
            id,
            push,
            parts_sent,
            body,
        })
    }

    /// A body, if it is there and readable (a body that is not is logged; its records are then
    /// set aside by the caller).
    fn read_body(&self, body: u64) -> Option<Arc<BodyRecord>> {
        let value = self.bodies_tree().ok()?.get(body_key(body)).ok()??;
        match serde_json::from_slice::<BodyRecord>(&value) {
            Ok(record) => Some(Arc::new(record)),
            Err(e) => {
                tracing::error!(body, error = %e, "unreadable push message in the outbox");
                None
            }
        }
    }

    /// Records what Telegram accepted for several pushes in one transaction and one flush (the
    /// delivery's group commit): pushes [`OutboxProgress::Done`] leave the outbox (with their
    /// body, if no other push uses it), the others keep how many parts went out. A push no
    /// longer in the outbox (its chat was removed) is skipped.
    pub fn record_progress(&self, progress: &[OutboxProgress]) -> Result<(), StoreError> {
        if progress.is_empty() {
            return Ok(());
        }
        let outbox = self.outbox_tree()?;
        let bodies = self.bodies_tree()?;
        let mut removed = Vec::new();
        let mut updated = Vec::new();
        let mut released: HashMap<u64, u32> = HashMap::new();
        for p in progress {
            let (OutboxProgress::Done(id) | OutboxProgress::PartsSent(id, _)) = *p;
            let key = id.to_be_bytes();
            let Some(bytes) = outbox.get(key).map_err(io)? else {
                continue;
            };
            let mut record = match decode_record(&key, &bytes) {
                Ok((_, record)) => record,
                Err(reason) => {
                    self.set_aside(&outbox, OUTBOX, &key, &bytes, &reason);
                    continue;
                }
            };
            match *p {
                OutboxProgress::Done(_) => {
                    if let Some(body) = record.body() {
                        *released.entry(body).or_insert(0) += 1;
                    }
                    removed.push(key);
                }
                OutboxProgress::PartsSent(_, parts_sent) => {
                    record.parts_sent = parts_sent;
                    updated.push((key, encode(&record)?));
                }
            }
        }
        (&outbox, &bodies)
            .transaction(|(outbox, bodies)| {
                for k in &removed {
                    outbox.remove(&k[..])?;
                }
                for (k, v) in &updated {
                    outbox.insert(&k[..], v.as_slice())?;
                }
                release_bodies(bodies, &released)
            })
            .map_err(tx_error)?;
        self.db.flush().map_err(io)?;
        Ok(())
    }

    /// Records that Telegram accepted the first `parts_sent` messages of a push.
    pub fn record_parts_sent(&self, id: u64, parts_sent: u32) -> Result<(), StoreError> {
        self.record_progress(&[OutboxProgress::PartsSent(id, parts_sent)])
    }

    /// Removes a push from the outbox: call only once Telegram accepted every part (or the push
    /// can never be delivered).
    pub fn mark_delivered(&self, id: u64) -> Result<(), StoreError> {
        self.record_progress(&[OutboxProgress::Done(id)])
    }

    /// Every readable outbox record with its id, oldest first; unreadable ones are set aside.
    /// Records only: bodies are not read.
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
    if record.push.is_none() && record.to.is_none() {
        return Err(format!("outbox record {id} names no push"));
    }
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
            reply: std::sync::Arc::new(Reply {
                title: format!("news {article}"),
                ..Reply::default()
            }),
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
    fn a_fan_out_stores_its_message_once_and_the_message_goes_with_its_last_push() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let shared = push(0, "a").reply;
        let mut pushes: Vec<Push> = (1..=100)
            .map(|chat| Push {
                chat_id: chat,
                reply: shared.clone(),
                ..push(chat, "a")
            })
            .collect();
        pushes.push(push(500, "b"));
        let ids = store.enqueue_pushes(&pushes).unwrap();
        let bodies = store.bodies_tree().unwrap();
        // Two messages, each with its count of users.
        assert_eq!(bodies.len(), 4);
        let outbox = store.outbox_tree().unwrap();
        let record = outbox.get(ids[0].to_be_bytes()).unwrap().unwrap();
        assert!(record.len() < 120, "{} bytes per record", record.len());

        let page = store.pending_pushes_after(None, 50).unwrap();
        assert_eq!(page.len(), 50);
        assert!(page
            .iter()
            .all(|p| Arc::ptr_eq(&p.push.reply, &page[0].push.reply)));
        assert_eq!(page[7].push.chat_id, 8);
        assert_eq!(page[7].push.reply.title, "news a");
        assert_eq!(page[7].body, page[0].body);

        // Forgetting a chat and delivering the rest release the message; the other stays.
        store.remove_chat(1).unwrap();
        let done: Vec<OutboxProgress> = ids[1..100]
            .iter()
            .map(|id| OutboxProgress::Done(*id))
            .collect();
        store.record_progress(&done[..98]).unwrap();
        assert_eq!(bodies.len(), 4, "one push still uses the message");
        store.record_progress(&done[98..]).unwrap();
        assert_eq!(bodies.len(), 2);
        let left = store.pending_pushes().unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].push.reply.title, "news b");
        store.mark_delivered(left[0].id).unwrap();
        assert_eq!(bodies.len(), 0);
    }

    #[test]
    fn a_record_whose_message_is_missing_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let ids = store.enqueue_pushes(&[push(1, "a"), push(2, "b")]).unwrap();
        let first = store.pending_pushes().unwrap()[0].body.unwrap();
        store
            .bodies_tree()
            .unwrap()
            .remove(body_key(first))
            .unwrap();
        let pending = store.pending_pushes().unwrap();
        assert_eq!(
            pending.iter().map(|p| p.id).collect::<Vec<_>>(),
            vec![ids[1]]
        );
        assert_eq!(store.quarantined_count().unwrap(), 1);
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
