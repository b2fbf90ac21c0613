//! The conversation: which updates deserve an answer (routing), a per-chat rate limit, and the
//! dptree handlers that pass text to the core and send the rendered reply. Handlers only
//! translate; what to answer is the core's business.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{LinkPreviewOptions, MessageId, MessageKind, ParseMode, ThreadId};
use teloxide::RequestError;

use crate::answer::{Engine, Reply, ReplyKind, Subscriber};

use super::{render, TgBot};

/// Messages a chat may send in [`RATE_WINDOW`] before the bot asks it to slow down.
pub const RATE_LIMIT: usize = 20;
pub const RATE_WINDOW: Duration = Duration::from_secs(10);

const HINT: &str = "I can only read text. Ask me about the story in words, or try /latest or /help.";
const SLOW_DOWN: &str = "That is a lot of messages at once. Please give me a few seconds and ask again.";
const FAILED: &str = "Sorry, something went wrong while answering that. Please try again.";

/// What to do with an incoming message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Pass this text to the core.
    Engine(String),
    /// Not text: answer with a short hint.
    Hint,
    /// Not for us (another bot's command, group chatter).
    Ignore,
}

/// Decides whether and how to answer. `addressed` is true when the message replies to one of
/// the bot's messages. In private chats everything is for us; in groups only commands, mentions
/// and replies to the bot are.
pub fn route(text: Option<&str>, private: bool, addressed: bool, bot_username: &str) -> Route {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return if private || addressed { Route::Hint } else { Route::Ignore };
    };
    if let Some(rest) = text.strip_prefix('/') {
        let (command, args) = match rest.find(char::is_whitespace) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let command = match command.split_once('@') {
            Some((name, target)) if target.eq_ignore_ascii_case(bot_username) => name,
            // Addressed to another bot.
            Some(_) => return Route::Ignore,
            None => command,
        };
        return Route::Engine(format!("/{command}{args}"));
    }
    if private {
        return Route::Engine(text.to_string());
    }
    let mention = format!("@{bot_username}");
    if contains_mention(text, &mention) {
        let question = remove_mention(text, &mention);
        return Route::Engine(if question.is_empty() { "/help".to_string() } else { question });
    }
    if addressed {
        return Route::Engine(text.to_string());
    }
    Route::Ignore
}

fn contains_mention(text: &str, mention: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ':' | '!' | '?' | '.'))
        .any(|w| w.eq_ignore_ascii_case(mention))
}

fn remove_mention(text: &str, mention: &str) -> String {
    text.split_whitespace()
        .filter(|w| !w.trim_end_matches([',', ':', '!', '?', '.']).eq_ignore_ascii_case(mention))
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches([',', ':'])
        .trim()
        .to_string()
}

/// What the rate limiter says about one more message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Over the limit for the first time in this window: say so once.
    Warn,
    /// Still over the limit: stay silent.
    Drop,
}

/// At most `limit` answered messages per chat in a sliding `window`; one polite warning, then
/// silence until the window has room again.
#[derive(Debug)]
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    chats: Mutex<HashMap<i64, ChatWindow>>,
}

#[derive(Debug, Default)]
struct ChatWindow {
    hits: VecDeque<Instant>,
    warned: bool,
}

impl RateLimiter {
    pub fn new(limit: usize, window: Duration) -> RateLimiter {
        RateLimiter { limit: limit.max(1), window, chats: Mutex::new(HashMap::new()) }
    }

    pub fn check(&self, chat: i64, now: Instant) -> Verdict {
        // A poisoned lock only means another handler panicked mid-check; the counts are still
        // usable.
        let mut chats = self.chats.lock().unwrap_or_else(|p| p.into_inner());
        if chats.len() > 10_000 {
            let window = self.window;
            chats.retain(|_, w| w.hits.back().is_some_and(|t| now.saturating_duration_since(*t) < window));
        }
        let w = chats.entry(chat).or_default();
        while w.hits.front().is_some_and(|t| now.saturating_duration_since(*t) >= self.window) {
            w.hits.pop_front();
        }
        if w.hits.len() < self.limit {
            w.hits.push_back(now);
            w.warned = false;
            Verdict::Allow
        } else if !w.warned {
            w.warned = true;
            Verdict::Warn
        } else {
            Verdict::Drop
        }
    }
}

/// Shared by every handler.
pub struct State {
    pub engine: Arc<Engine>,
    pub limiter: RateLimiter,
    pub bot_username: String,
}

type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The handler tree: messages and button presses; everything else is ignored.
pub fn schema() -> UpdateHandler<Box<dyn std::error::Error + Send + Sync + 'static>> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback))
}

fn subscriber_of(msg: &Message) -> Subscriber {
    let thread_id = if msg.is_topic_message { msg.thread_id.map(|t| t.0 .0) } else { None };
    Subscriber { chat_id: msg.chat.id.0, thread_id }
}

async fn on_message(bot: TgBot, msg: Message, state: Arc<State>) -> HandlerResult {
    // Service messages (members joining, pins, …) are not addressed to anyone.
    if !matches!(msg.kind, MessageKind::Common(_)) {
        return Ok(());
    }
    if msg.from.as_ref().is_some_and(|u| u.is_bot) {
        return Ok(());
    }
    let addressed = msg
        .reply_to_message()
        .and_then(|m| m.from.as_ref())
        .and_then(|u| u.username.as_deref())
        .is_some_and(|u| u.eq_ignore_ascii_case(&state.bot_username));
    let route = route(msg.text(), msg.chat.is_private(), addressed, &state.bot_username);
    if route == Route::Ignore {
        return Ok(());
    }
    let from = subscriber_of(&msg);
    match state.limiter.check(from.chat_id, Instant::now()) {
        Verdict::Allow => {}
        Verdict::Drop => return Ok(()),
        Verdict::Warn => {
            tracing::info!(chat = from.chat_id, "rate limit reached");
            send_text(&bot, &from, SLOW_DOWN).await;
            return Ok(());
        }
    }
    match route {
        Route::Engine(text) => answer(&bot, &state, from, text).await,
        Route::Hint => send_text(&bot, &from, HINT).await,
        Route::Ignore => {}
    }
    Ok(())
}

