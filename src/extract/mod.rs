//! From an article's sentences to events: dates, actors, attribution, modality, topics, stages.
//!
//! A sentence usually reports one event; a sentence with two dated events joined by ", and" or
//! ", after" is cut into clauses, one event each. A clause without a date of its own takes the
//! date of the sentence before it when that one told of a day (news leads give the date once and
//! then elaborate), and says so in [`DateSource::Context`].

pub mod actors;
pub mod attribution;
pub mod layout;
pub mod modality;
pub mod scope;
pub mod sentences;
pub mod time;
pub mod topics;

use crate::article::Article;
use crate::config::Config;
use crate::event::{DateSource, Event, EventDate, Modality, Precision};
use crate::text::{stem, word_spans, FoldedWords, Word};
use actors::ActorMatcher;
use time::{TimeContext, TimeMention};
use topics::TopicMatcher;

/// Where a sentence may be cut between two dated events.
const CLAUSE_BREAKS: &[&str] = &["; ", ", and ", ", after ", ", but ", " but ", ", while "];

/// Words saying an undated clause happened some time before the article.
const EARLIER: &[&str] = &["previously", "formerly", "earlier"];

/// Words saying a clause happened after the day told before ("after which the president
/// paused"): such a clause does not take that day.
const LATER: &[&str] = &[
    "after which",
    "later",
    "subsequently",
    "since then",
    "afterwards",
];

/// Holds the matchers built from the config, so a run over many articles builds them once.
pub struct Extractor {
    actors: ActorMatcher,
    topics: TopicMatcher,
}

/// Extracts the events of one article (builds the matchers; prefer [`Extractor`] in loops).
pub fn extract_events(article: &Article, config: &Config) -> Vec<Event> {
    Extractor::new(config).events(article)
}

impl Extractor {
    pub fn new(config: &Config) -> Extractor {
        Extractor {
            actors: ActorMatcher::new(config),
            topics: TopicMatcher::new(config),
        }
    }

    pub fn actors(&self) -> &ActorMatcher {
        &self.actors
    }

    pub fn topic_matcher(&self) -> &TopicMatcher {
        &self.topics
    }

