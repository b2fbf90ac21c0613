//! Delivering the outbox: pending pushes are sent oldest first through the throttled bot, and an
//! item leaves the outbox only after Telegram accepted it, so a failure is retried and a success
//! is never repeated (a restart resends exactly what is pending). Telegram's answers decide what
//! happens next: 429 waits `retry_after`, 403 and friends drop the chat's subscriptions, a group
//! that became a supergroup has its subscriptions moved, network errors, timeouts and 5xx back
//! off and retry without limit (a push is never dropped because Telegram or the network is
//! down); only a message Telegram refuses as such is given up after a few tries.
//!
//! Kills: the outbox is in sled and every step is flushed, so after a crash the pushes still in
//! it are sent. One window cannot be closed: Telegram accepted a message and the process died
//! before `mark_delivered` reached the disk (the answer's trip back, a sled write and a flush:
//! milliseconds). That push is sent again after the restart. The other order (mark, then send)
//! would turn the same window into a lost push; a repeat is the lesser harm. A send that times
//! out is the same case: Telegram may have accepted it, and it is retried.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};

use crate::answer::Engine;
use crate::notify::OutboxItem;
use crate::store::StoreError;

use super::send::{backoff, classify, send_part, sleep_or_stop, Failure};
use super::{render, TgBot};

/// How often the outbox is looked at when nobody wakes the loop (a safety net).
const IDLE_POLL: Duration = Duration::from_secs(30);
/// Backoff after transient failures: 1 s, 2 s, 4 s … up to this, so pushes resume within half a
/// minute of Telegram coming back.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A push Telegram refuses this many times for a reason that is not transient is dropped.
const MAX_ATTEMPTS: u32 = 5;

/// What became of one outbox item.
enum Outcome {
    Delivered,
    /// Will never be delivered (chat gone, message refused): removed from the outbox.
    Dropped,
    /// Transient failure: try again after a backoff.
    RetryLater,
    /// Done with this item (delivered or dropped), and the chat's other pending items were
    /// moved or removed in the store: the list in hand is stale, re-read the outbox.
    ChatChanged,
    /// Shutdown was requested while waiting.
    Stopped,
}

