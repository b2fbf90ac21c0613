//! Upgrading stores of schema 5, which kept term and actor postings (and a counter per term
//! and actor) in sled, and of schema 1–4, which kept articles, events, records, the index, counters
//! and meta in trees of their own (written in sled transactions), to the one-tree layout of
//! `mod.rs`. The articles and their stored events are the whole truth of such a store; every
//! other entry derives from them. So the upgrade stores each old article with its old events
//! through `put_articles`, exactly as an ingest would (no re-extraction: the events stay as
//! they were extracted), then carries the last-ingest time over and drops the old trees.
//!
//! Crash safety: the new layout gets its schema version only after every article is in, and
//! the old trees are dropped only after that is flushed. A crash before leaves the old trees in
//! place and a partial new layout without a version, which the next open clears and redoes.

use serde::{Deserialize, Serialize};

use super::{
    decode, encode, keys, read_schema, ArticleRecord, Store, StoreError, META_LAST_INGEST,
    META_SCHEMA, SCHEMA_VERSION,
};
use crate::article::Article;
use crate::event::Event;

/// The trees of the old layout, by name.
const LEGACY_TREES: [&str; 7] = [
    "articles",
    "hashes",
    "events",
    "article_events",
    "index",
    "counts",
    "meta",
];

/// Articles stored per batch while upgrading (as ingest does).
const BATCH: usize = 64;

/// Schema 5's article record: its event keys, its posting names and its postings' segment.
#[derive(Serialize, Deserialize)]
struct RecordV5 {
    event_keys: Vec<String>,
    postings: Vec<(u8, String, u32)>,
    segment: u64,
}

/// Writes per batch while dropping schema 5's postings (a 100k-article store has millions).
const DROP_BATCH: usize = 10_000;

impl Store {
    /// Schema 5 → 6: drops the term and actor postings and counters (the full-text index,
    /// rebuilt from the events on open, replaces them) and the posting names in the article
    /// records. Each step can be redone after a crash: the version changes last, and a record
    /// already rewritten is left alone.
    pub(super) fn upgrade_from_sled_postings(&self) -> Result<(), StoreError> {
        let started = std::time::Instant::now();
        let mut batch = sled::Batch::default();
        let mut staged = 0usize;
        let flush = |batch: &mut sled::Batch, staged: &mut usize| -> Result<(), StoreError> {
            if *staged > 0 {
                self.tree
                    .apply_batch(std::mem::take(batch))
                    .map_err(|e| self.err(e))?;
                *staged = 0;
            }
            Ok(())
        };
        for (space, kind) in [
            (&self.index, keys::LEGACY_TERM),
            (&self.index, keys::LEGACY_ACTOR),
            (&self.counts, keys::LEGACY_COUNT_TERM),
            (&self.counts, keys::LEGACY_COUNT_ACTOR),
        ] {
            for item in space.scan_prefix([kind]) {
                let (k, _) = item.map_err(|e| self.err(e))?;
                space.stage(&mut batch, &k, None);
                staged += 1;
                if staged >= DROP_BATCH {
                    flush(&mut batch, &mut staged)?;
                }
            }
        }
        for item in self.records.iter() {
            let (k, v) = item.map_err(|e| self.err(e))?;
            // postcard ignores trailing bytes: a schema-5 record would also read as a new one,
            // so try the old layout first; a new record is too short for it.
            let Ok(old) = postcard::from_bytes::<RecordV5>(&v) else {
                continue;
            };
            let record = ArticleRecord {
                event_keys: old.event_keys,
            };
            self.records
                .stage(&mut batch, &k, Some(&encode(&record, "article record")?));
            staged += 1;
            if staged >= DROP_BATCH {
                flush(&mut batch, &mut staged)?;
            }
        }
        flush(&mut batch, &mut staged)?;
        self.meta
            .insert(META_SCHEMA, SCHEMA_VERSION.to_be_bytes())
            .map_err(|e| self.err(e))?;
        self.db.flush().map_err(|e| self.err(e))?;
        tracing::info!(
            store = %self.shown(),
            secs = format!("{:.1}", started.elapsed().as_secs_f64()),
            "upgraded the store to schema {SCHEMA_VERSION}: term and actor postings move to the full-text index"
        );
        Ok(())
    }

