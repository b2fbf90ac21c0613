//! Actors: people, organisations and countries named in a clause, folded onto one canonical
//! name (Zelensky / Zelenskyy / Zelenskiy are one person), from the config's gazetteer plus a
//! name heuristic for people introduced by their title.

use crate::config::Config;
use crate::text::{word_spans, FoldedWords, Word, WordMap};

/// Titles that introduce a person's name ("Prime Minister Denys Shmyhal").
const TITLES: &[&str] = &[
    "President",
    "Minister",
    "Secretary",
    "Director",
    "Envoy",
    "envoy",
    "adviser",
    "Advisor",
    "Adviser",
    "Chancellor",
    "Premier",
    "Ambassador",
    "Senator",
    "Speaker",
    "Chief",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "General",
    "Commander",
];

/// Capitalised words that start no name.
const NOT_NAMES: &[&str] = &[
    "The",
    "A",
    "An",
    "In",
    "On",
    "At",
    "But",
    "And",
    "Of",
    "For",
    "After",
    "Before",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Deputy",
    "First",
    "Prime",
    "Foreign",
    "Defense",
    "Defence",
    "Treasury",
    "State",
    "Economy",
    "Vice",
    "National",
    "Security",
    "Special",
    "Russian",
    "Ukrainian",
    "US",
    "U.S.",
    "American",
    "Italian",
    "Kremlin",
    "White",
    "House",
];

struct Alias {
    /// The alias's words, folded.
    words: Vec<String>,
    /// Per word: capitalised alias words ("US", "Rada") match only capitalised text, so the
    /// pronoun "us" is not the United States; lowercase ones ("parliament") match any case.
    capitals: Vec<bool>,
    canonical: usize,
}

/// Matches the gazetteer's names in text.
pub struct ActorMatcher {
    names: Vec<String>,
    represents: Vec<Option<String>>,
    aliases: Vec<Alias>,
    /// Indices into `aliases` (ascending, so in matching order) by the alias's first folded
    /// word: `find` tries only the aliases whose first word occurs in the text, at the places
    /// it occurs, instead of every alias at every word.
    by_first_word: WordMap<Vec<usize>>,
}

impl ActorMatcher {
    pub fn new(config: &Config) -> ActorMatcher {
        let mut names = Vec::new();
        let mut represents = Vec::new();
        let mut aliases = Vec::new();
        for (i, actor) in config.actors.iter().enumerate() {
            names.push(actor.name.clone());
            represents.push(actor.represents.clone());
            for alias in std::iter::once(&actor.name).chain(actor.aliases.iter()) {
                let spans = word_spans(alias);
                if spans.is_empty() {
                    continue;
                }
                aliases.push(Alias {
                    words: spans.iter().map(Word::folded).collect(),
                    capitals: spans.iter().map(Word::is_capitalised).collect(),
                    canonical: i,
                });
            }
        }
        // Longest aliases first, so "Volodymyr Zelensky" wins over "Zelensky".
        aliases.sort_by_key(|a| std::cmp::Reverse(a.words.len()));
        let mut by_first_word: WordMap<Vec<usize>> = WordMap::default();
        for (i, alias) in aliases.iter().enumerate() {
            by_first_word
                .entry(alias.words[0].clone())
                .or_default()
                .push(i);
        }
        ActorMatcher {
            names,
            represents,
            aliases,
            by_first_word,
        }
    }

    /// Canonical names of the actors named in `text`, in order of first mention.
    pub fn find(&self, text: &str) -> Vec<String> {
        let words = word_spans(text);
        let folded = FoldedWords::new(&words);
        self.find_in(&words, &folded.as_strs())
    }

