//! Who may do what, and how often: a per-chat rate limit (one polite warning, then silence),
//! group etiquette (only a group's admins change its subscriptions, asked of Telegram with
//! `getChatMember` and remembered briefly), and the bot's own admins from the config.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use teloxide::prelude::*;
use teloxide::types::{ChatId, UserId};
use teloxide::RequestError;

use super::TgBot;

/// Messages a chat may send in [`RATE_WINDOW`] before the bot asks it to slow down: about what
/// Telegram lets a bot send to one chat (one a second), so answers never pile up behind it.
pub const RATE_LIMIT: usize = 10;
pub const RATE_WINDOW: Duration = Duration::from_secs(10);
/// How long a group member's admin status is trusted before Telegram is asked again.
pub const ADMIN_TTL: Duration = Duration::from_secs(60);

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
///
/// Time is the moment the user *sent* the message (Telegram's `date`, seconds since the epoch),
/// not when the bot gets to it: one chat's messages are handled one after another, and a
/// flood waiting behind slow answers would otherwise look like a trickle. Messages queued
/// while the bot was unreachable keep their own dates, so a backlog is not mistaken for one.
#[derive(Debug)]
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    chats: Mutex<HashMap<i64, ChatWindow>>,
}

#[derive(Debug, Default)]
struct ChatWindow {
    hits: VecDeque<Duration>,
    warned: bool,
}

impl RateLimiter {
    pub fn new(limit: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            limit: limit.max(1),
            window,
            chats: Mutex::new(HashMap::new()),
        }
    }

    /// `sent` is when the message was sent, as time since the Unix epoch.
    pub fn check(&self, chat: i64, sent: Duration) -> Verdict {
        // A poisoned lock only means another handler panicked mid-check; the counts are still
        // usable.
        let mut chats = self.chats.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window;
        if chats.len() > 10_000 {
            chats.retain(|_, w| {
                w.hits
                    .back()
                    .is_some_and(|t| sent.saturating_sub(*t) < window)
            });
        }
        let w = chats.entry(chat).or_default();
        while w
            .hits
            .front()
            .is_some_and(|t| sent.saturating_sub(*t) >= window)
        {
            w.hits.pop_front();
        }
        if w.hits.len() < self.limit {
            w.hits.push_back(sent);
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

/// The time since the Unix epoch now (for updates that carry no date, like button presses).
pub fn now_since_epoch() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// Group admin statuses Telegram reported, each trusted for a while so a busy group does not
/// cost a `getChatMember` per command.
#[derive(Debug)]
pub struct GroupAdmins {
    ttl: Duration,
    known: Mutex<HashMap<(i64, u64), (bool, Instant)>>,
}

impl GroupAdmins {
    pub fn new(ttl: Duration) -> GroupAdmins {
        GroupAdmins {
            ttl,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// The remembered status of `user` in `chat`, if still fresh at `now`.
    pub fn cached(&self, chat: i64, user: u64, now: Instant) -> Option<bool> {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known
            .get(&(chat, user))
            .filter(|(_, at)| now.saturating_duration_since(*at) < self.ttl)
            .map(|(admin, _)| *admin)
    }

    pub fn remember(&self, chat: i64, user: u64, admin: bool, now: Instant) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() > 10_000 {
            let ttl = self.ttl;
            known.retain(|_, (_, at)| now.saturating_duration_since(*at) < ttl);
        }
        known.insert((chat, user), (admin, now));
    }

    /// Whether `user` is the creator or an administrator of `chat`, asking Telegram unless a
    /// fresh answer is remembered. An error means nobody knows: the caller refuses politely.
    pub async fn is_admin(&self, bot: &TgBot, chat: i64, user: u64) -> Result<bool, RequestError> {
        if let Some(admin) = self.cached(chat, user, Instant::now()) {
            return Ok(admin);
        }
        let member = bot.get_chat_member(ChatId(chat), UserId(user)).await?;
        let admin = member.is_privileged();
        self.remember(chat, user, admin, Instant::now());
        Ok(admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_warns_once_then_stays_silent_until_the_window_passes() {
        let limiter = RateLimiter::new(3, Duration::from_secs(10));
        let t0 = Duration::from_secs(1_750_000_000);
        for _ in 0..3 {
            assert_eq!(limiter.check(1, t0), Verdict::Allow);
        }
        assert_eq!(limiter.check(1, t0), Verdict::Warn);
        assert_eq!(limiter.check(1, t0 + Duration::from_secs(1)), Verdict::Drop);
        assert_eq!(
            limiter.check(2, t0),
            Verdict::Allow,
            "other chats are not affected"
        );
        assert_eq!(
            limiter.check(1, t0 + Duration::from_secs(11)),
            Verdict::Allow
        );
    }

    #[test]
    fn messages_sent_slowly_are_never_limited_however_late_they_are_handled() {
        let limiter = RateLimiter::new(3, Duration::from_secs(10));
        let t0 = Duration::from_secs(1_750_000_000);
        // A backlog after an outage: sent 5 s apart, handled all at once.
        for i in 0..20 {
            assert_eq!(
                limiter.check(1, t0 + Duration::from_secs(5 * i)),
                Verdict::Allow
            );
        }
    }

    #[test]
    fn admin_statuses_are_remembered_only_briefly() {
        let admins = GroupAdmins::new(Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(admins.cached(-1, 5, t0), None);
        admins.remember(-1, 5, true, t0);
        assert_eq!(
            admins.cached(-1, 5, t0 + Duration::from_secs(59)),
            Some(true)
        );
        assert_eq!(admins.cached(-1, 5, t0 + Duration::from_secs(60)), None);
        assert_eq!(admins.cached(-2, 5, t0), None, "per group");
    }
}
