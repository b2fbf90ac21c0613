//! The seam between the delivery and Telegram: a [`Sender`] makes one attempt to send one
//! message and says what a failure means ([`Failure`]). The bot implements it
//! ([`TelegramSender`]); the scheduler's tests implement it with a script.

use std::future::Future;

use teloxide::types::InlineKeyboardMarkup;

use super::super::pace::{Lane, Pacer};
use super::super::send::{classify, send_part, Failure};
use super::super::TgBot;
use std::sync::Arc;

/// One Telegram message of a push.
#[derive(Debug, Clone)]
pub struct Message {
    pub chat_id: i64,
    pub thread_id: Option<i32>,
    pub html: String,
    /// Buttons, on the push's last part only.
    pub keyboard: Option<InlineKeyboardMarkup>,
    /// Without a notification sound.
    pub quiet: bool,
}

/// Why a send failed and what it means, with Telegram's (or the network's) words for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub failure: Failure,
    pub detail: String,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

/// Sends messages: one attempt each, no retries (the scheduler decides what comes next). May
/// wait for a pacing slot first (Telegram's limits) before the attempt.
pub trait Sender: Send + Sync + 'static {
    /// `Ok` once Telegram accepted the message (also when it said `ok` in an answer that
    /// could not be read: sending again would repeat it).
    fn send(&self, message: &Message) -> impl Future<Output = Result<(), SendError>> + Send;
}

/// The bot as a [`Sender`]: its messages take turns from the pacer answers use too, so
/// answers and pushes share Telegram's limits.
pub struct TelegramSender {
    pub bot: TgBot,
    pub pacer: Arc<Pacer>,
}

impl Sender for TelegramSender {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let sent = send_part(
            &self.bot,
            &self.pacer,
            Lane::Push,
            message.chat_id,
            message.thread_id,
            message.html.clone(),
            message.keyboard.clone(),
            message.quiet,
        )
        .await;
        match sent {
            Ok(_) => Ok(()),
            Err(e) => match classify(&e) {
                Failure::AcceptedAnyway => Ok(()),
                failure => Err(SendError {
                    failure,
                    detail: e.to_string(),
                }),
            },
        }
    }
}
