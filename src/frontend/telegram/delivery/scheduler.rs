//! The delivery scheduler: which push goes out next, how many at once, and what Telegram's
//! answers change. It reads the outbox a window at a time (oldest first), keeps up to
//! [`Settings::max_in_flight`] sends going to different chats, and records what Telegram
//! accepted in group commits.
//!
//! The rules that keep "nothing lost, nothing accepted sent again" under concurrency:
//!
//! - One message per chat at a time, and a chat's next message only once the previous one's
//!   progress is durable: order within a chat holds, and a kill repeats at most one message per
//!   chat (the one in flight or awaiting its commit).
//! - A push's progress is recorded only after Telegram accepted its message; a commit is one
//!   sled write and one flush for every record gathered in [`Settings::commit_every`] (or
//!   [`Settings::commit_batch`] records), instead of a flush per message.
//! - A 429 holds only the chat it came for, for `retry_after`; a network error or a 5xx pauses
//!   every chat (the fault is not the chat's) with a backoff capped at
//!   [`Settings::max_backoff`]; a chat that is gone has its subscriptions and pushes dropped;
//!   a migrated group's pushes follow it; a message Telegram refuses is given up after
//!   [`Settings::max_refusals`] tries.
//! - Shutdown never cancels a send in flight: the loop stops starting sends, waits for those
//!   in flight and commits what they brought.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::super::render;
use super::super::send::{backoff, Failure};
use super::outbox::Outbox;
use super::sender::{Message, SendError, Sender};
use crate::notify::OutboxItem;
use crate::store::OutboxProgress;

/// How the scheduler paces itself. [`Settings::default`] is what `serve` uses.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Sends in flight at once (to different chats). Telegram allows about 30 messages a
    /// second per bot; the sender paces them (pushes at 27 a second, leaving the rest to
    /// answers), and this many in flight keep that pace even with slow round trips.
    pub max_in_flight: usize,
    /// Pushes held in memory at once; the outbox is read again when half are gone.
    pub window: usize,
    /// Longest a record waits before its commit.
    pub commit_every: Duration,
    /// Records that make a commit at once.
    pub commit_batch: usize,
    /// How often the outbox is read when nobody says pushes were queued (a safety net).
    pub idle_poll: Duration,
    /// Longest pause after network errors or 5xx, so pushes resume soon after Telegram is back.
    pub max_backoff: Duration,
    /// A push whose message Telegram refuses this many times is given up.
    pub max_refusals: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            max_in_flight: 27,
            window: 512,
            commit_every: Duration::from_millis(100),
            commit_batch: 64,
            idle_poll: Duration::from_secs(30),
            max_backoff: Duration::from_secs(30),
            max_refusals: 5,
        }
    }
}

/// A push's rendered messages, without a chat: a migrated push keeps them.
struct Rendered {
    parts: Vec<String>,
    keyboard: Option<teloxide::types::InlineKeyboardMarkup>,
}

impl Rendered {
    fn of(item: &OutboxItem) -> Rendered {
        Rendered {
            parts: render::render(&item.push.reply),
            keyboard: render::keyboard(&item.push.reply.actions),
        }
    }

    /// Message `part` of the push, addressed to its chat as it is now.
    fn message(&self, item: &OutboxItem, part: usize) -> Option<Message> {
        let html = self.parts.get(part)?.clone();
        let last = part + 1 == self.parts.len();
        Some(Message {
            chat_id: item.push.chat_id,
            thread_id: item.push.thread_id,
            html,
            keyboard: if last { self.keyboard.clone() } else { None },
            quiet: item.push.quiet,
        })
    }
}

/// A push loaded from the outbox and not finished.
struct Pending {
    item: OutboxItem,
    /// Rendered on its first send.
    rendered: Option<Arc<Rendered>>,
}

impl Pending {
    fn chat(&self) -> i64 {
        self.item.push.chat_id
    }
}

/// One send that came back.
struct Attempt {
    pending: Pending,
    result: Result<(), SendError>,
}

/// Runs the scheduler until `stop` turns true (or its sender is gone); `wake` is notified when
/// pushes are queued.
pub async fn deliver<S: Sender, O: Outbox>(
    sender: Arc<S>,
    outbox: Arc<O>,
    settings: Settings,
    wake: Arc<Notify>,
    stop: watch::Receiver<bool>,
) {
    Scheduler::new(sender, outbox, settings)
        .run(wake, stop)
        .await
}

