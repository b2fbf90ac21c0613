//! How a page is laid out, before any sentence is read: which lines are page furniture (bylines,
//! credits, navigation, "Read more"), which are headings and what section they open, where a
//! live blog's entries begin and on which day each was written, which datelines reset the story's
//! "today", and who speaks in an interview's turns.
//!
//! Each paragraph that reports something becomes a [`Block`] with its own reference date: the day
//! that "yesterday" and "on Tuesday" count from. That is the article's publication day, unless a
//! live-blog entry, a dateline ("KYIV, May 8 (Agency) -") or the day an interview was held says
//! otherwise (HeidelTime's document types: each entry of a live blog is a small news document).
//! The words that decide all this are data (`layout.toml`).

use std::sync::OnceLock;

use chrono::{Duration, NaiveDate, Timelike};
use serde::Deserialize;

use crate::article::Article;
use crate::event::Precision;
use crate::extract::time::{find_dates, TimeContext};

/// The kind of section a paragraph stands in, from the heading above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Section {
    #[default]
    Body,
    /// "Background", "What preceded": what happened before, told as fact.
    Background,
    /// "What comes next": plans and expectations.
    Outlook,
    /// "What we don't know": open questions, not facts.
    Unknowns,
}

/// One paragraph that reports something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block<'a> {
    /// The paragraph without its dateline or turn label.
    pub text: &'a str,
    /// What relative dates in it resolve against.
    pub reference: NaiveDate,
    pub section: Section,
    /// The speaker a turn label names ("A (Svyrydenko):").
    pub speaker: Option<&'a str>,
    /// An interviewer's turn: the question, not a claim of the source.
    pub question: bool,
    /// Increases at every live-blog entry and dateline: a date told in one never carries into
    /// the next.
    pub entry: u32,
}

#[derive(Deserialize)]
struct LayoutFile {
    furniture_starts: Vec<String>,
    furniture_marks: Vec<String>,
    heading_max_words: usize,
    sections: Sections,
    interview: Interview,
}

#[derive(Deserialize)]
struct Sections {
    background: Vec<String>,
    outlook: Vec<String>,
    unknowns: Vec<String>,
    update: Vec<String>,
}

#[derive(Deserialize)]
struct Interview {
    question_labels: Vec<String>,
    answer_labels: Vec<String>,
    held_cues: Vec<String>,
}

const LAYOUT: &str = include_str!("layout.toml");

fn rules() -> Option<&'static LayoutFile> {
    static RULES: OnceLock<Option<LayoutFile>> = OnceLock::new();
    RULES
        .get_or_init(|| match toml::from_str(LAYOUT) {
            Ok(r) => Some(r),
            Err(e) => {
                // Part of the source (a test parses it): without it every line is reporting.
                tracing::error!(error = %e, "the built-in layout rules do not parse");
                None
            }
        })
        .as_ref()
}

/// What one line of the page is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line<'a> {
    Furniture,
    /// A live-blog entry's time ("19:40 BST"), in minutes after midnight, with the entry's text
    /// when it stands on the same line.
    Timestamp(u32, Option<&'a str>),
    /// A heading, with the section it opens (None: a heading that opens no known section).
    Heading(Option<Section>),
    Text,
}

