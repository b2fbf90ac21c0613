//! The full-text index: a tantivy index beside sled, derived from the stored events, that
//! finds events by term, actor, topic and date and knows the vocabulary (for typo tolerance).
//!
//! One document per event (clause): its terms exactly as [`crate::text::terms`] cuts them
//! (words, stopwords out, stemmed), its actors, topics, event day and modality; the article id
//! and (sentence, clause) as fast fields, so a hit becomes an event key without reading
//! anything else. Terms go in pre-analyzed, one raw token per value, so a question's stemmed
//! term is a tantivy term as it is. Postings record documents only (no frequencies or
//! positions): retrieval asks whether an event says a word, not how often.
//!
//! The index holds nothing sled does not: every commit carries, in its payload, the ingest
//! sequence of the last sled batch it reflects and the analyzer fingerprint. The store commits
//! only after flushing sled, so the index never runs ahead of what sled made durable; on open,
//! a lagging index is caught up from sled's log of touched articles and a missing, corrupt or
//! differently analyzed one is rebuilt (see `Store::sync_fulltext` in `mod.rs`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STRING,
};
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term,
};

use super::StoreError;
use crate::event::{Event, Modality};

/// Bump when the document layout changes: an index of another version is rebuilt.
const FORMAT_VERSION: u32 = 1;

/// Words whose analysis (`crate::text::terms`) goes into the fingerprint: a change of the
/// stopwords or the stemmer changes some of these, and the index is then rebuilt, since its
/// terms would no longer be what questions look for.
const ANALYZER_SAMPLE: &str = "Signed signing signs ratified ratification proposals talks \
    talked meeting planned stalled paused pausing resumed resumption ceasefire negotiations \
    guarantees security minerals earths revenues countries agreed agreement deliveries \
    delivered weapons assistance intelligence sharing parliament lawmakers deputies voted \
    Zelensky's U.S. 50% the of and is was were said says would could should about after \
    угода підписали підписання переговори зустріч перемир'я парламент ратифікував \
    соглашение подписали переговоры";

/// The memory the writer fills before it writes a segment (tantivy's minimum is 15 MB).
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// The subdirectory of the data directory the index lives in.
pub(crate) const DIR_NAME: &str = "fulltext";

/// What a commit says about itself (its payload, JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Watermark {
    /// The ingest sequence of the last sled batch the committed documents reflect.
    pub seq: u64,
    /// [`analyzer_fingerprint`] of the build that wrote them.
    pub analyzer: String,
}

/// The fingerprint of the document format and the analyzer.
pub(crate) fn analyzer_fingerprint() -> String {
    let terms = crate::text::terms(ANALYZER_SAMPLE).join(" ");
    format!(
        "{FORMAT_VERSION}-{:016x}",
        crate::fnv::fnv1a64(terms.as_bytes())
    )
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    article: Field,
    at: Field,
    term: Field,
    actor: Field,
    topic: Field,
    day: Field,
    modality: Field,
    /// A hash of the document's terms, actors and topics, so that `Store::check` can tell a
    /// document written from another version of its event.
    digest: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let raw = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let fields = Fields {
        article: b.add_text_field("article", STRING | FAST),
        at: b.add_u64_field("at", FAST),
        term: b.add_text_field("term", raw.clone()),
        actor: b.add_text_field("actor", raw.clone()),
        topic: b.add_text_field("topic", raw),
        day: b.add_i64_field("day", NumericOptions::default().set_indexed().set_fast()),
        modality: b.add_u64_field("modality", FAST),
        digest: b.add_u64_field("digest", FAST),
    };
    (b.build(), fields)
}

