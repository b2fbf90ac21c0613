//! Word-level text helpers shared by indexing and question answering, so that both sides cut
//! and fold words the same way.

use std::collections::HashSet;

use crate::fnv::FnvBuildHasher;

/// Words too common to index or search on.
const STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "been", "before", "being", "between", "both", "but", "by", "can", "could", "did", "do",
    "does", "doing", "during", "each", "for", "from", "had", "has", "have", "having", "he", "her",
    "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself",
    "just", "me", "more", "most", "my", "no", "nor", "not", "now", "of", "off", "on", "once",
    "only", "or", "other", "our", "out", "over", "own", "same", "she", "should", "so", "some",
    "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what",
    "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you",
    "your", "yet", "said", "says", "say", "tell", "told", "me", "us", "s", "t", "mr", "ms", "mrs",
    "many", "much", "whose", "get", "got", "ever", "still", "already",
];

/// Splits text into lowercase words (letters, digits, inner apostrophes and hyphens kept out).
/// "U.S." becomes "us"; "50%" becomes "50"; "Zelensky's" becomes "zelensky".
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, |w| out.push(w.to_string()));
    out
}

/// Calls `f` with each of [`words`]' words in order, through two reused buffers instead of
/// several new strings per word: term extraction runs on every event at ingest and on every
/// candidate event a question checks.
fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    let mut cleaned = String::new();
    let mut word = String::new();
    for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '.')) {
        cleaned.clear();
        cleaned.extend(
            raw.trim_matches(|c: char| c == '\'' || c == '’' || c == '.')
                .chars()
                .filter(|c| *c != '.'),
        );
        let base = cleaned
            .strip_suffix("'s")
            .or_else(|| cleaned.strip_suffix("’s"))
            .unwrap_or(&cleaned);
        word.clear();
        word.extend(base.chars().filter(|c| c.is_alphanumeric()));
        if word.is_empty() {
            continue;
        }
        if word.is_ascii() {
            word.make_ascii_lowercase();
            f(&word);
        } else {
            // `str::to_lowercase`, not per-char folding: it knows a word-final sigma.
            f(&word.to_lowercase());
        }
    }
}

pub fn is_stopword(word: &str) -> bool {
    static SET: std::sync::OnceLock<HashSet<&'static str, FnvBuildHasher>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| STOPWORDS.iter().copied().collect())
        .contains(word)
}

/// A light suffix-folding stemmer: enough to meet "signed"/"signing"/"signs" and
/// "proposals"/"proposal" on one key, not a linguistic stemmer.
pub fn stem(word: &str) -> String {
    let w = word;
    if w.chars().any(is_cyrillic) {
        return stem_cyrillic(w);
    }
    if w.len() <= 3 || w.chars().any(|c| c.is_ascii_digit()) {
        return w.to_string();
    }
    for (suffix, replacement, min_stem) in [
        ("ations", "ate", 3),
        ("ation", "ate", 3),
        ("ies", "y", 3),
        ("ied", "y", 3),
        ("ing", "", 3),
        ("ed", "", 3),
        ("es", "", 4),
        ("s", "", 3),
    ] {
        if let Some(base) = w.strip_suffix(suffix) {
            if base.chars().count() >= min_stem && !w.ends_with("ss") {
                let mut b = base.to_string();
                // "stalled" → "stall", "planned" → "plan": fold a doubled final consonant.
                let bytes = b.as_bytes();
                if (suffix == "ed" || suffix == "ing")
                    && bytes.len() >= 2
                    && bytes[bytes.len() - 1] == bytes[bytes.len() - 2]
                    && !matches!(bytes[bytes.len() - 1], b'l' | b's' | b'z')
                {
                    b.pop();
                }
                // "ratified" → "ratify"-like keys: "ratif"; "signed" → "sign".
                b.push_str(replacement);
                return b;
            }
        }
    }
    w.to_string()
}

/// Past-tense verbs that do not end in "-ed".
pub const IRREGULAR_PAST: &[&str] = &[
    "was", "were", "came", "took", "went", "met", "held", "began", "won", "lost", "made", "gave",
    "set", "left", "sent", "said", "told", "agreed", "brought", "fell", "struck", "broke", "spoke",
    "became", "saw", "put", "cut", "paid", "led", "found", "kept", "signed",
];

/// The grammatical form of an English word, as far as its ending tells: what separates "ratified"
/// (it happened) from "ratify" and "ratifies" (a plan, a rule, a headline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Base,
    /// "-s": third person present, or a plural noun.
    Third,
    /// "-ed" or an irregular past.
    Past,
    /// "-ing".
    Gerund,
}