    pub fn events(&self, article: &Article) -> Vec<Event> {
        let blocks = layout::blocks(article);
        // (block index, sentence) in article order; interviewers' questions and interrogative
        // sentences claim nothing, but keep their place so sentence numbers stay the page's.
        let sentences: Vec<(usize, &str)> = blocks
            .iter()
            .enumerate()
            .flat_map(|(b, block)| {
                // "Not yet. It enters into force …" answers the question before it.
                let answers = block.speaker.is_some()
                    || b.checked_sub(1).is_some_and(|p| {
                        blocks[p].question || blocks[p].text.trim_end().ends_with('?')
                    });
                let parts = sentences::split_sentences(block.text);
                let parts = if answers {
                    sentences::join_fragments(block.text, parts)
                } else {
                    parts
                };
                parts.into_iter().map(move |s| (b, s))
            })
            .collect();
        // Every matcher below works on words: cut and fold each sentence once, and reuse that
        // for a clause that is the whole sentence (most of them).
        let sentence_words: Vec<SentenceWords> = sentences
            .iter()
            .map(|(_, s)| {
                let words = word_spans(s);
                let folded = FoldedWords::new(&words);
                let keyword_hits = self.topics.keyword_hits(&folded.as_strs());
                SentenceWords {
                    words,
                    folded,
                    keyword_hits,
                }
            })
            .collect();
        let article_topics = self.article_topics(&article.title, &sentence_words);
        let mut events = Vec::new();
        // The date the previous sentence told of, if it was a day worth carrying forward.
        let mut carried: Option<EventDate> = None;

        let mut previous_block: Option<usize> = None;
        for (index, (b, sentence)) in sentences.iter().enumerate() {
            let block = &blocks[*b];
            if block.question || sentence.trim_end().ends_with('?') {
                continue;
            }
            // A date carries on through a story (a wire story's lead gives the day once), but
            // never across a live-blog entry or a dateline: each is a story of its own.
            if previous_block.is_some_and(|p| blocks[p].entry != block.entry) {
                carried = None;
            }
            previous_block = Some(*b);
            let ctx = TimeContext {
                published: block.reference,
            };
            let reported = article.published_date();
            let mentions = time::find_dates(sentence, &ctx);
            let cut = &sentence_words[index];
            let clauses = split_clauses(sentence, &mentions);
            let speaker = block
                .speaker
                .map(|n| self.actors.canonical(n).unwrap_or(n).to_string());
            let sentence_attribution = self
                .source(
                    attribution::find_in(sentence, &cut.words, &self.actors),
                    &events,
                )
                .or_else(|| speaker.clone());
            let sentence_topics = self.topics.topics_with_hits(
                &cut.folded.as_strs(),
                &cut.keyword_hits,
                &article_topics,
            );
            // The carried day survives sentences without a day of their own (quotes, hedged
            // asides) and is replaced by the next day a sentence reports.
            let mut next_carried = carried.clone();

            let single = clauses.len() == 1;
            for (clause_index, (clause, clause_mentions)) in clauses.iter().enumerate() {
                let clause = *clause;
                let whole_sentence = single && clause == *sentence;
                let own_words;
                let (words, folded): (&[Word], Vec<&str>) = if whole_sentence {
                    (&cut.words, cut.folded.as_strs())
                } else {
                    let w = word_spans(clause);
                    own_words = (FoldedWords::new(&w), w);
                    (&own_words.1, own_words.0.as_strs())
                };
                // A clause cut from a sentence shares the sentence's subject, and so its topics.
                let own_topics = if whole_sentence {
                    sentence_topics.clone()
                } else {
                    self.topics.topics_in(&folded, &article_topics)
                };
                let mut topics = own_topics.clone();
                for t in &sentence_topics {
                    if !topics.contains(t) {
                        topics.push(t.clone());
                    }
                }
                // In an article about a topic, a clause that speaks of one of its stages belongs
                // to it even without naming it ("Not yet. It enters into force when …").
                for t in &article_topics {
                    if !topics.contains(t) {
                        topics.push(t.clone());
                    }
                }
                // But a clause that names topics of its own reaches stages of those only: in
                // "X halted weapons deliveries on March 3, and Y confirmed on March 5 that
                // intelligence sharing had been paused", each clause pauses its own topic.
                let stage_topics = if whole_sentence || own_topics.is_empty() {
                    &topics
                } else {
                    &own_topics
                };
                let reading = self.read_clause(
                    clause,
                    words,
                    &folded,
                    clause_mentions,
                    stage_topics,
                    block.section,
                );
                let modality = reading.modality;
                topics.retain(|t| {
                    !article_topics.contains(t)
                        || reading.stages.iter().any(|(s, _)| s == t)
                        || sentence_topics.contains(t)
                        || (!whole_sentence
                            && self.topics.topics_in(&folded, &article_topics).contains(t))
                });
                let mut date =
                    self.date_of(clause, clause_mentions, modality, carried.as_ref(), &ctx);
                // A statement that something has not happened holds as of the day it was made.
                if modality == Modality::Negated && date.is_none() {
                    date = Some(EventDate {
                        date: block.reference,
                        precision: Precision::Day,
                        source: DateSource::Context,
                        expression: String::new(),
                    });
                }
                // A sentence's speaker speaks for a clause only when the sentence is one clause:
                // in "X halted deliveries on March 3, and Y confirmed on March 5", Y is not the
                // source of the first clause. A clause that is the whole sentence has the
                // sentence's speaker, found above with the same events before it.
                let attribution = if whole_sentence {
                    sentence_attribution.clone()
                } else {
                    self.source(attribution::find(clause, &self.actors), &events)
                        .or_else(|| sentence_attribution.clone().filter(|_| single))
                        .or_else(|| speaker.clone())
                };
                // Carry a day forward only from what happened or was said on it, not from a
                // prediction about a later day, nor from a starting point or an earlier event
                // named in passing ("since the February 28 confrontation").
                let own_day = clause_mentions.iter().any(|m| !is_background(clause, m));
                if let Some(d) = date.as_ref().filter(|d| {
                    own_day
                        && d.source == DateSource::Explicit
                        && d.precision == Precision::Day
                        && (modality == Modality::Fact || d.date <= ctx.published)
                }) {
                    next_carried = Some(d.clone());
                }
                events.push(Event {
                    article: article.id.clone(),
                    sentence_index: index as u32,
                    clause_index: clause_index as u32,
                    sentence: sentence.to_string(),
                    clause: clause.to_string(),
                    date,
                    reported,
                    actors: self.actors.find_in(words, &folded),
                    attribution,
                    modality,
                    topics,
                    stages: reading.stages,
                });
            }
            carried = next_carried;
        }
        events
    }

