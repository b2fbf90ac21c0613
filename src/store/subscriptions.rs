//! Subscriptions, kept in the store's sled database so that they survive restarts: a tree of
//! their own, `subscriptions` (one key per chat, thread and topic, the [`Subscription`] as JSON).
//! A record that cannot be decoded is set aside in the quarantine, like the outbox's (see
//! `outbox.rs`), so one bad record never hides every other subscription. Forgetting or moving a
//! chat changes its subscriptions and its pending pushes together.

use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use super::outbox::{bodies_used, release_bodies, OutboxRecord};
use super::{Store, StoreError};

const SUBSCRIPTIONS: &str = "subscriptions";

/// A chat (or forum thread) following a topic. Stored as JSON by the store: a field added here
/// needs a serde default, so records written before it still load.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Subscription {
    pub chat_id: i64,
    #[serde(default)]
    pub thread_id: Option<i32>,
    /// Topic id from the config.
    pub topic: String,
}

/// A chat id as 8 bytes that sort numerically (sign bit flipped), so one chat's subscriptions are
/// one prefix scan.
fn chat_prefix(chat_id: i64) -> [u8; 8] {
    ((chat_id as u64) ^ 0x8000_0000_0000_0000).to_be_bytes()
}

/// `chat | thread flag | thread | topic`.
fn subscription_key(chat_id: i64, thread_id: Option<i32>, topic: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(8 + 5 + topic.len());
    key.extend_from_slice(&chat_prefix(chat_id));
    match thread_id {
        None => key.extend_from_slice(&[0, 0, 0, 0, 0]),
        Some(t) => {
            key.push(1);
            key.extend_from_slice(&t.to_be_bytes());
        }
    }
    key.extend_from_slice(topic.as_bytes());
    key
}

fn thread_prefix(chat_id: i64, thread_id: Option<i32>) -> Vec<u8> {
    subscription_key(chat_id, thread_id, "")
}

pub(super) fn io(e: sled::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

pub(super) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub(super) fn tx_error(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => io(e),
    }
}

pub(super) fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| corrupt("cannot encode a record", e))
}

impl Store {
    fn subscriptions_tree(&self) -> Result<sled::Tree, StoreError> {
        self.db.open_tree(SUBSCRIPTIONS).map_err(io)
    }

    #[cfg(test)]
    pub(super) fn subscriptions_tree_for_tests(&self) -> sled::Tree {
        self.subscriptions_tree().unwrap()
    }

    /// Adds a subscription; `false` when the chat already had it.
    pub fn add_subscription(&self, sub: &Subscription) -> Result<bool, StoreError> {
        let tree = self.subscriptions_tree()?;
        let key = subscription_key(sub.chat_id, sub.thread_id, &sub.topic);
        let old = tree.insert(key, encode(sub)?).map_err(io)?;
        tree.flush().map_err(io)?;
        Ok(old.is_none())
    }

    /// Removes a subscription; `false` when there was none.
    pub fn remove_subscription(&self, sub: &Subscription) -> Result<bool, StoreError> {
        let tree = self.subscriptions_tree()?;
        let key = subscription_key(sub.chat_id, sub.thread_id, &sub.topic);
        let old = tree.remove(key).map_err(io)?;
        tree.flush().map_err(io)?;
        Ok(old.is_some())
    }

    /// The subscriptions of one chat (and forum thread), sorted by topic id.
    pub fn chat_subscriptions(
        &self,
        chat_id: i64,
        thread_id: Option<i32>,
    ) -> Result<Vec<Subscription>, StoreError> {
        let tree = self.subscriptions_tree()?;
        self.decode_subscriptions(&tree, tree.scan_prefix(thread_prefix(chat_id, thread_id)))
    }

    /// How many subscriptions a chat holds, all its forum threads together.
    pub fn chat_subscription_count(&self, chat_id: i64) -> Result<usize, StoreError> {
        let tree = self.subscriptions_tree()?;
        let mut n = 0;
        for key in tree.scan_prefix(chat_prefix(chat_id)).keys() {
            key.map_err(io)?;
            n += 1;
        }
        Ok(n)
    }

