//! Sentence splitting for news prose: not fooled by "U.S.", "Feb.", "Mr", initials, decimals,
//! or full stops inside quotes.
//!
//! A hand-written scanner: at every run of terminators (`.`, `?`, `!`, `…`) plus any closing
//! quotes/brackets, it decides from the word before and the word after whether a sentence ends.
//! A blank line inside the text is always a break. Slices are taken only at char boundaries,
//! so any UTF-8 input is safe.

/// Splits a paragraph into sentences, returned as trimmed slices of `text` in order.
///
/// A quotation of several sentences stays one sentence with its attribution
/// (`"We are ready. Talks start today," Yermak said.`): it is one claim by one speaker, and
/// splitting it would leave sentences with no one saying them.
pub fn split_sentences(text: &str) -> Vec<&str> {
    let quotes = quote_spans(text);
    let inside_quote = |at: usize| quotes.iter().any(|&(open, close)| open < at && at <= close);
    let mut out = Vec::new();
    let mut start = 0;
    // Byte offset up to which chars were already consumed as part of a terminator run.
    let mut skip_to = 0;
    for (i, c) in text.char_indices() {
        if i < skip_to {
            continue;
        }
        match c {
            '.' | '?' | '!' | '…' => {
                let run_end = i + span_len(&text[i..], is_terminator);
                let close_end = run_end + span_len(&text[run_end..], is_closer);
                skip_to = close_end;
                if !inside_quote(close_end) && ends_sentence(text, i, run_end, close_end) {
                    push(&mut out, &text[start..close_end]);
                    start = close_end;
                }
            }
            '\n' => {
                // A blank line is a paragraph break, whatever precedes it.
                let rest = &text[i + 1..];
                let blank = rest.trim_start_matches([' ', '\t', '\r']);
                if blank.starts_with('\n') {
                    push(&mut out, &text[start..i]);
                    start = i + 1;
                }
            }
            _ => {}
        }
    }
    push(&mut out, &text[start..]);
    out
}

/// Joins an answer of a few words at the start of `text` ("Not yet.", "No.", "In part.") to the
/// sentence after it: an answer that short means nothing alone, and its negation belongs to
/// what follows. `parts` are slices of `text` in order, as [`split_sentences`] returns them.
pub fn join_fragments<'t>(text: &'t str, parts: Vec<&'t str>) -> Vec<&'t str> {
    const FRAGMENT_WORDS: usize = 3;
    let offset = |s: &str| s.as_ptr() as usize - text.as_ptr() as usize;
    let mut out: Vec<&'t str> = Vec::with_capacity(parts.len());
    let mut pending: Option<usize> = None;
    for (i, part) in parts.into_iter().enumerate() {
        let start = pending.take().unwrap_or_else(|| offset(part));
        let joined = &text[start..offset(part) + part.len()];
        if i == 0 && part.split_whitespace().count() <= FRAGMENT_WORDS && !part.ends_with('?') {
            pending = Some(start);
            continue;
        }
        out.push(joined);
    }
    if let Some(start) = pending {
        out.push(text[start..].trim_end());
    }
    out
}

/// Byte ranges `(open, close)` of balanced double quotations: straight quotes pair up in
/// order, curly ones open with “ and close with ”. An unclosed quotation yields no span, so a
/// stray quote mark cannot swallow the rest of a paragraph.
fn quote_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match (c, open) {
            ('"', None) | ('“', None) => open = Some(i),
            ('"', Some(o)) | ('”', Some(o)) => {
                spans.push((o, i));
                open = None;
            }
            _ => {}
        }
    }
    spans
}

fn push<'a>(out: &mut Vec<&'a str>, piece: &'a str) {
    let t = piece.trim();
    if !t.is_empty() {
        out.push(t);
    }
}

fn is_terminator(c: char) -> bool {
    matches!(c, '.' | '?' | '!' | '…')
}