    /// How sure a clause is and which stages it speaks of. A stage whose trigger lies only
    /// inside a negation scope ("has yet to be ratified") makes the clause [`Modality::Negated`]
    /// with that stage: a dated fact about absence. A clause whose own act is negated ("did not
    /// attend") is negated too; "left without signing" is not (only its scope is).
    fn read_clause(
        &self,
        clause: &str,
        words: &[Word],
        folded: &[&str],
        mentions: &[TimeMention],
        topics: &[String],
        section: layout::Section,
    ) -> ClauseReading {
        let dates: Vec<(usize, usize)> = mentions.iter().map(|m| (m.start, m.end)).collect();
        let main = modality::main_part(clause, words, folded, &dates);
        let base = modality::classify_in(clause, words, folded, &dates);
        let scopes = scope::scopes(clause, words, folded);
        let stems: Vec<String> = folded.iter().map(|w| stem(w)).collect();
        let clause_words = topics::ClauseWords {
            folded,
            stems: &stems,
            scope: &scopes.scope,
        };
        let signals: Vec<(String, topics::StageSignal)> = topics
            .iter()
            .filter_map(|t| {
                self.topics
                    .stage_signal(t, &clause_words, base == Modality::Fact)
                    .map(|s| (t.clone(), s))
            })
            .collect();
        let asserts_a_stage = signals.iter().any(|(_, s)| !s.negated);
        let negates_a_stage = signals.iter().any(|(_, s)| s.negated);
        let negated = base != Modality::Hedged
            && !asserts_a_stage
            && (negates_a_stage
                || (scopes.clause_cue(&main).is_some() && base != Modality::Conditional));
        let mut modality = if negated { Modality::Negated } else { base };
        // Under "What we don't know", what is not a statement of absence is an open question.
        if section == layout::Section::Unknowns && modality == Modality::Fact {
            modality = Modality::Hedged;
        }
        let stages = signals
            .into_iter()
            .filter(|(_, s)| s.negated == (modality == Modality::Negated))
            .map(|(t, s)| (t, s.stage))
            .collect();
        ClauseReading { modality, stages }
    }

    /// Resolves "he said" to the source of the sentence before, where there is one.
    fn source(&self, found: Option<attribution::Source>, before: &[Event]) -> Option<String> {
        match found? {
            attribution::Source::Named(n) => Some(n),
            attribution::Source::Pronoun => before.last().and_then(|e| e.attribution.clone()),
        }
    }

