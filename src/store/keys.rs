//! The byte layout of the store's keys, kept in one place so that writing and reading index
//! entries cannot drift apart. Numbers are big-endian with the sign bit flipped so that sled's
//! lexicographic key order is numeric order, and names end with a 0x00 byte so that one name is
//! never a prefix-scan match for a longer one ("us" vs "usa").

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::event::Event;

/// Index kinds: the first byte of every key in the index space (see `mod.rs` for the spaces).
pub(crate) const DATE: u8 = b'd';
pub(crate) const TOPIC: u8 = b't';
/// Term and actor postings of schema 5 (`upgrade.rs` removes them).
pub(crate) const LEGACY_ACTOR: u8 = b'a';
pub(crate) const LEGACY_TERM: u8 = b'x';
pub(crate) const PUBLISHED: u8 = b'p';
/// Stage-bearing facts, for status without reading a topic's other events (see `stages.rs`).
pub(crate) const STAGE_FACT: u8 = b's';
/// Stage-bearing hedged, conditional and future statements ("expected"), same purpose.
pub(crate) const STAGE_EXPECTED: u8 = b'e';

/// Counter keys in the `counts` tree.
pub(crate) const COUNT_ARTICLES: &[u8] = b"A";
pub(crate) const COUNT_EVENTS: &[u8] = b"E";
/// Followed by the topic id (no terminator: the rest of the key is the name).
pub(crate) const COUNT_TOPIC: u8 = b't';
/// Schema 5's per-actor and per-term event counters (`upgrade.rs` removes them).
pub(crate) const LEGACY_COUNT_ACTOR: u8 = b'a';
pub(crate) const LEGACY_COUNT_TERM: u8 = b'f';

/// Sorts after every real day: undated events go last in topic/actor order.
pub(crate) const UNDATED: [u8; 4] = [0xFF; 4];

/// A day as 4 bytes that sort like the dates.
pub(crate) fn day(d: NaiveDate) -> [u8; 4] {
    let n = chrono::Datelike::num_days_from_ce(&d);
    ((n as u32) ^ 0x8000_0000).to_be_bytes()
}

/// The event date's day, or [`UNDATED`].
pub(crate) fn event_day(e: &Event) -> [u8; 4] {
    e.date.as_ref().map(|d| day(d.date)).unwrap_or(UNDATED)
}

/// `d | day | reported | event key` (dated events only).
pub(crate) fn date_entry(e: &Event, key: &str) -> Option<Vec<u8>> {
    let d = e.date.as_ref()?;
    let mut k = Vec::with_capacity(9 + key.len());
    k.push(DATE);
    k.extend_from_slice(&day(d.date));
    k.extend_from_slice(&day(e.reported));
    k.extend_from_slice(key.as_bytes());
    Some(k)
}

/// `kind | name | 0x00`: the prefix under which one topic's (or stage's) entries sit.
pub(crate) fn name_prefix(kind: u8, name: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(2 + name.len());
    k.push(kind);
    k.extend_from_slice(name.as_bytes());
    k.push(0);
    k
}

/// `kind | name | 0x00 | day-or-UNDATED | reported | event key` (the topic index).
pub(crate) fn dated_name_entry(kind: u8, name: &str, e: &Event, key: &str) -> Vec<u8> {
    let mut k = name_prefix(kind, name);
    k.extend_from_slice(&event_day(e));
    k.extend_from_slice(&day(e.reported));
    k.extend_from_slice(key.as_bytes());
    k
}

/// `p | UTC milliseconds | article id`: articles by publication time.
pub(crate) fn published_entry(published: &DateTime<FixedOffset>, id: &str) -> Vec<u8> {
    let ms = published.timestamp_millis();
    let mut k = Vec::with_capacity(9 + id.len());
    k.push(PUBLISHED);
    k.extend_from_slice(&((ms as u64) ^ (1 << 63)).to_be_bytes());
    k.extend_from_slice(id.as_bytes());
    k
}

