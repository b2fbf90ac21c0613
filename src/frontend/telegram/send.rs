//! Sending messages and reading Telegram's refusals. [`classify`] turns a failed request into
//! what to do about it (wait, follow a migration, forget the chat, try again later, give up),
//! for the outbox delivery and for answers alike; [`send_answer`] is the patient send answers
//! use, so an answer outlives a 429 storm, a 5xx, a timeout or a network outage.

use std::sync::Arc;
use std::time::{Duration, Instant};

use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, LinkPreviewOptions, MessageId, ParseMode, ThreadId};
use teloxide::{ApiError, RequestError};
use tokio::sync::watch;

use crate::answer::{Engine, Subscriber};

use super::pace::{Lane, Pacer};
use super::TgBot;

/// How long an answer keeps trying before it is given up: longer than a minute-long network
/// outage, so the question asked just before it is still answered after it.
const ANSWER_PATIENCE: Duration = Duration::from_secs(180);
/// Longest pause between two tries of an answer.
const ANSWER_MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What a failed send means for the sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 429: wait this long; the same request may then succeed.
    RetryAfter(Duration),
    /// The group became a supergroup with this id: send there instead.
    Migrated(i64),
    /// The bot can no longer write to this chat (blocked, kicked, chat deleted).
    ChatGone,
    /// Network trouble, a timeout, Telegram's 5xx or a proxy's error page, a token Telegram
    /// does not accept right now: nothing wrong with the message; try again later.
    Transient,
    /// Telegram refuses this very message (a bad request): trying again will not help.
    Refused,
    /// Telegram said `ok: true` but the answer could not be read: the message was accepted,
    /// and sending it again would repeat it.
    AcceptedAnyway,
}

/// What `e` means for whoever sent the request.
pub fn classify(e: &RequestError) -> Failure {
    match e {
        RequestError::RetryAfter(after) => Failure::RetryAfter(after.duration()),
        RequestError::MigrateToChatId(to) => Failure::Migrated(to.0),
        RequestError::Api(api) if chat_is_gone(api) => Failure::ChatGone,
        // A bad token is the operator's problem, not the message's: never drop a push for it.
        RequestError::Api(ApiError::InvalidToken) => Failure::Transient,
        RequestError::Api(ApiError::Unknown(description)) => {
            // Telegram's 4xx descriptions name their class; anything else (5xx, "Internal
            // Server Error", "Bad Gateway", a gateway timeout) is on Telegram's side.
            let refused = [
                "Bad Request",
                "Not Found",
                "Unauthorized",
                "Conflict",
                "Forbidden",
            ]
            .iter()
            .any(|prefix| description.starts_with(prefix));
            if refused {
                Failure::Refused
            } else {
                Failure::Transient
            }
        }
        RequestError::Api(_) => Failure::Refused,
        RequestError::InvalidJson { raw, .. } => {
            let ok = serde_json::from_str::<serde_json::Value>(raw)
                .ok()
                .and_then(|v| v.get("ok").and_then(serde_json::Value::as_bool));
            if ok == Some(true) {
                Failure::AcceptedAnyway
            } else {
                // A proxy's HTML error page, a cut-off body.
                Failure::Transient
            }
        }
        RequestError::Network(_) | RequestError::Io(_) => Failure::Transient,
    }
}

/// Whether the error means the bot can never write to this chat again.
pub fn chat_is_gone(e: &ApiError) -> bool {
    match e {
        ApiError::BotBlocked
        | ApiError::BotKicked
        | ApiError::BotKickedFromSupergroup
        | ApiError::BotKickedFromChannel
        | ApiError::UserDeactivated
        | ApiError::CantInitiateConversation
        | ApiError::CantTalkWithBots
        | ApiError::ChatNotFound => true,
        ApiError::Unknown(description) => description.starts_with("Forbidden"),
        _ => false,
    }
}

/// Exponential backoff from 1 s, doubling per failure, capped at `max`.
pub fn backoff(failures: u32, max: Duration) -> Duration {
    let secs = 1u64
        .checked_shl(failures.saturating_sub(1).min(16))
        .unwrap_or(u64::MAX);
    Duration::from_secs(secs).min(max)
}

/// One HTML message, link previews off; `quiet` sends it without a notification sound. It waits
/// for its turn within Telegram's limits first, and a 429 holds the chat for `retry_after`.
/// One attempt: callers decide what a failure means.
// Each argument is one field of the Bot API call (chat, thread, text, keyboard, quiet) or the
// pacing it goes through; a struct built at every call site would only rename them.
#[allow(clippy::too_many_arguments)]
pub async fn send_part(
    bot: &TgBot,
    pacer: &Pacer,
    lane: Lane,
    chat_id: i64,
    thread_id: Option<i32>,
    html: String,
    keyboard: Option<InlineKeyboardMarkup>,
    quiet: bool,
) -> Result<Message, RequestError> {
    let mut request = bot
        .send_message(ChatId(chat_id), html)
        .parse_mode(ParseMode::Html)
        .link_preview_options(LinkPreviewOptions {
            is_disabled: true,
            url: None,
            prefer_small_media: false,
            prefer_large_media: false,
            show_above_text: false,
        });
    if let Some(thread) = thread_id {
        request = request.message_thread_id(ThreadId(MessageId(thread)));
    }
    if let Some(keyboard) = keyboard {
        request = request.reply_markup(keyboard);
    }
    if quiet {
        request = request.disable_notification(true);
    }
    pacer.turn(chat_id, lane).await;
    let sent = request.await;
    if let Err(RequestError::RetryAfter(after)) = &sent {
        pacer.hold(chat_id, tokio::time::Instant::now() + after.duration());
    }
    sent
}

