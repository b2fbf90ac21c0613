//! The conversation: which updates deserve an answer (routing), who may ask what (the rate
//! limit, group admins, the bot's admins: [`super::access`]), and the dptree handlers that pass
//! text to the core and send the rendered reply. Handlers only translate; what to answer is the
//! core's business. Edited messages are not handled on purpose: answering an edit would answer
//! the same question twice.

use std::sync::Arc;
use std::time::Duration;

use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{Chat, MessageKind, User, UserId};
use tokio::sync::watch;

use crate::answer::{Engine, PictureKind, Reply, ReplyKind, Request, Subscriber};
use crate::picture::Lang;

use super::access::{now_since_epoch, GroupAdmins, RateLimiter, Verdict};
use super::send::send_answer;
use super::{render, share, TgBot};

const HINT: &str =
    "I can only read text. Ask me about the story in words, or try /latest or /help.";
const SLOW_DOWN: &str =
    "That is a lot of messages at once. Please give me a few seconds and ask again.";
const FAILED: &str = "Sorry, something went wrong while answering that. Please try again.";
const ONLY_ADMINS: &str = "Only this group's admins can change its subscriptions.";
const CANNOT_CHECK: &str =
    "I could not check with Telegram whether you are an admin of this group. Please try again in a moment.";
const NO_PICTURE: &str =
    "Sorry, I could not make that picture. Try /status or /timeline for the text.";
/// Telegram's longest command name; a longer "command" is cut before the core echoes it back.
const MAX_COMMAND: usize = 32;

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
        return if private || addressed {
            Route::Hint
        } else {
            Route::Ignore
        };
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
        // A 4,000-character "command" would otherwise come back whole in "I don't know …".
        let command = match command.char_indices().nth(MAX_COMMAND) {
            Some((cut, _)) => format!("{}\u{2026}", &command[..cut]),
            None => command.to_string(),
        };
        return Route::Engine(format!("/{command}{args}"));
    }
    if private {
        return Route::Engine(text.to_string());
    }
    let mention = format!("@{bot_username}");
    if contains_mention(text, &mention) {
        let question = remove_mention(text, &mention);
        return Route::Engine(if question.is_empty() {
            "/help".to_string()
        } else {
            question
        });
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
        .filter(|w| {
            !w.trim_end_matches([',', ':', '!', '?', '.'])
                .eq_ignore_ascii_case(mention)
        })
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches([',', ':'])
        .trim()
        .to_string()
}

/// Shared by every handler.
pub struct State {
    pub engine: Arc<Engine>,
    pub limiter: RateLimiter,
    pub group_admins: GroupAdmins,
    pub bot_username: String,
    /// Turns true at shutdown: answers stop retrying.
    pub stop: watch::Receiver<bool>,
    /// Telegram's limits, shared with the pushes.
    pub pacer: Arc<super::pace::Pacer>,
    /// The pages of long answers not yet shown (the More button).
    pub more: super::more::MorePages,
}

type HandlerResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The handler tree: messages, button presses and inline queries; everything else (edits, channel posts,
/// member updates) is ignored.
pub fn schema() -> UpdateHandler<Box<dyn std::error::Error + Send + Sync + 'static>> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(on_message))
        .branch(Update::filter_callback_query().endpoint(on_callback))
        .branch(Update::filter_inline_query().endpoint(super::share::on_inline_query))
}

fn subscriber_of(msg: &Message) -> Subscriber {
    let thread_id = if msg.is_topic_message {
        msg.thread_id.map(|t| t.0 .0)
    } else {
        None
    };
    Subscriber {
        chat_id: msg.chat.id.0,
        thread_id,
    }
}

