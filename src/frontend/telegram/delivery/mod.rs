//! Delivering the outbox: pending pushes go out oldest first, up to 27 at once to different
//! chats, paced by the bot's [`Pacer`], and an item leaves the outbox only after Telegram
//! accepted it, so a failure is retried and a success is not repeated (a restart resends
//! what is pending). The scheduler ([`scheduler`]) holds the rules; it talks to Telegram
//! through a [`Sender`] and to the store through an [`Outbox`], so its handling of 429s,
//! 403s, migrations and outages is unit-tested under a paused clock ([`tests`]).
//!
//! Kills: progress is made durable in group commits (one sled write and one flush per
//! ~100 ms of accepted messages), and a chat's next message waits for its previous one's
//! commit. So a kill repeats at most one message per chat: the one in flight or accepted in
//! the last ~100 ms, which Telegram has (or will accept) and the outbox has not recorded. The
//! other order (record, then send) would lose that message instead; a repeat is the lesser
//! harm, and Telegram offers no idempotent send. A send that times out is the same case: it
//! may have been accepted, and it is retried.

pub mod outbox;
pub mod scheduler;
pub mod sender;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use tokio::sync::{watch, Notify};

use crate::answer::Engine;

use super::pace::Pacer;
use super::TgBot;
pub use outbox::{Outbox, StoreOutbox};
pub use scheduler::{deliver, Settings};
pub use sender::{Message, SendError, Sender, TelegramSender};

/// The delivery loop of `serve`: runs until `stop` turns true. `wake` is notified when pushes
/// are queued.
pub async fn run(
    bot: TgBot,
    pacer: Arc<Pacer>,
    engine: Arc<Engine>,
    wake: Arc<Notify>,
    stop: watch::Receiver<bool>,
) {
    deliver(
        Arc::new(TelegramSender { bot, pacer }),
        Arc::new(StoreOutbox { engine }),
        Settings::default(),
        wake,
        stop,
    )
    .await
}