    /// Topics the article is about: named in its title, or in two or more sentences.
    fn article_topics(&self, title: &str, sentences: &[SentenceWords]) -> Vec<String> {
        let mut topics = self.topics.strong_topics(title);
        let mut counts: Vec<(String, usize)> = Vec::new();
        for s in sentences {
            for t in self.topics.hit_topics(&s.keyword_hits) {
                match counts.iter_mut().find(|(id, _)| *id == t) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((t, 1)),
                }
            }
        }
        for (t, n) in counts {
            if n >= 2 && !topics.contains(&t) {
                topics.push(t);
            }
        }
        topics
    }

    fn date_of(
        &self,
        clause: &str,
        mentions: &[TimeMention],
        modality: Modality,
        carried: Option<&EventDate>,
        ctx: &TimeContext,
    ) -> Option<EventDate> {
        let main: Vec<&TimeMention> = mentions
            .iter()
            .filter(|m| !is_background(clause, m))
            .collect();
        let explicit = |m: &TimeMention| EventDate {
            date: m.date,
            precision: m.precision,
            source: DateSource::Explicit,
            expression: clause.get(m.start..m.end).unwrap_or_default().to_string(),
        };
        // A fact happened on the first date named; a prediction is about the latest one
        // ("on Thursday, Trump predicted it would be signed next Thursday").
        let chosen = if modality == Modality::Future {
            main.iter().max_by_key(|m| m.date).copied()
        } else {
            main.first().copied()
        };
        if let Some(m) = chosen {
            return Some(explicit(m));
        }
        // "The Rada had ratified the agreement last Thursday": the past perfect's own date.
        if let Some(m) = mentions
            .iter()
            .find(|m| role(clause, m) == Role::PastPerfect)
        {
            return Some(explicit(m));
        }
        let lower = clause.to_lowercase();
        // "previously rejected": some time before the article, unless "earlier" is itself part
        // of a dated phrase ("earlier on Thursday", "earlier in the day").
        let ws = word_spans(&lower);
        let earlier = ws.iter().enumerate().any(|(i, w)| {
            EARLIER.contains(&w.text)
                && !ws
                    .get(i + 1)
                    .is_some_and(|n| matches!(n.text, "on" | "in" | "this" | "that" | "today"))
        });
        if earlier {
            return Some(EventDate {
                date: ctx.published,
                precision: Precision::Before,
                source: DateSource::Context,
                expression: "previously".to_string(),
            });
        }
        let moves_on = LATER.iter().any(|w| lower.contains(w));
        if modality == Modality::Fact && !moves_on {
            if let Some(c) = carried {
                return Some(EventDate {
                    source: DateSource::Context,
                    ..c.clone()
                });
            }
        }
        // Only a starting point ("since February 2022"): still the best date there is.
        if let Some(m) = mentions.first() {
            return Some(explicit(m));
        }
        None
    }
}

/// What [`Extractor::read_clause`] found.
struct ClauseReading {
    modality: Modality,
    stages: Vec<(String, String)>,
}

/// A sentence cut into words once, for every matcher that reads it.
struct SentenceWords<'s> {
    words: Vec<Word<'s>>,
    folded: FoldedWords,
    /// [`TopicMatcher::keyword_hits`] of the sentence.
    keyword_hits: Vec<bool>,
}

/// How a date mention relates to the clause's own event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The clause's event happened (or is expected) then.
    Main,
    /// After "had": an earlier event ("the aid it had cut off last week"). It dates the clause
    /// only when nothing else in it does.
    PastPerfect,
    /// After "since": a starting point, not the event ("since February 2022").
    Since,
}

fn role(clause: &str, m: &TimeMention) -> Role {
    let before = &clause[..m.start.min(clause.len())];
    let words: Vec<String> = word_spans(before)
        .iter()
        .rev()
        .take(6)
        .map(|w| w.folded())
        .collect();
    if words.first().is_some_and(|w| w == "since") || words.get(1).is_some_and(|w| w == "since") {
        Role::Since
    } else if words.iter().any(|w| w == "had") {
        Role::PastPerfect
    } else if words.iter().any(|w| w == "since") {
        Role::Since
    } else {
        Role::Main
    }
}

fn is_background(clause: &str, m: &TimeMention) -> bool {
    role(clause, m) != Role::Main
}

