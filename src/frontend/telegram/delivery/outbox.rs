//! The delivery's side of the store, as a trait so the scheduler is tested without sled: read
//! the outbox a window at a time, record progress in group commits, and act on what Telegram
//! said about a chat (gone, migrated). [`StoreOutbox`] is the real one: each call runs on a
//! blocking thread.

use std::future::Future;
use std::sync::Arc;

use crate::answer::Engine;
use crate::notify::OutboxItem;
use crate::store::{OutboxProgress, Store, StoreError};

/// What the scheduler needs from the store.
pub trait Outbox: Send + Sync + 'static {
    /// Up to `limit` pending pushes with ids above `after` (from the start with `None`),
    /// oldest first.
    fn page(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<OutboxItem>, StoreError>> + Send;

    /// Applies `progress` in one atomic write and makes it durable (one flush).
    fn commit(
        &self,
        progress: Vec<OutboxProgress>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Forgets a chat that blocked the bot: its subscriptions and pending pushes. Returns how
    /// many subscriptions it had.
    fn remove_chat(&self, chat_id: i64) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// Moves a chat's subscriptions and pending pushes to its new id.
    fn migrate_chat(
        &self,
        from: i64,
        to: i64,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
}

/// The outbox in the engine's store.
pub struct StoreOutbox {
    pub engine: Arc<Engine>,
}

impl StoreOutbox {
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || f(engine.store()))
            .await
            .unwrap_or_else(|e| Err(StoreError::Io(format!("store task failed: {e}"))))
    }
}

impl Outbox for StoreOutbox {
    async fn page(&self, after: Option<u64>, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        self.blocking(move |s| s.pending_pushes_after(after, limit))
            .await
    }

    async fn commit(&self, progress: Vec<OutboxProgress>) -> Result<(), StoreError> {
        self.blocking(move |s| s.record_progress(&progress)).await
    }

    async fn remove_chat(&self, chat_id: i64) -> Result<usize, StoreError> {
        self.blocking(move |s| s.remove_chat(chat_id)).await
    }

    async fn migrate_chat(&self, from: i64, to: i64) -> Result<usize, StoreError> {
        self.blocking(move |s| s.migrate_chat(from, to)).await
    }
}
