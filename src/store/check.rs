//! A consistency check of the store: walks articles → events → index entries → counters and
//! reports every disagreement, so that crash tests (and an operator after a power cut) can tell
//! a whole store from one holding a half-ingested article.
//!
//! What "consistent" means here is exactly what `put_article`/`remove_article` promise to write
//! in one batch: for every stored article, its content hash, its record of event keys, its
//! events, the date/topic/stage entries of each event, the publication entry, and counters in
//! step with all of it; and nothing else (no orphan event, entry or counter). The check
//! recomputes the expected entries from the stored events with the same functions the writer
//! uses (`add_event_entries`, `keys::*`), one article at a time, and compares them with the
//! index by an order-independent digest (count and sum of entry hashes) built in one
//! sequential scan, so it needs memory for one article plus the counters, not for the whole
//! index, and reads the index once instead of once per entry. The full-text index is compared
//! the same way: one document per stored event, written from that event. Events are found by a prefix scan under their article
//! id; trees with one entry per article or event are compared by size.

use std::collections::{BTreeMap, BTreeSet};

use super::fulltext::event_digest;
use super::{
    add_event_entries, decode, decode_events, keys, read_u64, ArticleRecord, Store, StoreError,
};
use crate::article::Article;
use crate::event::Event;

/// At most this many problems are listed; the rest are only counted (a badly broken store
/// would otherwise produce one line per entry).
const MAX_LISTED: usize = 100;

/// What [`Store::check`] found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckReport {
    pub articles: u64,
    pub events: u64,
    pub index_entries: u64,
    /// One line per problem, at most [`MAX_LISTED`] of them.
    pub problems: Vec<String>,
    /// Problems found beyond the listed ones.
    pub unlisted: u64,
}

impl CheckReport {
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty() && self.unlisted == 0
    }

    fn problem(&mut self, text: String) {
        if self.problems.len() < MAX_LISTED {
            self.problems.push(text);
        } else {
            self.unlisted += 1;
        }
    }
}

impl Store {
    /// The event keys stored for an article, in the order it was stored with (sentence order),
    /// or `None` when the article is not stored. Read from the article's record, which
    /// [`Store::check`] verifies against the events tree.
    pub fn article_event_keys(&self, id: &str) -> Result<Option<Vec<String>>, StoreError> {
        match self.records.get(id).map_err(|e| self.err(e))? {
            Some(v) => decode::<ArticleRecord>(&v, "article record").map(|r| Some(r.event_keys)),
            None => Ok(None),
        }
    }

    /// Walks the whole store and reports every inconsistency (see the module comment). Only an
    /// I/O error from sled is an `Err`; undecodable values are reported as problems so that one
    /// damaged entry does not hide the others.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        let mut report = CheckReport::default();
        let mut expected_events = 0u64;
        let mut index = Digest::default();
        let mut counters: BTreeMap<Vec<u8>, u64> = BTreeMap::new();

        for item in self.articles.iter() {
            let (k, v) = item.map_err(|e| self.err(e))?;
            report.articles += 1;
            let id = String::from_utf8_lossy(&k).into_owned();
            let Some(entries) = self.article_entries(&id, &v, &mut report, &mut counters)? else {
                continue;
            };
            expected_events += entries.events;
            for (key, value) in &entries.index {
                index.add(key, value);
            }
        }

        // The index: one sequential scan compared by digest (a random read per expected entry
        // costs several times more); only when they differ, a second pass names the entries.
        let mut found = Digest::default();
        for item in self.index.iter() {
            let (k, v) = item.map_err(|e| self.err(e))?;
            report.index_entries += 1;
            found.add(&k, &v);
        }
        if found != index {
            self.name_index_differences(&mut report)?;
            report.problem(format!(
                "{} index entries stored where the articles call for {} (orphans, losses or wrong values)",
                found.count, index.count
            ));
        }

        // Nothing beyond what the articles call for: every expected key was found above and
        // each holds its article id, so equal sizes mean equal trees.
        report.events = expected_events;
        let sizes = [
            ("content hashes", self.hashes.len() as u64, report.articles),
            (
                "article records",
                self.records.len() as u64,
                report.articles,
            ),
            ("event lists", self.events.len() as u64, report.articles),
        ];
        for (what, found, expected) in sizes {
            if found != expected {
                report.problem(format!(
                    "{found} {what} stored where the articles call for {expected} (orphans or losses)"
                ));
            }
        }