fn is_closer(c: char) -> bool {
    matches!(c, '"' | '”' | '’' | '\'' | ')' | ']' | '»')
}

fn is_opener(c: char) -> bool {
    matches!(c, '"' | '“' | '‘' | '\'' | '(' | '[' | '«')
}

/// Byte length of the leading run of chars satisfying `f`.
fn span_len(s: &str, f: fn(char) -> bool) -> usize {
    s.char_indices()
        .find(|&(_, c)| !f(c))
        .map_or(s.len(), |(i, _)| i)
}

/// What the word before a full stop says about the stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Before {
    /// An ordinary word: the stop ends the sentence if a capital follows.
    Word,
    /// A title or similar that always precedes a name or number ("Mr.", "Gen.", "e.g.").
    Title,
    /// A single capital letter: an initial ("John F. Kennedy").
    Initial,
    /// Could end a sentence or not ("U.S.", "Inc.", "Feb.", an ellipsis): split only before a
    /// typical sentence opener.
    Ambiguous,
}

/// Abbreviations that come before a name or number and never end a sentence.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "gen", "sen", "rep", "gov", "lt", "col", "sgt", "capt", "maj",
    "adm", "prof", "rev", "hon", "pres", "mt", "ft", "gens", "sens", "reps", "govs", "cmdr",
    "brig", "supt", "messrs", "vs", "v", "cf", "e.g", "i.e", "approx", "nos", "fig", "amb",
];

/// Abbreviations that often sit mid-sentence but can also end one.
const AMBIGUOUS: &[&str] = &[
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc",
    "corp", "co", "ltd", "jr", "sr", "etc", "no", "bros", "al",
];

/// Words that typically open a sentence: after an ambiguous abbreviation ("... with the U.S.
/// The talks ...") they mark a break; other capitalized words ("U.S. President") do not.
const STARTERS: &[&str] = &[
    "a",
    "an",
    "the",
    "he",
    "she",
    "it",
    "they",
    "we",
    "i",
    "you",
    "his",
    "her",
    "its",
    "their",
    "our",
    "my",
    "this",
    "that",
    "these",
    "those",
    "there",
    "here",
    "in",
    "on",
    "at",
    "by",
    "for",
    "from",
    "with",
    "without",
    "after",
    "before",
    "during",
    "since",
    "until",
    "when",
    "while",
    "where",
    "why",
    "how",
    "what",
    "who",
    "which",
    "as",
    "but",
    "and",
    "or",
    "yet",
    "so",
    "if",
    "although",
    "though",
    "however",
    "meanwhile",
    "earlier",
    "later",
    "last",
    "next",
    "yesterday",
    "today",
    "tomorrow",
    "tonight",
    "some",
    "many",
    "most",
    "several",
    "both",
    "each",
    "all",
    "one",
    "two",
    "three",
    "officials",
    "according",
    "asked",
    "speaking",
    "under",
    "despite",
    "also",
    "still",
    "then",
    "now",
    "separately",
    "instead",
    "such",
    "other",
    "neither",
    "only",
    "even",
    "more",
    "once",
    "over",
    "because",
    "unlike",
    "like",
    "not",
    "no",
    "nor",
    "to",
    "further",
    "moreover",
    "overall",
    "indeed",
    "later",
    "let",
];

