//! A fake Telegram Bot API on 127.0.0.1 for end-to-end tests and `storyline bench --fanout`: a minimal HTTP/1.1 server (one
//! request per connection, `Connection: close`) that answers the JSON methods the bot uses,
//! holds `getUpdates` like a long poll, records every message sent, lets a test queue updates
//! (messages of every kind, edits, button presses) and inject Telegram's faults: per chat (403,
//! 429 with `retry_after`, 5xx, migration to a supergroup) or per method (409 conflicts, 401,
//! requests that hang past the client's timeout), a network outage (connections refused), slow
//! acceptance, and the group member statuses `getChatMember` reports. Like Telegram, it refuses
//! HTML it could not parse, so every test also checks that what the bot sends is valid.
//!
//! Pictures and sharing (issue 14): `sendPhoto` as multipart/form-data, its photo's bytes kept
//! ([`FakeBotApi::photos`]) so a test can decode them; inline queries ([`FakeBotApi::inline_query`])
//! and the `answerInlineQuery` that answers them; channels ([`FakeBotApi::add_channel`]) that
//! `getChat` resolves by `@username`.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};

/// The bot's own account.
pub const BOT_ID: i64 = 4242;
pub const BOT_USERNAME: &str = "storyline_test_bot";
/// Who sends group messages unless a test says otherwise; the creator of every group, so
/// subscribing a group works as it would for the person who added the bot.
pub const GROUP_OWNER: i64 = 777;
/// The user id Telegram shows for an admin posting anonymously as the group.
pub const ANONYMOUS_ADMIN: i64 = 1_087_968_824;
/// Longest a `getUpdates` is held, whatever timeout the bot asks for: keeps tests and shutdown
/// quick.
const MAX_HOLD: Duration = Duration::from_millis(500);
/// Requests larger than this are refused (nothing the bot sends comes close).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// How a request fails.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 403 "Forbidden: bot was blocked by the user".
    Blocked,
    /// 429 with `parameters.retry_after`.
    RetryAfter(u32),
    /// 500 "Internal Server Error".
    ServerError,
    /// 502 with an HTML page, as a proxy in front of the Bot API answers: not even JSON.
    BadGateway,
    /// 400 with `parameters.migrate_to_chat_id`.
    MigrateTo(i64),
    /// 409 "Conflict: terminated by other getUpdates request" (another instance polls).
    Conflict,
    /// 401 "Unauthorized" (a revoked or wrong token).
    Unauthorized,
    /// Holds the request this long, then closes the connection without an answer; nothing is
    /// accepted (the client should have given up before).
    Hang(Duration),
    /// 400 for a message Telegram could not take (set by the fake's own checks: bad HTML, too
    /// long, empty), never injected.
    BadRequest(String),
}

/// One `sendMessage` call, accepted or not.
#[derive(Debug, Clone)]
pub struct Sent {
    pub chat_id: i64,
    pub text: String,
    pub parse_mode: Option<String>,
    pub thread_id: Option<i64>,
    pub reply_markup: Option<Value>,
    pub disable_notification: bool,
    pub link_preview_disabled: bool,
    /// The failure returned instead of accepting it.
    pub fault: Option<Fault>,
    /// When the request arrived (before any [`FakeBotApi::set_send_delay`]).
    pub received: Instant,
    /// When it was accepted (or refused). Like Telegram, the fake accepts a request it received
    /// whole even if the client is gone by then.
    pub at: Instant,
}

impl Sent {
    /// The callback data of every inline button.
    pub fn buttons(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(rows) = self
            .reply_markup
            .as_ref()
            .and_then(|m| m["inline_keyboard"].as_array())
        {
            for row in rows {
                for b in row.as_array().into_iter().flatten() {
                    if let Some(d) = b["callback_data"].as_str() {
                        out.push(d.to_string());
                    }
                }
            }
        }
        out
    }
}

/// One `sendPhoto` call that Telegram accepted.
#[derive(Debug, Clone)]
pub struct SentPhoto {
    pub chat_id: i64,
    pub thread_id: Option<i64>,
    pub caption: Option<String>,
    /// The uploaded file's name and bytes.
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub reply_markup: Option<Value>,
    pub at: Instant,
}