async fn on_message(bot: TgBot, msg: Message, state: Arc<State>) -> HandlerResult {
    // Service messages (members joining, pins, …) are not addressed to anyone.
    if !matches!(msg.kind, MessageKind::Common(_)) {
        return Ok(());
    }
    // An admin posting anonymously writes as the group itself (from a bot account Telegram
    // names GroupAnonymousBot); other bots are not listened to.
    let as_group = msg
        .sender_chat
        .as_ref()
        .is_some_and(|c| c.id == msg.chat.id);
    if msg.from.as_ref().is_some_and(|u| u.is_bot) && !as_group {
        return Ok(());
    }
    let addressed = msg
        .reply_to_message()
        .and_then(|m| m.from.as_ref())
        .and_then(|u| u.username.as_deref())
        .is_some_and(|u| u.eq_ignore_ascii_case(&state.bot_username));
    let route = route(
        msg.text(),
        msg.chat.is_private(),
        addressed,
        &state.bot_username,
    );
    if route == Route::Ignore {
        return Ok(());
    }
    let from = subscriber_of(&msg);
    let sent = Duration::from_secs(u64::try_from(msg.date.timestamp()).unwrap_or(0));
    match state.limiter.check(from.chat_id, sent) {
        Verdict::Allow => {}
        Verdict::Drop => return Ok(()),
        Verdict::Warn => {
            tracing::info!(chat = from.chat_id, "rate limit reached");
            send_text(&bot, &state, from, SLOW_DOWN).await;
            return Ok(());
        }
    }
    match route {
        Route::Engine(text) => {
            let gate = gate(&bot, &state, &msg.chat, msg.from.as_ref(), as_group, text).await;
            respond(&bot, &state, from, gate).await;
        }
        Route::Hint => send_text(&bot, &state, from, HINT).await,
        Route::Ignore => {}
    }
    Ok(())
}

/// A button press: its data is a command, handled as if typed in the message's chat by the
/// person who pressed it.
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
        None => Subscriber {
            chat_id: message.chat().id.0,
            thread_id: None,
        },
    };
    match state.limiter.check(from.chat_id, now_since_epoch()) {
        Verdict::Allow => {}
        Verdict::Drop => return Ok(()),
        Verdict::Warn => {
            send_text(&bot, &state, from, SLOW_DOWN).await;
            return Ok(());
        }
    }
    if data.starts_with(super::more::MORE_PREFIX) {
        match state.more.next_page(from.chat_id, data) {
            Some(page) => send_page(&bot, &state, from, &page, &[]).await,
            None => send_text(&bot, &state, from, super::more::EXPIRED).await,
        }
        return Ok(());
    }
    let gate = gate(
        &bot,
        &state,
        message.chat(),
        Some(&q.from),
        false,
        data.to_string(),
    )
    .await;
    respond(&bot, &state, from, gate).await;
    Ok(())
}

