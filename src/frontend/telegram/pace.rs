//! Telegram's message limits, kept in one place for answers and pushes alike: about 30 messages
//! a second overall, one a second per chat, 20 a minute per group, and a 429's `retry_after`
//! for the chat it names.
//!
//! Why not teloxide's `Throttle`: it freezes every chat for `retry_after` whenever any chat
//! gets a 429 (teloxide-core's throttle worker), so one flood-limited group stalled a whole
//! fan-out, and its 250 ms tick made each answer wait for it. Here a 429 holds only its chat,
//! and a send goes as soon as the limits allow.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Who is sending: pushes leave part of each second to answers, so a question asked during a
/// fan-out is not queued behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Answer,
    Push,
}

/// Telegram's limits ([`Limits::default`] is what its documentation gives).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_second: usize,
    /// Of `per_second`, what pushes may use.
    pub pushes_per_second: usize,
    pub per_chat_second: usize,
    pub per_group_minute: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            per_second: 30,
            pushes_per_second: 27,
            per_chat_second: 1,
            per_group_minute: 20,
        }
    }
}

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);

/// Hands out sending turns within the [`Limits`].
#[derive(Debug, Default)]
pub struct Pacer {
    limits: Limits,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Sends of the last second, oldest first.
    recent: VecDeque<Instant>,
    /// Per chat: its sends of the last minute (groups) or second (private chats).
    chats: HashMap<i64, VecDeque<Instant>>,
    /// Chats Telegram asked to wait (429), until when.
    held: HashMap<i64, Instant>,
}

impl Pacer {
    pub fn new(limits: Limits) -> Pacer {
        Pacer {
            limits,
            state: Mutex::new(State::default()),
        }
    }

    /// Waits until a message to `chat` may go, and counts it as sent.
    pub async fn turn(&self, chat: i64, lane: Lane) {
        loop {
            let next = self.try_take(chat, lane, Instant::now());
            match next {
                None => return,
                Some(at) => tokio::time::sleep_until(at).await,
            }
        }
    }

    /// Holds `chat` until `until` (a 429 for it).
    pub fn hold(&self, chat: i64, until: Instant) {
        let mut state = self.lock();
        let held = state.held.entry(chat).or_insert(until);
        *held = (*held).max(until);
    }

    /// Takes a turn for `chat` at `now` (`None`), or says when to try again.
    fn try_take(&self, chat: i64, lane: Lane, now: Instant) -> Option<Instant> {
        let limits = self.limits;
        let mut state = self.lock();
        let state = &mut *state;
        while state.recent.front().is_some_and(|t| *t + SECOND <= now) {
            state.recent.pop_front();
        }
        let mut wait: Option<Instant> = None;
        let mut later = |t: Instant| wait = Some(wait.map_or(t, |w| w.max(t)));
        match state.held.get(&chat) {
            Some(until) if *until > now => later(*until),
            Some(_) => {
                state.held.remove(&chat);
            }
            None => {}
        }
        let per_second = match lane {
            Lane::Answer => limits.per_second,
            Lane::Push => limits.pushes_per_second.min(limits.per_second),
        };
        if state.recent.len() >= per_second {
            later(state.recent[state.recent.len() - per_second] + SECOND);
        }
        let is_group = chat < 0;
        let sends = state.chats.entry(chat).or_default();
        let window = if is_group { MINUTE } else { SECOND };
        while sends.front().is_some_and(|t| *t + window <= now) {
            sends.pop_front();
        }
        let in_last_second = sends.iter().filter(|t| **t + SECOND > now).count();
        if in_last_second >= limits.per_chat_second {
            let oldest = sends.iter().rev().nth(limits.per_chat_second - 1).copied();
            if let Some(t) = oldest {
                later(t + SECOND);
            }
        }
        if is_group && sends.len() >= limits.per_group_minute {
            later(sends[sends.len() - limits.per_group_minute] + MINUTE);
        }
        if wait.is_some() {
            return wait;
        }
        sends.push_back(now);
        state.recent.push_back(now);
        // Forget chats with nothing recent, so the map stays the size of the last minute.
        if state.chats.len() > 4 * limits.per_second * 60 {
            state.chats.retain(|c, s| {
                s.back()
                    .is_some_and(|t| *t + if *c < 0 { MINUTE } else { SECOND } > now)
            });
        }
        None
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// When each of `sends` (chat ids, in order of asking) got its turn, all asking at once.
    async fn turns(pacer: Arc<Pacer>, sends: &[i64]) -> Vec<(i64, Duration)> {
        turns_in(pacer, sends, Lane::Answer).await
    }

    async fn turns_in(pacer: Arc<Pacer>, sends: &[i64], lane: Lane) -> Vec<(i64, Duration)> {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for &chat in sends {
            let pacer = pacer.clone();
            tasks.push(tokio::spawn(async move {
                pacer.turn(chat, lane).await;
                (chat, start.elapsed())
            }));
            tokio::task::yield_now().await;
        }
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    }

    #[tokio::test(start_paused = true)]
    async fn thirty_a_second_overall_one_a_second_per_chat() {
        let pacer = Arc::new(Pacer::new(Limits::default()));
        let chats: Vec<i64> = (1..=90).collect();
        let got = turns(pacer.clone(), &chats).await;
        let in_first = got.iter().filter(|(_, t)| *t < SECOND).count();
        assert_eq!(in_first, 30);
        let last = got.iter().map(|(_, t)| *t).max().unwrap();
        assert!(
            last >= Duration::from_secs(2) && last < Duration::from_millis(2100),
            "{last:?}"
        );
        let same = turns(pacer, &[7, 7, 7]).await;
        let times: Vec<Duration> = same.iter().map(|(_, t)| *t).collect();
        assert!(
            times[1] >= times[0] + SECOND && times[2] >= times[1] + SECOND,
            "{times:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn pushes_leave_room_for_answers() {
        let pacer = Arc::new(Pacer::new(Limits::default()));
        let chats: Vec<i64> = (1..=30).collect();
        let pushed = turns_in(pacer.clone(), &chats, Lane::Push).await;
        assert_eq!(pushed.iter().filter(|(_, t)| *t < SECOND).count(), 27);
        let answered = turns(pacer, &[99]).await;
        assert!(
            answered[0].1 < SECOND + Duration::from_millis(10),
            "{answered:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_group_gets_twenty_a_minute() {
        let pacer = Arc::new(Pacer::new(Limits::default()));
        let got = turns(pacer, &[-5; 21]).await;
        let last = got.iter().map(|(_, t)| *t).max().unwrap();
        assert!(last >= MINUTE, "{last:?}");
        let before_minute = got.iter().filter(|(_, t)| *t < MINUTE).count();
        assert_eq!(before_minute, 20);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_its_chat_only() {
        let pacer = Arc::new(Pacer::new(Limits::default()));
        pacer.hold(1, Instant::now() + Duration::from_secs(20));
        let got = turns(pacer, &[1, 2, 3]).await;
        assert!(got[0].1 >= Duration::from_secs(20));
        assert!(got[1].1 < Duration::from_millis(10));
        assert!(got[2].1 < Duration::from_millis(10));
    }
}
