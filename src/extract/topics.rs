//! Topics and status stages: which configured story threads a clause belongs to, and which stage
//! of a topic's life it speaks of.

use crate::config::{Config, Topic};
use crate::extract::scope::CueKind;
use crate::text::{form, stem, word_spans, FoldedWords, Form, Word, WordMap};

/// A phrase as folded words, matched on word boundaries.
struct Phrase(Vec<String>);

impl Phrase {
    fn new(text: &str) -> Phrase {
        Phrase(word_spans(text).iter().map(Word::folded).collect())
    }
    /// Contiguous match starting at word `i`.
    fn occurs_at(&self, words: &[&str], i: usize) -> bool {
        words
            .get(i..i + self.0.len())
            .is_some_and(|w| w.iter().zip(&self.0).all(|(a, b)| *a == *b))
    }
    /// Contiguous match.
    fn occurs_in(&self, words: &[&str]) -> bool {
        let Some((first, rest)) = self.0.split_first() else {
            return false;
        };
        // Most windows fail on their first word: test that alone before the rest.
        words
            .windows(self.0.len())
            .any(|w| w[0] == *first && w[1..].iter().zip(rest).all(|(a, b)| *a == *b))
    }
    /// In-order match allowing up to `gap` other words between consecutive phrase words, and
    /// a trailing "s"/"ed" on each (so "signed an agreement" meets "signed agreement").
    fn occurs_loosely_in(&self, words: &[&str], gap: usize) -> bool {
        let Some(first) = self.0.first() else {
            return false;
        };
        let same = |w: &str, p: &str| w == p || w.strip_suffix('s') == Some(p);
        'start: for i in 0..words.len() {
            if !same(words[i], first) {
                continue;
            }
            let mut at = i;
            for p in &self.0[1..] {
                match (at + 1..words.len().min(at + 2 + gap)).find(|&j| same(words[j], p)) {
                    Some(j) => at = j,
                    None => continue 'start,
                }
            }
            return true;
        }
        false
    }
}

struct StageRule {
    id: String,
    triggers: Vec<Phrase>,
    /// The triggers as word stems, with whether the trigger itself holds a negation cue
    /// ("without signing", "not on the table"): such a trigger is matched on every word, the
    /// others only on words outside negation scopes.
    stemmed: Vec<(Vec<TriggerWord>, bool)>,
    unless: Vec<Phrase>,
}

/// A stage a clause speaks of: asserted, or only inside a negation scope ("has yet to be
/// ratified").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageSignal {
    pub stage: String,
    pub negated: bool,
}

struct TopicRule {
    id: String,
    keywords: Vec<Phrase>,
    context_keywords: Vec<Phrase>,
    stages: Vec<StageRule>,
}

/// Matches clauses to topics and stages.
pub struct TopicMatcher {
    topics: Vec<TopicRule>,
    /// (topic, keyword) indices of the topics' keywords by their first folded word, so
    /// [`TopicMatcher::keyword_hits`] tries only the keywords that can start at each word.
    keywords_by_first_word: WordMap<Vec<(usize, usize)>>,
}

/// Most words allowed between the words of a stage trigger.
const TRIGGER_GAP: usize = 3;

