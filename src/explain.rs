//! `storyline explain-config`: how a config reads a set of articles, so a user can write and
//! check a config in minutes. For each topic: which articles are about it and why (that is what
//! lets its `context_keywords` count); for each stage: the clauses that reach it, those that
//! speak of it without reaching it (expected, not yet), and the near misses, where a trigger met
//! its words but a negation or pending scope, the trigger's form, a stronger stage or the
//! stage's `unless` list decided otherwise.
//!
//! Everything comes from the real extractor: the events it extracts, and for the why, the stage
//! matcher's read-only trace ([`TopicMatcher::trace_stages`]) over the same clause words, scopes
//! and modality the extractor reads.

use std::path::{Path, PathBuf};

use crate::article::walk::{walk, Found, ManifestNames};
use crate::article::{read_article, Article};
use crate::config::Config;
use crate::event::{Event, Modality};
use crate::extract::scope::{self, CueKind};
use crate::extract::time::{find_dates, TimeContext};
use crate::extract::topics::{ClauseWords, TopicMatcher, TriggerOutcome, TriggerTrace};
use crate::extract::{modality, Extractor};
use crate::text::{stem, word_spans, FoldedWords, Word};

/// What a config made of a set of articles.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub articles: usize,
    /// Files that could not be read as articles, with the reason.
    pub unreadable: Vec<String>,
    pub topics: Vec<TopicReport>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TopicReport {
    pub id: String,
    pub name: String,
    /// The articles about the topic, each with the reason.
    pub about: Vec<(String, String)>,
    /// Clauses filed under the topic.
    pub clauses: usize,
    pub stages: Vec<StageReport>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageReport {
    pub id: String,
    pub name: String,
    pub setback: bool,
    pub lines: Vec<Line>,
}

/// One clause as it bears on one stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub verdict: Verdict,
    /// The clause's date as the extractor gave it ("-" without one).
    pub date: String,
    /// "Outlet, sentence N".
    pub citation: String,
    pub clause: String,
    /// The trigger and why it counted or did not.
    pub why: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// A fact: the stage moves the status.
    Reached,
    /// Hedged, conditional or future: listed as expected.
    Expected,
    /// Inside a negation or pending scope: a dated "not yet".
    NotYet,
    /// A trigger met its words, but the stage was not taken.
    NearMiss,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Reached => "reached",
            Verdict::Expected => "expected",
            Verdict::NotYet => "not yet",
            Verdict::NearMiss => "near miss",
        }
    }
}

/// Reads every article under `dirs` (the same walk as `ingest`) and explains `config` on them.
pub fn explain_dirs(config: &Config, dirs: &[PathBuf]) -> Report {
    let mut articles = Vec::new();
    let mut unreadable = Vec::new();
    for dir in dirs {
        for path in article_paths(dir, config) {
            match read_article(&path, config) {
                Ok(Some(a)) => articles.push(a),
                Ok(None) => {}
                Err(e) => unreadable.push(e.to_string()),
            }
        }
    }
    let mut report = explain(config, &articles);
    report.unreadable = unreadable;
    report
}

fn article_paths(root: &Path, config: &Config) -> Vec<PathBuf> {
    if root.is_file() {
        return vec![root.to_path_buf()];
    }
    let mut listing = ManifestNames::new(config.max_article_bytes);
    walk(root, &mut listing)
        .into_iter()
        .filter_map(|f| match f {
            Found::Article(p) => Some(p),
            _ => None,
        })
        .collect()
}