    /// Moves an old-layout store into this one (see the module comment); nothing when the
    /// store has no old trees.
    pub(super) fn upgrade_legacy(&self) -> Result<(), StoreError> {
        let names = self.db.tree_names();
        if !names.iter().any(|n| n.as_ref() == b"articles") {
            return Ok(());
        }
        let open = |name: &str| self.db.open_tree(name).map_err(|e| self.err(e));
        let old_meta = open("meta")?;
        if let Some(v) = old_meta.get(META_SCHEMA).map_err(|e| self.err(e))? {
            let found = read_schema(&v).ok_or_else(|| {
                StoreError::Corrupt(format!("{}: unreadable schema version", self.shown()))
            })?;
            if !(1..SCHEMA_VERSION).contains(&found) {
                return Err(StoreError::Schema {
                    path: self.shown(),
                    found,
                    expected: SCHEMA_VERSION,
                });
            }
        }
        let upgraded = self.meta.get(META_SCHEMA).map_err(|e| self.err(e))?;
        if upgraded.is_none() {
            // No version yet: a fresh start, or an upgrade a crash cut short.
            self.tree.clear().map_err(|e| self.err(e))?;
            self.copy_legacy_articles(&open("articles")?, &open("events")?)?;
            if let Some(v) = old_meta.get(META_LAST_INGEST).map_err(|e| self.err(e))? {
                self.meta
                    .insert(META_LAST_INGEST, v)
                    .map_err(|e| self.err(e))?;
            }
            self.meta
                .insert(META_SCHEMA, SCHEMA_VERSION.to_be_bytes())
                .map_err(|e| self.err(e))?;
            self.flush()?;
        }
        for name in LEGACY_TREES {
            self.db.drop_tree(name).map_err(|e| self.err(e))?;
        }
        self.flush()?;
        tracing::info!(store = %self.shown(), "upgraded the store to schema {SCHEMA_VERSION}");
        Ok(())
    }

    fn copy_legacy_articles(
        &self,
        articles: &sled::Tree,
        events: &sled::Tree,
    ) -> Result<(), StoreError> {
        let mut batch: Vec<(Article, Vec<Event>)> = Vec::with_capacity(BATCH);
        for item in articles.iter() {
            let (_, v) = item.map_err(|e| self.err(e))?;
            let article: Article = decode(&v, "article")?;
            let mut own = Vec::new();
            for item in events.scan_prefix(format!("{}:", article.id)) {
                let (_, v) = item.map_err(|e| self.err(e))?;
                own.push(decode::<Event>(&v, "event")?);
            }
            batch.push((article, own));
            if batch.len() == BATCH {
                self.store_batch(&batch)?;
                batch.clear();
            }
        }
        self.store_batch(&batch)
    }