struct Scheduler<S, O> {
    sender: Arc<S>,
    outbox: Arc<O>,
    settings: Settings,
    /// Loaded and not being sent, by id (planning order).
    window: BTreeMap<u64, Pending>,
    /// The highest id loaded.
    cursor: Option<u64>,
    /// The last read came back short: nothing more to read until woken (or the idle poll).
    exhausted_at: Option<Instant>,
    in_flight: JoinSet<Attempt>,
    /// Chats of the sends in flight, by task (to free the chat if a task panics).
    sending: HashMap<tokio::task::Id, i64>,
    /// Records not yet committed, with their chats.
    pending: Vec<(i64, OutboxProgress)>,
    /// When the pending records are committed at the latest.
    commit_at: Option<Instant>,
    /// Chats told to wait (429, refusals), until when.
    held: HashMap<i64, Instant>,
    /// Every chat waits until then (network errors, 5xx).
    paused_until: Option<Instant>,
    transient_failures: u32,
    /// Network errors and 5xx in a row per chat: a chat that keeps failing while others get
    /// through (a send that times out) backs off on its own.
    chat_failures: HashMap<i64, u32>,
    /// Refusals per push.
    refusals: HashMap<u64, u32>,
    /// Pushes already moved once to a migrated chat.
    migrated: HashSet<u64>,
    /// Shared messages rendered once for every chat that gets them, by body.
    renders: HashMap<u64, Arc<Rendered>>,
}

/// Rendered bodies kept beyond this many are dropped (a fan-out uses a handful).
const MAX_RENDERS: usize = 256;

impl<S: Sender, O: Outbox> Scheduler<S, O> {
    fn new(sender: Arc<S>, outbox: Arc<O>, settings: Settings) -> Self {
        Scheduler {
            sender,
            outbox,
            settings,
            window: BTreeMap::new(),
            cursor: None,
            exhausted_at: None,
            in_flight: JoinSet::new(),
            sending: HashMap::new(),
            pending: Vec::new(),
            commit_at: None,
            held: HashMap::new(),
            paused_until: None,
            transient_failures: 0,
            chat_failures: HashMap::new(),
            refusals: HashMap::new(),
            migrated: HashSet::new(),
            renders: HashMap::new(),
        }
    }

    async fn run(mut self, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        let mut stopping = *stop.borrow();
        loop {
            if stopping && self.in_flight.is_empty() {
                self.commit().await;
                if !self.pending.is_empty() {
                    tracing::error!(
                        records = self.pending.len(),
                        "stopping with delivery progress not recorded; those pushes will be sent again"
                    );
                }
                return;
            }
            if !stopping {
                self.refill().await;
                self.start_sends();
            }
            if self.commit_due(stopping) {
                self.commit().await;
                continue;
            }
            let deadline = self.next_deadline();
            tokio::select! {
                Some(joined) = self.in_flight.join_next_with_id(), if !self.in_flight.is_empty() => {
                    match joined {
                        Ok((id, attempt)) => {
                            self.sending.remove(&id);
                            self.finish(attempt).await;
                        }
                        Err(e) => {
                            // The chat is freed; its push stays in the outbox for the next start.
                            tracing::error!(error = %e, "a push send task failed");
                            self.sending.remove(&e.id());
                        }
                    }
                }
                _ = sleep_until(deadline), if deadline.is_some() => {
                    if self.exhausted_at.is_some_and(|t| t.elapsed() >= self.settings.idle_poll) {
                        self.exhausted_at = None;
                    }
                }
                _ = wake.notified(), if !stopping => self.exhausted_at = None,
                changed = stop.changed(), if !stopping => {
                    stopping = changed.is_err() || *stop.borrow();
                }
            }
        }
    }