impl TopicMatcher {
    pub fn new(config: &Config) -> TopicMatcher {
        let rule = |t: &Topic| TopicRule {
            id: t.id.clone(),
            keywords: t
                .keywords
                .iter()
                .chain(t.aliases.iter().filter(|a| a.contains(' ')))
                .map(|k| Phrase::new(k))
                .collect(),
            context_keywords: t.context_keywords.iter().map(|k| Phrase::new(k)).collect(),
            stages: t
                .stages
                .iter()
                .map(|s| StageRule {
                    id: s.id.clone(),
                    triggers: s.triggers.iter().map(|k| Phrase::new(k)).collect(),
                    stemmed: s
                        .triggers
                        .iter()
                        .map(|k| {
                            let (folded, scopes) = crate::extract::scope::scopes_of(k);
                            let words = folded.iter().map(|w| TriggerWord::new(w)).collect();
                            (words, scopes.cue.iter().any(|c| *c))
                        })
                        .collect(),
                    unless: s.unless.iter().map(|k| Phrase::new(k)).collect(),
                })
                .collect(),
        };
        let topics: Vec<TopicRule> = config.topics.iter().map(rule).collect();
        let mut keywords_by_first_word: WordMap<Vec<(usize, usize)>> = WordMap::default();
        for (t, topic) in topics.iter().enumerate() {
            for (k, keyword) in topic.keywords.iter().enumerate() {
                // A keyword without words matches nothing (see `Phrase::occurs_in`).
                if let Some(first) = keyword.0.first() {
                    keywords_by_first_word
                        .entry(first.clone())
                        .or_default()
                        .push((t, k));
                }
            }
        }
        TopicMatcher {
            topics,
            keywords_by_first_word,
        }
    }

    /// Topics whose keywords occur in `text` on their own (used for titles and whole articles).
    pub fn strong_topics(&self, text: &str) -> Vec<String> {
        let words = word_spans(text);
        self.strong_topics_in(&FoldedWords::new(&words).as_strs())
    }

    /// [`TopicMatcher::strong_topics`] over a text's folded words ([`Word::folded`]).
    pub fn strong_topics_in(&self, words: &[&str]) -> Vec<String> {
        self.hit_topics(&self.keyword_hits(words))
    }

    /// The ids of the topics flagged in [`TopicMatcher::keyword_hits`], in config order.
    pub fn hit_topics(&self, hits: &[bool]) -> Vec<String> {
        self.topics
            .iter()
            .zip(hits)
            .filter(|(_, hit)| **hit)
            .map(|(t, _)| t.id.clone())
            .collect()
    }

    /// Per topic, in config order: whether its own keywords occur in the folded words. The
    /// extractor keeps a sentence's hits for the article's topics and for the sentence's
    /// clause, so the keywords are looked for once.
    pub fn keyword_hits(&self, words: &[&str]) -> Vec<bool> {
        // Same as `t.keywords.iter().any(|k| k.occurs_in(words))` per topic, looking only at
        // the keywords whose first word is the word at hand.
        let mut hits = vec![false; self.topics.len()];
        for (i, w) in words.iter().enumerate() {
            let Some(candidates) = self.keywords_by_first_word.get(*w) else {
                continue;
            };
            for &(t, k) in candidates {
                if !hits[t] && self.topics[t].keywords[k].occurs_at(words, i) {
                    hits[t] = true;
                }
            }
        }
        hits
    }

    /// Topics of a clause: strong keywords, or weak ones for topics the article is about.
    pub fn topics(&self, clause: &str, article_topics: &[String]) -> Vec<String> {
        let words = word_spans(clause);
        self.topics_in(&FoldedWords::new(&words).as_strs(), article_topics)
    }

    /// [`TopicMatcher::topics`] over a clause's folded words ([`Word::folded`]).
    pub fn topics_in(&self, words: &[&str], article_topics: &[String]) -> Vec<String> {
        self.topics_with_hits(words, &self.keyword_hits(words), article_topics)
    }

    /// [`TopicMatcher::topics_in`] with the clause's [`TopicMatcher::keyword_hits`] known.
    pub fn topics_with_hits(
        &self,
        words: &[&str],
        hits: &[bool],
        article_topics: &[String],
    ) -> Vec<String> {
        debug_assert_eq!(hits.len(), self.topics.len());
        self.topics
            .iter()
            .zip(hits)
            .filter(|(t, hit)| {
                **hit
                    || (article_topics.contains(&t.id)
                        && t.context_keywords.iter().any(|k| k.occurs_in(words)))
            })
            .map(|(t, _)| t.id.clone())
            .collect()
    }

    /// The most advanced stage of `topic` the clause speaks of, if any.
    pub fn stage(&self, topic: &str, clause: &str) -> Option<String> {
        let words = word_spans(clause);
        self.stage_in(topic, &FoldedWords::new(&words).as_strs())
    }