    fn store_batch(&self, batch: &[(Article, Vec<Event>)]) -> Result<(), StoreError> {
        let items: Vec<(&Article, &[Event])> =
            batch.iter().map(|(a, e)| (a, e.as_slice())).collect();
        self.put_articles(&items).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::extract::Extractor;

    /// A schema-4 store as the old code wrote it: one tree per space (only the trees the
    /// upgrade reads need real content), plus a subscription that must survive.
    fn write_legacy_store(dir: &std::path::Path, articles: &[(Article, Vec<Event>)]) {
        let db = sled::Config::new().path(dir).open().unwrap();
        let trees: Vec<sled::Tree> = LEGACY_TREES
            .iter()
            .map(|n| db.open_tree(n).unwrap())
            .collect();
        let [old_articles, _, old_events, _, old_index, _, old_meta] = &trees[..] else {
            unreachable!()
        };
        for (a, events) in articles {
            old_articles
                .insert(&a.id, postcard::to_stdvec(a).unwrap())
                .unwrap();
            for e in events {
                old_events
                    .insert(e.key(), postcard::to_stdvec(e).unwrap())
                    .unwrap();
            }
        }
        old_index.insert(b"x-old-posting", b"").unwrap();
        old_meta.insert(META_SCHEMA, &4u32.to_be_bytes()).unwrap();
        old_meta
            .insert(META_LAST_INGEST, "2025-05-01T00:00:00Z")
            .unwrap();
        db.open_tree("subscriptions")
            .unwrap()
            .insert(b"chat", b"sub")
            .unwrap();
        db.flush().unwrap();
    }

    fn seed_articles() -> Vec<(Article, Vec<Event>)> {
        let config = Config::builtin();
        let opts = crate::article::ReadOptions::from_config(&config);
        let extractor = Extractor::new(&config);
        let dir = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        for (i, text) in [
            "Ukraine and the United States signed the minerals deal on March 5, officials said.",
            "Talks on a ceasefire resumed in Jeddah on Tuesday, Reuters reported.",
        ]
        .iter()
        .enumerate()
        {
            let path = dir.path().join(format!("{i}.txt"));
            let body = format!(
                "---\ntitle: T{i}\noutlet: O\nurl: https://e.example/{i}\npublished: 2025-03-1{i}T09:00:00Z\n---\n\n{text}\n"
            );
            std::fs::write(&path, body).unwrap();
            let a = crate::article::load_article(&path, None, &opts)
                .unwrap()
                .unwrap();
            let events = extractor.events(&a);
            assert!(!events.is_empty());
            out.push((a, events));
        }
        out
    }

    #[test]
    fn a_schema_4_store_is_moved_into_the_one_tree_layout() {
        let dir = tempfile::tempdir().unwrap();
        let articles = seed_articles();
        write_legacy_store(dir.path(), &articles);

        let store = Store::open(dir.path()).unwrap();
        let report = store.check().unwrap();
        assert!(report.is_consistent(), "{:?}", report.problems);
        assert_eq!(report.articles, 2);
        let events: usize = articles.iter().map(|(_, e)| e.len()).sum();
        assert_eq!(report.events, events as u64);
        for (a, evs) in &articles {
            assert_eq!(
                store.article_hash(&a.id).unwrap(),
                Some(a.content_hash.clone())
            );
            for e in evs {
                assert_eq!(store.event(&e.key()).unwrap().as_ref(), Some(e));
            }
        }
        let term = &crate::text::terms("minerals")[0];
        assert_eq!(store.term_postings(term).unwrap().len(), 1);
        assert_eq!(
            store.stats().unwrap().last_ingest.as_deref(),
            Some("2025-05-01T00:00:00Z")
        );
        let names = store.db.tree_names();
        for old in LEGACY_TREES {
            assert!(
                !names.iter().any(|n| n.as_ref() == old.as_bytes()),
                "{old} left"
            );
        }
        let subs = store.db.open_tree("subscriptions").unwrap();
        assert_eq!(subs.get(b"chat").unwrap().as_deref(), Some(&b"sub"[..]));
    }

    #[test]
    fn an_upgrade_cut_short_is_redone() {
        let dir = tempfile::tempdir().unwrap();
        let articles = seed_articles();
        write_legacy_store(dir.path(), &articles);
        {
            // What a crash mid-upgrade leaves: part of the new layout, no version, old trees.
            let db = sled::Config::new().path(dir.path()).open().unwrap();
            let tree = db.open_tree(super::super::TREE).unwrap();
            tree.insert(b"Ahalf-written", b"junk").unwrap();
            db.flush().unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let report = store.check().unwrap();
        assert!(report.is_consistent(), "{:?}", report.problems);
        assert_eq!(report.articles, 2);
    }

    #[test]
    fn a_schema_5_store_loses_its_sled_postings_and_gets_a_full_text_index() {
        let dir = tempfile::tempdir().unwrap();
        let articles = seed_articles();
        {
            let store = Store::open(dir.path()).unwrap();
            for (a, events) in &articles {
                store.put_article(a, events).unwrap();
            }
            // What schema 5 wrote besides: postings, their counters, longer records.
            let term = crate::text::terms("minerals")[0].clone();
            let mut posting = keys::name_prefix(keys::LEGACY_TERM, &term);
            posting.extend_from_slice(&7u64.to_be_bytes());
            store.index.insert(&posting, b"p").unwrap();
            let mut actor = keys::name_prefix(keys::LEGACY_ACTOR, "Ukraine");
            actor.extend_from_slice(&7u64.to_be_bytes());
            store.index.insert(&actor, b"p").unwrap();
            store.counts.insert(b"fminer", 1u64.to_be_bytes()).unwrap();
            store
                .counts
                .insert(b"aUkraine", 1u64.to_be_bytes())
                .unwrap();
            for (a, _) in &articles {
                let record: ArticleRecord =
                    decode(&store.records.get(&a.id).unwrap().unwrap(), "r").unwrap();
                let old = RecordV5 {
                    event_keys: record.event_keys,
                    postings: vec![(b'x', term.clone(), 1)],
                    segment: 7,
                };
                store
                    .records
                    .insert(&a.id, postcard::to_stdvec(&old).unwrap())
                    .unwrap();
            }
            store.meta.insert(META_SCHEMA, 5u32.to_be_bytes()).unwrap();
            store.flush().unwrap();
        }
        std::fs::remove_dir_all(dir.path().join(super::super::fulltext::DIR_NAME)).unwrap();

        let store = Store::open(dir.path()).unwrap();
        let report = store.check().unwrap();
        assert!(report.is_consistent(), "{:?}", report.problems);
        assert_eq!(report.articles, 2);
        let term = &crate::text::terms("minerals")[0];
        assert_eq!(store.term_postings(term).unwrap().len(), 1);
        for (a, events) in &articles {
            let keys: Vec<String> = events.iter().map(Event::key).collect();
            assert_eq!(store.article_event_keys(&a.id).unwrap(), Some(keys));
        }
        let schema = store.meta.get(META_SCHEMA).unwrap().unwrap();
        assert_eq!(read_schema(&schema), Some(SCHEMA_VERSION));
    }

    #[test]
    fn a_newer_legacy_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        write_legacy_store(dir.path(), &[]);
        {
            let db = sled::Config::new().path(dir.path()).open().unwrap();
            db.open_tree("meta")
                .unwrap()
                .insert(META_SCHEMA, &99u32.to_be_bytes())
                .unwrap();
            db.flush().unwrap();
        }
        assert!(matches!(
            Store::open(dir.path()),
            Err(StoreError::Schema { found: 99, .. })
        ));
    }
}