/// The [`Form`] of a folded word.
pub fn form(word: &str) -> Form {
    if word.chars().any(is_cyrillic) {
        // Ukrainian past tense: "ратифікував", "підписала", "набуло", "підписали". Nouns and
        // infinitives ("ратифікацію", "ратифікувати") are the base form.
        let past = word.chars().count() > 4
            && ["ав", "ив", "ів", "ла", "ло", "ли"]
                .iter()
                .any(|e| word.ends_with(e));
        return if past { Form::Past } else { Form::Base };
    }
    if word.len() > 4 && word.ends_with("ing") {
        Form::Gerund
    } else if (word.len() > 3 && word.ends_with("ed")) || IRREGULAR_PAST.contains(&word) {
        Form::Past
    } else if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
        Form::Third
    } else {
        Form::Base
    }
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// Ukrainian (and Russian) endings, longest first: case endings of nouns and adjectives, verb
/// endings of the past and the infinitive.
const CYRILLIC_ENDINGS: &[&str] = &[
    "ування",
    "ювання",
    "ання",
    "ення",
    "іння",
    "ості",
    "ість",
    "істю",
    "ами",
    "ями",
    "ого",
    "ому",
    "ими",
    "іми",
    "ій",
    "ий",
    "ої",
    "ою",
    "ею",
    "ах",
    "ях",
    "ів",
    "ям",
    "ам",
    "ом",
    "ем",
    "их",
    "іх",
    "ла",
    "ло",
    "ли",
    "ти",
    "ть",
    "ав",
    "ив",
    "ов",
    "ые",
    "ый",
    "ая",
    "а",
    "я",
    "о",
    "е",
    "у",
    "ю",
    "і",
    "и",
    "ї",
    "ь",
    "й",
    "в",
    "ы",
];

/// A light stemmer for Cyrillic words: drops the reflexive "ся", one ending (keeping three
/// letters), and keeps at most six letters, so "ратифікувала", "ратифікацію" and "ратифікував"
/// meet on one key, as do "угода", "угоду" and "угоди".
fn stem_cyrillic(word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() > 5 && (word.ends_with("ся") || word.ends_with("сь")) {
        chars.truncate(chars.len() - 2);
    }
    if chars.len() > 3 {
        let w: String = chars.iter().collect();
        if let Some(end) = CYRILLIC_ENDINGS
            .iter()
            .find(|e| w.ends_with(*e) && chars.len() - e.chars().count() >= 3)
        {
            chars.truncate(chars.len() - end.chars().count());
        }
    }
    chars.truncate(6);
    chars.into_iter().collect()
}

/// The index terms of a text: words without stopwords, stemmed, deduplicated, in order.
pub fn terms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for_each_word(text, |w| {
        if is_stopword(w) {
            return;
        }
        let s = stem(w);
        if !out.contains(&s) {
            out.push(s);
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_fold_abbreviations_and_possessives() {
        assert_eq!(
            words("U.S. President Zelensky's aide, 50%"),
            ["us", "president", "zelensky", "aide", "50"]
        );
    }

    /// `words` as first written (a new string per step): the buffered version must agree.
    fn words_plain(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for raw in text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '.'))
        {
            let cleaned: String = raw
                .trim_matches(|c: char| c == '\'' || c == '’' || c == '.')
                .chars()
                .filter(|c| *c != '.')
                .collect();
            let word = cleaned
                .strip_suffix("'s")
                .or_else(|| cleaned.strip_suffix("’s"))
                .unwrap_or(&cleaned);
            let word: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
            if !word.is_empty() {
                out.push(word.to_lowercase());
            }
        }
        out
    }

    #[test]
    fn buffered_words_agree_with_the_plain_version() {
        let texts = [
            "ΟΔΥΣΣΕΥΣ said. ΣΙΣΥΦΟΣ's rock",
            "İstanbul DİYARBAKIR ǅemal",
            "Zelensky’s aide's 'quoted' ...dots... U.S.-Ukraine 50% e.g. Mr. X",
            "Ünïcödé wörds, 日本語 テキスト, عربى, émigré's café",
            "'s ’s .'s '' . ’",
            "",
        ];
        for t in texts {
            assert_eq!(words(t), words_plain(t), "{t:?}");
        }
        for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds")).unwrap() {
            let path = entry.unwrap().path();
            if let Ok(text) = std::fs::read_to_string(&path) {
                assert_eq!(words(&text), words_plain(&text), "{}", path.display());
            }
        }
    }

    #[test]
    fn stems_meet_on_one_key() {
        assert_eq!(stem("signed"), stem("signing"));
        assert_eq!(stem("proposals"), stem("proposal"));
        assert_eq!(stem("stalled"), "stall");
        assert_eq!(stem("ratified"), stem("ratifies"));
        for (a, b) in [
            ("ратифікувала", "ратифікацію"),
            ("угода", "угоду"),
            ("чинності", "чинність"),
            ("підписав", "підписали"),
            ("рада", "раду"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} {b}");
        }
    }
}