    /// [`TopicMatcher::stage`] over a clause's folded words ([`Word::folded`]).
    pub fn stage_in(&self, topic: &str, words: &[&str]) -> Option<String> {
        let rule = self.topics.iter().find(|t| t.id == topic)?;
        rule.stages
            .iter()
            .rev()
            .find(|s| {
                s.triggers
                    .iter()
                    .any(|t| t.occurs_loosely_in(words, TRIGGER_GAP))
                    && !s.unless.iter().any(|u| u.occurs_in(words))
            })
            .map(|s| s.id.clone())
    }
}

/// A clause's words as the stage matcher reads them.
pub struct ClauseWords<'c> {
    /// Folded words ([`Word::folded`]).
    pub folded: &'c [&'c str],
    /// Their stems ([`stem`]).
    pub stems: &'c [String],
    /// The negation scope each word lies in, if any ([`crate::extract::scope`]).
    pub scope: &'c [Option<CueKind>],
}

/// A trigger word: its stem and the form it was written in.
struct TriggerWord {
    stem: String,
    /// The stem of its inflections when that differs: the stemmer folds "pauses", "paused" and
    /// "pausing" onto "paus" but leaves "pause" whole, so a trigger written "pause" also meets
    /// "paus".
    inflected: Option<String>,
    form: Form,
}

impl TriggerWord {
    fn new(word: &str) -> TriggerWord {
        let stem = stem(word);
        let inflected = (form(word) == Form::Base)
            .then(|| crate::text::stem(&format!("{word}s")))
            .filter(|s| *s != stem && word.ends_with('e'));
        TriggerWord {
            stem,
            inflected,
            form: form(word),
        }
    }

    /// Whether the clause word with stem `s` is this trigger word in some form.
    fn meets(&self, s: &str) -> bool {
        self.stem == s || self.inflected.as_deref() == Some(s)
    }
}

impl TopicMatcher {
    /// The most advanced stage of `topic` the clause asserts, or else the most advanced one it
    /// speaks of inside a negation scope ("has yet to be ratified").
    ///
    /// Triggers are matched on word stems, with up to [`TRIGGER_GAP`] words between their words,
    /// so "remains" meets "remain" and "pausing" meets "pause". To be asserted, a word must also
    /// have the form the trigger was written in unless that is the base form: "ratified" in the
    /// config wants a past ("the Rada ratified"), not "must ratify" or "ratifies once notes are
    /// exchanged"; and it must lie outside every scope (a trigger that itself holds a cue, such
    /// as "without signing", is matched as written). A negated stage needs one of its words in
    /// a scope that negates the clause (not only "without" or "before").
    ///
    /// With `strict_form` false (a clause already hedged, conditional or future, where the
    /// form says nothing more), any form of a trigger's words counts.
    pub fn stage_signal(
        &self,
        topic: &str,
        clause: &ClauseWords<'_>,
        strict_form: bool,
    ) -> Option<StageSignal> {
        let rule = self.topics.iter().find(|t| t.id == topic)?;
        let vetoed = |s: &StageRule| s.unless.iter().any(|u| u.occurs_in(clause.folded));
        let asserted = rule.stages.iter().rev().filter(|s| !vetoed(s)).find(|s| {
            s.stemmed.iter().any(|(trigger, has_cue)| {
                match_trigger(trigger, clause, |j, w| {
                    (*has_cue || clause.scope[j].is_none())
                        && (!strict_form
                            || w.form == Form::Base
                            || w.form == form(clause.folded[j]))
                })
                .is_some()
            })
        });
        if let Some(s) = asserted {
            return Some(StageSignal {
                stage: s.id.clone(),
                negated: false,
            });
        }
        let negated = rule.stages.iter().rev().filter(|s| !vetoed(s)).find(|s| {
            s.stemmed.iter().any(|(trigger, _)| {
                match_trigger(trigger, clause, |_, _| true).is_some_and(|at| {
                    at.iter()
                        .any(|&j| clause.scope[j].is_some_and(CueKind::negates_clause))
                })
            })
        });
        negated.map(|s| StageSignal {
            stage: s.id.clone(),
            negated: true,
        })
    }
}