/// The article's reporting paragraphs as blocks (see the module comment).
pub fn blocks(article: &Article) -> Vec<Block<'_>> {
    let published = article.published_date();
    let Some(rules) = rules() else {
        return article
            .paragraphs
            .iter()
            .map(|p| Block {
                text: p.trim(),
                reference: published,
                section: Section::Body,
                speaker: None,
                question: false,
                entry: 0,
            })
            .collect();
    };
    let lines: Vec<(&str, Line)> = article
        .paragraphs
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| (p, classify(p, &article.title, rules)))
        .collect();
    let entry_days = live_entry_days(article, &lines);
    let interview = lines
        .iter()
        .any(|(t, l)| *l == Line::Text && turn(t, rules, false).is_some_and(|t| t.question));
    let held = if interview {
        interview_day(&lines, published, rules)
    } else {
        None
    };
    let mut out = Vec::new();
    let mut section = Section::Body;
    let mut reference = published;
    let mut entry = 0u32;
    let mut timestamps = entry_days.iter();
    for (text, line) in &lines {
        let mut text: &str = text;
        match line {
            Line::Furniture => continue,
            Line::Heading(s) => {
                section = s.unwrap_or(section);
                continue;
            }
            Line::Timestamp(_, rest) => {
                entry += 1;
                reference = timestamps.next().copied().unwrap_or(published);
                section = Section::Body;
                match rest {
                    Some(r) => text = r,
                    None => continue,
                }
            }
            Line::Text => {}
        }
        let mut own_section = section;
        if let Some((s, rest)) = inline_heading(text, rules) {
            own_section = s;
            text = rest;
        }
        if let Some((day, rest)) = dateline(text, published) {
            entry += 1;
            reference = day.unwrap_or(published);
            text = rest;
        }
        let turn = turn(text, rules, interview);
        let (question, speaker) = match &turn {
            Some(t) => {
                text = t.rest;
                (t.question, t.speaker)
            }
            None => (false, None),
        };
        out.push(Block {
            text,
            reference: if turn.is_some() {
                held.unwrap_or(reference)
            } else {
                reference
            },
            section: own_section,
            speaker,
            question,
            entry,
        });
    }
    out
}

fn lower_starts(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
        || (!prefix.is_ascii() && text.to_lowercase().starts_with(prefix))
}

fn ends_like_a_sentence(text: &str) -> bool {
    text.trim_end()
        .ends_with(['.', '!', '?', '"', '”', '\'', '’', '…', ')'])
}

fn classify<'a>(line: &'a str, title: &str, rules: &LayoutFile) -> Line<'a> {
    if let Some((minutes, rest)) = timestamp(line) {
        return match rest {
            None => Line::Timestamp(minutes, None),
            // "02:10 BST US and Ukraine sign minerals agreement": a key-events summary line.
            Some(r) if !ends_like_a_sentence(r) => Line::Furniture,
            Some(r) => Line::Timestamp(minutes, Some(r)),
        };
    }
    if is_furniture(line, rules) {
        return Line::Furniture;
    }
    let lower = line.to_lowercase();
    let title_head = title.split(" | ").next().unwrap_or(title).trim();
    if !title_head.is_empty() && lower == title_head.to_lowercase() {
        return Line::Furniture;
    }
    let word_count = line.split_whitespace().count();
    if word_count <= rules.heading_max_words && !ends_like_a_sentence(line) {
        let name = lower.trim_end_matches(':').trim();
        return Line::Heading(section_named(name, rules));
    }
    Line::Text
}

fn is_furniture(line: &str, rules: &LayoutFile) -> bool {
    let lower = line.to_lowercase();
    if line.matches(" | ").count() >= 2 {
        return true;
    }
    if rules
        .furniture_marks
        .iter()
        .any(|m| lower.contains(m.as_str()))
        || lower.contains("is available here")
    {
        return true;
    }
    let words = line.split_whitespace().count();
    let short_label = words <= 12 && !ends_like_a_sentence(line);
    for label in &rules.furniture_starts {
        if !lower_starts(line, label) {
            continue;
        }
        // "©", "(Reporting by": no sentence of reporting starts like that.
        if !label.chars().next().is_some_and(char::is_alphanumeric) {
            return true;
        }
        let rest = &lower[label.len().min(lower.len())..];
        let label_ends_word = rest.is_empty()
            || rest.starts_with([':', ' ', '(', '.'])
            || !label.chars().last().is_some_and(char::is_alphanumeric);
        if !label_ends_word {
            continue;
        }
        let rest = rest.trim_start();
        if rest.is_empty()
            || rest.starts_with(':')
            || rest.starts_with(|c: char| c.is_ascii_digit() || c == '(')
            || short_label
            || !label.chars().last().is_some_and(char::is_alphanumeric)
        {
            return true;
        }
    }
    // A byline: "By Jane Doe, Security correspondent".
    if let Some(rest) = line.strip_prefix("By ") {
        let names = rest.split_whitespace().count();
        if names <= 7
            && !ends_like_a_sentence(line)
            && rest.chars().next().is_some_and(char::is_uppercase)
        {
            return true;
        }
    }
    false
}