/// Explains `config` on `articles`.
pub fn explain(config: &Config, articles: &[Article]) -> Report {
    let extractor = Extractor::new(config);
    let matcher = extractor.topic_matcher();
    let mut topics: Vec<TopicReport> = config
        .topics
        .iter()
        .map(|t| TopicReport {
            id: t.id.clone(),
            name: t.name.clone(),
            about: Vec::new(),
            clauses: 0,
            stages: t
                .stages
                .iter()
                .map(|s| StageReport {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    setback: s.setback,
                    lines: Vec::new(),
                })
                .collect(),
        })
        .collect();
    for article in articles {
        let events = extractor.events(article);
        let about = about_topics(matcher, article, &events);
        for topic in topics.iter_mut() {
            if let Some((_, reason)) = about.iter().find(|(t, _)| *t == topic.id) {
                topic.about.push((
                    format!("{} — {:?}", article.outlet, article.title),
                    reason.clone(),
                ));
            }
        }
        for event in &events {
            let read = ClauseRead::new(event, article);
            for topic in topics.iter_mut() {
                let filed = event.topics.contains(&topic.id);
                topic.clauses += usize::from(filed);
                if !filed && !about.iter().any(|(t, _)| *t == topic.id) {
                    continue;
                }
                let folded = read.folded.as_strs();
                let words = ClauseWords {
                    folded: &folded,
                    stems: &read.stems,
                    scope: &read.scopes.scope,
                };
                let traces = matcher.trace_stages(&topic.id, &words, read.strict_form);
                for (stage, line) in lines_for(&topic.id, event, article, &read, &traces) {
                    if let Some(s) = topic.stages.iter_mut().find(|s| s.id == stage) {
                        s.lines.push(line);
                    }
                }
            }
        }
    }
    for topic in &mut topics {
        for stage in &mut topic.stages {
            stage
                .lines
                .sort_by(|a, b| (a.verdict, &a.date).cmp(&(b.verdict, &b.date)));
        }
    }
    Report {
        articles: articles.len(),
        unreadable: Vec::new(),
        topics,
    }
}

/// The topics an article is about, with the reason: what the extractor decides from its title
/// and its sentences (a keyword in the title, or in two sentences or more).
fn about_topics(
    matcher: &TopicMatcher,
    article: &Article,
    events: &[Event],
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = matcher
        .strong_topics(&article.title)
        .into_iter()
        .map(|t| (t, "a keyword in the title".to_string()))
        .collect();
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut seen: Vec<u32> = Vec::new();
    for e in events {
        if seen.contains(&e.sentence_index) {
            continue;
        }
        seen.push(e.sentence_index);
        for t in matcher.strong_topics(&e.sentence) {
            match counts.iter_mut().find(|(id, _)| *id == t) {
                Some((_, n)) => *n += 1,
                None => counts.push((t, 1)),
            }
        }
    }
    for (t, n) in counts {
        if n >= 2 && !out.iter().any(|(id, _)| *id == t) {
            out.push((t, format!("keywords in {n} sentences")));
        }
    }
    out
}

/// A clause cut as the extractor reads it for stages.
struct ClauseRead {
    folded: FoldedWords,
    words: Vec<String>,
    stems: Vec<String>,
    scopes: scope::Scopes,
    strict_form: bool,
}

impl ClauseRead {
    fn new(event: &Event, article: &Article) -> ClauseRead {
        let clause = event.clause.as_str();
        let spans = word_spans(clause);
        let folded = FoldedWords::new(&spans);
        let strs = folded.as_strs();
        let ctx = TimeContext {
            published: article.published_date(),
        };
        let dates: Vec<(usize, usize)> = find_dates(clause, &ctx)
            .iter()
            .map(|m| (m.start, m.end))
            .collect();
        // The stage matcher wants triggers in their written form only in a plain report.
        let strict_form = modality::classify_in(clause, &spans, &strs, &dates) == Modality::Fact;
        ClauseRead {
            scopes: scope::scopes(clause, &spans, &strs),
            stems: strs.iter().map(|w| stem(w)).collect(),
            words: spans.iter().map(|w: &Word| w.text.to_string()).collect(),
            folded,
            strict_form,
        }
    }
}

/// The lines one clause gives a topic's stages: per stage, the trace that explains the stage
/// the extractor took, or else the first near miss.
fn lines_for(
    topic: &str,
    event: &Event,
    article: &Article,
    read: &ClauseRead,
    traces: &[TriggerTrace],
) -> Vec<(String, Line)> {
    let taken: Option<&str> = event
        .stages
        .iter()
        .find(|(t, _)| t == topic)
        .map(|(_, s)| s.as_str());
    let mut out: Vec<(String, Line)> = Vec::new();
    for first in traces {
        if out.iter().any(|(s, _)| *s == first.stage) {
            continue;
        }
        let is_taken = taken == Some(first.stage.as_str());
        // Of a taken stage, explain with the trace that decided it.
        let trace = traces
            .iter()
            .filter(|t| is_taken && t.stage == first.stage)
            .find(|t| decides(t, event))
            .unwrap_or(first);
        let (verdict, why) = judge(trace, is_taken, taken, event, read);
        out.push((
            trace.stage.clone(),
            Line {
                verdict,
                date: event
                    .date
                    .as_ref()
                    .map_or("-".to_string(), |d| d.date.to_string()),
                citation: format!("{}, sentence {}", article.outlet, event.sentence_index + 1),
                clause: event.clause.clone(),
                why,
            },
        ));
    }
    out
}

