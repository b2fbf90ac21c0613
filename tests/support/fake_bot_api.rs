//! A fake Telegram Bot API on 127.0.0.1 for end-to-end tests: a minimal HTTP/1.1 server (one
//! request per connection, `Connection: close`) that answers the JSON methods the bot uses,
//! holds `getUpdates` like a long poll, records every message sent, lets a test queue updates
//! (messages, button presses) and makes sends to a chat fail (403, 429 with `retry_after`, 500,
//! migration to a supergroup).

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// The bot's own account.
pub const BOT_ID: i64 = 4242;
pub const BOT_USERNAME: &str = "storyline_test_bot";
/// Longest a `getUpdates` is held, whatever timeout the bot asks for: keeps tests and shutdown
/// quick.
const MAX_HOLD: Duration = Duration::from_millis(500);
/// Requests larger than this are refused (nothing the bot sends comes close).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// How a send to a chat fails.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 403 "Forbidden: bot was blocked by the user".
    Blocked,
    /// 429 with `parameters.retry_after`.
    RetryAfter(u32),
    /// 500 "Internal Server Error".
    ServerError,
    /// 400 with `parameters.migrate_to_chat_id`.
    MigrateTo(i64),
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
    pub at: Instant,
}

impl Sent {
    /// The callback data of every inline button.
    pub fn buttons(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(rows) = self.reply_markup.as_ref().and_then(|m| m["inline_keyboard"].as_array()) {
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

#[derive(Default)]
struct Inner {
    next_update_id: i64,
    next_message_id: i64,
    /// Updates not yet confirmed by an `offset`.
    updates: VecDeque<Value>,
    /// Every `sendMessage`, in order.
    sends: Vec<Sent>,
    /// Every method called, with its JSON body.
    calls: Vec<(String, Value)>,
    /// Tokens seen in request paths.
    tokens: Vec<String>,
    /// Faults to return for the next sends to a chat.
    faults: HashMap<i64, VecDeque<Fault>>,
    /// Chats whose every send fails with this fault.
    always: HashMap<i64, Fault>,
}

/// The running fake server. Dropping it stops accepting connections.
pub struct FakeBotApi {
    addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    changed: Arc<Notify>,
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
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let inner =
            Arc::new(Mutex::new(Inner { next_update_id: 1, next_message_id: 1000, ..Inner::default() }));
        let changed = Arc::new(Notify::new());
        let (i, c) = (inner.clone(), changed.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let (i, c) = (i.clone(), c.clone());
                tokio::spawn(async move {
                    let _ = serve_connection(stream, i, c).await;
                });
            }
        });
        FakeBotApi { addr, inner, changed, task }
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

    /// A text message from a user: a private chat for positive ids, a supergroup for negative.
    pub fn send_text(&self, chat_id: i64, text: &str) -> i64 {
        self.push_update(json!({ "message": user_message(self.next_message_id(), chat_id, text, None) }))
    }

    /// A text message replying to one of the bot's messages.
    pub fn send_reply_to_bot(&self, chat_id: i64, text: &str) -> i64 {
        let original = bot_message(1, chat_id, "earlier answer");
        self.push_update(
            json!({ "message": user_message(self.next_message_id(), chat_id, text, Some(original)) }),
        )
    }

    /// A photo without caption.
    pub fn send_photo(&self, chat_id: i64) -> i64 {
        let mut message = user_message(self.next_message_id(), chat_id, "", None);
        if let Some(m) = message.as_object_mut() {
            m.remove("text");
            m.insert(
                "photo".into(),
                json!([{ "file_id": "ph1", "file_unique_id": "u1", "width": 90, "height": 90 }]),
            );
        }
        self.push_update(json!({ "message": message }))
    }

    /// A press on an inline button with callback `data` under a bot message in `chat_id`.
    pub fn press_button(&self, chat_id: i64, data: &str) -> i64 {
        let message = bot_message(self.next_message_id(), chat_id, "an answer with buttons");
        self.push_update(json!({
            "callback_query": {
                "id": format!("cb{}", self.next_message_id()),
                "from": user(chat_id),
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

    /// Messages Telegram accepted, in order.
    pub fn delivered(&self) -> Vec<Sent> {
        self.lock().sends.iter().filter(|s| s.fault.is_none()).cloned().collect()
    }

    /// Messages accepted for one chat.
    pub fn delivered_to(&self, chat_id: i64) -> Vec<Sent> {
        self.delivered().into_iter().filter(|s| s.chat_id == chat_id).collect()
    }

    /// Every `sendMessage` attempt, including refused ones.
    pub fn attempts(&self) -> Vec<Sent> {
        self.lock().sends.clone()
    }

    /// Names of the methods called, in order, lowercased (Telegram ignores their case).
    pub fn methods(&self) -> Vec<String> {
        self.lock().calls.iter().map(|(m, _)| m.to_ascii_lowercase()).collect()
    }

    /// The JSON bodies of calls to `method` (any case).
    pub fn calls_to(&self, method: &str) -> Vec<Value> {
        self.lock()
            .calls
            .iter()
            .filter(|(m, _)| m.eq_ignore_ascii_case(method))
            .map(|(_, b)| b.clone())
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
    pub async fn wait_until(&self, timeout: Duration, mut cond: impl FnMut(&FakeBotApi) -> bool) -> bool {
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

fn user_message(message_id: i64, chat_id: i64, text: &str, reply_to: Option<Value>) -> Value {
    let from = if chat_id > 0 { chat_id } else { 777 };
    let mut m = json!({
        "message_id": message_id,
        "date": now(),
        "chat": chat(chat_id),
        "from": user(from),
        "text": text,
    });
    if text.starts_with('/') {
        let len = text.split_whitespace().next().map(|w| w.encode_utf16().count()).unwrap_or(0);
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
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
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
    let params: Value = if content_type.starts_with("application/json") {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    } else if content_type.starts_with("multipart/form-data") {
        // teloxide sends methods that may carry files (setWebhook) as multipart.
        parse_multipart(&content_type, &body)
    } else {
        Value::Null
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
    let (status, reply) = handle(&inner, &changed, &token, &method, params).await;
    respond(&mut stream, status, &reply).await
}

/// The text fields of a multipart/form-data body as a JSON object of strings.
fn parse_multipart(content_type: &str, body: &[u8]) -> Value {
    let Some(boundary) = content_type.split(';').find_map(|p| p.trim().strip_prefix("boundary=")) else {
        return Value::Null;
    };
    let boundary = boundary.trim_matches('"');
    let text = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in text.split(&format!("--{boundary}")) {
        let Some((headers, value)) = part.split_once("\r\n\r\n") else { continue };
        let name = headers
            .split(';')
            .find_map(|h| h.trim().strip_prefix("name=\""))
            .and_then(|n| n.split('"').next());
        if let Some(name) = name {
            let value = value.strip_suffix("\r\n").unwrap_or(value);
            fields.insert(name.to_string(), Value::String(value.to_string()));
        }
    }
    Value::Object(fields)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn respond(stream: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    let body = body.to_string();
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Error",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.flush().await?;
    stream.shutdown().await
}

fn ok(result: Value) -> (u16, Value) {
    (200, json!({ "ok": true, "result": result }))
}

fn fault_response(fault: &Fault) -> (u16, Value) {
    match fault {
        Fault::Blocked => (
            403,
            json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
        ),
        Fault::RetryAfter(s) => (
            429,
            json!({"ok": false, "error_code": 429, "description": format!("Too Many Requests: retry after {s}"), "parameters": {"retry_after": s}}),
        ),
        Fault::ServerError => {
            (500, json!({"ok": false, "error_code": 500, "description": "Internal Server Error"}))
        }
        Fault::MigrateTo(id) => (
            400,
            json!({"ok": false, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat", "parameters": {"migrate_to_chat_id": id}}),
        ),
    }
}

async fn handle(
    inner: &Arc<Mutex<Inner>>,
    changed: &Notify,
    token: &str,
    method: &str,
    params: Value,
) -> (u16, Value) {
    let lock = || inner.lock().unwrap_or_else(|p| p.into_inner());
    {
        let mut i = lock();
        i.calls.push((method.to_string(), params.clone()));
        if !i.tokens.iter().any(|t| t == token) {
            i.tokens.push(token.to_string());
        }
    }
    if token.is_empty() {
        return (404, json!({"ok": false, "error_code": 404, "description": "Not Found"}));
    }
    // Telegram method names are case-insensitive (teloxide sends "GetMe").
    match method.to_ascii_lowercase().as_str() {
        "getme" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Storyline", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
            "can_connect_to_business": false, "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            ok(json!({ "url": "", "has_custom_certificate": false, "pending_update_count": 0 }))
        }
        "deletewebhook" | "setwebhook" | "setmycommands" | "answercallbackquery" | "close" | "logout" => {
            ok(json!(true))
        }
        "getupdates" => {
            let offset = params["offset"].as_i64().unwrap_or(0);
            let limit = params["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
            let timeout = Duration::from_secs(params["timeout"].as_u64().unwrap_or(0)).min(MAX_HOLD);
            let deadline = Instant::now() + timeout;
            loop {
                // Register interest before checking, so a push between check and wait is seen.
                let notified = changed.notified();
                {
                    let mut i = lock();
                    // Updates below the offset are confirmed: forget them.
                    while i.updates.front().is_some_and(|u| u["update_id"].as_i64().unwrap_or(0) < offset) {
                        i.updates.pop_front();
                    }
                    if !i.updates.is_empty() || Instant::now() >= deadline {
                        let batch: Vec<Value> = i.updates.iter().take(limit).cloned().collect();
                        return ok(Value::Array(batch));
                    }
                }
                let _ =
                    tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), notified).await;
            }
        }
        "sendmessage" => {
            let chat_id = params["chat_id"].as_i64().unwrap_or(0);
            let text = params["text"].as_str().unwrap_or("").to_string();
            let mut i = lock();
            let fault = match i.faults.get_mut(&chat_id).and_then(VecDeque::pop_front) {
                Some(f) => Some(f),
                None => i.always.get(&chat_id).cloned(),
            };
            i.sends.push(Sent {
                chat_id,
                text: text.clone(),
                parse_mode: params["parse_mode"].as_str().map(str::to_string),
                thread_id: params["message_thread_id"].as_i64(),
                reply_markup: params.get("reply_markup").cloned(),
                disable_notification: params["disable_notification"].as_bool().unwrap_or(false),
                link_preview_disabled: params["link_preview_options"]["is_disabled"]
                    .as_bool()
                    .unwrap_or(false),
                fault: fault.clone(),
                at: Instant::now(),
            });
            if let Some(f) = fault {
                return fault_response(&f);
            }
            i.next_message_id += 1;
            let mut message = bot_message(i.next_message_id, chat_id, &text);
            if let Some(markup) = params.get("reply_markup") {
                message["reply_markup"] = markup.clone();
            }
            ok(message)
        }
        "editmessagereplymarkup" | "editmessagetext" => {
            let chat_id = params["chat_id"].as_i64().unwrap_or(0);
            let message_id = params["message_id"].as_i64().unwrap_or(0);
            ok(bot_message(message_id, chat_id, params["text"].as_str().unwrap_or("")))
        }
        _ => (404, json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"})),
    }
}