fn section_named(name: &str, rules: &LayoutFile) -> Option<Section> {
    let s = &rules.sections;
    let is = |list: &[String]| list.iter().any(|h| h == name);
    if is(&s.background) {
        Some(Section::Background)
    } else if is(&s.outlook) {
        Some(Section::Outlook)
    } else if is(&s.unknowns) {
        Some(Section::Unknowns)
    } else if is(&s.update) {
        Some(Section::Body)
    } else {
        None
    }
}

/// "Background: Washington paused …", "UPDATE: The Rada ratified …": a section label opening
/// the paragraph itself.
fn inline_heading<'a>(text: &'a str, rules: &LayoutFile) -> Option<(Section, &'a str)> {
    let (label, rest) = text.split_once(':')?;
    if label.split_whitespace().count() > 5 {
        return None;
    }
    let section = section_named(label.trim().to_lowercase().as_str(), rules)?;
    Some((section, rest.trim_start()))
}

/// "19:40 BST", "9.05am", "14:20 GMT": minutes after midnight, and the text after it on the
/// line, if any.
fn timestamp(line: &str) -> Option<(u32, Option<&str>)> {
    let bytes = line.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=2).contains(&digits) || !matches!(bytes.get(digits), Some(b':' | b'.')) {
        return None;
    }
    let minutes_str = line.get(digits + 1..digits + 3)?;
    if !minutes_str.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut hour: u32 = line[..digits].parse().ok()?;
    let minute: u32 = minutes_str.parse().ok()?;
    let mut rest = line[digits + 3..].trim_start();
    let lower = rest.to_ascii_lowercase();
    for (suffix, add) in [("am", 0), ("a.m.", 0), ("pm", 12), ("p.m.", 12)] {
        if lower.starts_with(suffix) {
            if hour == 12 {
                hour = 0;
            }
            hour += add;
            rest = rest[suffix.len()..].trim_start();
            break;
        }
    }
    if hour > 23 || minute > 59 {
        return None;
    }
    // A time-zone abbreviation: two to five capitals ("BST", "GMT", "EEST").
    let zone = rest
        .split_whitespace()
        .next()
        .filter(|z| (2..=5).contains(&z.len()) && z.chars().all(|c| c.is_ascii_uppercase()));
    if let Some(z) = zone {
        rest = rest[z.len()..].trim_start();
    }
    let rest = rest.trim_start_matches(['-', '–', '—', ':']).trim_start();
    // A bare time must have a zone or stand alone; "10.5 percent" is not a time.
    if rest.is_empty() {
        return Some((hour * 60 + minute, None));
    }
    zone?;
    Some((hour * 60 + minute, Some(rest)))
}

/// The day each live-blog entry was written, in the order of the entries' timestamps. Entries
/// run newest first (or oldest first); crossing midnight shows as a time that jumps the wrong
/// way, which moves to the day before (or after). Anchored at the page's own time.
fn live_entry_days(article: &Article, lines: &[(&str, Line)]) -> Vec<NaiveDate> {
    // (time, whether the timestamp stands on a line of its own).
    let stamps: Vec<(u32, bool)> = lines
        .iter()
        .filter_map(|(_, l)| match l {
            Line::Timestamp(t, rest) => Some((*t, rest.is_none())),
            _ => None,
        })
        .collect();
    // A page whose entries open with a timestamp line of their own may also list "key events"
    // as "02:10 BST US and Ukraine sign …": a summary repeating entry times, not entries. The
    // day chain runs over the entries; a summary line takes the day of the entry at its time.
    let standalone: Vec<u32> = stamps.iter().filter(|s| s.1).map(|s| s.0).collect();
    if !standalone.is_empty() && standalone.len() < stamps.len() {
        let entry_days = chain_days(article, &standalone);
        let mut entries = standalone.iter().zip(&entry_days);
        return stamps
            .iter()
            .map(|(t, alone)| {
                if *alone {
                    entries.next().map_or(article.published_date(), |(_, d)| *d)
                } else {
                    standalone
                        .iter()
                        .zip(&entry_days)
                        .find(|(s, _)| *s == t)
                        .map_or_else(|| chain_days(article, &[*t])[0], |(_, d)| *d)
                }
            })
            .collect();
    }
    let times: Vec<u32> = stamps.iter().map(|s| s.0).collect();
    chain_days(article, &times)
}