/// One form a concept may take in an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form<'a> {
    /// A stemmed term (`crate::text::terms`).
    Term(&'a str),
    /// An actor's canonical name.
    Actor(&'a str),
}

/// A concept for [`Store::best_events`](super::Store::best_events): its forms, each with the
/// score a match by it adds (the best form of a concept counts, not their sum).
#[derive(Debug, Clone)]
pub struct ScoredConcept<'a> {
    pub forms: Vec<(Form<'a>, f32)>,
}

pub(crate) struct FullText {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// Opened at the first write: a process that only answers needs no writer.
    writer: Mutex<Option<IndexWriter>>,
    dir: PathBuf,
}

fn index_err(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io(format!("full-text index: {what}: {e}"))
}

impl FullText {
    /// Opens the index in `dir`, or creates an empty one there. An index that cannot be opened
    /// (damaged, or of another schema) is removed and created anew, empty: the caller rebuilds
    /// it from sled, so it says whether it did (`true`).
    pub(crate) fn open(dir: &Path) -> Result<(FullText, bool), StoreError> {
        let (schema, fields) = schema();
        let opened = open_dir(dir, &schema);
        let (index, recreated) = match opened {
            Ok(index) => (index, false),
            Err(e) => {
                tracing::warn!(index = %dir.display(), "the full-text index cannot be opened ({e}); it is rebuilt from the store");
                std::fs::remove_dir_all(dir)
                    .map_err(|e| index_err(&format!("removing {}", dir.display()), e))?;
                (open_dir(dir, &schema)?, true)
            }
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| index_err("opening a reader", e))?;
        Ok((
            FullText {
                index,
                reader,
                fields,
                writer: Mutex::new(None),
                dir: dir.to_path_buf(),
            },
            recreated,
        ))
    }

    /// The watermark of the last commit (`None`: never committed, or not by this code).
    pub(crate) fn watermark(&self) -> Result<Option<Watermark>, StoreError> {
        let metas = self
            .index
            .load_metas()
            .map_err(|e| index_err("reading its metadata", e))?;
        Ok(metas
            .payload
            .and_then(|p| serde_json::from_str::<Watermark>(&p).ok()))
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut slot = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            let writer = self
                .index
                .writer_with_num_threads(1, WRITER_MEMORY)
                .map_err(|e| index_err("opening its writer", e))?;
            *slot = Some(writer);
        }
        f(slot.as_mut().expect("just set"))
    }

    /// Replaces an article's documents with those of `events` (none: the article is gone).
    /// Not visible until [`FullText::commit`].
    pub(crate) fn replace_article(&self, id: &str, events: &[Event]) -> Result<(), StoreError> {
        let fields = self.fields;
        self.with_writer(|w| {
            w.delete_term(Term::from_field_text(fields.article, id));
            for e in events {
                w.add_document(document(&fields, e))
                    .map_err(|e| index_err("adding a document", e))?;
            }
            Ok(())
        })
    }

    /// Adds the documents of events whose article has none in the index (a rebuild).
    pub(crate) fn add_events(&self, events: &[Event]) -> Result<(), StoreError> {
        let fields = self.fields;
        self.with_writer(|w| {
            for e in events {
                w.add_document(document(&fields, e))
                    .map_err(|e| index_err("adding a document", e))?;
            }
            Ok(())
        })
    }

    /// Drops every document, committed or not (before a rebuild).
    pub(crate) fn clear(&self) -> Result<(), StoreError> {
        self.with_writer(|w| {
            w.rollback().map_err(|e| index_err("rolling back", e))?;
            w.delete_all_documents()
                .map(|_| ())
                .map_err(|e| index_err("clearing it", e))
        })
    }

    /// Commits what was written with `watermark` as the payload, and makes it searchable.
    pub(crate) fn commit(&self, watermark: &Watermark) -> Result<(), StoreError> {
        let payload =
            serde_json::to_string(watermark).map_err(|e| index_err("encoding the payload", e))?;
        self.with_writer(|w| {
            let mut prepared = w
                .prepare_commit()
                .map_err(|e| index_err("preparing a commit", e))?;
            prepared.set_payload(&payload);
            prepared.commit().map_err(|e| index_err("committing", e))?;
            Ok(())
        })?;
        self.reader
            .reload()
            .map_err(|e| index_err("reloading its reader", e))
    }

    /// Live documents in the committed index.
    pub(crate) fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The bytes the index takes on disk.
    pub(crate) fn size_on_disk(&self) -> u64 {
        dir_size(&self.dir)
    }

    /// How many committed events hold `form` (exact: deleted documents are not counted).
    pub(crate) fn count(&self, forms: &[Form<'_>]) -> Result<u64, StoreError> {
        let searcher = self.reader.searcher();
        let query = BooleanQuery::union(forms.iter().map(|f| self.form_query(*f)).collect());
        searcher
            .search(&query, &Count)
            .map(|n| n as u64)
            .map_err(|e| index_err("counting", e))
    }

    /// How many documents hold `form` by the term dictionaries (deleted documents still count
    /// until their segment is merged: an estimate, read without touching postings).
    pub(crate) fn doc_freq(&self, form: Form<'_>) -> Result<u64, StoreError> {
        let searcher = self.reader.searcher();
        searcher
            .doc_freq(&self.form_term(form))
            .map_err(|e| index_err("reading a document frequency", e))
    }

    fn form_term(&self, form: Form<'_>) -> Term {
        match form {
            Form::Term(t) => Term::from_field_text(self.fields.term, t),
            Form::Actor(a) => Term::from_field_text(self.fields.actor, a),
        }
    }

    fn form_query(&self, form: Form<'_>) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            self.form_term(form),
            IndexRecordOption::Basic,
        ))
    }

    /// The event keys of every committed document holding `form`, in key order.
    pub(crate) fn keys_with(&self, form: Form<'_>) -> Result<Vec<String>, StoreError> {
        let searcher = self.reader.searcher();
        let docs = searcher
            .search(&self.form_query(form), &tantivy::collector::DocSetCollector)
            .map_err(|e| index_err("searching", e))?;
        let mut columns = KeyColumns::default();
        let mut keys = docs
            .into_iter()
            .map(|d| columns.key_of(&searcher, d))
            .collect::<Result<Vec<_>, _>>()?;
        keys.sort();
        Ok(keys)
    }

    /// Events holding a form of every concept of `set`.
    fn all_of(&self, concepts: &[ScoredConcept<'_>], set: &[usize]) -> Option<Box<dyn Query>> {
        let mut each: Vec<Box<dyn Query>> = Vec::new();
        for c in set.iter().filter_map(|&i| concepts.get(i)) {
            let mut forms: Vec<Box<dyn Query>> =
                c.forms.iter().map(|(f, _)| self.form_query(*f)).collect();
            // A union costs buffers per segment: one form needs none.
            match forms.len() {
                0 => return None,
                1 => each.extend(forms.pop()),
                _ => each.push(Box::new(BooleanQuery::union(forms))),
            }
        }
        match each.len() {
            0 => None,
            1 => each.pop(),
            _ => Some(Box::new(BooleanQuery::intersection(each))),
        }
    }

    /// The best `limit` events for `concepts`, with their scores (the sum over concepts of
    /// the best matching form's score), best first. Only events holding every concept of one
    /// of the `gates` (sets of concept indexes) are considered; with `day`, only events of
    /// that day.
    pub(crate) fn best(
        &self,
        concepts: &[ScoredConcept<'_>],
        gates: &[Vec<usize>],
        day: Option<chrono::NaiveDate>,
        limit: usize,
    ) -> Result<Vec<(String, f32)>, StoreError> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let gate: Vec<Box<dyn Query>> = gates
            .iter()
            .filter_map(|set| self.all_of(concepts, set))
            .collect();
        if gate.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(
                Box::new(BooleanQuery::union(gate)),
                0.0,
            )),
        ));
        if let Some(d) = day {
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_i64(self.fields.day, day_number(d)),
                        IndexRecordOption::Basic,
                    )),
                    0.0,
                )),
            ));
        }
        for c in concepts {
            let mut forms: Vec<Box<dyn Query>> = c
                .forms
                .iter()
                .map(|(f, score)| {
                    Box::new(ConstScoreQuery::new(self.form_query(*f), *score)) as Box<dyn Query>
                })
                .collect();
            match forms.len() {
                0 => {}
                1 => clauses.extend(forms.pop().map(|q| (Occur::Should, q))),
                _ => clauses.push((Occur::Should, Box::new(DisjunctionMaxQuery::new(forms)))),
            }
        }
        let searcher = self.reader.searcher();
        let hits = searcher
            .search(
                &BooleanQuery::new(clauses),
                &TopDocs::with_limit(limit).order_by_score(),
            )
            .map_err(|e| index_err("searching", e))?;
        let mut columns = KeyColumns::default();
        hits.into_iter()
            .map(|(score, d)| Ok((columns.key_of(&searcher, d)?, score)))
            .collect()
    }

    /// Calls `f` with each live document's event key and digest, for `Store::check`.
    pub(crate) fn for_each_doc(&self, mut f: impl FnMut(&str, u64)) -> Result<(), StoreError> {
        let searcher = self.reader.searcher();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let digests = segment
                .fast_fields()
                .u64("digest")
                .map_err(|e| index_err("reading digests", e))?;
            let mut columns = KeyColumns::default();
            for doc in segment.doc_ids_alive() {
                let key = columns.key_of(&searcher, DocAddress::new(ord as u32, doc))?;
                f(&key, digests.first(doc).unwrap_or_default());
            }
        }
        Ok(())
    }

    /// Terms of the index's vocabulary within `max_edits` edits (a transposition counts one)
    /// of `word`: (term, edits, events holding it), nearest first, then commonest.
    pub(crate) fn nearest_terms(
        &self,
        word: &str,
        max_edits: u8,
    ) -> Result<Vec<(String, u8, u64)>, StoreError> {
        let max_edits = max_edits.min(2);
        let query = FuzzyTermQuery::new(
            Term::from_field_text(self.fields.term, word),
            max_edits,
            true,
        );
        let searcher = self.reader.searcher();
        let mut found: std::collections::BTreeMap<String, u64> = Default::default();
        for segment in searcher.segment_readers() {
            let inverted = segment
                .inverted_index(self.fields.term)
                .map_err(|e| index_err("reading the term dictionary", e))?;
            let automaton = query
                .automaton()
                .map_err(|e| index_err("building a Levenshtein automaton", e))?;
            let mut stream = inverted
                .terms()
                .search(automaton)
                .into_stream()
                .map_err(|e| index_err("searching the term dictionary", e))?;
            while stream.advance() {
                let live = match segment.alive_bitset() {
                    // Deleted documents stay in the dictionary until a merge: count the live.
                    Some(alive) => {
                        let mut postings = inverted
                            .read_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)
                            .map_err(|e| index_err("reading a posting list", e))?;
                        let mut n = 0u64;
                        let mut doc = postings.doc();
                        while doc != tantivy::TERMINATED {
                            n += u64::from(alive.is_alive(doc));
                            doc = postings.advance();
                        }
                        n
                    }
                    None => u64::from(stream.value().doc_freq),
                };
                if live > 0 {
                    let term = String::from_utf8_lossy(stream.key()).into_owned();
                    *found.entry(term).or_default() += live;
                }
            }
        }
        let mut out: Vec<(String, u8, u64)> = found
            .into_iter()
            .map(|(t, n)| {
                let d = edit_distance(word, &t).min(255) as u8;
                (t, d, n)
            })
            .filter(|(_, d, _)| *d <= max_edits)
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
        Ok(out)
    }
}