/// Cuts a sentence into trimmed clauses, each with its date mentions rebased onto the clause.
fn split_clauses<'s>(
    sentence: &'s str,
    mentions: &[TimeMention],
) -> Vec<(&'s str, Vec<TimeMention>)> {
    let main: Vec<&TimeMention> = mentions
        .iter()
        .filter(|m| !is_background(sentence, m))
        .collect();
    let mut cuts = Vec::new();
    for pair in main.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a.date == b.date || a.end > b.start {
            continue;
        }
        let between = &sentence[a.end..b.start];
        // "paused aid on March 3 and, two days later, confirmed …": the second act's date
        // opens it.
        let tail = between.trim_end().trim_end_matches(',');
        if tail.ends_with(" and") {
            let pos = tail.len() - " and".len();
            cuts.push((a.end + pos, b.start));
            continue;
        }
        if let Some((pos, sep)) = CLAUSE_BREAKS
            .iter()
            .filter_map(|s| between.rfind(s).map(|p| (p, s)))
            .max_by_key(|(p, _)| *p)
        {
            cuts.push((a.end + pos, a.end + pos + sep.len()));
        } else if let Some((pos, len)) = verb_coordination(between) {
            // "signed on April 30, ratified on May 8 and entered into force on May 23".
            cuts.push((a.end + pos, a.end + pos + len));
        }
    }
    let mut out = Vec::new();
    let mut start = 0;
    for (cut_start, cut_end) in cuts
        .into_iter()
        .chain(std::iter::once((sentence.len(), sentence.len())))
    {
        let raw = &sentence[start..cut_start];
        let clause = raw.trim();
        let offset = start + (raw.len() - raw.trim_start().len());
        let ms = mentions
            .iter()
            .filter(|m| m.start >= offset && m.end <= offset + clause.len())
            .map(|m| TimeMention {
                start: m.start - offset,
                end: m.end - offset,
                ..m.clone()
            })
            .collect();
        out.push((clause, ms));
        start = cut_end;
    }
    out
}

/// The last ", " or " and " in `between` that is followed by a past-tense verb: a list of acts,
/// each with its own date. Returns its position and length.
fn verb_coordination(between: &str) -> Option<(usize, usize)> {
    let mut best = None;
    for sep in [", ", " and "] {
        for (pos, _) in between.match_indices(sep) {
            let next = between[pos + sep.len()..]
                .split(|c: char| !c.is_alphabetic())
                .next()
                .unwrap_or("");
            let past = (next.len() > 3 && next.ends_with("ed"))
                || crate::text::IRREGULAR_PAST.contains(&next);
            if past && best.is_none_or(|(p, _)| pos > p) {
                best = Some((pos, sep.len()));
            }
        }
    }
    best
}

