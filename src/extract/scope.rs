//! Cue and scope for factuality, the NegEx / ConText way: a cue ("not", "has yet to", "was
//! supposed to … but", "without") opens a scope that runs forward to the end of the clause or to a
//! terminator ("but", "however", ";"). What lies in a scope is not reported as having happened.
//!
//! The cues are data (`cues.toml`), not per-story vetoes: a topic's stage whose trigger lies in a
//! negation scope is not reached, whatever the story. Callers get, per word, whether it is in a
//! scope and of which kind, and the first cue that negates the clause's own act.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::text::Word;

/// What a cue says about the words in its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CueKind {
    /// "not", "never", "no", "failed to": reported as not having happened or not being so.
    Negation,
    /// "has yet to", "remains to be", "not yet": not done as of the statement.
    Pending,
    /// "was supposed to … but": a plan that did not happen.
    Unfulfilled,
    /// "without", "instead of": negates its scope, not the clause's own act.
    Subordinate,
}

impl CueKind {
    /// Whether the cue negates the clause it stands in (not only its own scope).
    pub fn negates_clause(self) -> bool {
        self != CueKind::Subordinate
    }
}

/// The scopes found in one clause.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes {
    /// Per word: the kind of the scope it lies in (cue words themselves included).
    pub scope: Vec<Option<CueKind>>,
    /// Per word: part of a cue phrase.
    pub cue: Vec<bool>,
    /// The first word that is or follows a terminator: where the main clause ends.
    pub terminator: Option<usize>,
}

impl Scopes {
    /// The first cue that negates the clause's act, among the words `relevant` marks (relative
    /// clauses left out by the caller) and before the first terminator: in "X signed it,
    /// although Y did not attend", the "not" belongs to the subordinate clause.
    pub fn clause_cue(&self, relevant: &[bool]) -> Option<CueKind> {
        let main_end = self.terminator.unwrap_or(self.scope.len());
        self.scope[..main_end]
            .iter()
            .zip(&self.cue)
            .zip(relevant.iter().chain(std::iter::repeat(&true)))
            .find_map(|((kind, cue), rel)| match kind {
                Some(k) if *cue && *rel && k.negates_clause() => Some(*k),
                _ => None,
            })
    }

    /// Whether any word is in a scope.
    pub fn any(&self) -> bool {
        self.scope.iter().any(Option::is_some)
    }

    /// The words with every word inside a scope blanked (cue words too), for matching what the
    /// clause asserts.
    pub fn asserted<'w>(&self, folded: &[&'w str]) -> Vec<&'w str> {
        folded
            .iter()
            .zip(&self.scope)
            .map(|(w, s)| if s.is_some() { "" } else { *w })
            .collect()
    }
}

#[derive(Deserialize)]
struct CueFile {
    negation: CueList,
    pending: CueList,
    unfulfilled: CueList,
    subordinate: CueList,
    pseudo: CueList,
    terminators: Terminators,
}

#[derive(Deserialize, Default)]
struct CueList {
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    suffixes: Vec<String>,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    contrast: Vec<String>,
}

#[derive(Deserialize)]
struct Terminators {
    words: Vec<String>,
    punctuation: Vec<String>,
}

/// The lexicon, compiled: phrases as word lists, longest first within a kind.
struct Lexicon {
    cues: Vec<(Vec<String>, CueKind)>,
    negated_suffixes: Vec<String>,
    pseudo: Vec<Vec<String>>,
    contrast: Vec<String>,
    terminator_words: Vec<String>,
    terminator_marks: Vec<String>,
}

const CUES: &str = include_str!("cues.toml");

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        // The file is part of the source: a parse error is a build defect, caught by the tests
        // below; at run time an unreadable lexicon degrades to no cues rather than a panic.
        let file: CueFile = match toml::from_str(CUES) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "the built-in cue lexicon does not parse");
                return Lexicon {
                    cues: Vec::new(),
                    negated_suffixes: Vec::new(),
                    pseudo: Vec::new(),
                    contrast: Vec::new(),
                    terminator_words: Vec::new(),
                    terminator_marks: Vec::new(),
                };
            }
        };
        let split =
            |p: &String| -> Vec<String> { p.split_whitespace().map(str::to_string).collect() };
        let mut cues: Vec<(Vec<String>, CueKind)> = Vec::new();
        for (list, kind) in [
            (&file.pending, CueKind::Pending),
            (&file.unfulfilled, CueKind::Unfulfilled),
            (&file.negation, CueKind::Negation),
            (&file.subordinate, CueKind::Subordinate),
        ] {
            cues.extend(list.phrases.iter().map(|p| (split(p), kind)));
            cues.extend(list.words.iter().map(|w| (vec![w.clone()], kind)));
        }
        // Longest first, so "not yet" (pending) wins over "not" (negation) at the same word.
        cues.sort_by_key(|(words, _)| std::cmp::Reverse(words.len()));
        let mut pseudo: Vec<Vec<String>> = file.pseudo.phrases.iter().map(split).collect();
        pseudo.sort_by_key(|p| std::cmp::Reverse(p.len()));
        Lexicon {
            cues,
            negated_suffixes: file.negation.suffixes,
            pseudo,
            contrast: file.unfulfilled.contrast,
            terminator_words: file.terminators.words,
            terminator_marks: file.terminators.punctuation,
        }
    })
}

fn phrase_at(folded: &[&str], i: usize, phrase: &[String]) -> bool {
    folded.len() >= i + phrase.len() && phrase.iter().zip(&folded[i..]).all(|(p, w)| p == w)
}