/// How one stage trigger fared in a clause (for `storyline explain-config`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerTrace {
    pub stage: String,
    /// The trigger as written in the config.
    pub trigger: String,
    /// The clause's words that met the trigger's words (indexes into the clause's words).
    pub words: Vec<usize>,
    pub outcome: TriggerOutcome,
}

/// Why a trigger that met its words did or did not assert its stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerOutcome {
    /// Asserted: outside every scope and in the form written.
    Asserted,
    /// A word lies in a scope: of this kind, opened by the cue starting at this word.
    InScope { kind: CueKind, cue: usize },
    /// A word is not in the form the trigger was written in ("ratify" for "ratified").
    WrongForm { word: usize },
    /// The stage's `unless` phrase occurs in the clause.
    Vetoed { unless: String },
}

impl TopicMatcher {
    /// Every trigger of `topic` whose words occur in the clause (on stems, whatever their scope
    /// or form), with what became of it: the same tests as [`TopicMatcher::stage_signal`],
    /// reported instead of decided. Read-only; the extractor does not call it.
    pub fn trace_stages(
        &self,
        topic: &str,
        clause: &ClauseWords<'_>,
        strict_form: bool,
    ) -> Vec<TriggerTrace> {
        let Some(rule) = self.topics.iter().find(|t| t.id == topic) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for s in &rule.stages {
            let veto = s
                .unless
                .iter()
                .find(|u| u.occurs_in(clause.folded))
                .map(|u| u.0.join(" "));
            for ((trigger, has_cue), written) in s.stemmed.iter().zip(&s.triggers) {
                let asserted = |j: usize, w: &TriggerWord| {
                    (*has_cue || clause.scope[j].is_none())
                        && (!strict_form
                            || w.form == Form::Base
                            || w.form == form(clause.folded[j]))
                };
                let (words, outcome) = if let Some(at) = match_trigger(trigger, clause, asserted) {
                    (at, TriggerOutcome::Asserted)
                } else if let Some(at) = match_trigger(trigger, clause, |_, _| true) {
                    let scoped = at
                        .iter()
                        .find_map(|&j| clause.scope[j].filter(|_| !*has_cue).map(|k| (j, k)));
                    let outcome = match scoped {
                        Some((j, kind)) => TriggerOutcome::InScope {
                            kind,
                            cue: scope_start(clause.scope, j),
                        },
                        None => {
                            let word = at
                                .iter()
                                .zip(trigger)
                                .find(|(&j, w)| {
                                    w.form != Form::Base && w.form != form(clause.folded[j])
                                })
                                .map_or(at[0], |(&j, _)| j);
                            TriggerOutcome::WrongForm { word }
                        }
                    };
                    (at, outcome)
                } else {
                    continue;
                };
                let outcome = match (&veto, outcome) {
                    (Some(u), TriggerOutcome::Asserted) => {
                        TriggerOutcome::Vetoed { unless: u.clone() }
                    }
                    (_, o) => o,
                };
                out.push(TriggerTrace {
                    stage: s.id.clone(),
                    trigger: written.0.join(" "),
                    words,
                    outcome,
                });
            }
        }
        out
    }
}

/// The first word of the run of same-kind scope that word `j` lies in: the cue that opened it.
fn scope_start(scope: &[Option<CueKind>], j: usize) -> usize {
    let kind = scope[j];
    let mut k = j;
    while k > 0 && scope[k - 1] == kind {
        k -= 1;
    }
    k
}