/// Clauses for checking the matchers (actors, modality, topics) against their plain
/// formulations in their tests.
#[cfg(test)]
pub(crate) const MATCHER_SAMPLES: &[&str] = &[
    "Zelensky said the U.S. would sign the minerals deal as long as Congress agreed",
    "President Volodymyr Zelenskiy's aide told Fox News that the deal is set to be signed next week",
    "Foreign Minister Jane Doe Smith met Prime Minister Denys Shmyhal and US envoy Steve Witkoff",
    "Ukraine's parliament, the Verkhovna Rada, ratified the agreement; let us talk subject to review",
    "The signed agreement on natural resources and the reconstruction investment fund is yet to follow",
    "Deputy Prime Minister Yulia Svyrydenko (Sviridenko) said on condition that aid resumes",
    "ÉLYSÉE officials’ talks in İstanbul — weapons deliveries halted, intelligence sharing paused",
    "it is to be signed if the U.S. and Ukraine are due to meet, which they have yet to do, the White House said",
    "",
    "U.S.",
];

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn two_dated_events_in_one_sentence_become_two_clauses() {
        let ctx = TimeContext {
            published: day(2025, 3, 12),
        };
        let s = "The United States halted weapons deliveries on March 3, and CIA Director John Ratcliffe confirmed on March 5 that intelligence sharing had also been paused.";
        let mentions = time::find_dates(s, &ctx);
        let clauses = split_clauses(s, &mentions);
        assert_eq!(clauses.len(), 2);
        assert_eq!(
            clauses[0].0,
            "The United States halted weapons deliveries on March 3"
        );
        let second = &clauses[1];
        assert!(second.0[second.1[0].start..second.1[0].end].ends_with("March 5"));
        assert_eq!(second.1[0].date, day(2025, 3, 5));
    }

    /// Like `extraction_throughput`'s dump, for raw texts that are not articles (the fuzz
    /// corpora: odd Unicode, stray punctuation): each file becomes the body of one article.
    /// `STORYLINE_EXTRACT_RAW=dir1:dir2 STORYLINE_EXTRACT_DUMP=out.txt cargo test --release
    /// --lib extract::tests::extraction_dump_raw -- --ignored`.
    #[test]
    #[ignore]
    fn extraction_dump_raw() {
        use std::io::Write;
        let config = Config::builtin();
        let extractor = Extractor::new(&config);
        let dirs = std::env::var("STORYLINE_EXTRACT_RAW").unwrap_or_default();
        let out = std::env::var("STORYLINE_EXTRACT_DUMP").expect("STORYLINE_EXTRACT_DUMP");
        let mut f = std::io::BufWriter::new(std::fs::File::create(out).unwrap());
        let mut paths = Vec::new();
        for d in dirs.split(':').filter(|d| !d.is_empty()) {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                paths.push(e.path());
            }
        }
        paths.sort();
        let published = chrono::DateTime::parse_from_rfc3339("2025-03-12T09:00:00+02:00").unwrap();
        for p in paths {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            let article = Article {
                id: crate::article::article_id(&p.display().to_string()),
                title: text.lines().next().unwrap_or_default().to_string(),
                outlet: "fuzz".into(),
                url: p.display().to_string(),
                published,
                timezone: None,
                paragraphs: text.split("\n\n").map(str::to_string).collect(),
                content_hash: String::new(),
                source_path: p.display().to_string(),
            };
            writeln!(f, "# {}", p.display()).unwrap();
            match std::panic::catch_unwind(|| extractor.events(&article)) {
                Ok(events) => {
                    for e in events {
                        writeln!(f, "{e:?}").unwrap();
                    }
                }
                Err(_) => writeln!(f, "PANIC").unwrap(),
            }
        }
    }

    /// Throwaway-style harness for extraction speed and output checks, run by hand:
    /// `STORYLINE_EXTRACT_DIRS=dir1:dir2 STORYLINE_EXTRACT_DUMP=out.txt cargo test --release
    /// --lib extract::tests::extraction_throughput -- --ignored --nocapture`.
    /// Reads every article under the folders first, so only `Extractor::events` is timed, then
    /// writes the `{:?}` of every event (for byte-for-byte comparison across changes).
    #[test]
    #[ignore]
    fn extraction_throughput() {
        use std::io::Write;
        use std::path::PathBuf;
        fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.file_name().is_none_or(|n| n != "manifest.toml") {
                    out.push(p);
                }
            }
        }
        let config = Config::builtin();
        let dirs = std::env::var("STORYLINE_EXTRACT_DIRS").unwrap_or_else(|_| "seeds".into());
        let mut paths = Vec::new();
        for d in dirs.split(':') {
            walk(std::path::Path::new(d), &mut paths);
        }
        paths.sort();
        let articles: Vec<Article> = paths
            .iter()
            .filter_map(|p| crate::article::read_article(p, &config).ok().flatten())
            .collect();
        let extractor = Extractor::new(&config);
        let rounds: usize = std::env::var("STORYLINE_EXTRACT_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(3);
        let mut best = f64::MAX;
        let mut events = 0;
        for _ in 0..rounds {
            let start = std::time::Instant::now();
            events = articles
                .iter()
                .map(|a| extractor.events(a).len())
                .sum::<usize>();
            best = best.min(start.elapsed().as_secs_f64());
        }
        eprintln!(
            "{} articles, {events} events: best of {rounds} {best:.3}s = {:.0} articles/s",
            articles.len(),
            articles.len() as f64 / best
        );
        if let Ok(out) = std::env::var("STORYLINE_EXTRACT_DUMP") {
            let mut f = std::io::BufWriter::new(std::fs::File::create(out).unwrap());
            for a in &articles {
                writeln!(f, "# {}", a.source_path).unwrap();
                for e in extractor.events(a) {
                    writeln!(f, "{e:?}").unwrap();
                }
            }
        }
    }
}
