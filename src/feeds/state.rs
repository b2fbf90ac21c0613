//! What the poller remembers about a feed (persisted by the store as JSON), and the schedule
//! rules: the interval with jitter, exponential backoff after failures, and disabling a feed
//! after a long run of them. Pure functions of the state and the clock, so they are unit-tested.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// A feed failing this many polls in a row is disabled until a manual
/// `storyline ingest --feed URL` succeeds: with backoff that is days of failures, so the
/// feed is gone or moved and polling it only burdens its server.
pub const DISABLE_AFTER_FAILURES: u32 = 10;
/// Backoff never waits longer than this between attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
/// Jitter: each delay is moved by up to this fraction, in thousandths (±10%).
const JITTER_PERMILLE: u64 = 100;

pub use crate::store::FeedState;

impl FeedState {
    /// Due when never polled or its time has come; a disabled feed never is.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        !self.disabled && self.next_fetch.is_none_or(|t| t <= now)
    }

    /// Records a successful poll (a 304 counts) and schedules the next one.
    pub fn succeeded(&mut self, now: DateTime<Utc>, interval: Duration, seed: u64) {
        self.last_fetch = Some(now);
        self.last_success = Some(now);
        self.last_error = None;
        self.consecutive_failures = 0;
        self.disabled = false;
        self.next_fetch = Some(now + to_delta(next_delay(interval, 0, None, seed)));
    }

    /// Records a failed poll; returns true when this failure disabled the feed.
    pub fn failed(
        &mut self,
        now: DateTime<Utc>,
        interval: Duration,
        error: String,
        retry_after: Option<u64>,
        seed: u64,
    ) -> bool {
        self.last_fetch = Some(now);
        self.last_error = Some(error);
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        let delay = next_delay(interval, self.consecutive_failures, retry_after, seed);
        self.next_fetch = Some(now + to_delta(delay));
        let newly_disabled = !self.disabled && self.consecutive_failures >= DISABLE_AFTER_FAILURES;
        if newly_disabled {
            self.disabled = true;
        }
        newly_disabled
    }
}

/// The wait before the next attempt: the interval, doubled per consecutive failure up to
/// [`MAX_BACKOFF`], at least the server's `Retry-After`, moved by ±10% jitter from `seed`.
pub fn next_delay(
    interval: Duration,
    failures: u32,
    retry_after: Option<u64>,
    seed: u64,
) -> Duration {
    let factor = 1u32.checked_shl(failures.min(20)).unwrap_or(u32::MAX);
    let mut base = interval.saturating_mul(factor);
    if failures > 0 {
        base = base.min(MAX_BACKOFF.max(interval));
    }
    if let Some(secs) = retry_after {
        base = base.max(Duration::from_secs(secs.min(MAX_BACKOFF.as_secs())));
    }
    // seed → a point in [-JITTER, +JITTER] permille.
    let spread = 2 * JITTER_PERMILLE + 1;
    let offset = (seed % spread) as i64 - JITTER_PERMILLE as i64;
    let millis = base.as_millis().min(u128::from(u64::MAX)) as i64;
    let jittered = millis.saturating_add(millis / 1000 * offset);
    Duration::from_millis(jittered.max(1000) as u64)
}

/// A jitter seed that differs between feeds and between polls of one feed.
pub fn seed(url: &str, now: DateTime<Utc>) -> u64 {
    let text = format!("{url}{}", now.timestamp_nanos_opt().unwrap_or_default());
    // FNV's low bits mix poorly for similar inputs; fold the high half in.
    let h = crate::fnv::fnv1a64(text.as_bytes());
    h ^ (h >> 29)
}

fn to_delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEN_MIN: Duration = Duration::from_secs(600);

    #[test]
    fn jitter_stays_within_ten_percent() {
        for seed in 0..500u64 {
            let d = next_delay(TEN_MIN, 0, None, seed.wrapping_mul(2_654_435_761));
            assert!(
                d >= Duration::from_secs(540) && d <= Duration::from_secs(660),
                "{d:?}"
            );
        }
        let a = next_delay(TEN_MIN, 0, None, 0);
        let b = next_delay(TEN_MIN, 0, None, 200);
        assert_ne!(a, b);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let d = |n| next_delay(TEN_MIN, n, None, 100); // seed 100: no jitter
        assert_eq!(d(0), TEN_MIN);
        assert_eq!(d(1), 2 * TEN_MIN);
        assert_eq!(d(3), 8 * TEN_MIN);
        assert_eq!(d(30), MAX_BACKOFF);
        assert_eq!(
            next_delay(TEN_MIN, 1, Some(3600), 100),
            Duration::from_secs(3600)
        );
    }

    #[test]
    fn disabled_after_a_run_of_failures_and_enabled_by_a_success() {
        let now: DateTime<Utc> = "2025-05-01T00:00:00Z".parse().unwrap();
        let mut s = FeedState::default();
        assert!(s.is_due(now));
        for i in 1..DISABLE_AFTER_FAILURES {
            assert!(
                !s.failed(now, TEN_MIN, "HTTP 500".into(), None, 1),
                "failure {i}"
            );
        }
        assert!(s.failed(now, TEN_MIN, "HTTP 500".into(), None, 1));
        assert!(s.disabled && !s.is_due(now + TimeDelta::days(30)));
        assert!(
            !s.failed(now, TEN_MIN, "again".into(), None, 1),
            "logged once"
        );
        s.succeeded(now, TEN_MIN, 1);
        assert!(!s.disabled && s.consecutive_failures == 0 && s.last_error.is_none());
        assert!(!s.is_due(now) && s.is_due(now + TimeDelta::minutes(11)));
    }
}
