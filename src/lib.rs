//! Storyline follows a news story and answers questions about it with dated, cited answers.
//!
//! Module map (the core knows nothing of Telegram; front-ends only translate):
//!
//! - [`config`]: the TOML configuration (data dir, article folders, topics, actors, feeds),
//!   defaults and env overrides.
//! - [`article`]: reading articles from files (front matter or a folder's `manifest.toml`) into
//!   [`article::Article`] values, with one typed error per bad file.
//! - [`extract`]: sentences, dates, actors, attribution, modality and topics → [`event::Event`]s.
//! - [`event`]: the event model: when it happened (with precision), who, according to whom, how
//!   sure, which topics, and the sentence that says it; how its dates are written.
//! - [`store`]: the sled-backed store of articles, events and their indexes (by date, topic and
//!   stage), written in atomic batches, with a tantivy full-text index derived from the events
//!   (by term and actor, and the vocabulary for typo tolerance); subscriptions and the push
//!   outbox, with unreadable records set aside in a quarantine. Nothing else knows sled's trees.
//! - [`ingest`]: files → articles → events → store, idempotent, with a per-file report.
//! - [`feeds`]: RSS/Atom/JSON feeds polled politely; items (and article pages) become articles
//!   ingested like files; per-feed state (validators, failures, backoff) kept in the store.
//! - [`answer`]: requests (`/latest`, `/status`, questions, `/subscribe`, …) →
//!   [`answer::Reply`] values.
//! - [`explain`]: `explain-config`, how a config reads a set of articles: per topic and stage,
//!   the clauses that reach it, expect it or deny it, and the near misses with their reason.
//! - [`picture`]: the timeline picture and the status card as PNG, from plain values (tiny-skia,
//!   ab_glyph and the bundled DejaVu font); nothing of Telegram or the store.
//! - [`render`]: a `Reply` as plain text (terminal, `ask`) — Telegram HTML lives in the front-end.
//! - [`notify`]: what changed → whom to tell: the folder watch, push planning, the admins' stats.
//! - [`frontend`]: the terminal chat and the Telegram bot, both thin translators around the core.
//! - [`cli`]: the commands that read or write the store (`ingest`, `feeds`, `ask`, `stats`),
//!   printing to any output; [`control`]: the Unix socket through which they run inside a
//!   running `serve`, which holds the store.
//! - [`fnv`]: FNV-1a 64, the one hash for persisted ids and for maps keyed by short strings.
//! - [`bench`]: `gen-corpus` (a deterministic synthetic corpus in the article formats) and
//!   `bench` (ingest throughput, answer latency, memory, store size at 1k–100k articles).
//!
//! Layers point down: text, fnv, event, config → article → extract → explain, store → ingest,
//! feeds → answer → render, notify → frontend. A unit test (`module_graph.rs`) fails on an import
//! circle.

pub mod answer;
pub mod article;
pub mod bench;
pub mod cli;
pub mod config;
pub mod control;
pub mod event;
pub mod explain;
pub mod extract;
pub mod feeds;
pub mod fnv;
pub mod frontend;
pub mod ingest;
pub mod notify;
pub mod picture;
pub mod render;
pub mod store;
pub mod text;

#[cfg(test)]
mod module_graph;