/// The delivery loop: runs until `stop` turns true. `wake` is notified when pushes are queued.
pub async fn run(
    bot: TgBot,
    engine: Arc<Engine>,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let mut failures: u32 = 0;
    let mut attempts: HashMap<u64, u32> = HashMap::new();
    loop {
        if *stop.borrow() {
            return;
        }
        let mut reread = false;
        let store_engine = engine.clone();
        let pending =
            tokio::task::spawn_blocking(move || store_engine.store().pending_pushes()).await;
        let mut retry_later = false;
        match pending {
            Ok(Ok(items)) => {
                for item in items {
                    if *stop.borrow() {
                        return;
                    }
                    match deliver(&bot, &engine, &item, &mut attempts, &mut stop).await {
                        Outcome::Delivered | Outcome::Dropped => {
                            failures = 0;
                            attempts.remove(&item.id);
                        }
                        Outcome::ChatChanged => {
                            failures = 0;
                            attempts.remove(&item.id);
                            reread = true;
                            break;
                        }
                        Outcome::RetryLater => {
                            retry_later = true;
                            break;
                        }
                        Outcome::Stopped => return,
                    }
                }
            }
            Ok(Err(e)) => {
                tracing::error!(error = %e, "cannot read the outbox");
                retry_later = true;
            }
            Err(e) => {
                tracing::error!(error = %e, "outbox read task failed");
                retry_later = true;
            }
        }
        if reread {
            continue;
        }
        let wait = if retry_later {
            failures = failures.saturating_add(1);
            backoff(failures, MAX_BACKOFF)
        } else {
            IDLE_POLL
        };
        tokio::select! {
            _ = wake.notified(), if !retry_later => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Runs a blocking store call off the async threads.
async fn blocking<T: Send + 'static>(
    engine: &Arc<Engine>,
    f: impl FnOnce(&Engine) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || f(&engine))
        .await
        .unwrap_or_else(|e| Err(StoreError::Io(format!("store task failed: {e}"))))
}

async fn deliver(
    bot: &TgBot,
    engine: &Arc<Engine>,
    item: &OutboxItem,
    attempts: &mut HashMap<u64, u32>,
    stop: &mut watch::Receiver<bool>,
) -> Outcome {
    let id = item.id;
    let push = &item.push;
    let parts = render::render(&push.reply);
    let keyboard = render::keyboard(&push.reply.actions);
    let mut chat = push.chat_id;
    let mut migrated = false;
    let mut next = usize::try_from(item.parts_sent).unwrap_or(usize::MAX);
    while next < parts.len() {
        let last = next + 1 == parts.len();
        let kb = if last { keyboard.clone() } else { None };
        // A send in flight is never cancelled by shutdown: cancelling after Telegram accepted it
        // but before it is marked would send it twice.
        let sent = send_part(
            bot,
            chat,
            push.thread_id,
            parts[next].clone(),
            kb,
            push.quiet,
        )
        .await;
        let failure = match &sent {
            Ok(_) => None,
            Err(e) => Some((classify(e), e)),
        };
        match failure {
            None | Some((Failure::AcceptedAnyway, _)) => {
                // Recorded (and flushed) at once: this is the window a kill can fall into.
                next += 1;
                let sent = u32::try_from(next).unwrap_or(u32::MAX);
                let result = if next < parts.len() {
                    blocking(engine, move |e| e.store().record_parts_sent(id, sent)).await
                } else {
                    blocking(engine, move |e| e.store().mark_delivered(id)).await
                };
                if let Err(e) = result {
                    tracing::error!(push = id, error = %e, "sent but could not record it");
                }
            }
            Some((Failure::RetryAfter(after), _)) => {
                tracing::warn!(push = id, chat, retry_after = ?after, "Telegram asks to wait (429)");
                if !sleep_or_stop(after, stop).await {
                    return Outcome::Stopped;
                }
            }
            Some((Failure::Migrated(new_id), _)) if !migrated => {
                tracing::info!(
                    from = chat,
                    to = new_id,
                    "chat migrated to a supergroup; moving its subscriptions"
                );
                let old = chat;
                if let Err(e) = blocking(engine, move |e| e.store().migrate_chat(old, new_id)).await
                {
                    tracing::error!(error = %e, "could not move a migrated chat's subscriptions");
                }
                chat = new_id;
                migrated = true;
            }
            Some((Failure::ChatGone, e)) => {
                tracing::warn!(push = id, chat, error = %e, "chat is gone; dropping its subscriptions");
                match blocking(engine, move |e| e.store().remove_chat(chat)).await {
                    Ok(n) => tracing::info!(chat, subscriptions = n, "chat unsubscribed"),
                    Err(e) => {
                        tracing::error!(chat, error = %e, "could not drop the chat's subscriptions")
                    }
                }
                // remove_chat also dropped this push; make sure of it.
                let _ = blocking(engine, move |e| e.store().mark_delivered(id)).await;
                return Outcome::ChatChanged;
            }
            Some((Failure::Transient, e)) => {
                // Telegram or the network is down: the push waits, however long that takes.
                tracing::warn!(push = id, chat, error = %e, "send failed (network, timeout or 5xx); will retry");
                return Outcome::RetryLater;
            }
            Some((Failure::Refused | Failure::Migrated(_), e)) => {
                // Telegram refuses this message itself: retry a few times, then give the push
                // up rather than block the outbox forever.
                let n = attempts.entry(id).or_insert(0);
                *n += 1;
                if *n >= MAX_ATTEMPTS {
                    tracing::error!(push = id, chat, error = %e, attempts = *n, "giving up on a push Telegram refuses");
                    if let Err(e) = blocking(engine, move |e| e.store().mark_delivered(id)).await {
                        tracing::error!(push = id, error = %e, "could not drop a failed push");
                    }
                    return Outcome::Dropped;
                }
                tracing::warn!(push = id, chat, error = %e, attempts = *n, "Telegram refused a push; will retry");
                return Outcome::RetryLater;
            }
        }
    }
    if next >= parts.len() && item.parts_sent as usize >= parts.len() {
        // Every part went out before a restart; only the mark was missing.
        let _ = blocking(engine, move |e| e.store().mark_delivered(id)).await;
    }
    tracing::info!(push = id, chat, article = %push.article_id, parts = parts.len(), "push delivered");
    if migrated {
        Outcome::ChatChanged
    } else {
        Outcome::Delivered
    }
}