/// The days of timestamps in page order (see [`live_entry_days`]).
fn chain_days(article: &Article, times: &[u32]) -> Vec<NaiveDate> {
    let published = article.published_date();
    if times.is_empty() {
        return Vec::new();
    }
    let page_minutes = article.published.hour() * 60 + article.published.minute();
    let newest_first = times.windows(2).filter(|w| w[1] <= w[0]).count()
        >= times.windows(2).filter(|w| w[1] > w[0]).count();
    // The newest entry: on the page's day unless its time is later than the page's.
    let anchor_day = |t: u32| {
        if t <= page_minutes + 5 {
            published
        } else {
            published - Duration::days(1)
        }
    };
    let mut days = vec![published; times.len()];
    if newest_first {
        let mut day = anchor_day(times[0]);
        days[0] = day;
        for i in 1..times.len() {
            if times[i] > times[i - 1] {
                day -= Duration::days(1);
            }
            days[i] = day;
        }
    } else {
        let last = times.len() - 1;
        let mut day = anchor_day(times[last]);
        days[last] = day;
        for i in (0..last).rev() {
            if times[i] > times[i + 1] {
                day -= Duration::days(1);
            }
            days[i] = day;
        }
    }
    days
}

/// A dateline opening a paragraph: "KYIV, May 8 (Agency) - ", "WASHINGTON, April 30 (Agency) -",
/// "JEDDAH, Saudi Arabia — ", "ISLAMABAD, Mar 6 (APP): ". Returns the day it names (if any) and
/// the text after it.
fn dateline(text: &str, published: NaiveDate) -> Option<(Option<NaiveDate>, &str)> {
    let head = text.get(..text.len().min(90)).unwrap_or(text);
    let cut = [" - ", " — ", " – ", " -- ", "): "]
        .iter()
        .filter_map(|sep| head.find(sep).map(|at| (at, sep)))
        .min_by_key(|(at, _)| *at)?;
    let (at, sep) = cut;
    let prefix_end = if *sep == "): " { at + 1 } else { at };
    let prefix = &text[..prefix_end];
    let rest = text[at + sep.len()..].trim_start();
    if rest.is_empty() || prefix.split_whitespace().count() > 10 {
        return None;
    }
    let first = prefix
        .split(|c: char| !c.is_alphabetic())
        .find(|w| !w.is_empty())?;
    let place_in_capitals = first.chars().count() >= 3 && first.chars().all(|c| c.is_uppercase());
    let agency_first = prefix.starts_with('(');
    if !place_in_capitals && !agency_first {
        return None;
    }
    let day = find_dates(prefix, &TimeContext { published })
        .into_iter()
        .find(|m| m.precision == Precision::Day)
        .map(|m| m.date);
    Some((day, rest))
}

/// An interview turn: "Q: …", "A (Svyrydenko): …", "SVYRYDENKO: …".
struct Turn<'a> {
    question: bool,
    speaker: Option<&'a str>,
    rest: &'a str,
}

/// `interview`: the page has question turns, so a name in capitals before a colon is a speaker
/// (elsewhere "BREAKING:" is not).
fn turn<'a>(text: &'a str, rules: &LayoutFile, interview: bool) -> Option<Turn<'a>> {
    let (label, rest) = text.split_once(':')?;
    let label = label.trim();
    if label.is_empty() || label.split_whitespace().count() > 4 {
        return None;
    }
    let (head, named) = match label.split_once('(') {
        Some((h, n)) => (h.trim(), Some(n.trim_end_matches(')').trim())),
        None => (label, None),
    };
    let head_lower = head.to_lowercase();
    let rest = rest.trim_start();
    let i = &rules.interview;
    if i.question_labels.contains(&head_lower) {
        return Some(Turn {
            question: true,
            speaker: None,
            rest,
        });
    }
    if i.answer_labels.contains(&head_lower) {
        return Some(Turn {
            question: false,
            speaker: named.filter(|n| !n.is_empty()),
            rest,
        });
    }
    // "SVYRYDENKO:": a name in capitals.
    let capitals = head.chars().filter(|c| c.is_alphabetic()).count() >= 3
        && head.chars().all(|c| !c.is_alphabetic() || c.is_uppercase());
    (interview && capitals).then_some(Turn {
        question: false,
        speaker: Some(head),
        rest,
    })
}