/// In-order match of a trigger's words among the clause's stems, with up to [`TRIGGER_GAP`]
/// other words between, using only the words `usable(index, trigger word)` allows. Returns the
/// matched word indexes.
fn match_trigger(
    trigger: &[TriggerWord],
    clause: &ClauseWords<'_>,
    usable: impl Fn(usize, &TriggerWord) -> bool,
) -> Option<Vec<usize>> {
    let stems = clause.stems;
    let first = trigger.first()?;
    'start: for i in 0..stems.len() {
        if !first.meets(&stems[i]) || !usable(i, first) {
            continue;
        }
        let mut at = vec![i];
        for p in &trigger[1..] {
            let last = *at.last().unwrap_or(&i);
            match (last + 1..stems.len().min(last + 2 + TRIGGER_GAP))
                .find(|&j| p.meets(&stems[j]) && usable(j, p))
            {
                Some(j) => at.push(j),
                None => continue 'start,
            }
        }
        return Some(at);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::extract::MATCHER_SAMPLES as SAMPLES;

    #[test]
    fn keyword_lookup_matches_trying_every_keyword() {
        let m = m();
        let lines = std::fs::read_to_string("seeds/000_586a47ec60a85a45.txt").unwrap_or_default();
        for text in SAMPLES.iter().copied().chain(lines.lines()) {
            let words = word_spans(text);
            let folded = FoldedWords::new(&words);
            let words = folded.as_strs();
            let plain: Vec<bool> = m
                .topics
                .iter()
                .map(|t| t.keywords.iter().any(|k| k.occurs_in(&words)))
                .collect();
            assert_eq!(m.keyword_hits(&words), plain, "{text}");
        }
    }

    fn m() -> TopicMatcher {
        TopicMatcher::new(&Config::builtin())
    }

    #[test]
    fn stages_of_the_minerals_deal() {
        let m = m();
        let cases = [
            ("Ukraine and the United States signed an agreement on Wednesday in Washington", Some("signed")),
            ("Ukraine and the United States signed a memorandum of intent on Thursday", Some("memorandum_signed")),
            ("Svyrydenko signed in Kyiv and Treasury Secretary Scott Bessent in Washington, completing the document remotely", None),
            ("A framework version was supposed to be signed in Washington on February 28 but was shelved", Some("collapsed")),
            ("Ukraine's parliament on Thursday ratified the agreement", Some("ratified")),
            ("The parliament's foreign policy committee had recommended ratification on Tuesday.", None),
            ("An agreement on the natural resources remains stalled", Some("stalled")),
        ];
        for (text, want) in cases {
            assert_eq!(m.stage("minerals", text).as_deref(), want, "{text}");
        }
    }

    #[test]
    fn weak_keywords_need_an_article_about_the_topic() {
        let m = m();
        let clause = "The Verkhovna Rada approved the ratification bill with 338 votes";
        assert!(m.topics(clause, &[]).is_empty());
        assert_eq!(m.topics(clause, &["minerals".to_string()]), ["minerals"]);
    }

    fn signal(m: &TopicMatcher, topic: &str, text: &str) -> Option<StageSignal> {
        let (folded, scopes) = crate::extract::scope::scopes_of(text);
        let refs: Vec<&str> = folded.iter().map(String::as_str).collect();
        let stems: Vec<String> = refs.iter().map(|w| stem(w)).collect();
        let words = ClauseWords {
            folded: &refs,
            stems: &stems,
            scope: &scopes.scope,
        };
        m.stage_signal(topic, &words, true)
    }

    #[test]
    fn a_trigger_in_its_base_form_meets_every_form_even_with_a_final_e() {
        let m = m();
        for text in [
            "The White House freezes weapons deliveries to Kyiv.",
            "The freeze on military aid began on March 3.",
        ] {
            assert_eq!(
                signal(&m, "aid", text).map(|s| s.stage).as_deref(),
                Some("paused"),
                "{text}"
            );
        }
        let text = std::fs::read_to_string("config/trade.toml").expect("config/trade.toml");
        let trade = TopicMatcher::new(
            &Config::parse(&text, std::path::Path::new("config/trade.toml")).expect("parses"),
        );
        for text in [
            "Beijing pauses its new rare earth controls for a year.",
            "Beijing is pausing its new rare earth controls.",
        ] {
            assert_eq!(
                signal(&trade, "rare_earths", text)
                    .map(|s| s.stage)
                    .as_deref(),
                Some("suspended"),
                "{text}"
            );
        }
    }
}