    /// [`ActorMatcher::find`] over words already cut and folded (`folded[i]` is
    /// `words[i].folded()`), for callers that need the words for other matchers too.
    pub fn find_in(&self, words: &[Word<'_>], folded: &[&str]) -> Vec<String> {
        debug_assert_eq!(words.len(), folded.len());
        // Aliases are tried longest first, each from left to right, and a match takes its
        // words from later ones. Only (alias, position) pairs whose first word agrees can
        // match, so visiting just those, in that same order, finds exactly the same names.
        let mut candidates: Vec<(usize, usize)> = Vec::new();
        for (i, w) in folded.iter().enumerate() {
            if let Some(list) = self.by_first_word.get(*w) {
                candidates.extend(
                    list.iter()
                        .filter(|&&a| i + self.aliases[a].words.len() <= words.len())
                        .map(|&a| (a, i)),
                );
            }
        }
        candidates.sort_unstable();
        let mut taken = vec![false; words.len()];
        let mut found: Vec<(usize, String)> = Vec::new();
        for (a, i) in candidates {
            let alias = &self.aliases[a];
            let n = alias.words.len();
            if taken[i..i + n].iter().any(|t| *t) {
                continue;
            }
            let matches = (0..n).all(|k| {
                folded[i + k] == alias.words[k]
                    && (!alias.capitals[k] || words[i + k].is_capitalised())
            });
            if matches {
                taken[i..i + n].iter_mut().for_each(|t| *t = true);
                found.push((i, self.names[alias.canonical].clone()));
            }
        }
        with_titled_names(words, &taken, found)
    }

    /// The gazetteer's canonical name for a user's spelling ("Zelenskyy" → "Volodymyr Zelensky").
    pub fn canonical(&self, name: &str) -> Option<&str> {
        self.find(name)
            .first()
            .and_then(|n| self.names.iter().find(|c| *c == n))
            .map(String::as_str)
    }

    /// Actors that speak for `body` ("Russia" → Putin, the Kremlin, Moscow).
    pub fn members_of(&self, body: &str) -> Vec<&str> {
        self.names
            .iter()
            .zip(&self.represents)
            .filter(|(_, r)| r.as_deref() == Some(body))
            .map(|(n, _)| n.as_str())
            .collect()
    }
}

/// Adds unknown people introduced by a title ("Prime Minister Denys Shmyhal") to the actors
/// `found` at word positions not `taken`, and lists all by first mention, once each.
fn with_titled_names(
    words: &[Word<'_>],
    taken: &[bool],
    mut found: Vec<(usize, String)>,
) -> Vec<String> {
    for i in 0..words.len() {
        if taken[i] || !TITLES.contains(&words[i].text) {
            continue;
        }
        let mut j = i + 1;
        let mut name = Vec::new();
        while j < words.len() && !taken[j] && words[j].is_capitalised() && name.len() < 3 {
            if NOT_NAMES.contains(&words[j].text) || TITLES.contains(&words[j].text) {
                if name.is_empty() {
                    j += 1;
                    continue;
                }
                break;
            }
            name.push(words[j].text.trim_end_matches("'s").trim_end_matches("’s"));
            j += 1;
        }
        if name.len() >= 2 {
            found.push((i, name.join(" ")));
        }
    }
    found.sort_by_key(|(i, _)| *i);
    let mut out: Vec<String> = Vec::new();
    for (_, name) in found {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::extract::MATCHER_SAMPLES as SAMPLES;

    /// `find` as first written: every alias tried at every word.
    fn find_everywhere(m: &ActorMatcher, text: &str) -> Vec<String> {
        let words = word_spans(text);
        let folded: Vec<String> = words.iter().map(Word::folded).collect();
        let mut taken = vec![false; words.len()];
        let mut found: Vec<(usize, String)> = Vec::new();
        for alias in &m.aliases {
            let n = alias.words.len();
            if n > words.len() {
                continue;
            }
            for i in 0..=words.len() - n {
                if taken[i..i + n].iter().any(|t| *t) {
                    continue;
                }
                let matches = (0..n).all(|k| {
                    folded[i + k] == alias.words[k]
                        && (!alias.capitals[k] || words[i + k].is_capitalised())
                });
                if matches {
                    taken[i..i + n].iter_mut().for_each(|t| *t = true);
                    found.push((i, m.names[alias.canonical].clone()));
                }
            }
        }
        // The titled-name pass is shared: only the alias search differs.
        with_titled_names(&words, &taken, found)
    }

    #[test]
    fn first_word_lookup_finds_what_trying_every_alias_finds() {
        let m = matcher();
        let lines = std::fs::read_to_string("seeds/000_586a47ec60a85a45.txt").unwrap_or_default();
        for text in SAMPLES.iter().copied().chain(lines.lines()) {
            assert_eq!(m.find(text), find_everywhere(&m, text), "{text}");
        }
    }

    fn matcher() -> ActorMatcher {
        ActorMatcher::new(&Config::builtin())
    }

    #[test]
    fn name_variants_fold_to_one_person() {
        let m = matcher();
        for text in [
            "Zelensky said",
            "Zelenskyy said",
            "President Volodymyr Zelenskiy's aide",
        ] {
            assert_eq!(m.find(text), ["Volodymyr Zelensky"], "{text}");
        }
        assert_eq!(m.find("Sviridenko and Svyrydenko"), ["Yulia Svyrydenko"]);
    }

    #[test]
    fn countries_need_capitals_and_pronouns_are_not_countries() {
        let m = matcher();
        assert_eq!(m.find("let us talk"), Vec::<String>::new());
        assert_eq!(m.find("the U.S. president"), ["United States"]);
        assert_eq!(m.find("Ukraine's parliament voted"), ["Verkhovna Rada"]);
    }

    #[test]
    fn titled_unknown_people_are_found() {
        let m = matcher();
        assert!(m
            .find("Foreign Minister Jane Doe said")
            .contains(&"Jane Doe".to_string()));
    }

    #[test]
    fn bodies_list_their_members() {
        assert!(matcher().members_of("Russia").contains(&"Vladimir Putin"));
    }
}