/// Decides whether the terminator run `text[run_start..run_end]`, followed by closing quotes up
/// to `close_end`, ends a sentence.
fn ends_sentence(text: &str, run_start: usize, run_end: usize, close_end: usize) -> bool {
    let rest = &text[close_end..];
    let after = rest.trim_start();
    if after.is_empty() {
        return true;
    }
    // No space after the stop: "2.5", "U.S.-led", "e.g.,", "Yahoo!News".
    if after.len() == rest.len() {
        return false;
    }
    let mut chars = after.chars();
    let first = chars.next().unwrap_or(' ');
    let opens = is_opener(first);
    let lead = if opens { chars.next() } else { Some(first) };
    let Some(lead) = lead else { return false };
    // A lowercase word (or a comma, dash ...) continues the sentence: `"Why?" he asked.`
    if !lead.is_alphanumeric() || lead.is_lowercase() {
        return false;
    }
    let run = &text[run_start..run_end];
    let closed = close_end > run_end;
    let question = run.contains(['?', '!']);
    // Outside quotes "?" and "!" always end a sentence before a capital.
    if question && !closed {
        return true;
    }
    let ellipsis = !question && (run.contains('…') || run.len() >= 2);
    let class = if question || ellipsis {
        // `"Why?" Trump asked.` and `"We will see..." Trump said.` go on; `"Why?" He left.`
        // does not.
        Before::Ambiguous
    } else {
        classify(word_before(text, run_start))
    };
    match class {
        Before::Title | Before::Initial => false,
        // `... peace." He said`, `... over." Zelensky left`: a full stop before a closing
        // quote ends the sentence.
        Before::Word => true,
        _ if closed && !question && !ellipsis => true,
        Before::Ambiguous => {
            if opens {
                return true;
            }
            if lead.is_numeric() {
                return false; // "Feb. 28", "No. 10"
            }
            let next_word = &after[..span_len(after, char::is_alphabetic)];
            STARTERS.iter().any(|s| s.eq_ignore_ascii_case(next_word))
        }
    }
}

/// The whitespace-delimited word ending at byte `end`, without leading quotes or brackets.
fn word_before(text: &str, end: usize) -> &str {
    let head = &text[..end];
    let start = head
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    head[start..].trim_start_matches(|c: char| !c.is_alphanumeric())
}