    /// Every subscription, by chat.
    pub fn all_subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let tree = self.subscriptions_tree()?;
        self.decode_subscriptions(&tree, tree.iter())
    }

    /// Forgets a chat that blocked or removed the bot: its subscriptions (every thread) and its
    /// pending pushes, in one transaction. Returns how many subscriptions were dropped.
    pub fn remove_chat(&self, chat_id: i64) -> Result<usize, StoreError> {
        let subs = self.subscriptions_tree()?;
        let outbox = self.outbox_tree()?;
        let sub_keys: Vec<sled::IVec> = subs
            .scan_prefix(chat_prefix(chat_id))
            .keys()
            .collect::<Result<_, _>>()
            .map_err(io)?;
        let pushes: Vec<(u64, OutboxRecord)> = self
            .outbox_records()?
            .into_iter()
            .filter(|(_, r)| r.chat_id() == chat_id)
            .collect();
        let released = bodies_used(pushes.iter().map(|(_, r)| r));
        let bodies = self.bodies_tree()?;
        (&subs, &outbox, &bodies)
            .transaction(|(subs, outbox, bodies)| {
                for k in &sub_keys {
                    subs.remove(k)?;
                }
                for (id, _) in &pushes {
                    outbox.remove(&id.to_be_bytes()[..])?;
                }
                release_bodies(bodies, &released)
            })
            .map_err(tx_error)?;
        self.db.flush().map_err(io)?;
        Ok(sub_keys.len())
    }

    /// Moves a chat's subscriptions and pending pushes to its new id (a group that became a
    /// supergroup), in one transaction. Returns how many subscriptions moved.
    pub fn migrate_chat(&self, from: i64, to: i64) -> Result<usize, StoreError> {
        let subs = self.subscriptions_tree()?;
        let outbox = self.outbox_tree()?;
        let moved = self.subscription_entries(&subs, subs.scan_prefix(chat_prefix(from)))?;
        let mut new_subs = Vec::with_capacity(moved.len());
        for (_, sub) in &moved {
            let sub = Subscription {
                chat_id: to,
                ..sub.clone()
            };
            new_subs.push((
                subscription_key(to, sub.thread_id, &sub.topic),
                encode(&sub)?,
            ));
        }
        let mut new_pushes = Vec::new();
        for (id, mut record) in self.outbox_records()? {
            if record.chat_id() == from {
                record.move_to_chat(to);
                new_pushes.push((id.to_be_bytes(), encode(&record)?));
            }
        }
        (&subs, &outbox)
            .transaction(|(subs, outbox)| {
                for (k, _) in &moved {
                    subs.remove(k)?;
                }
                for (k, v) in &new_subs {
                    subs.insert(k.as_slice(), v.as_slice())?;
                }
                for (k, v) in &new_pushes {
                    outbox.insert(k.as_slice(), v.as_slice())?;
                }
                Ok::<(), ConflictableTransactionError<StoreError>>(())
            })
            .map_err(tx_error)?;
        self.db.flush().map_err(io)?;
        Ok(moved.len())
    }

    fn decode_subscriptions(
        &self,
        tree: &sled::Tree,
        iter: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
    ) -> Result<Vec<Subscription>, StoreError> {
        let entries = self.subscription_entries(tree, iter)?;
        Ok(entries.into_iter().map(|(_, sub)| sub).collect())
    }

    /// Decodes subscription records one by one, with their keys; unreadable ones are set aside.
    fn subscription_entries(
        &self,
        tree: &sled::Tree,
        iter: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
    ) -> Result<Vec<(sled::IVec, Subscription)>, StoreError> {
        let mut subs = Vec::new();
        let mut unreadable = Vec::new();
        for kv in iter {
            let (k, v) = kv.map_err(io)?;
            match serde_json::from_slice(&v) {
                Ok(sub) => subs.push((k, sub)),
                Err(e) => unreadable.push((k, v, e)),
            }
        }
        for (k, v, e) in unreadable {
            self.set_aside(tree, SUBSCRIPTIONS, &k, &v, &e);
        }
        Ok(subs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::Reply;
    use crate::notify::Push;

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

    fn sub(chat_id: i64, thread_id: Option<i32>, topic: &str) -> Subscription {
        Subscription {
            chat_id,
            thread_id,
            topic: topic.into(),
        }
    }

    #[test]
    fn subscriptions_are_per_chat_and_thread_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            assert!(store.add_subscription(&sub(-5, None, "minerals")).unwrap());
            assert!(!store.add_subscription(&sub(-5, None, "minerals")).unwrap());
            store
                .add_subscription(&sub(-5, Some(7), "ceasefire"))
                .unwrap();
            store.add_subscription(&sub(3, None, "minerals")).unwrap();
            assert_eq!(
                store.chat_subscriptions(-5, None).unwrap(),
                vec![sub(-5, None, "minerals")]
            );
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.all_subscriptions().unwrap().len(), 3);
        assert!(store
            .remove_subscription(&sub(3, None, "minerals"))
            .unwrap());
        assert!(!store
            .remove_subscription(&sub(3, None, "minerals"))
            .unwrap());
        assert_eq!(
            store.chat_subscriptions(-5, Some(7)).unwrap(),
            vec![sub(-5, Some(7), "ceasefire")]
        );
    }

    #[test]
    fn removing_a_chat_drops_its_subscriptions_and_pending_pushes_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.add_subscription(&sub(1, None, "minerals")).unwrap();
        store
            .add_subscription(&sub(1, Some(2), "minerals"))
            .unwrap();
        store.add_subscription(&sub(2, None, "minerals")).unwrap();
        store.enqueue_pushes(&[push(1, "a"), push(2, "a")]).unwrap();
        assert_eq!(store.remove_chat(1).unwrap(), 2);
        assert_eq!(
            store.all_subscriptions().unwrap(),
            vec![sub(2, None, "minerals")]
        );
        let pending = store.pending_pushes().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].push.chat_id, 2);
    }

    #[test]
    fn migrating_a_chat_moves_subscriptions_and_pushes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.add_subscription(&sub(-10, None, "minerals")).unwrap();
        store.enqueue_pushes(&[push(-10, "a")]).unwrap();
        assert_eq!(store.migrate_chat(-10, -100_200).unwrap(), 1);
        assert_eq!(
            store.all_subscriptions().unwrap(),
            vec![sub(-100_200, None, "minerals")]
        );
        assert_eq!(store.pending_pushes().unwrap()[0].push.chat_id, -100_200);
    }

    #[test]
    fn outbox_keeps_order_and_delivered_items_are_gone_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let first;
        {
            let store = Store::open(dir.path()).unwrap();
            let ids = store
                .enqueue_pushes(&[push(1, "a"), push(1, "b"), push(2, "a")])
                .unwrap();
            first = ids[0];
            store.mark_delivered(ids[1]).unwrap();
            store.record_parts_sent(ids[2], 1).unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let pending = store.pending_pushes().unwrap();
        let articles: Vec<_> = pending
            .iter()
            .map(|p| (p.push.chat_id, p.push.article_id.as_str()))
            .collect();
        assert_eq!(articles, vec![(1, "a"), (2, "a")]);
        assert_eq!(pending[0].id, first);
        assert_eq!(pending[1].parts_sent, 1);
    }

    #[test]
    fn counts_cover_every_thread_of_a_chat_and_the_whole_outbox() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.add_subscription(&sub(-5, None, "minerals")).unwrap();
        store
            .add_subscription(&sub(-5, Some(1), "minerals"))
            .unwrap();
        store.add_subscription(&sub(-5, Some(2), "aid")).unwrap();
        store.add_subscription(&sub(-6, None, "aid")).unwrap();
        assert_eq!(store.chat_subscription_count(-5).unwrap(), 3);
        assert_eq!(store.chat_subscription_count(7).unwrap(), 0);
        assert_eq!(store.pending_push_count().unwrap(), 0);
        store.enqueue_pushes(&[push(1, "a"), push(2, "a")]).unwrap();
        assert_eq!(store.pending_push_count().unwrap(), 2);
    }

    #[test]
    fn negative_and_positive_chats_do_not_share_prefixes() {
        assert_ne!(chat_prefix(-1), chat_prefix(1));
        assert!(chat_prefix(-1) < chat_prefix(0) && chat_prefix(0) < chat_prefix(1));
    }
}