        // News markers name stored articles (`remove_article` removes an article's marker).
        for item in self.news.iter() {
            let (k, _) = item.map_err(|e| self.err(e))?;
            if self.articles.get(&k).map_err(|e| self.err(e))?.is_none() {
                report.problem(format!(
                    "news marker for the missing article {}",
                    String::from_utf8_lossy(&k)
                ));
            }
        }

        // Counters: exactly the non-zero expected ones (the writer removes counters at zero).
        let mut expected_counts: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        expected_counts.insert(keys::COUNT_ARTICLES.to_vec(), report.articles);
        expected_counts.insert(keys::COUNT_EVENTS.to_vec(), expected_events);
        // Topic counters, already keyed by their counter key.
        expected_counts.extend(counters);
        expected_counts.retain(|_, n| *n != 0);
        for item in self.counts.iter() {
            let (k, v) = item.map_err(|e| self.err(e))?;
            let shown = String::from_utf8_lossy(&k).into_owned();
            match (expected_counts.remove(k.as_ref()), read_u64(&v)) {
                (_, None) => report.problem(format!("counter {shown}: unreadable")),
                (None, Some(n)) => report.problem(format!("counter {shown} is {n}, expected none")),
                (Some(want), Some(n)) if want != n => {
                    report.problem(format!("counter {shown} is {n}, expected {want}"))
                }
                _ => {}
            }
        }
        for (k, want) in expected_counts {
            report.problem(format!(
                "counter {} missing, expected {want}",
                String::from_utf8_lossy(&k)
            ));
        }
        self.check_fulltext(&mut report)?;
        Ok(report)
    }

    /// The full-text index holds one document per stored event, written from that event (its
    /// key and a digest of its terms, actors and topics), and nothing else; compared by digest.
    fn check_fulltext(&self, report: &mut CheckReport) -> Result<(), StoreError> {
        self.fulltext_current()?;
        let mut expected = Digest::default();
        for item in self.events.iter() {
            let (_, v) = item.map_err(|e| self.err(e))?;
            // An undecodable value is reported above.
            for e in decode_events(&v).unwrap_or_default() {
                expected.add(e.key().as_bytes(), &event_digest(&e).to_be_bytes());
            }
        }
        let mut found = Digest::default();
        self.fulltext
            .for_each_doc(|key, digest| found.add(key.as_bytes(), &digest.to_be_bytes()))?;
        if found != expected {
            report.problem(format!(
                "the full-text index holds {} documents where the stored events call for {} (missing, stale or orphan documents)",
                found.count, expected.count
            ));
        }
        Ok(())
    }

    /// One article's own checks (hash, record, events) and the index entries it calls for,
    /// built the way `put_article` builds them. `None` when the article cannot be read far
    /// enough to know its entries (the problem is reported).
    fn article_entries(
        &self,
        id: &str,
        value: &[u8],
        report: &mut CheckReport,
        counters: &mut BTreeMap<Vec<u8>, u64>,
    ) -> Result<Option<ArticleEntries>, StoreError> {
        let article: Article = match decode(value, "article") {
            Ok(a) => a,
            Err(e) => {
                report.problem(format!("article {id}: {e}"));
                return Ok(None);
            }
        };
        if article.id != id {
            report.problem(format!("article stored under {id} has id {}", article.id));
        }
        match self.hashes.get(id).map_err(|e| self.err(e))? {
            None => report.problem(format!("article {id}: no content hash")),
            Some(h) if std::str::from_utf8(&h).is_err() => {
                report.problem(format!("article {id}: content hash is not UTF-8"))
            }
            Some(_) => {}
        }
        let record: ArticleRecord = match self.records.get(id).map_err(|e| self.err(e))? {
            None => {
                report.problem(format!("article {id}: no record of its events"));
                return Ok(None);
            }
            Some(r) => match decode(&r, "article record") {
                Ok(r) => r,
                Err(e) => {
                    report.problem(format!("article {id}: {e}"));
                    return Ok(None);
                }
            },
        };

        // Its events are one value under its id.
        let mut events: BTreeMap<String, Event> = BTreeMap::new();
        match self.events.get(id).map_err(|e| self.err(e))? {
            None if !record.event_keys.is_empty() => {
                report.problem(format!("article {id}: its events are missing"))
            }
            None => {}
            Some(v) => match decode_events(&v) {
                Ok(stored) => {
                    for e in stored {
                        let key = e.key();
                        if e.article != id {
                            report.problem(format!(
                                "article {id}: holds event {key} of article {}",
                                e.article
                            ));
                        }
                        if events.insert(key.clone(), e).is_some() {
                            report.problem(format!("article {id}: event {key} stored twice"));
                        }
                    }
                }
                Err(e) => report.problem(format!("article {id}: {e}")),
            },
        }
        let recorded: BTreeSet<&String> = record.event_keys.iter().collect();
        if recorded.len() != record.event_keys.len() {
            report.problem(format!(
                "article {id}: an event is listed twice in its record"
            ));
        }
        for key in &recorded {
            if !events.contains_key(*key) {
                report.problem(format!("article {id}: its event {key} is missing"));
            }
        }
        for key in events.keys().filter(|k| !recorded.contains(k)) {
            report.problem(format!(
                "article {id}: event {key} is not in its record (an orphan)"
            ));
        }

        let mut index: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        index.insert(keys::published_entry(&article.published, id), Vec::new());
        for (key, event) in &events {
            add_event_entries(&mut index, event, key);
            for t in event.topics.iter().collect::<BTreeSet<_>>() {
                let mut counter = vec![keys::COUNT_TOPIC];
                counter.extend_from_slice(t.as_bytes());
                *counters.entry(counter).or_default() += 1;
            }
        }
        Ok(Some(ArticleEntries {
            events: events.len() as u64,
            index,
        }))
    }

    /// The slow pass after a digest mismatch: reads each expected entry to name the missing
    /// and wrong ones (strays show in the count).
    fn name_index_differences(&self, report: &mut CheckReport) -> Result<(), StoreError> {
        let mut scratch = CheckReport::default();
        let mut counters = BTreeMap::new();
        for item in self.articles.iter() {
            let (k, v) = item.map_err(|e| self.err(e))?;
            let id = String::from_utf8_lossy(&k).into_owned();
            let Some(entries) = self.article_entries(&id, &v, &mut scratch, &mut counters)? else {
                continue;
            };
            for (key, value) in &entries.index {
                match self.index.get(key).map_err(|e| self.err(e))? {
                    None => report.problem(format!(
                        "article {id}: index entry missing: {}",
                        String::from_utf8_lossy(key)
                    )),
                    Some(v) if v.as_ref() != value.as_slice() => report.problem(format!(
                        "article {id}: index entry has the wrong value: {}",
                        String::from_utf8_lossy(key)
                    )),
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }
}

/// What one article calls for.
struct ArticleEntries {
    /// Events stored for it.
    events: u64,
    /// Its index entries.
    index: BTreeMap<Vec<u8>, Vec<u8>>,
}

/// An order-independent summary of a set of (key, value) entries: their number and the
/// wrapping sum of a 64-bit hash of each. Two sets with equal digests are taken as equal (a
/// chance collision could only hide a problem, never invent one).
#[derive(Debug, Default, PartialEq, Eq)]
struct Digest {
    count: u64,
    sum: u64,
}

impl Digest {
    fn add(&mut self, key: &[u8], value: &[u8]) {
        let mut h = crate::fnv::fnv1a64(key);
        // Key and value hashed apart and mixed, so that bytes moved between them change it.
        h ^= crate::fnv::fnv1a64(value).rotate_left(29);
        // splitmix64's finaliser: spreads FNV's weak high bits before the sum.
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        self.count += 1;
        self.sum = self.sum.wrapping_add(h ^ (h >> 31));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::extract::Extractor;

    fn stored_store() -> (tempfile::TempDir, Store, Article) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let text = "---\ntitle: T\noutlet: O\nurl: https://e.example/1\npublished: 2025-03-10T09:00:00Z\n---\n\n\
                    Ukraine and the United States signed the minerals deal on March 5, officials said. \
                    Talks on a ceasefire resumed in Jeddah on Tuesday.\n";
        let path = dir.path().join("a.txt");
        std::fs::write(&path, text).unwrap();
        let opts = crate::article::ReadOptions::from_config(&Config::builtin());
        let article = crate::article::load_article(&path, None, &opts)
            .unwrap()
            .unwrap();
        let events = Extractor::new(&Config::builtin()).events(&article);
        assert!(!events.is_empty());
        store.put_article(&article, &events).unwrap();
        (dir, store, article)
    }

    #[test]
    fn a_written_store_is_consistent_and_removal_leaves_nothing() {
        let (_dir, store, article) = stored_store();
        let report = store.check().unwrap();
        assert!(report.is_consistent(), "{:?}", report.problems);
        assert_eq!(report.articles, 1);
        assert!(report.events > 0 && report.index_entries > report.events);
        assert_eq!(
            store
                .article_event_keys(&article.id)
                .unwrap()
                .unwrap()
                .len() as u64,
            report.events
        );
        store.remove_article(&article.id).unwrap();
        let report = store.check().unwrap();
        assert!(report.is_consistent(), "{:?}", report.problems);
        assert_eq!(
            (report.articles, report.events, report.index_entries),
            (0, 0, 0)
        );
        assert_eq!(store.article_event_keys(&article.id).unwrap(), None);
    }

    #[test]
    fn damage_in_each_tree_is_found() {
        // Each line removes or adds one thing a crash could lose or leave behind, and names a
        // word the report must use.
        type Harm = fn(&Store, &Article);
        let damage: [(&str, Harm, &str); 9] = [
            (
                "lost event",
                |s, a| {
                    let mut events = s.article_events_stored(&a.id).unwrap();
                    events.remove(0);
                    s.events
                        .insert(&a.id, super::super::encode_events(&events).unwrap())
                        .unwrap();
                },
                "is missing",
            ),
            (
                "orphan event",
                |s, a| {
                    let mut events = s.article_events_stored(&a.id).unwrap();
                    let mut extra = events[0].clone();
                    extra.sentence_index = 9999;
                    events.push(extra);
                    s.events
                        .insert(&a.id, super::super::encode_events(&events).unwrap())
                        .unwrap();
                },
                "not in its record",
            ),
            (
                "orphan of no article",
                |s, _| {
                    let v = s.events.iter().next().unwrap().unwrap().1;
                    s.events.insert("ffffffffffffffff", v).unwrap();
                },
                "orphans",
            ),
            (
                "lost index entry",
                |s, _| {
                    let k = s.index.scan_prefix([keys::DATE]).next().unwrap().unwrap().0;
                    s.index.remove(k).unwrap();
                },
                "index entry missing",
            ),
            (
                "stray index entry",
                |s, a| {
                    s.index
                        .insert(keys::published_entry(&a.published, "nosuch"), [])
                        .unwrap();
                },
                "index entries",
            ),
            (
                "lost hash",
                |s, a| {
                    s.hashes.remove(a.id.as_bytes()).unwrap();
                },
                "no content hash",
            ),
            (
                "counter off",
                |s, _| {
                    s.counts
                        .insert(keys::COUNT_EVENTS, 999u64.to_be_bytes())
                        .unwrap();
                },
                "counter E is 999",
            ),
            (
                "lost full-text document",
                |s, a| {
                    let mut events = s.article_events_stored(&a.id).unwrap();
                    events.pop();
                    s.fulltext.replace_article(&a.id, &events).unwrap();
                    s.fulltext_dirty
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                },
                "full-text index holds",
            ),
            (
                "stale full-text document",
                |s, a| {
                    let mut events = s.article_events_stored(&a.id).unwrap();
                    events[0].clause = "zebras".into();
                    s.fulltext.replace_article(&a.id, &events).unwrap();
                    s.fulltext_dirty
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                },
                "full-text index holds",
            ),
        ];
        for (what, harm, says) in damage {
            let (_dir, store, article) = stored_store();
            harm(&store, &article);
            let report = store.check().unwrap();
            assert!(!report.is_consistent(), "{what} was not found");
            assert!(
                report.problems.iter().any(|p| p.contains(says)),
                "{what}: no problem says {says:?}: {:?}",
                report.problems
            );
        }
    }
}
