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

/// Single words that are names only sometimes ("He" Lifeng, "May", "Will", "Bill"): besides the
/// project's stopwords, the date words and a few common words that are also names.
const COMMON_WORDS: &[&str] = &[
    "may", "will", "march", "april", "june", "august", "mark", "bill", "grant", "hope", "rose",
    "long", "young", "king", "price", "rich", "little", "white", "black", "brown", "green", "wolf",
    "fox", "bush", "cook", "lee", "sun", "li", "ma", "wang",
];

/// Words after which a month-named alias is the month ("in May", "by March 3").
const DATE_PREPOSITIONS: &[&str] = &[
    "in", "on", "since", "until", "till", "by", "from", "through", "during", "of", "before",
    "after", "early", "mid", "late", "last", "next", "this", "around", "between",
];

/// Words before a name that make the next word a name ("Mr He", "Vice Premier He").
const HONORIFICS: &[&str] = &["Mr", "Mr.", "Ms", "Ms.", "Mrs", "Mrs.", "Dr", "Dr."];

struct Alias {
    /// The alias's words, folded.
    words: Vec<String>,
    /// Per word: capitalised alias words ("US", "Rada") match only capitalised text, so the
    /// pronoun "us" is not the United States; lowercase ones ("parliament") match any case.
    capitals: Vec<bool>,
    /// A one-word alias that is also a common word ("He", "May"): it must be written exactly
    /// as in the config and placed like a name (see [`placed_like_a_name`]).
    common: Option<String>,
    canonical: usize,
}