/// The fast-field columns that make a document's event key, opened once per segment (opening
/// reads the column's header).
#[derive(Default)]
struct KeyColumns {
    by_segment: std::collections::HashMap<u32, (StrColumn, Column<u64>)>,
}

impl KeyColumns {
    /// The event key of a document, from its fast fields.
    fn key_of(
        &mut self,
        searcher: &tantivy::Searcher,
        d: DocAddress,
    ) -> Result<String, StoreError> {
        let bad = || StoreError::Corrupt(format!("full-text document {d:?} has no event key"));
        let (articles, at) = match self.by_segment.entry(d.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let fast = searcher.segment_reader(d.segment_ord).fast_fields();
                let articles = fast
                    .str("article")
                    .map_err(|e| index_err("reading article ids", e))?
                    .ok_or_else(bad)?;
                let at = fast
                    .u64("at")
                    .map_err(|e| index_err("reading event positions", e))?;
                e.insert((articles, at))
            }
        };
        let mut article = String::new();
        let ord = articles.term_ords(d.doc_id).next().ok_or_else(bad)?;
        articles
            .ord_to_str(ord, &mut article)
            .map_err(|e| index_err("reading an article id", e))?;
        let at = at.first(d.doc_id).ok_or_else(bad)?;
        Ok(super::posting_key(&article, split_at(at)))
    }
}

