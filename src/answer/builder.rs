//! Building a [`Reply`] from events: numbered citations shared across items, and several
//! outlets' reports of the same fact folded into one item ("also reported by").

use super::{Citation, Reply, ReplyItem};
use crate::event::Event;
use crate::store::{Store, StoreError};

pub struct ReplyBuilder<'s> {
    store: &'s Store,
    reply: Reply,
    /// Keys of the events already shown, so no claim appears twice.
    shown: std::collections::HashSet<String>,
}

impl<'s> ReplyBuilder<'s> {
    pub fn new(store: &'s Store, title: impl Into<String>) -> ReplyBuilder<'s> {
        ReplyBuilder {
            store,
            reply: Reply {
                title: title.into(),
                ..Reply::default()
            },
            shown: Default::default(),
        }
    }

    pub fn intro(&mut self, line: impl Into<String>) -> &mut Self {
        self.reply.intro.push(line.into());
        self
    }

    pub fn note(&mut self, line: impl Into<String>) -> &mut Self {
        self.reply.notes.push(line.into());
        self
    }

    pub fn reply_mut(&mut self) -> &mut Reply {
        &mut self.reply
    }

    pub fn item_count(&self) -> usize {
        self.reply.items.len()
    }

    /// Cites the article of `event` (numbered on first use) and its sentence; returns the
    /// 1-based citation number.
    pub fn cite(&mut self, event: &Event) -> Result<usize, StoreError> {
        let sentence = event.sentence_index + 1;
        if let Some(n) = self.reply.cite_again(&event.article, &[sentence]) {
            return Ok(n);
        }
        let article = self.store.article(&event.article)?.ok_or_else(|| {
            StoreError::Corrupt(format!("event {} names a missing article", event.key()))
        })?;
        Ok(self.reply.cite(&Citation {
            sentences: vec![sentence],
            ..Citation::of(&article)
        }))
    }

    /// Adds one claim from `event` (once: an event already shown is skipped), with the same fact from other articles as "also reported by".
    pub fn event_item(
        &mut self,
        event: &Event,
        label: Option<String>,
        also: &[&Event],
    ) -> Result<(), StoreError> {
        if !self.shown.insert(event.key()) {
            return Ok(());
        }
        let cite = self.cite(event)?;
        let mut also_reported_by = Vec::new();
        for other in also {
            let n = self.cite(other)?;
            if n != cite && !also_reported_by.contains(&n) {
                also_reported_by.push(n);
            }
        }
        self.reply.items.push(ReplyItem {
            text: event.sentence.clone(),
            event_date: event.date.clone(),
            reported: event.reported,
            modality: event.modality,
            attribution: event.attribution.clone(),
            cites: vec![cite],
            also_reported_by,
            label,
        });
        Ok(())
    }

    pub fn finish(self) -> Reply {
        self.reply
    }
}

/// One event per development: of an article's events dated to the same day, only the first in
/// `events`' order (the caller orders an article's sentences so its lead comes first); the
/// sentences after it elaborate on it. Keeps the input order otherwise.
pub fn article_leads<'e>(events: &[&'e Event]) -> Vec<&'e Event> {
    let mut seen: std::collections::HashSet<(&str, Option<chrono::NaiveDate>)> = Default::default();
    events
        .iter()
        .filter(|e| seen.insert((e.article.as_str(), e.date.as_ref().map(|d| d.date))))
        .copied()
        .collect()
}

/// One development per article, for `/latest`: each article's events in `events` stand behind
/// its lead, the one earliest in the article. Returns the leads, newest first (by their date,
/// then by report).
pub fn article_lead_per_article<'e>(events: &[&'e Event]) -> Vec<&'e Event> {
    let mut leads: std::collections::HashMap<&str, &'e Event> = Default::default();
    for e in events {
        let lead = leads.entry(e.article.as_str()).or_insert(e);
        if (e.sentence_index, e.clause_index) < (lead.sentence_index, lead.clause_index) {
            *lead = e;
        }
    }
    let mut out: Vec<&Event> = leads.into_values().collect();
    out.sort_by(|a, b| {
        let day = |e: &Event| e.date.as_ref().map(|d| d.date);
        day(b)
            .cmp(&day(a))
            .then(b.reported.cmp(&a.reported))
            .then(a.article.cmp(&b.article))
    });
    out
}

/// Groups events that report the same fact: same event date and same sentence meaning. Two
/// events are the same fact when they share a date (or both lack one) and either the same stage
/// signal or most of their terms. Returns groups in input order; the first of each group leads.
pub fn group_same_facts<'e>(events: &[&'e Event]) -> Vec<Vec<&'e Event>> {
    let mut groups: Vec<Vec<&Event>> = Vec::new();
    // Each leader's clause terms, computed once rather than at every comparison.
    let mut leader_terms: Vec<Vec<String>> = Vec::new();
    'next: for e in events {
        let mut terms: Option<Vec<String>> = None;
        for (g, lt) in groups.iter_mut().zip(&leader_terms) {
            let same = match same_fact_without_terms(g[0], e) {
                Some(decided) => decided,
                None => most_terms_shared(
                    lt,
                    terms.get_or_insert_with(|| crate::text::terms(&e.clause)),
                ),
            };
            if same {
                g.push(e);
                continue 'next;
            }
        }
        leader_terms.push(terms.unwrap_or_else(|| crate::text::terms(&e.clause)));
        groups.push(vec![e]);
    }
    groups
}

/// Whether two events report the same fact, as far as that is decided before comparing their
/// clause terms (the costly part, done once per event by the caller); `None` when the terms
/// decide.
fn same_fact_without_terms(a: &Event, b: &Event) -> Option<bool> {
    // The same event: the fields `Event::key` is made of, compared without formatting the key.
    if a.article == b.article
        && a.sentence_index == b.sentence_index
        && a.clause_index == b.clause_index
    {
        return Some(true);
    }
    let same_day = match (&a.date, &b.date) {
        (Some(x), Some(y)) => x.date == y.date && x.precision == y.precision,
        _ => false,
    };
    if !same_day || a.modality != b.modality {
        return Some(false);
    }
    // Two outlets reporting the same stage of the same topic on the same day report one fact,
    // even when one of them also touches another stage ("ratified it and sent the law on").
    if a.article != b.article && a.stages.iter().any(|s| b.stages.contains(s)) {
        return Some(true);
    }
    None
}

fn most_terms_shared(ta: &[String], tb: &[String]) -> bool {
    let shared = ta.iter().filter(|t| tb.contains(t)).count();
    shared * 10 >= ta.len().min(tb.len()).max(1) * 6
}