/// A button press: its data is a command, handled as if typed in the message's chat.
async fn on_callback(bot: TgBot, q: CallbackQuery, state: Arc<State>) -> HandlerResult {
    // Stop the button's spinner first, whatever happens next.
    if let Err(e) = bot.answer_callback_query(q.id.clone()).await {
        tracing::debug!(error = %e, "answerCallbackQuery failed");
    }
    let (Some(data), Some(message)) = (q.data.as_deref(), q.message.as_ref()) else {
        return Ok(());
    };
    let from = match message.regular_message() {
        Some(m) => subscriber_of(m),
        None => Subscriber { chat_id: message.chat().id.0, thread_id: None },
    };
    match state.limiter.check(from.chat_id, Instant::now()) {
        Verdict::Allow => {}
        Verdict::Drop => return Ok(()),
        Verdict::Warn => {
            send_text(&bot, &from, SLOW_DOWN).await;
            return Ok(());
        }
    }
    answer(&bot, &state, from, data.to_string()).await;
    Ok(())
}

/// Asks the core (on a blocking thread: the store reads files) and sends the reply.
async fn answer(bot: &TgBot, state: &State, from: Subscriber, text: String) {
    let engine = state.engine.clone();
    let who = from.clone();
    let reply = match tokio::task::spawn_blocking(move || engine.handle(&who, &text)).await {
        Ok(reply) => reply,
        Err(e) => {
            tracing::error!(chat = from.chat_id, error = %e, "the core failed on a message");
            Reply { title: FAILED.into(), kind: ReplyKind::Error, ..Reply::default() }
        }
    };
    if let Err(e) = send_reply(bot, &from, &reply).await {
        tracing::warn!(chat = from.chat_id, error = %e, "could not send a reply");
    }
}

async fn send_text(bot: &TgBot, to: &Subscriber, text: &str) {
    if let Err(e) = send_part(bot, to.chat_id, to.thread_id, render::escape(text), None, false).await {
        tracing::warn!(chat = to.chat_id, error = %e, "could not send a message");
    }
}

/// Sends every part of a rendered reply; the buttons go under the last part.
pub async fn send_reply(bot: &TgBot, to: &Subscriber, reply: &Reply) -> Result<(), RequestError> {
    let parts = render::render(reply);
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.into_iter().enumerate() {
        let keyboard = if i == last { render::keyboard(&reply.actions) } else { None };
        send_part(bot, to.chat_id, to.thread_id, part, keyboard, false).await?;
    }
    Ok(())
}

/// One HTML message, link previews off; `quiet` sends it without a notification sound.
pub async fn send_part(
    bot: &TgBot,
    chat_id: i64,
    thread_id: Option<i32>,
    html: String,
    keyboard: Option<teloxide::types::InlineKeyboardMarkup>,
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
    request.await
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "storyline_bot";

    #[test]
    fn commands_for_other_bots_are_ignored_and_ours_are_stripped() {
        assert_eq!(route(Some("/latest@other_bot minerals"), false, false, ME), Route::Ignore);
        assert_eq!(route(Some("/latest@other_bot"), true, false, ME), Route::Ignore);
        assert_eq!(
            route(Some("/latest@Storyline_Bot minerals"), false, false, ME),
            Route::Engine("/latest minerals".into())
        );
        assert_eq!(route(Some("/status"), false, false, ME), Route::Engine("/status".into()));
    }

    #[test]
    fn groups_answer_only_commands_mentions_and_replies() {
        assert_eq!(route(Some("is the deal signed?"), false, false, ME), Route::Ignore);
        assert_eq!(
            route(Some("is the deal signed?"), true, false, ME),
            Route::Engine("is the deal signed?".into())
        );
        assert_eq!(
            route(Some("is the deal signed?"), false, true, ME),
            Route::Engine("is the deal signed?".into())
        );
        assert_eq!(
            route(Some("@storyline_bot, is the deal signed?"), false, false, ME),
            Route::Engine("is the deal signed?".into())
        );
        assert_eq!(route(Some("@storyline_bot"), false, false, ME), Route::Engine("/help".into()));
        assert_eq!(route(Some("mail me at x@storyline_bot.com"), false, false, ME), Route::Ignore);
    }

    #[test]
    fn non_text_gets_a_hint_where_we_are_addressed() {
        assert_eq!(route(None, true, false, ME), Route::Hint);
        assert_eq!(route(None, false, false, ME), Route::Ignore);
        assert_eq!(route(None, false, true, ME), Route::Hint);
        assert_eq!(route(Some("   "), true, false, ME), Route::Hint);
    }

    #[test]
    fn rate_limit_warns_once_then_stays_silent_until_the_window_passes() {
        let limiter = RateLimiter::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check(1, t0), Verdict::Allow);
        }
        assert_eq!(limiter.check(1, t0), Verdict::Warn);
        assert_eq!(limiter.check(1, t0 + Duration::from_secs(1)), Verdict::Drop);
        assert_eq!(limiter.check(2, t0), Verdict::Allow, "other chats are not affected");
        assert_eq!(limiter.check(1, t0 + Duration::from_secs(11)), Verdict::Allow);
    }
}
