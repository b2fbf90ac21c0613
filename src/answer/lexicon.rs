//! The question lexicon: how the words people type map onto what the store holds.
//!
//! Two sources, both data: the config's `[[concept]]` entries (the story's synonyms, chat
//! shorthand and idioms, and their Ukrainian words) and `uk.toml` (the Ukrainian question and
//! date words the engine itself reads). A question is first rewritten into the English the rest
//! of the reader understands ("Коли Рада ратифікувала угоду?" → "when parliament ratify deal",
//! "who's the PM rn" → "who's the prime minister now"); then each of its words stands for its
//! concept's forms in both languages when events are searched.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::config::Config;
use crate::text::{stem, words};

/// The language a question was asked in, which is the language of the reply's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    English,
    Ukrainian,
}

impl Language {
    /// The language of `text`: Ukrainian when it is written in Cyrillic.
    pub fn of(text: &str) -> Language {
        let cyrillic = text
            .chars()
            .filter(|c| ('\u{0400}'..='\u{04FF}').contains(c))
            .count();
        let latin = text.chars().filter(char::is_ascii_alphabetic).count();
        if cyrillic > latin {
            Language::Ukrainian
        } else {
            Language::English
        }
    }
}

#[derive(Deserialize)]
struct EngineWords {
    words: HashMap<String, String>,
}

const UK: &str = include_str!("uk.toml");

/// Ukrainian engine words by their folded words ("у четвер" → ["у", "четвер"]).
fn engine_words() -> &'static Vec<(Vec<String>, String)> {
    static WORDS: OnceLock<Vec<(Vec<String>, String)>> = OnceLock::new();
    WORDS.get_or_init(|| {
        let parsed: EngineWords = match toml::from_str(UK) {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(error = %e, "the built-in Ukrainian question words do not parse");
                return Vec::new();
            }
        };
        let mut out: Vec<(Vec<String>, String)> = parsed
            .words
            .into_iter()
            .map(|(k, v)| (words(&k), v))
            .filter(|(k, _)| !k.is_empty())
            .collect();
        out.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        out
    })
}

/// The lexicon, built once per engine from the config.
pub struct Lexicon {
    /// Each concept's forms as stems: its English terms (single words) and Ukrainian words.
    forms: Vec<Vec<String>>,
    /// Each concept's name: its first term.
    names: Vec<String>,
    /// Stem of a single-word term or Ukrainian word → its concept.
    by_stem: HashMap<String, usize>,
    /// Phrases (shorthand, idioms, several-word terms and Ukrainian words) as stems → concept,
    /// longest first.
    phrases: Vec<(Vec<String>, usize)>,
}

fn stems(text: &str) -> Vec<String> {
    words(text).iter().map(|w| stem(w)).collect()
}

impl Lexicon {
    pub fn new(config: &Config) -> Lexicon {
        let mut forms = Vec::new();
        let mut names = Vec::new();
        let mut by_stem = HashMap::new();
        let mut phrases = Vec::new();
        for (i, c) in config.concepts.iter().enumerate() {
            names.push(c.terms.first().cloned().unwrap_or_default());
            let mut own: Vec<String> = Vec::new();
            for word in c.terms.iter().chain(&c.uk) {
                let s = stems(word);
                match s.as_slice() {
                    [] => {}
                    [one] => {
                        by_stem.entry(one.clone()).or_insert(i);
                        if !own.contains(one) {
                            own.push(one.clone());
                        }
                    }
                    _ => phrases.push((s, i)),
                }
            }
            for p in &c.phrases {
                let s = stems(p);
                if !s.is_empty() {
                    phrases.push((s, i));
                }
            }
            forms.push(own);
        }
        phrases.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        Lexicon {
            forms,
            names,
            by_stem,
            phrases,
        }
    }

    /// The question in the words the reader understands: Ukrainian question and date words in
    /// English, shorthand, idioms and Ukrainian story words as their concept's name; other
    /// words as they were (lowercased). The result is a plain line of words.
    pub fn rewrite(&self, question: &str) -> String {
        let ws = words(question);
        let ss: Vec<String> = ws.iter().map(|w| stem(w)).collect();
        let mut out: Vec<String> = Vec::with_capacity(ws.len());
        let mut i = 0;
        'words: while i < ws.len() {
            for (phrase, replacement) in engine_words() {
                if ws.get(i..i + phrase.len()) == Some(phrase.as_slice()) {
                    out.push(replacement.clone());
                    i += phrase.len();
                    continue 'words;
                }
            }
            for (phrase, concept) in &self.phrases {
                if ss.get(i..i + phrase.len()) == Some(phrase.as_slice()) {
                    out.push(self.names[*concept].clone());
                    i += phrase.len();
                    continue 'words;
                }
            }
            let cyrillic = ws[i]
                .chars()
                .any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
            match self.by_stem.get(&ss[i]).filter(|_| cyrillic) {
                Some(concept) => out.push(self.names[*concept].clone()),
                None => out.push(ws[i].clone()),
            }
            i += 1;
        }
        out.join(" ")
    }

    /// The other forms of the concept the stem `s` belongs to (stems, both languages), if any.
    pub fn synonyms(&self, s: &str) -> &[String] {
        self.by_stem
            .get(s)
            .map(|c| self.forms[*c].as_slice())
            .unwrap_or(&[])
    }

    /// Whether the stem `s` is a word of the lexicon.
    pub fn knows(&self, s: &str) -> bool {
        self.by_stem.contains_key(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        Lexicon::new(&Config::builtin())
    }

    #[test]
    fn the_engine_words_parse() {
        assert!(!engine_words().is_empty());
    }

    #[test]
    fn questions_are_rewritten_into_concepts() {
        let l = lexicon();
        assert_eq!(
            l.rewrite("Коли Рада ратифікувала угоду?"),
            "when parliament ratify deal"
        );
        assert_eq!(l.rewrite("who's the PM rn"), "who the prime minister now");
        assert_eq!(
            l.rewrite("did washington switch the weapons back on"),
            "did washington switch aid resume"
        );
        assert_eq!(
            l.rewrite("хто від сша входить у раду фонду?"),
            "who from washington members in board"
        );
        assert_eq!(
            l.rewrite("Що сталося у четвер, 8 травня?"),
            "what сталося on Thursday 8 May"
        );
    }

    #[test]
    fn every_concept_form_resolves_to_its_concept() {
        let config = Config::builtin();
        let l = Lexicon::new(&config);
        for c in &config.concepts {
            let name_stem = stems(&c.terms[0]);
            for form in c.terms.iter().chain(&c.uk) {
                let s = stems(form);
                if s.len() == 1 {
                    // A form may belong to an earlier concept too ("meeting"); it resolves to
                    // a concept whose forms include it.
                    assert!(l.synonyms(&s[0]).contains(&s[0]), "{form}");
                } else {
                    assert!(
                        l.phrases.iter().any(|(p, _)| *p == s),
                        "{form} is not a phrase of {name_stem:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_topic_alias_is_found_in_a_question() {
        let config = Config::builtin();
        for t in &config.topics {
            for alias in &t.aliases {
                let q = format!("what is the latest on the {alias}?");
                let found = crate::answer::question::topic_in(&config.topics, &q);
                assert!(found.is_some(), "alias {alias:?} of {} is not found", t.id);
            }
        }
    }
}
