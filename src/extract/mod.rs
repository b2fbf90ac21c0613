//! From an article's sentences to events: dates, actors, attribution, modality, topics, stages.

pub mod sentences;
pub mod time;

use crate::article::Article;
use crate::config::Config;
use crate::event::Event;

/// Extracts the events of an article.
pub fn extract_events(_article: &Article, _config: &Config) -> Vec<Event> {
    Vec::new()
}