/// What a message that passed routing and the rate limit gets.
enum Gate {
    /// Pass this text to the core.
    Ask(String),
    /// The admin overview.
    Stats,
    /// Refused, with this explanation.
    Refuse(&'static str),
    /// A picture of the topic (`/timeline`: then this text's answer; `/card`: nothing more).
    Picture {
        kind: PictureKind,
        topic: Option<String>,
        lang: Lang,
        then: Option<String>,
    },
    /// `/subscribe TOPIC @channel` from a private chat: checked, then answered for the channel.
    Channel {
        subscribe: bool,
        topic: Option<String>,
        channel: String,
        private: bool,
        user: Option<UserId>,
    },
}

/// Who may ask what: `/stats` only for the bot's admins (in a private chat; others get the
/// normal help), and a group's subscriptions only changed by that group's admins.
async fn gate(
    bot: &TgBot,
    state: &State,
    chat: &Chat,
    user: Option<&User>,
    as_group: bool,
    text: String,
) -> Gate {
    let lang = Lang::from_code(
        user.and_then(|u| u.language_code.as_deref())
            .unwrap_or_default(),
    );
    if let Some(topic) = share::card_topic(&text) {
        let kind = PictureKind::StatusCard;
        return Gate::Picture {
            kind,
            topic,
            lang,
            then: None,
        };
    }
    let request = Request::parse(&text);
    if let Some((subscribe, topic, channel)) = share::channel_request(&request) {
        return Gate::Channel {
            subscribe,
            topic,
            channel,
            private: chat.is_private(),
            user: user.map(|u| u.id),
        };
    }
    match request {
        Request::Timeline { topic } => Gate::Picture {
            kind: PictureKind::Timeline,
            topic,
            lang,
            then: Some(text),
        },
        Request::Unknown { command } if command == "/stats" => {
            let admins = &state.engine.config().telegram.admins;
            let admin = chat.is_private() && user.is_some_and(|u| admins.contains(&u.id.0));
            if admin {
                Gate::Stats
            } else {
                Gate::Ask("/help".to_string())
            }
        }
        Request::Subscribe { .. } | Request::Unsubscribe { .. }
            if chat.is_group() || chat.is_supergroup() =>
        {
            if as_group {
                return Gate::Ask(text);
            }
            let Some(user) = user else {
                return Gate::Refuse(ONLY_ADMINS);
            };
            match state.group_admins.is_admin(bot, chat.id.0, user.id.0).await {
                Ok(true) => Gate::Ask(text),
                Ok(false) => {
                    tracing::info!(
                        chat = chat.id.0,
                        "a member who is not an admin tried to change subscriptions"
                    );
                    Gate::Refuse(ONLY_ADMINS)
                }
                Err(e) => {
                    tracing::warn!(chat = chat.id.0, error = %e, "could not check a member's admin status");
                    Gate::Refuse(CANNOT_CHECK)
                }
            }
        }
        _ => Gate::Ask(text),
    }
}

/// Answers (on a blocking thread: the store reads files) and sends the reply.
async fn respond(bot: &TgBot, state: &State, from: Subscriber, gate: Gate) {
    let engine = state.engine.clone();
    let who = from.clone();
    let reply = match gate {
        Gate::Refuse(why) => {
            let reply = Reply {
                title: why.to_string(),
                intro: vec!["/subscriptions shows what this chat follows.".to_string()],
                kind: ReplyKind::Error,
                ..Reply::default()
            };
            send_reply(bot, state, from, &reply).await;
            return;
        }
        Gate::Stats => {
            tokio::task::spawn_blocking(move || crate::notify::stats::admin_stats(&engine)).await
        }
        Gate::Picture {
            kind,
            topic,
            lang,
            then,
        } => {
            let sent = share::send_picture(bot, state, &from, kind, topic, lang).await;
            let Some(text) = then else {
                if !sent {
                    send_text(bot, state, from, NO_PICTURE).await;
                }
                return;
            };
            tokio::task::spawn_blocking(move || engine.handle(&who, &text)).await
        }
        Gate::Channel {
            subscribe,
            topic,
            channel,
            private,
            user,
        } => match share::check_channel(bot, private, user, &channel).await {
            Ok(id) => {
                tokio::task::spawn_blocking(move || {
                    share::channel_reply(&engine, id, &channel, subscribe, topic.as_deref())
                })
                .await
            }
            Err(refusal) => {
                send_text(bot, state, from, &refusal.to_string()).await;
                return;
            }
        },
        Gate::Ask(text) => {
            tokio::task::spawn_blocking(move || {
                let request = Request::parse(&text);
                let mut reply = engine.answer(&who, &request);
                share::add_picture_button(&engine, &request, &mut reply);
                reply
            })
            .await
        }
    };
    let reply = reply.unwrap_or_else(|e| {
        tracing::error!(chat = from.chat_id, error = %e, "the core failed on a message");
        Reply {
            title: FAILED.into(),
            kind: ReplyKind::Error,
            ..Reply::default()
        }
    });
    send_reply(bot, state, from, &reply).await;
}

async fn send_text(bot: &TgBot, state: &State, mut to: Subscriber, text: &str) {
    let html = render::escape(text);
    if let Err(e) = send_answer(
        bot,
        &state.pacer,
        &state.engine,
        &mut to,
        html,
        None,
        state.stop.clone(),
    )
    .await
    {
        tracing::warn!(chat = to.chat_id, error = %e, "could not send a message");
    }
}

/// Sends a reply's first page (about [`super::more::CHAT_PAGE`] characters, cut at item
/// boundaries), with a More button for the rest and the reply's actions under it.
async fn send_reply(bot: &TgBot, state: &State, to: Subscriber, reply: &Reply) {
    let pages = render::render_with_limit(reply, super::more::CHAT_PAGE);
    if let Some(page) = state.more.first_page(to.chat_id, pages) {
        send_page(bot, state, to, &page, &reply.actions).await;
    }
}

/// Sends one page, patiently ([`send_answer`]), with its buttons.
async fn send_page(
    bot: &TgBot,
    state: &State,
    mut to: Subscriber,
    page: &super::more::Page,
    actions: &[crate::answer::Action],
) {
    if let Err(e) = send_answer(
        bot,
        &state.pacer,
        &state.engine,
        &mut to,
        page.html.clone(),
        page.keyboard(actions),
        state.stop.clone(),
    )
    .await
    {
        tracing::warn!(chat = to.chat_id, error = %e, "could not send a reply");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "storyline_bot";

    #[test]
    fn commands_for_other_bots_are_ignored_and_ours_are_stripped() {
        assert_eq!(
            route(Some("/latest@other_bot minerals"), false, false, ME),
            Route::Ignore
        );
        assert_eq!(
            route(Some("/latest@other_bot"), true, false, ME),
            Route::Ignore
        );
        assert_eq!(
            route(Some("/latest@Storyline_Bot minerals"), false, false, ME),
            Route::Engine("/latest minerals".into())
        );
        assert_eq!(
            route(Some("/status"), false, false, ME),
            Route::Engine("/status".into())
        );
    }

    #[test]
    fn groups_answer_only_commands_mentions_and_replies() {
        assert_eq!(
            route(Some("is the deal signed?"), false, false, ME),
            Route::Ignore
        );
        assert_eq!(
            route(Some("is the deal signed?"), true, false, ME),
            Route::Engine("is the deal signed?".into())
        );
        assert_eq!(
            route(Some("is the deal signed?"), false, true, ME),
            Route::Engine("is the deal signed?".into())
        );
        assert_eq!(
            route(
                Some("@storyline_bot, is the deal signed?"),
                false,
                false,
                ME
            ),
            Route::Engine("is the deal signed?".into())
        );
        assert_eq!(
            route(Some("@storyline_bot"), false, false, ME),
            Route::Engine("/help".into())
        );
        assert_eq!(
            route(Some("mail me at x@storyline_bot.com"), false, false, ME),
            Route::Ignore
        );
    }

    #[test]
    fn non_text_gets_a_hint_where_we_are_addressed() {
        assert_eq!(route(None, true, false, ME), Route::Hint);
        assert_eq!(route(None, false, false, ME), Route::Ignore);
        assert_eq!(route(None, false, true, ME), Route::Hint);
        assert_eq!(route(Some("   "), true, false, ME), Route::Hint);
    }

    #[test]
    fn overlong_commands_are_cut_before_the_core_sees_them() {
        let long = format!("/{} tail", "x".repeat(4000));
        let Route::Engine(text) = route(Some(&long), true, false, ME) else {
            panic!("not routed")
        };
        assert_eq!(text, format!("/{}\u{2026} tail", "x".repeat(MAX_COMMAND)));
        let multibyte = format!("/{}", "\u{1F600}".repeat(40));
        assert!(matches!(
            route(Some(&multibyte), true, false, ME),
            Route::Engine(_)
        ));
    }
}