fn open_dir(dir: &Path, schema: &Schema) -> Result<Index, StoreError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| index_err(&format!("creating {}", dir.display()), e))?;
    let mmap = tantivy::directory::MmapDirectory::open(dir)
        .map_err(|e| index_err(&format!("opening {}", dir.display()), e))?;
    let index = Index::open_or_create(mmap, schema.clone())
        .map_err(|e| index_err(&format!("opening {}", dir.display()), e))?;
    // A damaged meta file shows here rather than at the first search.
    index
        .load_metas()
        .map_err(|e| index_err("reading its metadata", e))?;
    index
        .searchable_segments()
        .map_err(|e| index_err("listing its segments", e))?;
    Ok(index)
}

/// The document of one event.
fn document(fields: &Fields, e: &Event) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.article, &e.article);
    doc.add_u64(
        fields.at,
        (u64::from(e.sentence_index) << 32) | u64::from(e.clause_index),
    );
    let (terms, actors, topics) = indexed_names(e);
    for t in &terms {
        doc.add_text(fields.term, t);
    }
    for a in &actors {
        doc.add_text(fields.actor, a);
    }
    for t in &topics {
        doc.add_text(fields.topic, t);
    }
    if let Some(d) = &e.date {
        doc.add_i64(fields.day, day_number(d.date));
    }
    doc.add_u64(fields.modality, modality_code(e.modality));
    doc.add_u64(fields.digest, names_digest(&terms, &actors, &topics));
    doc
}