/// The day a [`day`] key part encodes (`None` for [`UNDATED`] or out of range).
pub(crate) fn day_from(bytes: [u8; 4]) -> Option<NaiveDate> {
    if bytes == UNDATED {
        return None;
    }
    let n = (u32::from_be_bytes(bytes) ^ 0x8000_0000) as i32;
    NaiveDate::from_num_days_from_ce_opt(n)
}

/// `s | topic | 0x00 | 0 (before) or 1 | day | stage | 0x00 | reported | event key`: a fact with
/// a date that puts `topic` at `stage`. Ordered as status reads them: "before X" dates first,
/// then by day; one (before, day, stage) cell after another, each in (reported, key) order.
pub(crate) fn stage_fact_entry(topic: &str, stage: &str, e: &Event, key: &str) -> Option<Vec<u8>> {
    if e.modality != crate::event::Modality::Fact {
        return None;
    }
    let d = e.date.as_ref()?;
    let mut k = name_prefix(STAGE_FACT, topic);
    k.push(u8::from(d.precision != crate::event::Precision::Before));
    k.extend_from_slice(&day(d.date));
    k.extend_from_slice(stage.as_bytes());
    k.push(0);
    k.extend_from_slice(&day(e.reported));
    k.extend_from_slice(key.as_bytes());
    Some(k)
}

/// `e | topic | 0x00 | stage | 0x00 | max(date, reported) | reported | event key` →
/// `day-or-UNDATED`: a statement that is not a fact about `stage` of `topic`. By stage, so
/// status reads only the stages beyond the current one; then by the later of date and report
/// day, the two things the "expected" filter compares with the current stage's day and the
/// as-of day.
pub(crate) fn stage_expected_entry(
    topic: &str,
    stage: &str,
    e: &Event,
    key: &str,
) -> Option<(Vec<u8>, Vec<u8>)> {
    if e.modality == crate::event::Modality::Fact {
        return None;
    }
    let latest = e
        .date
        .as_ref()
        .map_or(e.reported, |d| d.date.max(e.reported));
    let mut k = stage_expected_prefix(topic, stage);
    k.extend_from_slice(&day(latest));
    k.extend_from_slice(&day(e.reported));
    k.extend_from_slice(key.as_bytes());
    Some((k, event_day(e).to_vec()))
}

/// `e | topic | 0x00 | stage | 0x00`: where one stage's expected statements sit.
pub(crate) fn stage_expected_prefix(topic: &str, stage: &str) -> Vec<u8> {
    let mut k = name_prefix(STAGE_EXPECTED, topic);
    k.extend_from_slice(stage.as_bytes());
    k.push(0);
    k
}

#[cfg(test)]
pub(crate) fn topic_count(topic: &str) -> Vec<u8> {
    let mut k = vec![COUNT_TOPIC];
    k.extend_from_slice(topic.as_bytes());
    k
}

/// The event key at the end of a date / topic entry whose fixed-size head is
/// `head_len` bytes long.
pub(crate) fn key_after(entry: &[u8], head_len: usize) -> Option<&str> {
    entry
        .get(head_len..)
        .and_then(|b| std::str::from_utf8(b).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_sort_like_dates() {
        let a = NaiveDate::from_ymd_opt(-5, 1, 1).unwrap();
        let b = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        let c = NaiveDate::from_ymd_opt(2025, 3, 4).unwrap();
        let d = NaiveDate::from_ymd_opt(2025, 3, 5).unwrap();
        assert!(day(a) < day(b) && day(b) < day(c) && day(c) < day(d));
        assert!(day(NaiveDate::MAX) < UNDATED);
    }

    #[test]
    fn name_prefix_does_not_match_longer_names() {
        let us = name_prefix(TOPIC, "us");
        let usa = name_prefix(TOPIC, "usa");
        assert!(!usa.starts_with(&us));
    }
}