/// Waits `d` unless shutdown comes first; `false` when stopping.
pub async fn sleep_or_stop(d: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    if *stop.borrow() {
        return false;
    }
    let stopped = tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = stop.wait_for(|s| *s) => true,
    };
    !stopped && !*stop.borrow()
}

/// Sends one part of an answer to `to`, patiently: waits out 429s, follows a group's migration
/// (moving its subscriptions, and `to` with it), forgets a chat that is gone, and retries
/// transient failures with backoff for up to [`ANSWER_PATIENCE`] or until shutdown.
///
/// A timeout is ambiguous (Telegram may have accepted the message before the answer was lost),
/// and is retried: a rare repeated answer beats a question left unanswered.
pub async fn send_answer(
    bot: &TgBot,
    pacer: &Pacer,
    engine: &Arc<Engine>,
    to: &mut Subscriber,
    html: String,
    keyboard: Option<InlineKeyboardMarkup>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), RequestError> {
    let started = Instant::now();
    let mut failures = 0u32;
    let mut migrations = 0;
    loop {
        let result = send_part(
            bot,
            pacer,
            Lane::Answer,
            to.chat_id,
            to.thread_id,
            html.clone(),
            keyboard.clone(),
            false,
        )
        .await;
        let Err(e) = result else { return Ok(()) };
        let wait = match classify(&e) {
            Failure::AcceptedAnyway => return Ok(()),
            Failure::Refused => return Err(e),
            Failure::RetryAfter(after) => {
                tracing::warn!(chat = to.chat_id, retry_after = ?after, "Telegram asks to wait (429) before answering");
                after
            }
            Failure::Migrated(new) if migrations < 2 => {
                migrations += 1;
                let old = to.chat_id;
                tracing::info!(
                    from = old,
                    to = new,
                    "chat migrated to a supergroup; moving its subscriptions"
                );
                let engine = engine.clone();
                let moved =
                    tokio::task::spawn_blocking(move || engine.store().migrate_chat(old, new))
                        .await;
                if !matches!(moved, Ok(Ok(_))) {
                    tracing::error!(
                        from = old,
                        to = new,
                        "could not move a migrated chat's subscriptions"
                    );
                }
                to.chat_id = new;
                continue;
            }
            Failure::Migrated(_) => return Err(e),
            Failure::ChatGone => {
                let chat = to.chat_id;
                tracing::warn!(chat, error = %e, "chat is gone; dropping its subscriptions");
                let engine = engine.clone();
                let _ = tokio::task::spawn_blocking(move || engine.store().remove_chat(chat)).await;
                return Err(e);
            }
            Failure::Transient => {
                failures += 1;
                let wait = backoff(failures, ANSWER_MAX_BACKOFF);
                tracing::warn!(chat = to.chat_id, error = %e, retry_in = ?wait, "could not answer; will retry");
                wait
            }
        };
        if started.elapsed() + wait > ANSWER_PATIENCE {
            tracing::warn!(chat = to.chat_id, error = %e, "giving up on an answer after retrying");
            return Err(e);
        }
        if !sleep_or_stop(wait, &mut stop).await {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let max = Duration::from_secs(60);
        assert_eq!(backoff(1, max), Duration::from_secs(1));
        assert_eq!(backoff(2, max), Duration::from_secs(2));
        assert_eq!(backoff(5, max), Duration::from_secs(16));
        assert_eq!(backoff(40, max), max);
        assert_eq!(backoff(u32::MAX, max), max);
    }

    #[test]
    fn forbidden_errors_mean_the_chat_is_gone() {
        assert!(chat_is_gone(&ApiError::BotBlocked));
        assert!(chat_is_gone(&ApiError::Unknown(
            "Forbidden: bot is not a member of the channel chat".into()
        )));
        assert!(!chat_is_gone(&ApiError::Unknown(
            "Internal Server Error".into()
        )));
        assert!(!chat_is_gone(&ApiError::MessageIsTooLong));
    }

    #[test]
    fn server_errors_are_transient_and_bad_requests_are_refused() {
        let api = |d: &str| RequestError::Api(ApiError::Unknown(d.into()));
        assert_eq!(classify(&api("Internal Server Error")), Failure::Transient);
        assert_eq!(classify(&api("Bad Gateway")), Failure::Transient);
        assert_eq!(
            classify(&api("Bad Request: something new")),
            Failure::Refused
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::MessageIsTooLong)),
            Failure::Refused
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::InvalidToken)),
            Failure::Transient
        );
        assert_eq!(
            classify(&RequestError::Api(ApiError::BotBlocked)),
            Failure::ChatGone
        );
    }

    #[test]
    fn an_unreadable_answer_that_says_ok_means_accepted() {
        let invalid = |raw: &str| RequestError::InvalidJson {
            source: Arc::new(serde_json::from_str::<u8>("x").unwrap_err()),
            raw: raw.into(),
        };
        assert_eq!(
            classify(&invalid(r#"{"ok":true,"result":{"weird":1}}"#)),
            Failure::AcceptedAnyway
        );
        assert_eq!(
            classify(&invalid("<html>502 Bad Gateway</html>")),
            Failure::Transient
        );
    }
}