impl Alias {
    /// Whether the alias is written at word `i` (`text`: what the words were cut from, if known).
    fn matches_at(
        &self,
        text: Option<&str>,
        words: &[Word<'_>],
        folded: &[&str],
        i: usize,
    ) -> bool {
        match &self.common {
            // An acronym ("US") is told from the common word by its capitals alone.
            Some(written) => {
                words[i].text == written
                    && (!written.contains(char::is_lowercase) || placed_like_a_name(text, words, i))
            }
            None => (0..self.words.len()).all(|k| {
                folded[i + k] == self.words[k]
                    && (!self.capitals[k] || words[i + k].is_capitalised())
            }),
        }
    }
}

/// Whether a one-word alias `text` is a common word: a stopword, a month or weekday name, or
/// one of [`COMMON_WORDS`].
fn is_common_word(folded: &str) -> bool {
    crate::text::is_stopword(folded) || COMMON_WORDS.contains(&folded)
}

/// Whether word `i`, written like a common-word alias ("He"), stands where a name stands: after
/// a title or honorific ("Vice Premier He", "Mr He"), or inside a sentence, not at its start
/// (where any word is capitalised: "He said" is the pronoun) nor right after an opening quote,
/// bracket, colon or dash. A month-named alias is not taken where the month is meant ("in May",
/// "May 8").
/// `text` is what `words` were cut from, when known: without it, words are taken to be separated
/// by plain spaces.
fn placed_like_a_name(text: Option<&str>, words: &[Word<'_>], i: usize) -> bool {
    let folded = words[i].folded();
    let is_month = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
    .contains(&folded.as_str());
    if is_month {
        let before_date = i > 0 && DATE_PREPOSITIONS.contains(&words[i - 1].folded().as_str());
        let number_after = words
            .get(i + 1)
            .is_some_and(|w| w.text.starts_with(|c: char| c.is_ascii_digit()));
        if before_date || number_after {
            return false;
        }
    }
    let Some(previous) = i.checked_sub(1).map(|p| &words[p]) else {
        return false;
    };
    if TITLES.contains(&previous.text) || HONORIFICS.contains(&previous.text) {
        return true;
    }
    let gap = text
        .and_then(|t| t.get(previous.end()..words[i].start))
        .unwrap_or(" ");
    let opens_a_sentence = gap
        .contains(['.', '!', '?', ':', ';', '"', '“', '‘', '(', '[', '—', '–'])
        || gap.contains(" - ");
    !opens_a_sentence
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
                let words: Vec<String> = spans.iter().map(Word::folded).collect();
                let common = (words.len() == 1 && is_common_word(&words[0]))
                    .then(|| spans[0].text.to_string());
                aliases.push(Alias {
                    words,
                    capitals: spans.iter().map(Word::is_capitalised).collect(),
                    common,
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
        self.find_in_text(text, &words, &folded.as_strs())
    }

    /// [`ActorMatcher::find`] over words already cut and folded (`folded[i]` is
    /// `words[i].folded()`), for callers that need the words for other matchers too. Without
    /// the text, a common-word alias ("He") is judged by its place among the words only; prefer
    /// [`ActorMatcher::find_in_text`], which also sees the punctuation before it.
    pub fn find_in(&self, words: &[Word<'_>], folded: &[&str]) -> Vec<String> {
        self.find_names(None, words, folded)
    }

    /// [`ActorMatcher::find_in`] with the text the words were cut from.
    pub fn find_in_text(&self, text: &str, words: &[Word<'_>], folded: &[&str]) -> Vec<String> {
        self.find_names(Some(text), words, folded)
    }

    fn find_names(&self, text: Option<&str>, words: &[Word<'_>], folded: &[&str]) -> Vec<String> {
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
            if alias.matches_at(text, words, folded, i) {
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
        let folded: Vec<&str> = folded.iter().map(String::as_str).collect();
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
                if alias.matches_at(Some(text), &words, &folded, i) {
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

    /// A matcher over the trade story's config, whose "He Lifeng" has the alias "He".
    fn trade_matcher() -> ActorMatcher {
        let text = std::fs::read_to_string("config/trade.toml").expect("config/trade.toml");
        let config = Config::parse(&text, std::path::Path::new("config/trade.toml"))
            .expect("the trade config parses");
        ActorMatcher::new(&config)
    }

    #[test]
    fn a_common_word_alias_counts_only_where_a_name_stands() {
        let m = trade_matcher();
        let he = |text: &str| m.find(text).contains(&"He Lifeng".to_string());
        for text in [
            "Speaking after the summit, He said the two teams would now work out the details.",
            "The talks were led by Bessent for the US side and by He for China.",
            "Bessent met Vice Premier He in Geneva.",
            "Officials said Mr He would travel to London.",
            "Vice Premier He Lifeng led the delegation.",
            "HE LIFENG ARRIVES IN GENEVA",
        ] {
            assert!(he(text), "{text}");
        }
        for text in [
            "He described the meeting as amazing.",
            "he said the talks went well",
            "Trump said: He is a tough negotiator.",
            "Trump told reporters that \"He is a tough negotiator\".",
            "Asked about it, he said nothing.",
            "Officials said HE would travel.",
        ] {
            assert!(!he(text), "{text}");
        }
        // An acronym that is a common word needs its capitals only, wherever it stands.
        let ukraine = matcher();
        assert_eq!(
            ukraine.find("US officials met in Jeddah."),
            ["United States"]
        );
        assert_eq!(
            ukraine.find("Let us see; Us and them."),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_month_named_alias_is_not_the_month() {
        let config = Config::parse(
            "[[actor]]\nname = \"Theresa May\"\naliases = [\"May\"]\n",
            std::path::Path::new("may.toml"),
        )
        .expect("parses");
        let m = ActorMatcher::new(&config);
        for text in [
            "The vote was held in May.",
            "Officials met on May 8.",
            "May brought no relief.",
        ] {
            assert!(m.find(text).is_empty(), "{text}");
        }
        assert_eq!(
            m.find("Brexit talks, May said, were over."),
            ["Theresa May"]
        );
        assert_eq!(m.find("Prime Minister May resigned."), ["Theresa May"]);
    }

    #[test]
    fn bodies_list_their_members() {
        assert!(matcher().members_of("Russia").contains(&"Vladimir Putin"));
    }
}