    /// Reads the next pushes when the window is half empty.
    async fn refill(&mut self) {
        let paused = self.paused_until.is_some_and(|t| t > Instant::now());
        if paused || self.exhausted_at.is_some() || self.window.len() >= self.settings.window / 2 {
            return;
        }
        let want = self.settings.window - self.window.len();
        match self.outbox.page(self.cursor, want).await {
            Ok(items) => {
                if items.len() < want {
                    self.exhausted_at = Some(Instant::now());
                }
                if self.window.is_empty() && self.in_flight.is_empty() {
                    // Nothing refers to what was rendered before.
                    self.renders.clear();
                }
                for item in items {
                    self.cursor = self.cursor.max(Some(item.id));
                    self.window.insert(
                        item.id,
                        Pending {
                            item,
                            rendered: None,
                        },
                    );
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                self.pause_all();
            }
        }
    }

    /// Starts sends to chats that may receive one, oldest push first, up to the limit.
    fn start_sends(&mut self) {
        let now = Instant::now();
        self.held.retain(|_, until| *until > now);
        match self.paused_until {
            Some(t) if t > now => return,
            _ => self.paused_until = None,
        }
        let busy: HashSet<i64> = self
            .sending
            .values()
            .chain(self.pending.iter().map(|(chat, _)| chat))
            .copied()
            .collect();
        let mut seen = HashSet::new();
        let mut start = Vec::new();
        for (id, p) in &self.window {
            if self.in_flight.len() + start.len() >= self.settings.max_in_flight {
                break;
            }
            let chat = p.chat();
            // Only a chat's oldest push may go.
            if !seen.insert(chat) || busy.contains(&chat) || self.held.contains_key(&chat) {
                continue;
            }
            start.push(*id);
        }
        for id in start {
            if let Some(p) = self.window.remove(&id) {
                self.start(p);
            }
        }
    }

    fn start(&mut self, mut p: Pending) {
        let rendered = match (&p.rendered, p.item.body) {
            (Some(r), _) => r.clone(),
            (None, Some(body)) => {
                if self.renders.len() >= MAX_RENDERS {
                    self.renders.clear();
                }
                self.renders
                    .entry(body)
                    .or_insert_with(|| Arc::new(Rendered::of(&p.item)))
                    .clone()
            }
            (None, None) => Arc::new(Rendered::of(&p.item)),
        };
        p.rendered = Some(rendered.clone());
        let part = usize::try_from(p.item.parts_sent).unwrap_or(usize::MAX);
        let Some(message) = rendered.message(&p.item, part) else {
            // Every part went out before a restart; only the record was missing.
            self.record(p.chat(), OutboxProgress::Done(p.item.id));
            return;
        };
        let chat = p.chat();
        let sender = self.sender.clone();
        let handle = self.in_flight.spawn(async move {
            let result = sender.send(&message).await;
            Attempt { pending: p, result }
        });
        self.sending.insert(handle.id(), chat);
    }

    /// Acts on what Telegram said about one message.
    async fn finish(&mut self, attempt: Attempt) {
        let Attempt {
            mut pending,
            result,
        } = attempt;
        let id = pending.item.id;
        let chat = pending.chat();
        let error = match result {
            Ok(()) => {
                self.transient_failures = 0;
                self.paused_until = None;
                self.chat_failures.remove(&chat);
                self.accepted(pending);
                return;
            }
            Err(e) => e,
        };
        match error.failure {
            Failure::RetryAfter(after) => {
                tracing::warn!(push = id, chat, retry_after = ?after, "Telegram asks to wait (429)");
                self.held.insert(chat, Instant::now() + after);
                self.window.insert(id, pending);
            }
            Failure::Migrated(to) if self.migrated.insert(id) => {
                self.migrate(chat, to).await;
                pending.item.push.chat_id = to;
                self.window.insert(id, pending);
            }
            Failure::ChatGone => {
                tracing::warn!(push = id, chat, error = %error, "chat is gone; dropping its subscriptions");
                self.forget_chat(chat).await;
                // remove_chat dropped this push too; make sure of it.
                self.record(chat, OutboxProgress::Done(id));
            }
            Failure::Transient => {
                tracing::warn!(push = id, chat, error = %error, "send failed (network, timeout or 5xx); will retry");
                self.pause_all();
                let n = self.chat_failures.entry(chat).or_insert(0);
                *n = n.saturating_add(1);
                let wait = backoff(*n, self.settings.max_backoff);
                self.held.insert(chat, Instant::now() + wait);
                self.window.insert(id, pending);
            }
            // The sender reports this as accepted; should one come through, it is.
            Failure::AcceptedAnyway => self.accepted(pending),
            Failure::Refused | Failure::Migrated(_) => self.refused(pending, &error),
        }
    }

    /// Telegram took the push's next message.
    fn accepted(&mut self, mut pending: Pending) {
        let id = pending.item.id;
        let chat = pending.chat();
        pending.item.parts_sent = pending.item.parts_sent.saturating_add(1);
        let total = pending.rendered.as_ref().map_or(1, |r| r.parts.len());
        if pending.item.parts_sent as usize >= total {
            tracing::debug!(push = id, chat, article = %pending.item.push.article_id, parts = total, "push delivered");
            self.record(chat, OutboxProgress::Done(id));
        } else {
            self.record(chat, OutboxProgress::PartsSent(id, pending.item.parts_sent));
            self.window.insert(id, pending);
        }
    }

    /// A message Telegram refuses as such: tried again later, given up after a few refusals
    /// rather than holding the chat's later pushes forever.
    fn refused(&mut self, pending: Pending, error: &SendError) {
        let id = pending.item.id;
        let chat = pending.chat();
        let n = self.refusals.entry(id).or_insert(0);
        *n += 1;
        if *n >= self.settings.max_refusals {
            tracing::error!(push = id, chat, error = %error, attempts = *n, "giving up on a push Telegram refuses");
            self.refusals.remove(&id);
            self.record(chat, OutboxProgress::Done(id));
        } else {
            tracing::warn!(push = id, chat, error = %error, attempts = *n, "Telegram refused a push; will retry");
            let wait = backoff(*n, self.settings.max_backoff);
            self.held.insert(chat, Instant::now() + wait);
            self.window.insert(id, pending);
        }
    }

    /// Network trouble or Telegram down: every chat waits, longer after each failure in a row.
    fn pause_all(&mut self) {
        self.transient_failures = self.transient_failures.saturating_add(1);
        let wait = backoff(self.transient_failures, self.settings.max_backoff);
        self.paused_until = Some(Instant::now() + wait);
    }

    /// Moves the chat's subscriptions and pushes (in the store and in the window) to `to`.
    async fn migrate(&mut self, from: i64, to: i64) {
        tracing::info!(
            from,
            to,
            "chat migrated to a supergroup; moving its subscriptions"
        );
        // Recorded progress first, so the store moves the records as they are now.
        self.commit().await;
        if let Err(e) = self.outbox.migrate_chat(from, to).await {
            tracing::error!(error = %e, "could not move a migrated chat's subscriptions");
        }
        for p in self.window.values_mut().filter(|p| p.chat() == from) {
            p.item.push.chat_id = to;
        }
        if let Some(until) = self.held.remove(&from) {
            self.held.insert(to, until);
        }
    }

    /// Drops a chat that blocked the bot: its subscriptions and pushes, in the store and here.
    async fn forget_chat(&mut self, chat: i64) {
        self.commit().await;
        match self.outbox.remove_chat(chat).await {
            Ok(n) => tracing::info!(chat, subscriptions = n, "chat unsubscribed"),
            Err(e) => tracing::error!(chat, error = %e, "could not drop the chat's subscriptions"),
        }
        self.window.retain(|_, p| p.chat() != chat);
        self.held.remove(&chat);
        self.chat_failures.remove(&chat);
    }

    fn record(&mut self, chat: i64, progress: OutboxProgress) {
        if self.pending.is_empty() {
            self.commit_at = Some(Instant::now() + self.settings.commit_every);
        }
        self.pending.push((chat, progress));
    }

    fn commit_due(&self, stopping: bool) -> bool {
        !self.pending.is_empty()
            && (self.pending.len() >= self.settings.commit_batch
                || stopping
                || self.commit_at.is_some_and(|t| t <= Instant::now()))
    }

    /// Makes the pending records durable; their chats may then receive their next message. On
    /// failure they stay pending (and their chats wait) and the commit is tried again later.
    async fn commit(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let progress: Vec<OutboxProgress> = self.pending.iter().map(|(_, p)| *p).collect();
        let n = progress.len();
        match self.outbox.commit(progress).await {
            Ok(()) => {
                tracing::debug!(records = n, "delivery progress committed");
                self.pending.clear();
                self.commit_at = None;
            }
            Err(e) => {
                tracing::error!(error = %e, records = n, "sent but could not record it; retrying");
                self.commit_at = Some(Instant::now() + Duration::from_secs(1));
            }
        }
    }

    /// The next moment something is due without a send coming back: a commit, a held chat or
    /// the paused delivery becoming free, the idle poll.
    fn next_deadline(&self) -> Option<Instant> {
        let commit = self.commit_at.filter(|_| !self.pending.is_empty());
        // Pushes wait in the window, or a failed read is to be tried again.
        let waiting = !self.window.is_empty() || self.exhausted_at.is_none();
        let now = Instant::now();
        let paused = self.paused_until.filter(|t| *t > now && waiting);
        let held = self
            .held
            .values()
            .filter(|t| **t > now)
            .min()
            .copied()
            .filter(|_| waiting);
        let idle = self.exhausted_at.map(|t| t + self.settings.idle_poll);
        [commit, paused, held, idle].into_iter().flatten().min()
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
