//! A consistency check of the store: walks articles → events → index entries → counters and
//! reports every disagreement, so that crash tests (and an operator after a power cut) can tell
//! a whole store from one holding a half-ingested article.
//!
//! What "consistent" means here is exactly what `put_article`/`remove_article` promise to write
//! in one transaction: for every stored article, its content hash, its record of event keys and
//! terms, its events, the date/topic/actor entries of each event, one term posting per term
//! listing the events holding it, the publication entry, and counters in step with all of it;
//! and nothing else (no orphan event, entry or counter). The check recomputes the expected
//! entries from the stored events with the same functions the writer uses (`add_event_entries`,
//! `event_terms`, `keys::*`), one article at a time, and proves "nothing else" by comparing
//! tree sizes, so it needs memory for one article plus the counters, not for the whole index.

use std::collections::{BTreeMap, BTreeSet};

use super::{add_event_entries, decode, event_terms, keys, read_u64, ArticleRecord, Store, StoreError};
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
        match self.article_events.get(id).map_err(|e| self.err(e))? {
            Some(v) => decode::<ArticleRecord>(&v, "article record").map(|r| Some(r.event_keys)),
            None => Ok(None),
        }
    }

    /// Walks the whole store and reports every inconsistency (see the module comment). Only an
    /// I/O error from sled is an `Err`; undecodable values are reported as problems so that one
    /// damaged entry does not hide the others.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        let mut report = CheckReport::default();
        // Expected totals, to prove by size that no tree holds anything unexpected.
        let mut expected_events = 0u64;
        let mut expected_index = 0u64;
        let mut topic_counts: BTreeMap<String, u64> = BTreeMap::new();
        let mut term_counts: BTreeMap<String, u64> = BTreeMap::new();

        for item in self.articles.iter() {
            let (k, v) = item.map_err(|e| self.err(e))?;
            report.articles += 1;
            let id = String::from_utf8_lossy(&k).into_owned();
            let article: Article = match decode(&v, "article") {
                Ok(a) => a,
                Err(e) => {
                    report.problem(format!("article {id}: {e}"));
                    continue;
                }
            };
            if article.id != id {
                report.problem(format!("article stored under {id} has id {}", article.id));
            }
            match self.hashes.get(&k).map_err(|e| self.err(e))? {
                None => report.problem(format!("article {id}: no content hash")),
                Some(h) if std::str::from_utf8(&h).is_err() => {
                    report.problem(format!("article {id}: content hash is not UTF-8"))
                }
                Some(_) => {}
            }
            let record: ArticleRecord = match self.article_events.get(&k).map_err(|e| self.err(e))? {
                None => {
                    report.problem(format!("article {id}: no record of its events"));
                    continue;
                }
                Some(r) => match decode(&r, "article record") {
                    Ok(r) => r,
                    Err(e) => {
                        report.problem(format!("article {id}: {e}"));
                        continue;
                    }
                },
            };

            // The entries this article's events call for, built the way `put_article` builds them.
            let mut entries: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
            entries.insert(keys::published_entry(&article.published, &id), Vec::new());
            let mut postings: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut seen_keys = BTreeSet::new();
            for key in &record.event_keys {
                expected_events += 1;
                if !seen_keys.insert(key) {
                    report.problem(format!("article {id}: event {key} listed twice"));
                    continue;
                }
                let event: Event = match self.events.get(key).map_err(|e| self.err(e))? {
                    None => {
                        report.problem(format!("article {id}: its event {key} is missing"));
                        continue;
                    }
                    Some(v) => match decode(&v, "event") {
                        Ok(e) => e,
                        Err(e) => {
                            report.problem(format!("event {key}: {e}"));
                            continue;
                        }
                    },
                };
                if event.article != id || event.key() != *key {
                    report.problem(format!(
                        "event stored under {key} is {} of article {}",
                        event.key(),
                        event.article
                    ));
                }
                add_event_entries(&mut entries, &event, key);
                let suffix = key.get(id.len()..).unwrap_or_default();
                for term in event_terms(&event) {
                    postings.entry(term).or_default().push(suffix.to_string());
                }
                for t in event.topics.iter().collect::<BTreeSet<_>>() {
                    *topic_counts.entry(t.clone()).or_default() += 1;
                }
            }
            for (term, suffixes) in &mut postings {
                suffixes.sort();
                *term_counts.entry(term.clone()).or_default() += suffixes.len() as u64;
                match postcard::to_stdvec(suffixes) {
                    Ok(v) => {
                        entries.insert(keys::term_entry(term, &id), v);
                    }
                    Err(e) => report.problem(format!("cannot encode a posting: {e}")),
                }
            }
            let recorded: BTreeSet<&String> = record.terms.iter().collect();
            let derived: BTreeSet<&String> = postings.keys().collect();
            if recorded != derived {
                report.problem(format!(
                    "article {id}: recorded terms differ from its events' terms ({} recorded, {} derived)",
                    recorded.len(),
                    derived.len()
                ));
            }

            expected_index += entries.len() as u64;
            for (key, value) in &entries {
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

        // Nothing beyond what the articles call for. Every expected key is distinct across
        // articles (each holds its article id or event key) and was found above, so equal sizes
        // mean equal trees.
        let sizes = [
            ("content hashes", self.hashes.len() as u64, report.articles),
            ("article records", self.article_events.len() as u64, report.articles),
            ("events", self.events.len() as u64, expected_events),
            ("index entries", self.index.len() as u64, expected_index),
        ];
        for (what, found, expected) in sizes {
            if found != expected {
                report.problem(format!(
                    "{found} {what} stored where the articles call for {expected} (orphans or losses)"
                ));
            }
        }
        report.events = self.events.len() as u64;
        report.index_entries = self.index.len() as u64;

        // Counters: exactly the non-zero expected ones (the writer removes counters at zero).
        let mut expected_counts: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        expected_counts.insert(keys::COUNT_ARTICLES.to_vec(), report.articles);
        expected_counts.insert(keys::COUNT_EVENTS.to_vec(), expected_events);
        for (topic, n) in topic_counts {
            let mut k = vec![keys::COUNT_TOPIC];
            k.extend_from_slice(topic.as_bytes());
            expected_counts.insert(k, n);
        }
        for (term, n) in term_counts {
            expected_counts.insert(keys::term_count(&term), n);
        }
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
        Ok(report)
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
        let article = crate::article::load_article(&path, None, &opts).unwrap().unwrap();
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
            store.article_event_keys(&article.id).unwrap().unwrap().len() as u64,
            report.events
        );
        store.remove_article(&article.id).unwrap();
        let report = store.check().unwrap();
        assert!(report.is_consistent(), "{:?}", report.problems);
        assert_eq!((report.articles, report.events, report.index_entries), (0, 0, 0));
        assert_eq!(store.article_event_keys(&article.id).unwrap(), None);
    }

    #[test]
    fn damage_in_each_tree_is_found() {
        // Each line removes or adds one thing a crash could lose or leave behind.
        let damage: [(&str, fn(&Store, &Article)); 6] = [
            ("lost event", |s, a| {
                let key = s.article_event_keys(&a.id).unwrap().unwrap()[0].clone();
                s.events.remove(key).unwrap();
            }),
            ("orphan event", |s, a| {
                let key = format!("{}:9999:00", a.id);
                let v = s.events.iter().next().unwrap().unwrap().1;
                s.events.insert(key, v).unwrap();
            }),
            ("lost index entry", |s, _| {
                let k = s.index.scan_prefix([keys::DATE]).next().unwrap().unwrap().0;
                s.index.remove(k).unwrap();
            }),
            ("stray index entry", |s, _| {
                s.index.insert(keys::term_entry("zzz", "0000000000000000"), vec![0]).unwrap();
            }),
            ("lost hash", |s, a| {
                s.hashes.remove(a.id.as_bytes()).unwrap();
            }),
            ("counter off", |s, _| {
                s.counts.insert(keys::COUNT_EVENTS, &999u64.to_be_bytes()).unwrap();
            }),
        ];
        for (what, harm) in damage {
            let (_dir, store, article) = stored_store();
            harm(&store, &article);
            let report = store.check().unwrap();
            assert!(!report.is_consistent(), "{what} was not found");
        }
    }
}
