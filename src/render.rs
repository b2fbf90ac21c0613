//! Plain-text rendering of a [`Reply`] for the terminal and `ask`: every claim with its date
//! (with the year), its modality when not a plain fact, and numbered citations with outlet,
//! title, publication date and URL.

use std::fmt::Write;

use crate::answer::{Reply, ReplyItem};
use crate::event::{DateSource, Modality, Precision};

pub use crate::event::{format_day, format_event_date};

/// The date part of an item: "Mar 4, 2025", "Apr 24, 2025 (expected)", with the report date
/// when it differs.
pub fn item_dates(item: &ReplyItem) -> String {
    let mut out = match &item.event_date {
        Some(d) => {
            let mut s = format_event_date(d);
            if d.source == DateSource::Context && d.precision == Precision::Day {
                s.push_str(" (date from context)");
            }
            s
        }
        None => "date not given".to_string(),
    };
    let differs = item
        .event_date
        .as_ref()
        .is_none_or(|d| d.date != item.reported || d.precision != Precision::Day);
    if differs {
        let _ = write!(out, "; reported {}", format_day(item.reported));
    }
    out
}

/// Renders a reply as plain text.
pub fn plain_text(reply: &Reply) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", reply.title);
    for line in &reply.intro {
        let _ = writeln!(out, "{line}");
    }
    if !reply.items.is_empty() {
        out.push('\n');
    }
    for (i, item) in reply.items.iter().enumerate() {
        let mut head = String::new();
        if let Some(label) = &item.label {
            let _ = write!(head, "{label} — ");
        }
        let _ = write!(head, "{}", item_dates(item));
        let label = item.label.as_deref().unwrap_or("").to_lowercase();
        // A negated claim says "not" in its own words; a tag would only repeat it.
        let tagged = !matches!(item.modality, Modality::Fact | Modality::Negated);
        if tagged && !label.contains(item.modality.label()) {
            let _ = write!(head, " [{}]", item.modality.label());
        }
        let _ = writeln!(out, "{}. {head}", i + 1);
        let cites: Vec<String> = item.cites.iter().map(|c| format!("[{c}]")).collect();
        let _ = writeln!(out, "   {} {}", item.text, cites.join(""));
        if let Some(who) = &item.attribution {
            let _ = writeln!(out, "   According to: {who}");
        }
        if !item.also_reported_by.is_empty() {
            let also: Vec<String> = item
                .also_reported_by
                .iter()
                .map(|c| format!("[{c}]"))
                .collect();
            let _ = writeln!(out, "   Also reported by: {}", also.join(" "));
        }
    }
    if !reply.citations.is_empty() {
        let _ = writeln!(out, "\nSources:");
        for (i, c) in reply.citations.iter().enumerate() {
            let sentences = if c.sentences.is_empty() {
                String::new()
            } else {
                let s: Vec<String> = c.sentences.iter().map(u32::to_string).collect();
                format!(", sentence {}", s.join(", "))
            };
            let _ = writeln!(
                out,
                "[{}] {} — \"{}\", published {}{} — {}",
                i + 1,
                c.outlet,
                c.title,
                format_day(c.published),
                sentences,
                c.url
            );
        }
    }
    for note in &reply.notes {
        let _ = writeln!(out, "\n{note}");
    }
    out
}
