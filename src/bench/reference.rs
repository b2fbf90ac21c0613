//! The reference beside Storyline's figures: a bare tantivy sentence index over the same corpus,
//! asked the same questions. What a plain search engine does with the same text and hardware,
//! so that each Storyline figure has a ratio to read against.
//!
//! The reference reads the articles with the project's reader (the same files, manifests and
//! front matter), cuts each paragraph into sentences at `. `, `? ` and `! `, and indexes one
//! document per sentence: the text (tantivy's default tokenizer, lowercase, English stop words
//! removed, BM25), and the outlet, URL and publication date stored for the citation. Building
//! it is timed from the first file read to the commit; a question is parsed leniently (every
//! word optional), the best 10 sentences are scored and the best 4 read from the doc store, as
//! an answer with citations would. Like Storyline's, each phase runs in a fresh child process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{
    IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, STORED, STRING,
};
use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, StopWordFilter, TextAnalyzer};
use tantivy::{doc, Index, IndexWriter, ReloadPolicy, TantivyDocument};

use super::child::{emit, emit_latencies, peak_rss_mb};
use crate::article::manifest::Manifest;
use crate::article::walk::{walk, Found, ManifestNames};
use crate::article::{load_article, ReadOptions};
use crate::config::Config;

/// The writer's memory, as Storyline's index writer has.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// Sentences scored per question, and read from the doc store for the answer.
const TOP: usize = 10;
const SHOWN: usize = 4;

/// English stop words (the reference's text field drops them; tantivy's own list needs a
/// feature this build leaves out).
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it",
    "no", "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these",
    "they", "this", "to", "was", "will", "with", "what", "when", "who", "why", "how", "did",
    "does", "do", "has", "have", "had", "were", "which", "about", "said", "says",
];

const TOKENIZER: &str = "reference";

fn schema() -> Schema {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    b.add_text_field("text", text);
    b.add_text_field("outlet", STRING | STORED);
    b.add_text_field("url", STRING | STORED);
    b.add_date_field("published", STORED);
    b.build()
}

fn register_tokenizer(index: &Index) {
    let analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(
            STOP_WORDS.iter().map(|w| w.to_string()),
        ))
        .build();
    index.tokenizers().register(TOKENIZER, analyzer);
}

/// Builds the reference index of `corpus` in `index_dir` and reports its speed.
pub fn build(config: &Config, corpus: &Path, index_dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(index_dir)?;
    let schema = schema();
    let index = Index::create_in_dir(index_dir, schema.clone())
        .with_context(|| format!("creating {}", index_dir.display()))?;
    register_tokenizer(&index);
    let field = |name| schema.get_field(name).expect("declared above");
    let (text, outlet, url, published) = (
        field("text"),
        field("outlet"),
        field("url"),
        field("published"),
    );
    let started = Instant::now();
    let mut writer: IndexWriter = index.writer_with_num_threads(1, WRITER_MEMORY)?;
    let opts = ReadOptions::from_config(config);
    let mut manifests: HashMap<PathBuf, Option<Manifest>> = HashMap::new();
    let (mut articles, mut sentences) = (0u64, 0u64);
    for found in walk(corpus, &mut ManifestNames::new(opts.max_bytes)) {
        let Found::Article(path) = found else {
            continue;
        };
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let manifest = manifests
            .entry(dir.clone())
            .or_insert_with(|| Manifest::load(&dir, &opts));
        let Ok(Some(article)) = load_article(&path, manifest.as_ref(), &opts) else {
            continue;
        };
        articles += 1;
        let date = tantivy::DateTime::from_timestamp_secs(article.published.timestamp());
        for paragraph in &article.paragraphs {
            for sentence in split_sentences(paragraph) {
                writer.add_document(doc!(
                    text => sentence,
                    outlet => article.outlet.as_str(),
                    url => article.url.as_str(),
                    published => date,
                ))?;
                sentences += 1;
            }
        }
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    emit(
        "ref_ingest_articles_per_s",
        articles as f64 / secs,
        "articles/s",
    );
    emit("ref_ingest_seconds", secs, "s");
    emit("ref_sentences", sentences as f64, "sentences");
    Ok(())
}

/// Opens the reference index, answers the first question (open → first answer), then every
/// question, and reports the latencies and the process's peak RSS.
pub fn answer(index_dir: &Path, questions: &[String]) -> anyhow::Result<()> {
    let started = Instant::now();
    let index = Index::open_in_dir(index_dir)?;
    register_tokenizer(&index);
    let schema = index.schema();
    let text = schema.get_field("text")?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let parser = QueryParser::for_index(&index, vec![text]);
    let ask = |q: &str| -> anyhow::Result<usize> {
        let searcher = reader.searcher();
        let (query, _) = parser.parse_query_lenient(q);
        let hits = searcher.search(&query, &TopDocs::with_limit(TOP).order_by_score())?;
        let mut shown = 0;
        for (_, address) in hits.iter().take(SHOWN) {
            let doc: TantivyDocument = searcher.doc(*address)?;
            shown += doc
                .field_values()
                .filter(|v| v.1.as_str().is_some())
                .count();
        }
        Ok(shown)
    };
    if let Some(first) = questions.first() {
        std::hint::black_box(ask(first)?);
    }
    emit(
        "ref_open_to_first_answer_ms",
        started.elapsed().as_secs_f64() * 1000.0,
        "ms",
    );
    let mut times = Vec::with_capacity(questions.len());
    for q in questions {
        let t = Instant::now();
        std::hint::black_box(ask(q)?);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    emit_latencies("ref_", "question", times);
    emit("ref_peak_rss_mb", peak_rss_mb().unwrap_or(f64::NAN), "MB");
    Ok(())
}

/// Sentences of a paragraph, cut after `.`, `?` or `!` followed by a space.
fn split_sentences(paragraph: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = paragraph.as_bytes();
    for i in 0..bytes.len().saturating_sub(1) {
        if matches!(bytes[i], b'.' | b'?' | b'!') && bytes[i + 1] == b' ' {
            out.push(paragraph[start..=i].trim());
            start = i + 2;
        }
    }
    if start < paragraph.len() {
        out.push(paragraph[start..].trim());
    }
    out.retain(|s| !s.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_cut_after_their_end_mark() {
        assert_eq!(
            split_sentences("Aid resumed. Talks? Yes! Done"),
            ["Aid resumed.", "Talks?", "Yes!", "Done"]
        );
        assert!(split_sentences("").is_empty());
    }
}