/// An event's indexed names: its terms ([`super::event_terms`]), its distinct actors and
/// topics, sorted.
fn indexed_names(e: &Event) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut actors = e.actors.clone();
    actors.sort();
    actors.dedup();
    let mut topics = e.topics.clone();
    topics.sort();
    topics.dedup();
    (super::event_terms(e), actors, topics)
}

/// The digest [`FullText::all_keys`] reports for an event's document.
pub(crate) fn event_digest(e: &Event) -> u64 {
    let (terms, actors, topics) = indexed_names(e);
    names_digest(&terms, &actors, &topics)
}

fn names_digest(terms: &[String], actors: &[String], topics: &[String]) -> u64 {
    let mut text = String::new();
    for list in [terms, actors, topics] {
        for name in list {
            text.push_str(name);
            text.push('\u{1f}');
        }
        text.push('\u{1e}');
    }
    // 32 bits: enough to tell versions apart, and half the fast field of 64.
    crate::fnv::fnv1a64(text.as_bytes()) & 0xFFFF_FFFF
}

fn day_number(d: chrono::NaiveDate) -> i64 {
    i64::from(chrono::Datelike::num_days_from_ce(&d))
}

fn modality_code(m: Modality) -> u64 {
    m as u64
}

fn split_at(at: u64) -> (u32, u32) {
    ((at >> 32) as u32, (at & 0xFFFF_FFFF) as u32)
}

/// Edits between two words (insertions, deletions, substitutions, and a swap of two
/// neighbours counting one, as the automaton counts them), by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

fn dir_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        assert_eq!(edit_distance("ceasefire", "ceasefire"), 0);
        assert_eq!(edit_distance("ceasfire", "ceasefire"), 1);
        assert_eq!(edit_distance("caesefire", "ceasefire"), 1);
        assert_eq!(edit_distance("zelenski", "zelensky"), 1);
        assert_eq!(edit_distance("угода", "угоди"), 1);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn positions_round_trip() {
        assert_eq!(split_at((7u64 << 32) | 3), (7, 3));
    }
}
