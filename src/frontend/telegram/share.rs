//! Sharing the story (issue 14): pictures sent as photos (the timeline before `/timeline`'s text,
//! the status card behind `/status`'s "Picture" button or `/card TOPIC`), inline mode
//! (`@bot minerals` in any chat offers the topic's status and latest item), and channels that
//! follow a topic (`/subscribe minerals @channel` from a private chat by an admin of the channel,
//! with the bot an admin there too; pushes then reach the channel through the same outbox).
//!
//! The pictures and the answers are the core's; this module only moves bytes and checks who may
//! subscribe a channel.

use std::sync::Arc;
use std::time::Duration;

use teloxide::prelude::*;
use teloxide::types::{
    ChatMemberKind, InlineQueryResult, InlineQueryResultArticle, InputFile, InputMessageContent,
    InputMessageContentText, LinkPreviewOptions, MessageId, ParseMode, Recipient, ThreadId,
};
use teloxide::RequestError;

use crate::answer::{Engine, PictureKind, Reply, ReplyKind, Request, Subscriber};
use crate::picture::Lang;

use super::access::{now_since_epoch, Verdict};
use super::conversation::State;
use super::pace::Lane;
use super::send::{backoff, classify, sleep_or_stop, Failure};
use super::{render, TgBot};

/// The command behind the status card ("Picture" under `/status TOPIC`).
pub const CARD_COMMAND: &str = "/card";
/// Tries of one photo: a picture is a bonus to the text that follows, which has its own
/// patience, so a photo that keeps failing is left out rather than holding the answer.
const PHOTO_TRIES: u32 = 3;
/// Most topics one inline query offers (two results each).
const INLINE_TOPICS_MAX: usize = 3;
/// How long Telegram may reuse an inline answer.
const INLINE_CACHE_SECONDS: u32 = 60;

/// `/card TOPIC` (or `/card`): the topic argument, when `text` is that command.
pub fn card_topic(text: &str) -> Option<Option<String>> {
    let rest = text.trim().strip_prefix(CARD_COMMAND)?;
    let rest = match rest.strip_prefix('@') {
        // "/card@storyline_bot minerals": routing has already checked the name.
        Some(r) => r.split_once(char::is_whitespace).map_or("", |(_, a)| a),
        None if rest.is_empty() || rest.starts_with(char::is_whitespace) => rest,
        None => return None,
    };
    let topic = rest.trim();
    Some((!topic.is_empty()).then(|| topic.to_string()))
}

/// The "Picture" button for a `/status TOPIC` answer: the status card of that topic.
pub fn add_picture_button(engine: &Engine, request: &Request, reply: &mut Reply) {
    let Request::Status {
        topic: Some(name),
        as_of: None,
    } = request
    else {
        return;
    };
    if reply.kind != ReplyKind::Answer {
        return;
    }
    if let Some(topic) = engine.config().find_topic(name) {
        reply.actions.push(crate::answer::Action {
            label: "Picture".into(),
            command: format!("{CARD_COMMAND} {}", topic.id),
        });
    }
}

/// Draws the picture on a blocking thread and sends it as a photo to `to`. Failures are logged
/// and swallowed: the text answer still follows.
pub async fn send_picture(
    bot: &TgBot,
    state: &State,
    to: &Subscriber,
    kind: PictureKind,
    topic: Option<String>,
    lang: Lang,
) -> bool {
    let engine = state.engine.clone();
    let drawn =
        tokio::task::spawn_blocking(move || engine.picture_png(kind, topic.as_deref(), lang)).await;
    let png = match drawn {
        Ok(Ok(png)) => png,
        Ok(Err(e)) => {
            tracing::info!(chat = to.chat_id, error = %e, "no picture to send");
            return false;
        }
        Err(e) => {
            tracing::error!(chat = to.chat_id, error = %e, "drawing a picture failed");
            return false;
        }
    };
    let name = match kind {
        PictureKind::Timeline => "timeline.png",
        PictureKind::StatusCard => "status.png",
    };
    let mut stop = state.stop.clone();
    for failures in 1..=PHOTO_TRIES {
        let mut request = bot.send_photo(
            ChatId(to.chat_id),
            InputFile::memory(png.clone()).file_name(name),
        );
        if let Some(thread) = to.thread_id {
            request = request.message_thread_id(ThreadId(MessageId(thread)));
        }
        state.pacer.turn(to.chat_id, Lane::Answer).await;
        let Err(e) = request.await else {
            return true;
        };
        let wait = match classify(&e) {
            Failure::AcceptedAnyway => return true,
            Failure::RetryAfter(after) => {
                state
                    .pacer
                    .hold(to.chat_id, tokio::time::Instant::now() + after);
                after
            }
            Failure::Transient => backoff(failures, Duration::from_secs(8)),
            // A gone or migrated chat is the text answer's to handle.
            Failure::Refused | Failure::ChatGone | Failure::Migrated(_) => {
                tracing::warn!(chat = to.chat_id, error = %e, "Telegram refused a picture");
                return false;
            }
        };
        if failures == PHOTO_TRIES || !sleep_or_stop(wait, &mut stop).await {
            tracing::warn!(chat = to.chat_id, error = %e, "giving up on a picture");
            return false;
        }
    }
    false
}