/// A file field of a multipart/form-data body.
struct FilePart {
    name: String,
    file_name: String,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct Inner {
    next_update_id: i64,
    next_message_id: i64,
    /// Updates not yet confirmed by an `offset`.
    updates: VecDeque<Value>,
    /// Every `sendMessage`, in order.
    sends: Vec<Sent>,
    /// Every method called, with its JSON body, and when.
    calls: Vec<(String, Value, Instant)>,
    /// Tokens seen in request paths.
    tokens: Vec<String>,
    /// Faults to return for the next sends to a chat.
    faults: HashMap<i64, VecDeque<Fault>>,
    /// Chats whose every send fails with this fault.
    always: HashMap<i64, Fault>,
    /// Faults for the next calls of a method (lowercase name; "*" is any method).
    method_faults: HashMap<String, VecDeque<Fault>>,
    /// Methods whose every call fails with this fault.
    method_always: HashMap<String, Fault>,
    /// `getChatMember` answers: (chat, user) → status ("member" unless set; GROUP_OWNER is
    /// "creator").
    members: HashMap<(i64, i64), String>,
    /// How long a `sendMessage` takes before it is accepted.
    send_delay: Duration,
    /// Chats that are forum supergroups (their messages may carry thread ids).
    forums: Vec<i64>,
    /// Every accepted `sendPhoto`, in order.
    photos: Vec<SentPhoto>,
    /// Channels `getChat` knows: username (without "@", lowercase) → chat id.
    channels: HashMap<String, i64>,
}

/// The running fake server. Dropping it stops accepting connections.
pub struct FakeBotApi {
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
    /// `true` while the network is "gone": the port refuses connections and open ones are cut.
    down: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeBotApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeBotApi {
    /// Starts listening on a free port of 127.0.0.1.
    pub async fn start() -> FakeBotApi {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let inner = Arc::new(Mutex::new(Inner {
            next_update_id: 1,
            next_message_id: 1000,
            ..Inner::default()
        }));
        let changed = Arc::new(Notify::new());
        let (down, down_rx) = watch::channel(false);
        let (i, c) = (inner.clone(), changed.clone());
        let task = tokio::spawn(accept_loop(listener, addr, i, c, down_rx));
        FakeBotApi {
            addr,
            inner,
            changed,
            down,
            task,
        }
    }

    /// The value for `TELOXIDE_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues an update (the `update_id` is filled in) and wakes a held `getUpdates`.
    pub fn push_update(&self, mut update: Value) -> i64 {
        let id = {
            let mut inner = self.lock();
            let id = inner.next_update_id;
            inner.next_update_id += 1;
            update["update_id"] = json!(id);
            inner.updates.push_back(update);
            id
        };
        self.changed.notify_waiters();
        id
    }

    /// A text message from a user: a private chat for positive ids, a supergroup for negative
    /// (sent there by [`GROUP_OWNER`]).
    pub fn send_text(&self, chat_id: i64, text: &str) -> i64 {
        let from = default_sender(chat_id);
        self.send_text_from(chat_id, from, text)
    }

    /// A text message from `user_id` in `chat_id`.
    pub fn send_text_from(&self, chat_id: i64, user_id: i64, text: &str) -> i64 {
        let message = user_message(self.next_message_id(), chat_id, user_id, text, None);
        self.push_update(json!({ "message": message }))
    }

    /// A text message in forum thread `thread_id` of the supergroup `chat_id` (made a forum).
    pub fn send_in_thread(&self, chat_id: i64, user_id: i64, thread_id: i32, text: &str) -> i64 {
        {
            let mut inner = self.lock();
            if !inner.forums.contains(&chat_id) {
                inner.forums.push(chat_id);
            }
        }
        let mut message = user_message(self.next_message_id(), chat_id, user_id, text, None);
        message["chat"]["is_forum"] = json!(true);
        message["message_thread_id"] = json!(thread_id);
        message["is_topic_message"] = json!(true);
        self.push_update(json!({ "message": message }))
    }

    /// A message an admin posts anonymously, as the group itself.
    pub fn send_as_group(&self, chat_id: i64, text: &str) -> i64 {
        let mut message =
            user_message(self.next_message_id(), chat_id, ANONYMOUS_ADMIN, text, None);
        message["from"] = json!({ "id": ANONYMOUS_ADMIN, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot" });
        message["sender_chat"] = chat(chat_id);
        self.push_update(json!({ "message": message }))
    }

    /// A text message replying to one of the bot's messages.
    pub fn send_reply_to_bot(&self, chat_id: i64, text: &str) -> i64 {
        let original = bot_message(1, chat_id, "earlier answer");
        let message = user_message(
            self.next_message_id(),
            chat_id,
            default_sender(chat_id),
            text,
            Some(original),
        );
        self.push_update(json!({ "message": message }))
    }

    /// A user edits an earlier message of theirs to `text`.
    pub fn send_edit(&self, chat_id: i64, text: &str) -> i64 {
        let mut message = user_message(
            self.next_message_id(),
            chat_id,
            default_sender(chat_id),
            text,
            None,
        );
        message["edit_date"] = json!(now());
        self.push_update(json!({ "edited_message": message }))
    }

    /// A photo without caption.
    pub fn send_photo(&self, chat_id: i64) -> i64 {
        let mut message = user_message(
            self.next_message_id(),
            chat_id,
            default_sender(chat_id),
            "",
            None,
        );
        if let Some(m) = message.as_object_mut() {
            m.remove("text");
            m.insert(
                "photo".into(),
                json!([{ "file_id": "ph1", "file_unique_id": "u1", "width": 90, "height": 90 }]),
            );
        }
        self.push_update(json!({ "message": message }))
    }

    /// A sticker.
    pub fn send_sticker(&self, chat_id: i64) -> i64 {
        let mut message = user_message(
            self.next_message_id(),
            chat_id,
            default_sender(chat_id),
            "",
            None,
        );
        if let Some(m) = message.as_object_mut() {
            m.remove("text");
            m.insert(
                "sticker".into(),
                json!({ "file_id": "st1", "file_unique_id": "su1", "type": "regular", "width": 512,
                        "height": 512, "is_animated": false, "is_video": false, "emoji": "\u{1F44D}" }),
            );
        }
        self.push_update(json!({ "message": message }))
    }

    /// A press on an inline button with callback `data` under a bot message in `chat_id`.
    pub fn press_button(&self, chat_id: i64, data: &str) -> i64 {
        self.press_button_from(chat_id, default_sender(chat_id), data)
    }

    /// A press by `user_id` on a button under a bot message in `chat_id`.
    pub fn press_button_from(&self, chat_id: i64, user_id: i64, data: &str) -> i64 {
        let message = bot_message(self.next_message_id(), chat_id, "an answer with buttons");
        self.push_update(json!({
            "callback_query": {
                "id": format!("cb{}", self.next_message_id()),
                "from": user(user_id),
                "chat_instance": "ci",
                "data": data,
                "message": message,
            }
        }))
    }

    fn next_message_id(&self) -> i64 {
        let mut inner = self.lock();
        inner.next_message_id += 1;
        inner.next_message_id
    }

    /// The next `n` sends to `chat_id` fail with `fault`.
    pub fn fail_next(&self, chat_id: i64, fault: Fault, n: usize) {
        let mut inner = self.lock();
        let queue = inner.faults.entry(chat_id).or_default();
        for _ in 0..n {
            queue.push_back(fault.clone());
        }
    }

    /// Every send to `chat_id` fails with `fault` from now on.
    pub fn fail_always(&self, chat_id: i64, fault: Fault) {
        self.lock().always.insert(chat_id, fault);
    }

    /// Sends to `chat_id` succeed again.
    pub fn clear_faults(&self, chat_id: i64) {
        let mut inner = self.lock();
        inner.faults.remove(&chat_id);
        inner.always.remove(&chat_id);
    }

    /// The next `n` calls of `method` (any case; "*" for any method) fail with `fault`.
    pub fn fail_method_next(&self, method: &str, fault: Fault, n: usize) {
        let mut inner = self.lock();
        let queue = inner
            .method_faults
            .entry(method.to_ascii_lowercase())
            .or_default();
        for _ in 0..n {
            queue.push_back(fault.clone());
        }
    }

    /// Every call of `method` ("*" for any) fails with `fault` until cleared.
    pub fn fail_method_always(&self, method: &str, fault: Fault) {
        self.lock()
            .method_always
            .insert(method.to_ascii_lowercase(), fault);
    }

    /// Calls of `method` ("*" for any) succeed again.
    pub fn clear_method_faults(&self, method: &str) {
        let mut inner = self.lock();
        let m = method.to_ascii_lowercase();
        inner.method_faults.remove(&m);
        inner.method_always.remove(&m);
    }

    /// Every `sendMessage` takes `delay` before Telegram accepts it (a slow network), so a test
    /// can act while sends are in flight.
    pub fn set_send_delay(&self, delay: Duration) {
        self.lock().send_delay = delay;
    }

    /// What `getChatMember` says `user_id` is in `chat_id`: "creator", "administrator",
    /// "member", "restricted", "left" or "kicked".
    pub fn set_member_status(&self, chat_id: i64, user_id: i64, status: &str) {
        self.lock()
            .members
            .insert((chat_id, user_id), status.to_string());
    }

    /// A channel `@username` with id `chat_id` (negative, as Telegram's are), which `getChat`
    /// resolves and which messages may be sent to. Nobody is its admin until
    /// [`FakeBotApi::set_member_status`] says so (the bot included).
    pub fn add_channel(&self, chat_id: i64, username: &str) {
        let mut inner = self.lock();
        inner
            .channels
            .insert(username.trim_start_matches('@').to_lowercase(), chat_id);
        for user in [BOT_ID, GROUP_OWNER] {
            inner
                .members
                .entry((chat_id, user))
                .or_insert_with(|| "left".to_string());
        }
    }

    /// An inline query ("@bot minerals") typed by `user_id`; returns the update id. Its answer
    /// is the `answerInlineQuery` call whose `inline_query_id` is `iq<update id>`.
    pub fn inline_query(&self, user_id: i64, query: &str) -> i64 {
        let id = self.lock().next_update_id;
        self.push_update(json!({
            "inline_query": {
                "id": format!("iq{id}"),
                "from": user(user_id),
                "query": query,
                "offset": "",
            }
        }))
    }

    /// Photos Telegram accepted, in order.
    pub fn photos(&self) -> Vec<SentPhoto> {
        self.lock().photos.clone()
    }

    /// The network is gone for `duration`: the port refuses connections and requests in
    /// flight (a held long poll) are cut. Updates queued meanwhile wait for the bot's return.
    pub fn outage(&self, duration: Duration) {
        let _ = self.down.send(true);
        let down = self.down.clone();
        tokio::spawn(async move {
            tokio::time::sleep(duration).await;
            let _ = down.send(false);
        });
    }

    /// Whether the fake is in an outage now.
    pub fn is_down(&self) -> bool {
        *self.down.borrow()
    }

    /// Messages Telegram accepted, in order.
    pub fn delivered(&self) -> Vec<Sent> {
        self.lock()
            .sends
            .iter()
            .filter(|s| s.fault.is_none())
            .cloned()
            .collect()
    }

    /// Messages accepted for one chat.
    pub fn delivered_to(&self, chat_id: i64) -> Vec<Sent> {
        self.delivered()
            .into_iter()
            .filter(|s| s.chat_id == chat_id)
            .collect()
    }

    /// How many accepted messages to each chat pass `keep`, without copying them (a fan-out's
    /// progress is polled often, and copying 10,000 texts each time would load the machine).
    pub fn delivered_count_by_chat(&self, keep: impl Fn(&Sent) -> bool) -> HashMap<i64, usize> {
        let mut counts = HashMap::new();
        for s in self.lock().sends.iter().filter(|s| s.fault.is_none()) {
            if keep(s) {
                *counts.entry(s.chat_id).or_insert(0) += 1;
            }
        }
        counts
    }

    /// When the first and the last accepted message passing `keep` were accepted.
    pub fn delivered_span(&self, keep: impl Fn(&Sent) -> bool) -> Option<(Instant, Instant)> {
        let inner = self.lock();
        let mut times = inner
            .sends
            .iter()
            .filter(|s| s.fault.is_none() && keep(s))
            .map(|s| s.at);
        let first = times.next()?;
        Some(times.fold((first, first), |(lo, hi), t| (lo.min(t), hi.max(t))))
    }

    /// Every `sendMessage` attempt, including refused ones.
    pub fn attempts(&self) -> Vec<Sent> {
        self.lock().sends.clone()
    }

    /// Sends the fake refused because Telegram could not have taken them (bad HTML, too long,
    /// empty): always a bug in the bot.
    pub fn malformed(&self) -> Vec<Sent> {
        self.lock()
            .sends
            .iter()
            .filter(|s| matches!(s.fault, Some(Fault::BadRequest(_))))
            .cloned()
            .collect()
    }

    /// Names of the methods called, in order, lowercased (Telegram ignores their case).
    pub fn methods(&self) -> Vec<String> {
        self.lock()
            .calls
            .iter()
            .map(|(m, _, _)| m.to_ascii_lowercase())
            .collect()
    }

    /// The JSON bodies of calls to `method` (any case).
    pub fn calls_to(&self, method: &str) -> Vec<Value> {
        self.lock()
            .calls
            .iter()
            .filter(|(m, _, _)| m.eq_ignore_ascii_case(method))
            .map(|(_, b, _)| b.clone())
            .collect()
    }

    /// When each call to `method` (any case) arrived.
    pub fn call_times(&self, method: &str) -> Vec<Instant> {
        self.lock()
            .calls
            .iter()
            .filter(|(m, _, _)| m.eq_ignore_ascii_case(method))
            .map(|(_, _, t)| *t)
            .collect()
    }

    /// Tokens the bot used in request paths.
    pub fn tokens(&self) -> Vec<String> {
        self.lock().tokens.clone()
    }

    /// Whether every queued update was fetched and confirmed.
    pub fn updates_drained(&self) -> bool {
        self.lock().updates.is_empty()
    }

    /// Waits (bounded) until `cond` holds on the server state; returns whether it did.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut cond: impl FnMut(&FakeBotApi) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if cond(self) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Accepts connections; during an outage the listener is closed (so connections are refused)
/// and bound again on the same port afterwards.
async fn accept_loop(
    listener: TcpListener,
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
    mut down: watch::Receiver<bool>,
) {
    let mut listener = Some(listener);
    loop {
        let Some(l) = listener.as_ref() else {
            // Wait for the network to come back, then take the port again.
            while *down.borrow() {
                if down.changed().await.is_err() {
                    return;
                }
            }
            match TcpListener::bind(addr).await {
                Ok(l) => listener = Some(l),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
            continue;
        };
        let mut watching = down.clone();
        tokio::select! {
            accepted = l.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let (i, c, mut d) = (inner.clone(), changed.clone(), down.clone());
                tokio::spawn(async move {
                    tokio::select! {
                        _ = serve_connection(stream, i, c) => {}
                        // The network went away under this request: cut it.
                        _ = d.wait_for(|down| *down) => {}
                    }
                });
            }
            _ = watching.wait_for(|down| *down) => {
                listener = None;
            }
        }
    }
}

fn default_sender(chat_id: i64) -> i64 {
    if chat_id > 0 {
        chat_id
    } else {
        GROUP_OWNER
    }
}

fn user(id: i64) -> Value {
    json!({ "id": id.unsigned_abs(), "is_bot": false, "first_name": "Tester", "username": format!("tester{}", id.unsigned_abs()) })
}

fn bot_user() -> Value {
    json!({ "id": BOT_ID, "is_bot": true, "first_name": "Storyline", "username": BOT_USERNAME })
}

fn chat(chat_id: i64) -> Value {
    if chat_id > 0 {
        json!({ "id": chat_id, "type": "private", "first_name": "Tester", "username": format!("tester{chat_id}") })
    } else {
        json!({ "id": chat_id, "type": "supergroup", "title": "Test group" })
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn user_message(
    message_id: i64,
    chat_id: i64,
    from: i64,
    text: &str,
    reply_to: Option<Value>,
) -> Value {
    let mut m = json!({
        "message_id": message_id,
        "date": now(),
        "chat": chat(chat_id),
        "from": user(from),
        "text": text,
    });
    if text.starts_with('/') {
        let len = text
            .split_whitespace()
            .next()
            .map(|w| w.encode_utf16().count())
            .unwrap_or(0);
        m["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": len }]);
    }
    if let Some(r) = reply_to {
        m["reply_to_message"] = r;
    }
    m
}

fn bot_message(message_id: i64, chat_id: i64, text: &str) -> Value {
    json!({ "message_id": message_id, "date": now(), "chat": chat(chat_id), "from": bot_user(), "text": text })
}

fn chat_member(chat_id: i64, user_id: i64, status: &str) -> Value {
    let mut member = json!({ "user": user(user_id), "status": status });
    match status {
        "creator" => {
            member["is_anonymous"] = json!(false);
        }
        "administrator" => {
            for right in [
                "can_be_edited",
                "is_anonymous",
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
                "can_manage_topics",
                "can_post_messages",
            ] {
                member[right] = json!(right != "is_anonymous" && right != "can_be_edited");
            }
        }
        "restricted" => {
            member["is_member"] = json!(true);
            member["until_date"] = json!(0);
            for right in [
                "can_send_messages",
                "can_send_audios",
                "can_send_documents",
                "can_send_photos",
                "can_send_videos",
                "can_send_video_notes",
                "can_send_voice_notes",
                "can_send_polls",
                "can_send_other_messages",
                "can_add_web_page_previews",
                "can_change_info",
                "can_invite_users",
                "can_pin_messages",
                "can_manage_topics",
            ] {
                member[right] = json!(false);
            }
        }
        "kicked" => {
            member["until_date"] = json!(0);
        }
        _ => {}
    }
    let _ = chat_id;
    member
}

/// Checks `text` the way Telegram parses `parse_mode = HTML`: only its tags, properly nested and
/// closed, `<`, `>` and `&` escaped outside tags, and 1 to 4096 characters (UTF-16 units) once
/// the markup is gone. `Err` holds Telegram's description of the refusal.
pub fn check_telegram_html(text: &str) -> Result<(), String> {
    const TAGS: &[&str] = &[
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    ];
    let mut stack: Vec<String> = Vec::new();
    let mut visible = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let Some(end) = rest.find('>') else {
                    return Err("Bad Request: can't parse entities: unclosed start tag".into());
                };
                let tag = &rest[1..end];
                rest = &rest[end + 1..];
                if let Some(name) = tag.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    match stack.pop() {
                        Some(open) if open == name => {}
                        _ => {
                            return Err(format!(
                                "Bad Request: can't parse entities: unmatched end tag \"{name}\""
                            ))
                        }
                    }
                } else {
                    let name: String = tag
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .collect::<String>()
                        .to_ascii_lowercase();
                    if !TAGS.contains(&name.as_str()) {
                        return Err(format!(
                            "Bad Request: can't parse entities: unsupported start tag \"{name}\""
                        ));
                    }
                    if name == "a" {
                        let href = tag
                            .split_once("href=\"")
                            .and_then(|(_, r)| r.split_once('"'))
                            .map(|(h, _)| h);
                        match href {
                            Some(h)
                                if h.starts_with("http://")
                                    || h.starts_with("https://")
                                    || h.starts_with("tg://") => {}
                            _ => {
                                return Err(format!(
                                    "Bad Request: can't parse entities: bad link {tag:?}"
                                ))
                            }
                        }
                    }
                    stack.push(name);
                }
            }
            '&' => {
                let end = rest.find(';').filter(|e| *e <= 10);
                let entity = end.map(|e| &rest[..=e]);
                let decoded =
                    match entity {
                        Some("&lt;") => '<',
                        Some("&gt;") => '>',
                        Some("&amp;") => '&',
                        Some("&quot;") => '"',
                        Some(e) if e.starts_with("&#") => {
                            let digits = &e[2..e.len() - 1];
                            let n = match digits.strip_prefix(['x', 'X']) {
                                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                                None => digits.parse().ok(),
                            };
                            match n.and_then(char::from_u32) {
                                Some(ch) => ch,
                                None => return Err(
                                    "Bad Request: can't parse entities: bad character reference"
                                        .into(),
                                ),
                            }
                        }
                        _ => return Err(
                            "Bad Request: can't parse entities: unescaped \"&\" or unknown entity"
                                .into(),
                        ),
                    };
                visible.push(decoded);
                rest = &rest[entity.map(str::len).unwrap_or(1)..];
            }
            '>' => return Err("Bad Request: can't parse entities: unescaped \">\"".into()),
            c => {
                visible.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("Bad Request: can't parse entities: can't find end tag corresponding to start tag \"{open}\""));
    }
    check_length(&visible)
}

fn check_length(visible: &str) -> Result<(), String> {
    if visible.trim().is_empty() {
        return Err("Bad Request: message text is empty".into());
    }
    if visible.encode_utf16().count() > 4096 {
        return Err("Bad Request: message is too long".into());
    }
    Ok(())
}

/// Reads one request, answers it, closes the connection.
async fn serve_connection(
    mut stream: TcpStream,
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return respond(
                &mut stream,
                431,
                &json!({"ok": false, "error_code": 431, "description": "headers too large"}),
            )
            .await;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let mut content_length = 0usize;
    let mut content_type = String::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => content_length = v.trim().parse().unwrap_or(0),
                "content-type" => content_type = v.trim().to_string(),
                _ => {}
            }
        }
    }
    if content_length > MAX_BODY {
        return respond(
            &mut stream,
            413,
            &json!({"ok": false, "error_code": 413, "description": "too large"}),
        )
        .await;
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < content_length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let (params, files) = if content_type.starts_with("application/json") {
        (
            serde_json::from_slice(&body).unwrap_or(Value::Null),
            Vec::new(),
        )
    } else if content_type.starts_with("multipart/form-data") {
        // teloxide sends methods that may carry files (setWebhook, sendPhoto) as multipart.
        parse_multipart(&content_type, &body)
    } else {
        (Value::Null, Vec::new())
    };
    // `/bot<token>/<Method>`, tolerating extra slashes.
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (token, method) = match segments.iter().position(|s| s.starts_with("bot")) {
        Some(i) => (
            segments[i].trim_start_matches("bot").to_string(),
            segments.get(i + 1).copied().unwrap_or("").to_string(),
        ),
        None => (String::new(), String::new()),
    };
    match handle(&inner, &changed, &token, &method, params, files).await {
        Answer::Json(status, reply) => respond(&mut stream, status, &reply).await,
        Answer::Raw(status, content_type, body) => {
            respond_raw(&mut stream, status, content_type, &body).await
        }
        // Hung: the connection is closed without an answer.
        Answer::Nothing => Ok(()),
    }
}