/// A word of a text with its byte offset: letters, digits and inner apostrophes or periods
/// ("U.S.", "Zelensky's"), without surrounding punctuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'a> {
    pub start: usize,
    pub text: &'a str,
}

impl Word<'_> {
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }
    /// Lowercase form without possessive "'s" and periods ("U.S." → "us").
    pub fn folded(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        self.fold_into(&mut out);
        out
    }
    /// Appends [`Word::folded`] to `out`, so callers folding many words can share one buffer.
    pub fn fold_into(&self, out: &mut String) {
        let t = self.text;
        let t = t
            .strip_suffix("'s")
            .or_else(|| t.strip_suffix("’s"))
            .unwrap_or(t);
        if t.is_ascii() {
            // Nearly every word of an English article is ASCII, where lowercasing is a byte
            // operation; `char::to_lowercase` below gives the same result, only slower.
            out.extend(
                t.bytes()
                    .filter(|b| *b != b'.')
                    .map(|b| char::from(b.to_ascii_lowercase())),
            );
        } else {
            out.extend(t.chars().filter(|c| *c != '.').flat_map(char::to_lowercase));
        }
    }
    pub fn is_capitalised(&self) -> bool {
        self.text.chars().next().is_some_and(char::is_uppercase)
    }
}

/// Splits text into [`Word`]s with their byte offsets.
pub fn word_spans(text: &str) -> Vec<Word<'_>> {
    let is_inner = |c: char| c == '\'' || c == '’' || c == '.' || c == '-';
    // English averages about six bytes a word with its space: reserve once instead of growing.
    let mut out = Vec::with_capacity(text.len() / 6 + 1);
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        // The char after is looked at only for an inner mark inside a word, not for every char.
        let next_is_word = || {
            text[i + c.len_utf8()..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
        };
        if c.is_alphanumeric() || (start.is_some() && is_inner(c) && next_is_word()) {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            // Keep the final period of an abbreviation like "U.S." with the word.
            let end = if c == '.' && text[s..i].contains('.') {
                i + 1
            } else {
                i
            };
            out.push(Word {
                start: s,
                text: &text[s..end],
            });
        }
    }
    if let Some(s) = start {
        out.push(Word {
            start: s,
            text: &text[s..],
        });
    }
    out
}

/// A map keyed by words, for the matchers' per-word lookups. Its hasher is FNV-1a: keys are
/// short words from our own config, so std's DoS-resistant SipHash only costs time here.
pub type WordMap<V> = std::collections::HashMap<String, V, FnvBuildHasher>;

/// The folded forms ([`Word::folded`]) of a run of words, kept in one buffer: matchers that
/// compare every word of a clause fold it once, with two allocations instead of one per word.
pub struct FoldedWords {
    buf: String,
    /// Byte offset in `buf` where each word ends (it starts where the one before ends).
    ends: Vec<usize>,
}

impl FoldedWords {
    pub fn new(words: &[Word<'_>]) -> FoldedWords {
        let mut buf = String::with_capacity(words.iter().map(|w| w.text.len()).sum());
        let mut ends = Vec::with_capacity(words.len());
        for w in words {
            w.fold_into(&mut buf);
            ends.push(buf.len());
        }
        FoldedWords { buf, ends }
    }

    /// The folded words as slices of the buffer, in order.
    pub fn as_strs(&self) -> Vec<&str> {
        let mut start = 0;
        self.ends
            .iter()
            .map(|&end| {
                let w = &self.buf[start..end];
                start = end;
                w
            })
            .collect()
    }
}

#[cfg(test)]
mod folded_words_tests {
    use super::*;

    #[test]
    fn folded_words_match_word_folded() {
        let text = "U.S. President Zelensky’s aide ÉLYSÉE Straße's, İstanbul 50% don't re-sign";
        let words = word_spans(text);
        let expected: Vec<String> = words
            .iter()
            .map(|w| {
                let t = w.text;
                let t = t
                    .strip_suffix("'s")
                    .or_else(|| t.strip_suffix("’s"))
                    .unwrap_or(t);
                t.chars()
                    .filter(|c| *c != '.')
                    .flat_map(char::to_lowercase)
                    .collect()
            })
            .collect();
        let folded = FoldedWords::new(&words);
        assert_eq!(folded.as_strs(), expected);
        assert_eq!(words.iter().map(Word::folded).collect::<Vec<_>>(), expected);
    }
}