/// One inline result: a short title and description, and the message it posts.
#[derive(Debug, Clone, PartialEq)]
pub struct InlineAnswer {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Telegram HTML, citations as links.
    pub html: String,
}

/// The inline results for `query`: for each matching topic (every topic when the query is
/// empty; a prefix of a topic's id, name or alias matches too) its status and its latest item.
pub fn inline_answers(engine: &Engine, query: &str) -> Vec<InlineAnswer> {
    let query = query.trim().to_lowercase();
    let config = engine.config();
    let topics: Vec<&crate::config::Topic> = match config.find_topic(&query) {
        Some(t) if !query.is_empty() => vec![t],
        _ => config
            .topics
            .iter()
            .filter(|t| {
                query.is_empty()
                    || std::iter::once(&t.id)
                        .chain(std::iter::once(&t.name))
                        .chain(&t.aliases)
                        .any(|n| n.to_lowercase().starts_with(&query))
            })
            .take(INLINE_TOPICS_MAX)
            .collect(),
    };
    let who = Subscriber {
        chat_id: 0,
        thread_id: None,
    };
    let mut out = Vec::new();
    for topic in topics {
        let status = engine.answer(
            &who,
            &Request::Status {
                topic: Some(topic.id.clone()),
                as_of: None,
            },
        );
        let latest = first_item_only(engine.answer(
            &who,
            &Request::Latest {
                topic: Some(topic.id.clone()),
            },
        ));
        for (what, reply) in [("status", status), ("latest", latest)] {
            if reply.kind != ReplyKind::Answer {
                continue;
            }
            let Some(html) = render::render(&reply).into_iter().next() else {
                continue;
            };
            let description = reply
                .items
                .first()
                .map(|i| shorten(&i.text, 120))
                .unwrap_or_default();
            out.push(InlineAnswer {
                id: format!("{what}-{}", topic.id),
                title: reply.title.clone(),
                description,
                html,
            });
        }
    }
    out
}