/// A multipart/form-data body: its text fields as a JSON object of strings, and its files
/// (parts with a `filename`) as bytes, untouched.
fn parse_multipart(content_type: &str, body: &[u8]) -> (Value, Vec<FilePart>) {
    let Some(boundary) = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
    else {
        return (Value::Null, Vec::new());
    };
    let delimiter = format!("--{}", boundary.trim_matches('"')).into_bytes();
    let mut fields = serde_json::Map::new();
    let mut files = Vec::new();
    let mut rest = body;
    while let Some(start) = find(rest, &delimiter) {
        rest = &rest[start + delimiter.len()..];
        let end = find(rest, &delimiter).unwrap_or(rest.len());
        let part = &rest[..end];
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&part[..split]);
        let value = &part[split + 4..];
        let value = value.strip_suffix(b"\r\n").unwrap_or(value);
        let attribute = |key: &str| {
            headers
                .split(';')
                .find_map(|h| h.trim().strip_prefix(&format!("{key}=\"")))
                .and_then(|n| n.split('"').next())
                .map(str::to_string)
        };
        let Some(name) = attribute("name") else {
            continue;
        };
        match attribute("filename") {
            Some(file_name) => files.push(FilePart {
                name,
                file_name,
                bytes: value.to_vec(),
            }),
            None => {
                let text = String::from_utf8_lossy(value).to_string();
                fields.insert(name, Value::String(text));
            }
        }
    }
    (Value::Object(fields), files)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// What the fake answers to one request.
