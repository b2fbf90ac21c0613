//! Reads of the stage indexes, so that `/status` reads a topic's stage-bearing events only, and
//! of those only the first few of each (day, stage): a topic with 100,000 events and 2,000
//! reports that "aid was paused on September 25" costs one short read per (day, stage) cell,
//! not 100,000 event decodes.
//!
//! Two index kinds (layout in `keys.rs`), written with every event in `add_event_entries`:
//! - `s`: facts with a date and a stage, in the order the status history walks them;
//! - `e`: hedged, conditional and future statements with a stage, by stage and then by the
//!   later of their date and report day, which is what the "expected" filter compares.
//!
//! Stores of schema versions 1 and 2 lacked them or held `e` in an older layout; the upgrade to
//! the current layout (`upgrade.rs`) writes them from the stored events.

use chrono::NaiveDate;

use super::{bad_entry, keys, Store, StoreError};
use crate::event::Event;

/// The facts of one (before?, day, stage) cell of a topic.
#[derive(Debug, Clone)]
pub struct StageCell {
    /// The date is a "before X" bound.
    pub before: bool,
    pub day: NaiveDate,
    pub stage: String,
    /// The keys of the cell's first event, then of the first events of other articles, at most
    /// `per_cell`, in (reported, key) order. Keys, not events: a status walks many cells but
    /// shows the evidence of few (decode them with [`Store::event`]).
    pub keys: Vec<String>,
}

impl Store {
    /// The stage-bearing facts of `topic` as cells in key order (before-dates first, then by
    /// day, then by stage id), counting only facts dated and reported on or before `as_of`.
    /// Each cell holds its first event's key and further keys from other articles, up to
    /// `per_cell`.
    pub fn stage_fact_cells(
        &self,
        topic: &str,
        as_of: Option<NaiveDate>,
        per_cell: usize,
    ) -> Result<Vec<StageCell>, StoreError> {
        self.stage_fact_cells_known_by(topic, as_of, as_of, per_cell)
    }