/// The day an interview was held, from its intro ("We spoke to her in Kyiv on Tuesday, May 13"):
/// its answers' "today" and "yesterday" count from it, not from publication.
fn interview_day(
    lines: &[(&str, Line)],
    published: NaiveDate,
    rules: &LayoutFile,
) -> Option<NaiveDate> {
    let ctx = TimeContext { published };
    lines
        .iter()
        .take_while(|(t, _)| turn(t, rules, true).is_none())
        .flat_map(|(t, _)| crate::extract::sentences::split_sentences(t))
        .filter(|s| {
            let lower = s.to_lowercase();
            rules
                .interview
                .held_cues
                .iter()
                .any(|c| lower.contains(c.as_str()))
        })
        .find_map(|s| {
            find_dates(s, &ctx)
                .into_iter()
                .find(|m| m.precision == Precision::Day)
                .map(|m| m.date)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn article(published: &str, paragraphs: &[&str]) -> Article {
        Article {
            id: "t".into(),
            title: "A test page | News | Test Outlet".into(),
            outlet: "Test Outlet".into(),
            url: "https://example.test/page".into(),
            published: DateTime::parse_from_rfc3339(published).unwrap(),
            timezone: None,
            paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
            content_hash: String::new(),
            source_path: "test".into(),
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_rules_parse() {
        toml::from_str::<LayoutFile>(LAYOUT).expect("layout.toml parses");
    }

    #[test]
    fn furniture_of_every_kind_is_dropped() {
        let lines = [
            "By Jane Doe, Diplomatic correspondent",
            "Photo: The ministers at the ceremony. (Handout)",
            "A crowd outside the ministry. Photograph: Some Agency",
            "Read more: Talks resume in Geneva",
            "Related: One story | Another story | A third",
            "Share on Facebook | Share on X | Copy link",
            "Most viewed: A storm | A match | A recipe",
            "Published at 18:33 BST",
            "Updated 14:20 GMT",
            "Last updated 02:25 BST",
            "Wed 12 Mar 2025 15.10 GMT · Last modified on Wed 12 Mar 2025 16.02 GMT",
            "Source: meeting of the national security council",
            "More information about the accord is available here.",
            "Advertisement",
            "Comments (41)",
            "Subscribe to our newsletter: The Morning Brief, every weekday",
            "© 2025 Test Outlet Ltd. All rights reserved.",
            "(Reporting by the Geneva bureau; editing by the desk)",
            "Show key events only",
            "Skip to main content",
        ];
        let a = article("2025-03-12T15:10:00+00:00", &lines);
        assert_eq!(blocks(&a), Vec::new());
        let kept = article(
            "2025-03-12T15:10:00+00:00",
            &[
                "Share prices in Kyiv rose after the vote.",
                "Updated figures released on Monday showed exports fell.",
                "By the end of the day, the two delegations had agreed a text.",
            ],
        );
        assert_eq!(blocks(&kept).len(), 3);
    }

    #[test]
    fn headings_open_sections_and_are_not_reporting() {
        let a = article(
            "2025-05-14T09:30:00+03:00",
            &[
                "A test page",
                "Background",
                "The talks collapsed in February.",
                "What we don't know",
                "Who will chair the board is unclear.",
                "What comes next",
                "The board meets in July.",
                "Background: The envoy visited Kyiv in March.",
            ],
        );
        let b = blocks(&a);
        let sections: Vec<Section> = b.iter().map(|b| b.section).collect();
        assert_eq!(
            sections,
            [
                Section::Background,
                Section::Unknowns,
                Section::Outlook,
                Section::Background
            ]
        );
        assert_eq!(b[3].text, "The envoy visited Kyiv in March.");
    }

    #[test]
    fn live_blog_entries_are_dated_by_their_own_day() {
        // Newest first; the page was last updated at 02:25 on May 1.
        let a = article(
            "2025-05-01T02:25:00+01:00",
            &[
                "Key events",
                "02:10 BST The ministers sign the accord",
                "Show key events only",
                "02:25 BST",
                "We are pausing our coverage here.",
                "23:15 BST",
                "Still no signature.",
                "08:05 BST",
                "Good morning.",
            ],
        );
        let b = blocks(&a);
        let refs: Vec<(&str, NaiveDate, u32)> =
            b.iter().map(|b| (b.text, b.reference, b.entry)).collect();
        assert_eq!(
            refs,
            [
                ("We are pausing our coverage here.", day("2025-05-01"), 1),
                ("Still no signature.", day("2025-04-30"), 2),
                ("Good morning.", day("2025-04-30"), 3),
            ]
        );
        // A key-events list of several entries (newest first, as the entries) does not count
        // as a run of entries crossing midnight.
        let a = article(
            "2025-05-01T02:25:00+01:00",
            &[
                "Key events",
                "02:10 BST The ministers sign the accord",
                "19:40 BST The minister says he is ready to sign",
                "16:10 BST The premier expects a signing within a day",
                "02:25 BST",
                "We are pausing our coverage here.",
                "02:10 BST",
                "The deal is done.",
                "19:40 BST",
                "Ready to sign, the minister says.",
                "16:10 BST",
                "The premier spoke earlier today.",
            ],
        );
        let days: Vec<(&str, NaiveDate)> = blocks(&a)
            .iter()
            .filter(|b| b.text.ends_with('.'))
            .map(|b| (b.text, b.reference))
            .collect();
        assert_eq!(
            days,
            [
                ("We are pausing our coverage here.", day("2025-05-01")),
                ("The deal is done.", day("2025-05-01")),
                ("Ready to sign, the minister says.", day("2025-04-30")),
                ("The premier spoke earlier today.", day("2025-04-30")),
            ]
        );
        // Oldest first.
        let a = article(
            "2025-03-12T10:00:00+00:00",
            &[
                "18:00 GMT",
                "Evening news.",
                "20:00 GMT",
                "Later news.",
                "22:30 GMT",
                "Late news.",
                "09:30 GMT",
                "Morning news.",
            ],
        );
        let refs: Vec<NaiveDate> = blocks(&a).iter().map(|b| b.reference).collect();
        assert_eq!(
            refs,
            [
                day("2025-03-11"),
                day("2025-03-11"),
                day("2025-03-11"),
                day("2025-03-12")
            ]
        );
    }

    #[test]
    fn datelines_set_the_reference_day_and_are_cut_off() {
        let a = article(
            "2025-05-08T19:05:00+03:00",
            &[
                "KYIV, May 8 (Agency) - The chamber voted on Thursday.",
                "The committee met on Wednesday.",
                "WASHINGTON, April 30 (Agency) - [From an earlier dispatch] The two sides signed the text on Wednesday evening.",
                "GENEVA — Delegates met again.",
                "ISLAMABAD, Mar 6 (APP): The ministry confirmed Wednesday that talks would go on.",
            ],
        );
        let b = blocks(&a);
        assert_eq!(b[0].text, "The chamber voted on Thursday.");
        assert_eq!(b[0].reference, day("2025-05-08"));
        assert_eq!(b[1].reference, day("2025-05-08"));
        assert_eq!(b[2].reference, day("2025-04-30"));
        assert!(b[2].entry > b[1].entry);
        assert_eq!(b[3].text, "Delegates met again.");
        assert_eq!(b[3].reference, day("2025-05-08"));
        assert_eq!(b[4].reference, day("2025-03-06"));
        assert!(b[4].text.starts_with("The ministry confirmed"));
    }

    #[test]
    fn interview_turns_name_their_speaker_and_count_from_the_interview_day() {
        let a = article(
            "2025-05-15T07:00:00+03:00",
            &[
                "The minister runs the economy. We spoke to her in Kyiv on Tuesday, May 13.",
                "Q: Is the accord in force?",
                "A (Doe): Not yet. Today we sent our note.",
                "ROE: We agree.",
            ],
        );
        let b = blocks(&a);
        assert_eq!(b[0].reference, day("2025-05-15"));
        assert!(b[1].question);
        assert_eq!(b[2].speaker, Some("Doe"));
        assert_eq!(b[2].text, "Not yet. Today we sent our note.");
        assert_eq!(b[2].reference, day("2025-05-13"));
        assert_eq!(b[3].speaker, Some("ROE"));
    }
}