enum Answer {
    Json(u16, Value),
    /// A body that is not the Bot API's JSON (a proxy's error page).
    Raw(u16, &'static str, String),
    /// No answer at all: the connection is dropped.
    Nothing,
}

async fn respond(stream: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    respond_raw(stream, status, "application/json", &body.to_string()).await
}

async fn respond_raw(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &str,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "Error",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.flush().await?;
    stream.shutdown().await
}

fn ok(result: Value) -> Answer {
    Answer::Json(200, json!({ "ok": true, "result": result }))
}

fn fault_response(fault: &Fault) -> Answer {
    let json = |status: u16, body: Value| Answer::Json(status, body);
    match fault {
        Fault::Blocked => json(
            403,
            json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
        ),
        Fault::RetryAfter(s) => json(
            429,
            json!({"ok": false, "error_code": 429, "description": format!("Too Many Requests: retry after {s}"), "parameters": {"retry_after": s}}),
        ),
        Fault::ServerError => {
            json(500, json!({"ok": false, "error_code": 500, "description": "Internal Server Error"}))
        }
        Fault::BadGateway => Answer::Raw(
            502,
            "text/html",
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>".into(),
        ),
        Fault::MigrateTo(id) => json(
            400,
            json!({"ok": false, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat", "parameters": {"migrate_to_chat_id": id}}),
        ),
        Fault::Conflict => json(
            409,
            json!({"ok": false, "error_code": 409, "description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}),
        ),
        Fault::Unauthorized => json(401, json!({"ok": false, "error_code": 401, "description": "Unauthorized"})),
        Fault::Hang(_) => Answer::Nothing,
        Fault::BadRequest(description) => {
            json(400, json!({"ok": false, "error_code": 400, "description": description}))
        }
    }
}

/// The fault for this call of `method`, if a test injected one.
fn method_fault(i: &mut Inner, method: &str) -> Option<Fault> {
    for key in [method, "*"] {
        if let Some(f) = i.method_faults.get_mut(key).and_then(VecDeque::pop_front) {
            return Some(f);
        }
    }
    [method, "*"]
        .iter()
        .find_map(|key| i.method_always.get(*key).cloned())
}

async fn handle(
    inner: &Arc<Mutex<Inner>>,
    changed: &Notify,
    token: &str,
    method: &str,
    params: Value,
    files: Vec<FilePart>,
) -> Answer {
    let lock = || inner.lock().unwrap_or_else(|p| p.into_inner());
    let method = method.to_ascii_lowercase();
    let injected = {
        let mut i = lock();
        i.calls
            .push((method.clone(), params.clone(), Instant::now()));
        if !i.tokens.iter().any(|t| t == token) {
            i.tokens.push(token.to_string());
        }
        // sendMessage faults are decided (and recorded) with the message below.
        if method == "sendmessage" {
            None
        } else {
            method_fault(&mut i, &method)
        }
    };
    if token.is_empty() {
        return Answer::Json(
            404,
            json!({"ok": false, "error_code": 404, "description": "Not Found"}),
        );
    }
    if let Some(fault) = injected {
        if let Fault::Hang(d) = fault {
            tokio::time::sleep(d).await;
        }
        return fault_response(&fault);
    }
    // Telegram method names are case-insensitive (teloxide sends "GetMe").
    match method.as_str() {
        "getme" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Storyline", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": true,
            "can_connect_to_business": false, "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            ok(json!({ "url": "", "has_custom_certificate": false, "pending_update_count": 0 }))
        }
        "deletewebhook"
        | "setwebhook"
        | "setmycommands"
        | "answercallbackquery"
        | "answerinlinequery"
        | "close"
        | "logout" => ok(json!(true)),
        "getchatmember" => {
            let chat_id = params["chat_id"].as_i64().unwrap_or(0);
            let user_id = params["user_id"].as_i64().unwrap_or(0);
            let status = lock()
                .members
                .get(&(chat_id, user_id))
                .cloned()
                .unwrap_or_else(|| {
                    if user_id == GROUP_OWNER {
                        "creator".to_string()
                    } else {
                        "member".to_string()
                    }
                });
            ok(chat_member(chat_id, user_id, &status))
        }
        "getupdates" => {
            let offset = params["offset"].as_i64().unwrap_or(0);
            let limit = params["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
            let timeout =
                Duration::from_secs(params["timeout"].as_u64().unwrap_or(0)).min(MAX_HOLD);
            let deadline = Instant::now() + timeout;
            loop {
                // Register interest before checking, so a push between check and wait is seen.
                let notified = changed.notified();
                {
                    let mut i = lock();
                    // Updates below the offset are confirmed: forget them.
                    while i
                        .updates
                        .front()
                        .is_some_and(|u| u["update_id"].as_i64().unwrap_or(0) < offset)
                    {
                        i.updates.pop_front();
                    }
                    if !i.updates.is_empty() || Instant::now() >= deadline {
                        let batch: Vec<Value> = i.updates.iter().take(limit).cloned().collect();
                        return ok(Value::Array(batch));
                    }
                }
                let _ = tokio::time::timeout(
                    deadline.saturating_duration_since(Instant::now()),
                    notified,
                )
                .await;
            }
        }
        "sendmessage" => {
            let received = Instant::now();
            let delay = lock().send_delay;
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let chat_id = params["chat_id"].as_i64().unwrap_or(0);
            let text = params["text"].as_str().unwrap_or("").to_string();
            let parse_mode = params["parse_mode"].as_str().map(str::to_string);
            let outcome = {
                let mut i = lock();
                let mut fault = match i.faults.get_mut(&chat_id).and_then(VecDeque::pop_front) {
                    Some(f) => Some(f),
                    None => i.always.get(&chat_id).cloned(),
                };
                if fault.is_none() {
                    fault = method_fault(&mut i, "sendmessage");
                }
                if fault.is_none() {
                    let checked = match parse_mode.as_deref() {
                        Some(m) if m.eq_ignore_ascii_case("html") => check_telegram_html(&text),
                        _ => check_length(&text),
                    };
                    fault = checked.err().map(Fault::BadRequest);
                }
                i.sends.push(Sent {
                    chat_id,
                    text: text.clone(),
                    parse_mode,
                    thread_id: params["message_thread_id"].as_i64(),
                    reply_markup: params.get("reply_markup").cloned(),
                    disable_notification: params["disable_notification"].as_bool().unwrap_or(false),
                    link_preview_disabled: params["link_preview_options"]["is_disabled"]
                        .as_bool()
                        .unwrap_or(false),
                    fault: fault.clone(),
                    received,
                    at: Instant::now(),
                });
                match fault {
                    Some(f) => Err(f),
                    None => {
                        i.next_message_id += 1;
                        Ok(i.next_message_id)
                    }
                }
            };
            match outcome {
                Err(f) => {
                    if let Fault::Hang(d) = f {
                        tokio::time::sleep(d).await;
                    }
                    fault_response(&f)
                }
                Ok(message_id) => {
                    let mut message = bot_message(message_id, chat_id, &text);
                    if let Some(markup) = params.get("reply_markup") {
                        message["reply_markup"] = markup.clone();
                    }
                    ok(message)
                }
            }
        }
        "sendphoto" => send_photo(&mut lock(), &params, files),
        "getchat" => {
            let i = lock();
            let wanted = params["chat_id"]
                .as_str()
                .map(|c| c.trim_start_matches('@').to_lowercase());
            match wanted.and_then(|name| i.channels.get(&name).map(|id| (name, *id))) {
                Some((name, id)) => ok(json!({
                    "id": id, "type": "channel", "title": format!("Channel {name}"), "username": name,
                    "accepted_gift_types": { "unlimited_gifts": false, "limited_gifts": false,
                        "unique_gifts": false, "premium_subscription": false },
                    "max_reaction_count": 11
                })),
                None => Answer::Json(
                    400,
                    json!({"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}),
                ),
            }
        }
        "editmessagereplymarkup" | "editmessagetext" => {
            let chat_id = params["chat_id"].as_i64().unwrap_or(0);
            let message_id = params["message_id"].as_i64().unwrap_or(0);
            ok(bot_message(
                message_id,
                chat_id,
                params["text"].as_str().unwrap_or(""),
            ))
        }
        _ => Answer::Json(
            404,
            json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"}),
        ),
    }
}

/// `sendPhoto`: the photo must come as an uploaded PNG file (what the bot sends); the caption,
/// if any, is checked like a message's HTML.
fn send_photo(i: &mut Inner, params: &Value, files: Vec<FilePart>) -> Answer {
    let bad = |d: &str| {
        Answer::Json(
            400,
            json!({"ok": false, "error_code": 400, "description": format!("Bad Request: {d}")}),
        )
    };
    let chat_id = params["chat_id"]
        .as_i64()
        .or_else(|| params["chat_id"].as_str().and_then(|c| c.parse().ok()))
        .unwrap_or(0);
    // teloxide names the file part and points at it: "photo" = "attach://<part name>".
    let part = params["photo"]
        .as_str()
        .and_then(|p| p.strip_prefix("attach://"))
        .unwrap_or("photo")
        .to_string();
    let Some(photo) = files.into_iter().find(|f| f.name == part) else {
        return bad("there is no photo in the request");
    };
    if !photo.bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return bad("IMAGE_PROCESS_FAILED");
    }
    let caption = params["caption"].as_str().map(str::to_string);
    if let Some(c) = &caption {
        if let Err(d) = check_telegram_html(c) {
            return bad(&d);
        }
    }
    let reply_markup = params
        .get("reply_markup")
        .and_then(|m| m.as_str().and_then(|s| serde_json::from_str(s).ok()));
    i.photos.push(SentPhoto {
        chat_id,
        thread_id: params["message_thread_id"]
            .as_str()
            .and_then(|t| t.parse().ok()),
        caption,
        file_name: photo.file_name,
        bytes: photo.bytes,
        reply_markup,
        at: Instant::now(),
    });
    i.next_message_id += 1;
    let mut message = bot_message(i.next_message_id, chat_id, "");
    if let Some(m) = message.as_object_mut() {
        m.remove("text");
        m.insert(
            "photo".into(),
            json!([{ "file_id": format!("photo{}", i.next_message_id), "file_unique_id": "p", "width": 1200, "height": 600 }]),
        );
    }
    ok(message)
}

#[cfg(test)]
mod tests {
    use super::check_telegram_html;

    #[test]
    fn the_html_check_refuses_what_telegram_refuses() {
        assert!(check_telegram_html(
            "<b>ok</b> &amp; <a href=\"https://x.example/?a=1&amp;b=2\">[1]</a>"
        )
        .is_ok());
        assert!(check_telegram_html("<b>unclosed").is_err());
        assert!(check_telegram_html("<script>x</script>").is_err());
        assert!(check_telegram_html("a & b").is_err());
        assert!(check_telegram_html("<a href=\"javascript:alert(1)\">x</a>").is_err());
        assert!(check_telegram_html("<b><i>x</b></i>").is_err());
        assert!(check_telegram_html(&"x".repeat(4097)).is_err());
        assert!(
            check_telegram_html(&"&lt;".repeat(4096)).is_ok(),
            "the limit counts text, not markup"
        );
        assert!(check_telegram_html("  ").is_err());
    }
}