    /// [`Store::stage_fact_cells`] with the report bound apart from the event bound: facts dated
    /// by `as_of` as known from reports made by `reported_by` ("was it still paused on March 10,
    /// by what we know now?" counts the March 12 report of the March 5 pause).
    pub fn stage_fact_cells_known_by(
        &self,
        topic: &str,
        as_of: Option<NaiveDate>,
        reported_by: Option<NaiveDate>,
        per_cell: usize,
    ) -> Result<Vec<StageCell>, StoreError> {
        let reported_by_day = reported_by.map(keys::day);
        let prefix = keys::name_prefix(keys::STAGE_FACT, topic);
        let p = prefix.len();
        let as_of_day = as_of.map(keys::day);
        let mut cells = Vec::new();
        let mut from = prefix.clone();
        loop {
            let mut iter = self.index.range(from.clone()..);
            let Some(item) = iter.next() else { break };
            let (k, _) = item.map_err(|e| self.err(e))?;
            if !k.starts_with(&prefix) {
                break;
            }
            let block = *k.get(p).ok_or_else(|| bad_entry(&k))?;
            let day: [u8; 4] = k
                .get(p + 1..p + 5)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad_entry(&k))?;
            if as_of_day.is_some_and(|d| day > d) {
                // The rest of this block is later still: go on with the next block, if any.
                if block == 0 {
                    from = prefix.clone();
                    from.push(1);
                    continue;
                }
                break;
            }
            let stage_end = k[p + 5..]
                .iter()
                .position(|b| *b == 0)
                .map(|i| p + 5 + i)
                .ok_or_else(|| bad_entry(&k))?;
            let cell_prefix = k[..=stage_end].to_vec();
            let stage = std::str::from_utf8(&k[p + 5..stage_end])
                .map_err(|_| bad_entry(&k))?
                .to_string();
            let date = keys::day_from(day).ok_or_else(|| bad_entry(&k))?;
            let head = cell_prefix.len() + 4;
            let mut found: Vec<String> = Vec::new();
            let mut articles: Vec<String> = Vec::new();
            let mut entry = Some((k, ()));
            loop {
                let Some((k, _)) = entry.take() else { break };
                if !k.starts_with(&cell_prefix) || found.len() >= per_cell.max(1) {
                    break;
                }
                let reported: [u8; 4] = k
                    .get(cell_prefix.len()..head)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| bad_entry(&k))?;
                if reported_by_day.is_some_and(|d| reported > d) {
                    // Entries of a cell go by report day: the rest were reported later.
                    break;
                }
                let key = keys::key_after(&k, head).ok_or_else(|| bad_entry(&k))?;
                let article = key.split(':').next().unwrap_or(key);
                if !articles.iter().any(|a| a == article) {
                    articles.push(article.to_string());
                    found.push(key.to_string());
                }
                entry = match iter.next() {
                    Some(item) => Some((item.map_err(|e| self.err(e))?.0, ())),
                    None => None,
                };
            }
            if !found.is_empty() {
                cells.push(StageCell {
                    before: block == 0,
                    day: date,
                    stage,
                    keys: found,
                });
            }
            // Skip the rest of the cell: the next key after every `cell_prefix…` key.
            from = cell_prefix;
            *from.last_mut().expect("the prefix ends with 0x00") = 1;
        }
        Ok(cells)
    }

    /// Statements that are not facts about one of `stages` of `topic`, whose later of date and
    /// report day lies in `[from, to]` (either bound open when `None`): the `limit` latest
    /// reported (ties in key order), with their stage.
    pub fn stage_expectations(
        &self,
        topic: &str,
        stages: &[&str],
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        limit: usize,
    ) -> Result<Vec<(String, Event)>, StoreError> {
        // (reported, key, stage). A statement's report day is never after its later day, so
        // once the later day drops below the `limit`-th best report day found, nothing further
        // in that stage can make the list.
        let mut found: Vec<([u8; 4], String, String)> = Vec::new();
        // The best `limit` report days so far, latest first.
        let mut best: Vec<[u8; 4]> = Vec::with_capacity(limit + 1);
        if limit == 0 {
            return Ok(Vec::new());
        }
        for stage in stages {
            let prefix = keys::stage_expected_prefix(topic, stage);
            let p = prefix.len();
            let mut start = prefix.clone();
            if let Some(d) = from {
                start.extend_from_slice(&keys::day(d));
            }
            let mut end = prefix.clone();
            match to {
                Some(d) => end.extend_from_slice(&keys::day(d + chrono::Duration::days(1))),
                None => end.extend_from_slice(&keys::UNDATED),
            }
            for item in self.index.range(start..end).rev() {
                let (k, _) = item.map_err(|e| self.err(e))?;
                let latest: [u8; 4] = k
                    .get(p..p + 4)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| bad_entry(&k))?;
                if best.len() >= limit && latest < best[limit - 1] {
                    break;
                }
                let reported: [u8; 4] = k
                    .get(p + 4..p + 8)
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| bad_entry(&k))?;
                let key = keys::key_after(&k, p + 8).ok_or_else(|| bad_entry(&k))?;
                found.push((reported, key.to_string(), stage.to_string()));
                let at = best.partition_point(|b| *b >= reported);
                best.insert(at, reported);
                best.truncate(limit);
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        found.truncate(limit);
        found
            .into_iter()
            .map(|(_, key, stage)| Ok((stage, self.indexed_event(&key)?)))
            .collect()
    }

    /// The first `limit` statements that are not facts about `stage` of `topic`, in the order of
    /// [`Store::topic_events`] (event day with undated last, report day, key).
    pub fn stage_expectations_in_order(
        &self,
        topic: &str,
        stage: &str,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let prefix = keys::stage_expected_prefix(topic, stage);
        let p = prefix.len();
        let mut found: Vec<([u8; 4], [u8; 4], String)> = Vec::new();
        for item in self.index.scan_prefix(&prefix) {
            let (k, v) = item.map_err(|e| self.err(e))?;
            let day: [u8; 4] = v
                .get(..4)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad_entry(&k))?;
            let reported: [u8; 4] = k
                .get(p + 4..p + 8)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad_entry(&k))?;
            found.push((
                day,
                reported,
                keys::key_after(&k, p + 8)
                    .ok_or_else(|| bad_entry(&k))?
                    .to_string(),
            ));
        }
        found.sort();
        found.truncate(limit);
        found
            .iter()
            .map(|(_, _, key)| self.indexed_event(key))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Article;
    use crate::event::{DateSource, EventDate, Modality, Precision};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn article(id: &str, published: &str) -> Article {
        Article {
            id: id.to_string(),
            title: format!("Title of {id}"),
            outlet: "Reuters".to_string(),
            url: format!("https://example.com/{id}"),
            published: chrono::DateTime::parse_from_rfc3339(published).unwrap(),
            timezone: None,
            paragraphs: vec!["Text.".to_string()],
            content_hash: format!("hash-{id}"),
            source_path: format!("/articles/{id}.txt"),
        }
    }

    fn event(
        a: &Article,
        sentence: u32,
        date: Option<&str>,
        modality: Modality,
        stage: &str,
    ) -> Event {
        Event {
            article: a.id.clone(),
            sentence_index: sentence,
            clause_index: 0,
            sentence: format!("Sentence {sentence}."),
            clause: format!("Sentence {sentence}."),
            date: date.map(|d| EventDate {
                date: day(d),
                precision: Precision::Day,
                source: DateSource::Explicit,
                expression: format!("on {d}"),
            }),
            reported: a.published_date(),
            actors: Vec::new(),
            attribution: None,
            modality,
            topics: vec!["aid".to_string()],
            stages: vec![("aid".to_string(), stage.to_string())],
        }
    }

    #[test]
    fn cells_expectations_and_the_v1_migration() {
        let dir = tempfile::tempdir().unwrap();
        let a1 = article("a1", "2025-03-04T09:30:00+02:00");
        let a2 = article("a2", "2025-03-06T09:30:00+02:00");
        {
            let store = Store::open(dir.path()).unwrap();
            let e1 = vec![
                event(&a1, 0, Some("2025-03-03"), Modality::Fact, "paused"),
                event(&a1, 1, Some("2025-03-03"), Modality::Fact, "paused"),
                event(&a1, 2, None, Modality::Hedged, "resumed"),
            ];
            store.put_article(&a1, &e1).unwrap();
            let e2 = vec![
                event(&a2, 0, Some("2025-03-03"), Modality::Fact, "paused"),
                event(&a2, 1, Some("2025-03-20"), Modality::Future, "resumed"),
            ];
            store.put_article(&a2, &e2).unwrap();
            let cells = store.stage_fact_cells("aid", None, 10).unwrap();
            assert_eq!(cells.len(), 1);
            assert_eq!(
                (cells[0].before, cells[0].day, cells[0].stage.as_str()),
                (false, day("2025-03-03"), "paused")
            );
            // The first event, then one per other article.
            assert_eq!(cells[0].keys, ["a1:0000:00", "a2:0000:00"]);
            assert!(store
                .stage_fact_cells("aid", Some(day("2025-03-02")), 10)
                .unwrap()
                .is_empty());
            // As of March 5, a2 (reported March 6) does not count yet.
            let early = store
                .stage_fact_cells("aid", Some(day("2025-03-05")), 10)
                .unwrap();
            assert_eq!(early[0].keys.len(), 1);

            let expected = store
                .stage_expectations(
                    "aid",
                    &["paused", "resumed"],
                    Some(day("2025-03-03")),
                    None,
                    4,
                )
                .unwrap();
            let keys: Vec<String> = expected.iter().map(|(_, e)| e.key()).collect();
            assert_eq!(keys, ["a2:0001:00", "a1:0002:00"], "newest report first");
            let in_order = store
                .stage_expectations_in_order("aid", "resumed", 3)
                .unwrap();
            let keys: Vec<String> = in_order.iter().map(Event::key).collect();
            assert_eq!(
                keys,
                ["a2:0001:00", "a1:0002:00"],
                "dated first, undated last"
            );
        }
        let store = Store::open(dir.path()).unwrap();
        assert!(store.check().unwrap().is_consistent());
    }
}