fn classify(word: &str) -> Before {
    if word.is_empty() {
        return Before::Word;
    }
    let mut chars = word.chars();
    let first = chars.next().unwrap_or(' ');
    if chars.next().is_none() && first.is_alphabetic() && first.is_uppercase() {
        return Before::Initial;
    }
    if TITLES.iter().any(|t| t.eq_ignore_ascii_case(word)) {
        return Before::Title;
    }
    if AMBIGUOUS.iter().any(|t| t.eq_ignore_ascii_case(word)) {
        return Before::Ambiguous;
    }
    // Dotted acronyms: "U.S", "U.K", "D.C", "a.m", "J.D".
    if word.contains('.') && word.chars().all(|c| c.is_alphabetic() || c == '.') {
        return Before::Ambiguous;
    }
    Before::Word
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<&str> {
        split_sentences(s)
    }

    /// Body paragraphs of an article file (front matter dropped when present).
    fn paragraphs(path: &str) -> Vec<String> {
        let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{path}: {e}"));
        let body = match text.strip_prefix("---\n") {
            Some(rest) => rest
                .split_once("\n---\n")
                .map(|(_, b)| b.to_string())
                .unwrap(),
            None => text,
        };
        body.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    }

    fn count(path: &str) -> (usize, Vec<usize>) {
        let per: Vec<usize> = paragraphs(path).iter().map(|p| split(p).len()).collect();
        (per.iter().sum(), per)
    }

    #[test]
    fn article_sentence_counts_match_facts() {
        // The FACTS.md table counts sentences of the body; several paragraphs hold two
        // sentences, so the counts are not lines.
        let cases = [
            (
                "tests/data/dev/a1-2025-03-04-us-pauses-military-aid.txt",
                10,
                8,
            ),
            (
                "tests/data/dev/a2-2025-03-12-jeddah-talks-ceasefire.txt",
                11,
                9,
            ),
            ("tests/data/dev/a3-2025-03-19-trump-putin-call.txt", 11, 9),
            (
                "tests/data/dev/a4-2025-04-18-memorandum-of-intent.txt",
                10,
                9,
            ),
            (
                "tests/data/dev/a5-2025-05-01-minerals-deal-signed.txt",
                12,
                11,
            ),
            ("tests/data/dev/a6-2025-05-09-rada-ratifies-deal.txt", 10, 9),
        ];
        for (path, sentences, lines) in cases {
            let (n, per) = count(path);
            assert_eq!(n, sentences, "{path}: {per:?}");
            assert_eq!(per.len(), lines, "{path}");
        }
    }

    #[test]
    fn seed_sentence_counts() {
        let (n, per) = count("seeds/000_586a47ec60a85a45.txt");
        // The fifth paragraph is a quote of three sentences with its attribution: one claim.
        assert_eq!(per, vec![1; 13]);
        assert_eq!(n, 13);
        let p = &paragraphs("seeds/000_586a47ec60a85a45.txt")[4];
        let s = split(p);
        assert!(s[0].starts_with("\"Everyone can see"));
        assert!(s[0].ends_with("There is a positive movement,\" Zelensky said."));
    }

    #[test]
    fn sentences_are_slices_in_order() {
        for path in [
            "seeds/000_586a47ec60a85a45.txt",
            "tests/data/dev/a2-2025-03-12-jeddah-talks-ceasefire.txt",
            "tests/data/dev/a5-2025-05-01-minerals-deal-signed.txt",
        ] {
            for p in paragraphs(path) {
                let joined: String = split(&p).concat();
                let squeezed: String = p.chars().filter(|c| !c.is_whitespace()).collect();
                assert_eq!(
                    joined
                        .chars()
                        .filter(|c| !c.is_whitespace())
                        .collect::<String>(),
                    squeezed
                );
            }
        }
    }

    #[test]
    fn basic_and_empty() {
        assert!(split("").is_empty());
        assert!(split("   \n ").is_empty());
        assert_eq!(
            split("One. Two! Three? Four"),
            vec!["One.", "Two!", "Three?", "Four"]
        );
        assert_eq!(split("  Padded.  "), vec!["Padded."]);
        assert_eq!(
            split("Para one\n\nPara two."),
            vec!["Para one", "Para two."]
        );
    }

    #[test]
    fn country_abbreviations() {
        assert_eq!(split("U.S. President Donald Trump spoke.").len(), 1);
        assert_eq!(split("The U.K. and the U.N. agreed.").len(), 1);
        assert_eq!(
            split("Kyiv signed a deal with the U.S. The talks ended."),
            vec!["Kyiv signed a deal with the U.S.", "The talks ended."]
        );
        assert_eq!(split("Talks in Washington, D.C. He left.").len(), 2);
        assert_eq!(split("The U.S.-brokered truce held.").len(), 1);
    }

    #[test]
    fn month_abbreviations() {
        assert_eq!(split("They met on Feb. 28 in the Oval Office.").len(), 1);
        assert_eq!(
            split("On Jan. 5 and Sept. 3 they met. Then they left.").len(),
            2
        );
        assert_eq!(split("Talks set for Dec. The plan failed.").len(), 2);
    }

    #[test]
    fn titles_never_split() {
        for s in [
            "Mr. Smith met Mrs. Jones and Dr. Brown.",
            "Gen. Valery Zaluzhny visited St. Petersburg.",
            "Sen. Graham, Rep. Wilson, Gov. Newsom and Lt. Col. Vindman spoke.",
            "He lives at No. 10 Downing Street.",
            "Kennedy vs. Nixon was close.",
            "Allies, e.g. Poland, and donors, i.e. Germany, paid.",
            "Apple Inc. said Acme Corp. and Martin Luther King Jr. Day were fine.",
        ] {
            assert_eq!(split(s), vec![s], "{s}");
        }
    }

    #[test]
    fn initials_and_numbers() {
        assert_eq!(split("Vice President J. D. Vance spoke.").len(), 1);
        assert_eq!(split("John F. Kennedy was president.").len(), 1);
        assert_eq!(split("JD Vance and J.D. Salinger met.").len(), 1);
        assert_eq!(split("Growth was 2.5 percent. Prices rose.").len(), 2);
        assert_eq!(
            split("It cost $1.5 billion in 2024. Officials said so.").len(),
            2
        );
        assert_eq!(split("At 5 p.m. Moscow time they met.").len(), 1);
    }

    #[test]
    fn ellipses() {
        assert_eq!(split("He said... nothing at all.").len(), 1);
        assert_eq!(split("He paused… Ukraine waited.").len(), 1);
        assert_eq!(split("He paused... The room was silent.").len(), 2);
    }

    #[test]
    fn quotes() {
        let one = "\"We discussed further steps towards a just and lasting peace,\" he wrote.";
        assert_eq!(split(one), vec![one]);
        assert_eq!(split("\"It is over.\" He left.").len(), 2);
        assert_eq!(split("\"Why?\" he asked. \"Because.\"").len(), 2);
        assert_eq!(split("“It is over.” He left.").len(), 2);
        assert_eq!(split("‘It is over.’ She left.").len(), 2);
        assert_eq!(split("He said “no.” and left.").len(), 1);
        assert_eq!(split("He said it. \"Now we wait,\" he added.").len(), 2);
        assert_eq!(split("(See the statement.) Talks resume.").len(), 2);
        assert_eq!(split("\"It is over.\" Zelensky left.").len(), 2);
        assert_eq!(split("\"Is it over?\" Trump asked.").len(), 1);
        assert_eq!(split("\"Is it over?\" He left.").len(), 2);
        assert_eq!(split("\"We will see...\" Trump said.").len(), 1);
        assert_eq!(split("Is it over? Trump asked nobody.").len(), 2);
        assert_eq!(
            split("\"It was made in the U.S.\" The crowd cheered.").len(),
            2
        );
    }

    #[test]
    fn random_punctuation_salad_never_panics() {
        const PIECES: &[&str] = &[
            "U.S.", " ", "The", ".", "?", "!", "…", "\"", "”", "’", "'", "(", ")", "Mr.", "é",
            "日", "\n", "\n\n", "2.5", "he", "J.", "Feb.", "...", ",", "Ж", "\t", "—",
        ];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut text = String::new();
        for round in 0..5000 {
            text.clear();
            for _ in 0..(round % 23 + 1) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                text.push_str(PIECES[(x % PIECES.len() as u64) as usize]);
            }
            // Sentences are non-empty, trimmed, in order and together hold every non-space char.
            let parts = split(&text);
            let mut last_end = 0;
            for p in &parts {
                let off = p.as_ptr() as usize - text.as_ptr() as usize;
                assert!(
                    off >= last_end && !p.is_empty() && p.trim() == *p,
                    "{text:?}"
                );
                last_end = off + p.len();
            }
            let kept: usize = parts
                .iter()
                .map(|p| p.chars().filter(|c| !c.is_whitespace()).count())
                .sum();
            assert_eq!(
                kept,
                text.chars().filter(|c| !c.is_whitespace()).count(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn multibyte_text_never_panics() {
        assert_eq!(
            split("Зеленський сказав. Україна готова."),
            vec!["Зеленський сказав.", "Україна готова."]
        );
        assert_eq!(split("日本語の文。 ずっと。").len(), 1);
        assert_eq!(split("Café… Ёлка. Ünïcödé!").len(), 2);
        for s in [
            "…",
            ".",
            "?!",
            "\"",
            "’.",
            ". .",
            "a.’’ B",
            "é.",
            "\u{0}.\u{0}",
            "x.\u{2003}Y",
            "…\n\n…",
        ] {
            let _ = split(s);
        }
        // Every byte offset prefix of a messy string.
        let messy = "“Mr. É. Ünö’s U.S.…” — Ж.  ? ! 2.5 ‘x.’ Ω.";
        for (i, _) in messy.char_indices() {
            let _ = split(&messy[..i]);
            let _ = split(&messy[i..]);
        }
    }
}