/// Finds the cues of a clause and their scopes. `words` and `folded` are the clause's words
/// (`folded[i]` is `words[i].folded()`); `text` is the clause, for punctuation terminators.
pub fn scopes(text: &str, words: &[Word<'_>], folded: &[&str]) -> Scopes {
    let lex = lexicon();
    let n = folded.len();
    let mut out = Scopes {
        scope: vec![None; n],
        cue: vec![false; n],
        terminator: None,
    };
    // A terminator before word j: a terminator word at j, or a mark between j-1 and j.
    let terminates = |j: usize| -> bool {
        lex.terminator_words.iter().any(|t| t == folded[j])
            || (j > 0
                && text
                    .get(words[j - 1].end()..words[j].start)
                    .is_some_and(|gap| {
                        lex.terminator_marks
                            .iter()
                            .any(|m| gap.contains(m.as_str()))
                    }))
    };
    out.terminator = (1..n).find(|&j| terminates(j));
    let mut i = 0;
    while i < n {
        if let Some(p) = lex.pseudo.iter().find(|p| phrase_at(folded, i, p)) {
            i += p.len();
            continue;
        }
        let found = lex
            .cues
            .iter()
            .find(|(p, _)| phrase_at(folded, i, p))
            .map(|(p, k)| (p.len(), *k))
            .or_else(|| {
                lex.negated_suffixes
                    .iter()
                    .any(|s| folded[i].len() > s.len() && folded[i].ends_with(s.as_str()))
                    .then_some((1, CueKind::Negation))
            });
        let Some((len, kind)) = found else {
            i += 1;
            continue;
        };
        if kind == CueKind::Unfulfilled
            && !folded[i + len..]
                .iter()
                .any(|w| lex.contrast.iter().any(|c| c == w))
        {
            i += 1;
            continue;
        }
        for j in i..i + len {
            out.cue[j] = true;
            out.scope[j] = Some(kind);
        }
        let mut j = i + len;
        // An unfulfilled plan's scope runs to the contrast, which is what tells it failed.
        while j < n && !terminates(j) {
            out.scope[j].get_or_insert(kind);
            j += 1;
        }
        i += len;
    }
    out
}

/// [`scopes`] of a text on its own (tests, answers checking a cited clause).
pub fn scopes_of(text: &str) -> (Vec<String>, Scopes) {
    let words = crate::text::word_spans(text);
    let folded: Vec<String> = words.iter().map(Word::folded).collect();
    let refs: Vec<&str> = folded.iter().map(String::as_str).collect();
    let s = scopes(text, &words, &refs);
    (folded, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words of `text` inside a scope, joined.
    fn scoped(text: &str) -> String {
        let (folded, s) = scopes_of(text);
        folded
            .iter()
            .zip(&s.scope)
            .filter(|(_, k)| k.is_some())
            .map(|(w, _)| w.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn clause_cue(text: &str) -> Option<CueKind> {
        let (folded, s) = scopes_of(text);
        s.clause_cue(&vec![true; folded.len()])
    }

    #[test]
    fn the_lexicon_parses() {
        toml::from_str::<CueFile>(CUES).expect("cues.toml parses");
        assert!(!lexicon().cues.is_empty());
    }

    #[test]
    fn a_scope_runs_to_a_terminator() {
        assert_eq!(
            scoped("The committee had not approved the text, but the chamber voted anyway."),
            "not approved the text"
        );
        assert_eq!(
            scoped("Officials did not confirm the report; the minister resigned."),
            "not confirm the report"
        );
        assert_eq!(
            scoped("The bill was passed without amendments."),
            "without amendments"
        );
    }

    #[test]
    fn cue_classes() {
        let cases = [
            (
                "The treaty has yet to be ratified by the senate.",
                Some(CueKind::Pending),
            ),
            (
                "What remains is for the accord to enter into force.",
                Some(CueKind::Pending),
            ),
            ("The law is not yet in force.", Some(CueKind::Pending)),
            (
                "It remains to be approved by the cabinet.",
                Some(CueKind::Pending),
            ),
            (
                "The pact was supposed to be signed in June but the ceremony was called off.",
                Some(CueKind::Unfulfilled),
            ),
            ("The pact was supposed to be signed in June.", None),
            (
                "The minister does not plan to attend Sunday's summit.",
                Some(CueKind::Negation),
            ),
            (
                "No date has been set for the vote.",
                Some(CueKind::Negation),
            ),
            (
                "The envoy failed to secure a deal.",
                Some(CueKind::Negation),
            ),
            ("The strikes haven't stopped.", Some(CueKind::Negation)),
            (
                "He left the talks without signing anything.",
                Some(CueKind::Subordinate),
            ),
            ("Not only did the talks resume, they produced a text.", None),
            ("The vote will take place no later than Friday.", None),
            ("The delegations met in Geneva on Monday.", None),
        ];
        for (text, want) in cases {
            let got = {
                let (folded, s) = scopes_of(text);
                s.scope
                    .iter()
                    .zip(&s.cue)
                    .zip(&folded)
                    .find_map(|((k, c), _)| if *c { *k } else { None })
            };
            assert_eq!(got, want, "{text}");
        }
        assert_eq!(
            clause_cue("He left the talks without signing anything."),
            None
        );
        assert_eq!(
            clause_cue("The treaty has yet to be ratified."),
            Some(CueKind::Pending)
        );
    }

    #[test]
    fn asserted_words_leave_the_scope_out() {
        let text = "The parliament ratified the accord but has not published the annexes.";
        let words = crate::text::word_spans(text);
        let folded: Vec<String> = words.iter().map(Word::folded).collect();
        let refs: Vec<&str> = folded.iter().map(String::as_str).collect();
        let s = scopes(text, &words, &refs);
        let asserted = s.asserted(&refs);
        assert!(asserted.contains(&"ratified"));
        assert!(!asserted.contains(&"published"));
    }
}