/// The reply with its first item only, and only the citations that item uses (renumbered).
fn first_item_only(mut reply: Reply) -> Reply {
    reply.items.truncate(1);
    let Some(item) = reply.items.first_mut() else {
        return reply;
    };
    let mut kept = Vec::new();
    let mut renumber = |n: &mut usize| {
        if let Some(c) = reply.citations.get(*n - 1) {
            let at = kept.iter().position(|k: &crate::answer::Citation| k == c);
            *n = match at {
                Some(i) => i + 1,
                None => {
                    kept.push(c.clone());
                    kept.len()
                }
            };
        }
    };
    item.cites.retain(|n| *n >= 1);
    item.also_reported_by.retain(|n| *n >= 1);
    item.cites.iter_mut().for_each(&mut renumber);
    item.also_reported_by.iter_mut().for_each(&mut renumber);
    reply.citations = kept;
    reply.actions.clear();
    reply
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// `@bot minerals` typed in any chat: answered with [`inline_answers`].
pub async fn on_inline_query(
    bot: TgBot,
    q: InlineQuery,
    state: Arc<State>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Telegram sends a query as the user types: the same per-user limit as messages (a user's
    // private chat has the user's id), and past it the query goes unanswered.
    let user = i64::try_from(q.from.id.0).unwrap_or(i64::MAX);
    if state.limiter.check(user, now_since_epoch()) != Verdict::Allow {
        return Ok(());
    }
    let engine = state.engine.clone();
    let query = q.query.clone();
    let answers = tokio::task::spawn_blocking(move || inline_answers(&engine, &query)).await?;
    let results: Vec<InlineQueryResult> = answers
        .into_iter()
        .map(|a| {
            let content = InputMessageContentText::new(a.html)
                .parse_mode(ParseMode::Html)
                .link_preview_options(LinkPreviewOptions {
                    is_disabled: true,
                    url: None,
                    prefer_small_media: false,
                    prefer_large_media: false,
                    show_above_text: false,
                });
            InlineQueryResult::Article(
                InlineQueryResultArticle::new(a.id, a.title, InputMessageContent::Text(content))
                    .description(a.description),
            )
        })
        .collect();
    if let Err(e) = bot
        .answer_inline_query(q.id, results)
        .cache_time(INLINE_CACHE_SECONDS)
        .await
    {
        tracing::warn!(error = %e, "could not answer an inline query");
    }
    Ok(())
}

/// `/subscribe TOPIC @channel` (or `/unsubscribe`): the topic and the channel, when the last
/// word names a channel.
pub fn channel_request(request: &Request) -> Option<(bool, Option<String>, String)> {
    let (subscribe, args) = match request {
        Request::Subscribe { topic: Some(a) } => (true, a),
        Request::Unsubscribe { topic: Some(a) } => (false, a),
        _ => return None,
    };
    let mut words: Vec<&str> = args.split_whitespace().collect();
    let channel = words.pop().filter(|w| w.starts_with('@') && w.len() > 1)?;
    let topic = (!words.is_empty()).then(|| words.join(" "));
    Some((subscribe, topic, channel.to_string()))
}

/// Why a channel cannot be subscribed by this user.
#[derive(Debug, thiserror::Error)]
pub enum ChannelRefusal {
    #[error("Subscribe a channel from a private chat with me: /subscribe TOPIC @channel.")]
    NotPrivate,
    #[error("I can't find the channel {0}. Add me to it as an admin, then try again.")]
    NotFound(String),
    #[error("{0} is not a channel.")]
    NotAChannel(String),
    #[error("Only an admin of {0} can change what it follows.")]
    NotAdmin(String),
    #[error("Make me an admin of {0} who may post messages, then try again.")]
    BotNotAdmin(String),
    #[error("I could not check {0} with Telegram just now. Please try again in a moment.")]
    CannotCheck(String),
}

/// Checks that `user` may make `channel` follow a topic (an admin of it, the bot an admin that
/// may post) and returns the channel's chat id.
pub async fn check_channel(
    bot: &TgBot,
    private_chat: bool,
    user: Option<UserId>,
    channel: &str,
) -> Result<i64, ChannelRefusal> {
    if !private_chat {
        return Err(ChannelRefusal::NotPrivate);
    }
    let name = channel.to_string();
    let user = user.ok_or_else(|| ChannelRefusal::NotAdmin(name.clone()))?;
    let cannot = |e: RequestError| {
        tracing::warn!(channel = %name, error = %e, "could not check a channel");
        match classify(&e) {
            Failure::Refused | Failure::ChatGone => ChannelRefusal::NotFound(name.clone()),
            _ => ChannelRefusal::CannotCheck(name.clone()),
        }
    };
    let chat = bot
        .get_chat(Recipient::ChannelUsername(name.clone()))
        .await
        .map_err(cannot)?;
    if !chat.is_channel() {
        return Err(ChannelRefusal::NotAChannel(name));
    }
    let member = bot.get_chat_member(chat.id, user).await.map_err(cannot)?;
    if !member.is_privileged() {
        return Err(ChannelRefusal::NotAdmin(name));
    }
    let me = bot.get_me().await.map_err(cannot)?;
    let bot_member = bot
        .get_chat_member(chat.id, me.user.id)
        .await
        .map_err(cannot)?;
    let may_post = match &bot_member.kind {
        ChatMemberKind::Administrator(a) => a.can_post_messages,
        _ => false,
    };
    if !may_post {
        return Err(ChannelRefusal::BotNotAdmin(name));
    }
    Ok(chat.id.0)
}

/// The core's answer to a channel's `/subscribe` or `/unsubscribe`, said of the channel.
pub fn channel_reply(
    engine: &Engine,
    channel_id: i64,
    channel: &str,
    subscribe: bool,
    topic: Option<&str>,
) -> Reply {
    let as_channel = Subscriber {
        chat_id: channel_id,
        thread_id: None,
    };
    let request = if subscribe {
        Request::Subscribe {
            topic: topic.map(str::to_string),
        }
    } else {
        Request::Unsubscribe {
            topic: topic.map(str::to_string),
        }
    };
    let mut reply = engine.answer(&as_channel, &request);
    reply.intro.insert(0, format!("For the channel {channel}:"));
    // Buttons would act on this private chat, not on the channel.
    reply.actions.clear();
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_commands_are_read_with_their_topic() {
        assert_eq!(card_topic("/card minerals"), Some(Some("minerals".into())));
        assert_eq!(card_topic("/card"), Some(None));
        assert_eq!(
            card_topic("/card@storyline_bot peace talks"),
            Some(Some("peace talks".into()))
        );
        assert_eq!(card_topic("/cards"), None);
        assert_eq!(card_topic("/status minerals"), None);
    }

    #[test]
    fn a_channel_is_the_last_word_of_a_subscription() {
        let sub = |t: &str| Request::parse(t);
        assert_eq!(
            channel_request(&sub("/subscribe minerals @newsroom")),
            Some((true, Some("minerals".into()), "@newsroom".into()))
        );
        assert_eq!(
            channel_request(&sub("/unsubscribe @newsroom")),
            Some((false, None, "@newsroom".into()))
        );
        assert_eq!(channel_request(&sub("/subscribe minerals")), None);
        assert_eq!(channel_request(&sub("/subscribe minerals @")), None);
        assert_eq!(channel_request(&sub("/latest @newsroom")), None);
    }
}