/// Whether a trace is the kind that gives the event's reading of its stage.
fn decides(trace: &TriggerTrace, event: &Event) -> bool {
    match trace.outcome {
        TriggerOutcome::Asserted => event.modality != Modality::Negated,
        TriggerOutcome::InScope { kind, .. } => {
            kind.negates_clause() && event.modality == Modality::Negated
        }
        _ => false,
    }
}

fn judge(
    trace: &TriggerTrace,
    is_taken: bool,
    taken: Option<&str>,
    event: &Event,
    read: &ClauseRead,
) -> (Verdict, String) {
    let quoted: Vec<&str> = trace
        .words
        .iter()
        .map(|&j| read.words[j].as_str())
        .collect();
    let met = format!("trigger \"{}\" met \"{}\"", trace.trigger, quoted.join(" "));
    let cue_words = |cue: usize| -> String {
        let s = &read.scopes;
        let mut end = cue;
        while end < s.cue.len() && s.cue[end] {
            end += 1;
        }
        read.words[cue..end.max(cue + 1)].join(" ")
    };
    match (&trace.outcome, is_taken) {
        (TriggerOutcome::Asserted, true) => match event.modality {
            Modality::Fact => (Verdict::Reached, format!("{met}; a fact")),
            m => (
                Verdict::Expected,
                format!("{met}; the clause is {}", m.label()),
            ),
        },
        (TriggerOutcome::InScope { kind, cue }, true) => (
            Verdict::NotYet,
            format!(
                "{met} inside a {} scope opened by \"{}\"",
                kind_name(*kind),
                cue_words(*cue)
            ),
        ),
        (TriggerOutcome::Asserted, false) => {
            let why = match taken {
                Some(other) => format!("{met}, but the clause took the later stage \"{other}\""),
                None => format!(
                    "{met}, but the clause as a whole is {}",
                    event.modality.label()
                ),
            };
            (Verdict::NearMiss, why)
        }
        (TriggerOutcome::InScope { kind, cue }, false) => (
            Verdict::NearMiss,
            format!(
                "{met}, vetoed: inside a {} scope opened by \"{}\"",
                kind_name(*kind),
                cue_words(*cue)
            ),
        ),
        (TriggerOutcome::WrongForm { word }, _) => (
            Verdict::NearMiss,
            format!(
                "{met}, vetoed: \"{}\" is not in the form the trigger was written in (write the \
                 trigger in its base form to accept every form)",
                read.words[*word]
            ),
        ),
        (TriggerOutcome::Vetoed { unless }, _) => (
            Verdict::NearMiss,
            format!("{met}, vetoed by unless \"{unless}\""),
        ),
    }
}

fn kind_name(kind: CueKind) -> &'static str {
    match kind {
        CueKind::Negation => "negation",
        CueKind::Pending => "pending",
        CueKind::Unfulfilled => "unfulfilled-plan",
        CueKind::Subordinate => "subordinate",
    }
}

/// The report as plain text: topics, the articles about them, and per stage its lines, the
/// clauses cut to `width` characters.
pub fn render(report: &Report, width: usize) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{} articles read", report.articles);
    for u in &report.unreadable {
        let _ = writeln!(out, "  unreadable: {u}");
    }
    for topic in &report.topics {
        let _ = writeln!(
            out,
            "\n== topic {} ({}): {} clauses",
            topic.id, topic.name, topic.clauses
        );
        if topic.about.is_empty() {
            let _ = writeln!(
                out,
                "   no article is about it: its context_keywords count nowhere"
            );
        } else {
            let _ = writeln!(
                out,
                "   about it ({} articles; context_keywords count only in these):",
                topic.about.len()
            );
            for (article, reason) in &topic.about {
                let _ = writeln!(out, "     {article}: {reason}");
            }
        }
        for stage in &topic.stages {
            let setback = if stage.setback { ", setback" } else { "" };
            let _ = writeln!(out, "   -- stage {} ({}{setback})", stage.id, stage.name);
            if stage.lines.is_empty() {
                let _ = writeln!(out, "      no clause meets its triggers");
            }
            for line in &stage.lines {
                let _ = writeln!(
                    out,
                    "      {:<9} {:<10} \"{}\" [{}]\n                           {}",
                    line.verdict.label(),
                    line.date,
                    cut(&line.clause, width),
                    line.citation,
                    line.why
                );
            }
        }
    }
    out
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let head: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{}…", head.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade_config() -> Config {
        let text = std::fs::read_to_string("config/trade.toml").expect("config/trade.toml");
        Config::parse(&text, Path::new("config/trade.toml")).expect("the trade config parses")
    }

    fn stage<'r>(report: &'r Report, topic: &str, stage: &str) -> &'r StageReport {
        report
            .topics
            .iter()
            .find(|t| t.id == topic)
            .and_then(|t| t.stages.iter().find(|s| s.id == stage))
            .expect("topic and stage in the report")
    }

    fn article(title: &str, paragraphs: &[&str]) -> Article {
        Article {
            id: crate::article::article_id(title),
            title: title.to_string(),
            outlet: "Test Wire".into(),
            url: format!("https://test.example/{}", crate::article::article_id(title)),
            published: chrono::DateTime::parse_from_rfc3339("2025-06-13T10:00:00+00:00")
                .expect("date"),
            timezone: None,
            paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
            content_hash: String::new(),
            source_path: "test".into(),
        }
    }

    #[test]
    fn negated_stages_are_not_yet_with_the_cue_that_decided() {
        let report = explain_dirs(&trade_config(), &[PathBuf::from("tests/data/trade")]);
        assert_eq!(report.articles, 7);
        assert!(report.unreadable.is_empty(), "{:?}", report.unreadable);
        let lifted = stage(&report, "rare_earths", "lifted");
        let line = lifted
            .lines
            .iter()
            .find(|l| l.clause.contains("has not lifted"))
            .expect("the t4 sentence");
        assert_eq!(line.verdict, Verdict::NotYet);
        assert!(
            line.why.contains("negation scope opened by \"not\""),
            "{}",
            line.why
        );
        let signed = stage(&report, "talks", "deal_signed");
        assert!(signed
            .lines
            .iter()
            .any(|l| l.verdict == Verdict::NotYet
                && l.clause.starts_with("No comprehensive trade deal")));
        assert!(
            !signed.lines.iter().any(|l| l.verdict == Verdict::Reached),
            "no deal is signed in the trade articles"
        );
        let agreed = stage(&report, "truce", "agreed");
        assert!(agreed
            .lines
            .iter()
            .any(|l| l.verdict == Verdict::Reached && l.date == "2025-05-12"));
    }

    #[test]
    fn unless_form_and_later_stages_are_near_misses() {
        let config = Config::builtin();
        let report = explain(
            &config,
            &[article(
                "Minerals deal: memorandum signed",
                &["Ukraine and the United States signed a deal memorandum on minerals on Thursday."],
            )],
        );
        let signed = stage(&report, "minerals", "signed");
        let miss = signed.lines.first().expect("a line for the signed stage");
        assert_eq!(miss.verdict, Verdict::NearMiss);
        assert!(miss.why.contains("unless \"memorandum\""), "{}", miss.why);
        let memo = stage(&report, "minerals", "memorandum_signed");
        assert!(memo.lines.iter().any(|l| l.verdict == Verdict::Reached));

        let report = explain(
            &trade_config(),
            &[article(
                "Tariff truce",
                &["The tariff truce extends to November under the order signed in August."],
            )],
        );
        let extended = stage(&report, "truce", "extended");
        assert!(
            extended.lines.iter().any(|l| l.verdict == Verdict::NearMiss
                && l.why.contains("not in the form the trigger was written in")),
            "{:?}",
            extended.lines
        );
    }

    #[test]
    fn the_text_names_topics_stages_and_reasons() {
        let report = explain_dirs(&trade_config(), &[PathBuf::from("tests/data/trade")]);
        let text = render(&report, 80);
        for want in [
            "7 articles read",
            "== topic truce (Trade truce)",
            "context_keywords count only in these",
            "-- stage collapsed (collapsed, setback)",
            "reached",
            "not yet",
            "near miss",
        ] {
            assert!(text.contains(want), "{want:?} missing from:\n{text}");
        }
    }
}
