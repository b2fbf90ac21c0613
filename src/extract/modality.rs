//! Modality: is a clause reported as fact, hedged, conditional or future? "Trump may lift the
//! pause" is not a lifting, and "would be signed next Thursday" is not a signing.

use crate::event::Modality;
use std::sync::OnceLock;

use crate::text::{word_spans, FoldedWords, Word, WordMap};

/// Words that hedge: the source is not sure it happened or will.
const HEDGES: &[&str] = &[
    "may",
    "might",
    "could",
    "suggested",
    "suggests",
    "hoped",
    "hopes",
    "hope",
    "believed",
    "believes",
    "reportedly",
    "possibly",
    "perhaps",
    "likely",
    "unlikely",
    "appeared",
    "seemed",
    "rumoured",
    "rumored",
    "allegedly",
    "uncertain",
    // Ukrainian: may, possibly, probably, allegedly, hopes.
    "може",
    "можуть",
    "можливо",
    "ймовірно",
    "нібито",
    "сподівається",
    "сподіваються",
];

/// Words that make it depend on something else.
const CONDITIONS: &[&str] = &[
    "if", "once", "provided", "unless", "depend", "depends", "until",
    // Ukrainian: if, provided that.
    "якщо", "якби",
];
const CONDITION_PHRASES: &[&str] = &[
    "subject to",
    "on condition that",
    "as long as",
    "only after",
    "only when",
    "only once",
    "only if",
];

/// Words and phrases that put it in the future: planned, predicted, scheduled.
const FUTURE: &[&str] = &[
    // Obligation: what must happen has not happened yet.
    "must",
    "should",
    "ought",
    "will",
    "would",
    "shall",
    "predicted",
    "predicts",
    "forecast",
    "soon",
    "upcoming",
    "pledged",
    "promised",
    "intends",
    "plans",
    "aiming",
    "aims",
    "expected",
    "expects",
    "scheduled",
    "tomorrow",
    "'ll",
    // Ukrainian: will be, will take place, plans, is expected, intends, soon.
    "буде",
    "будуть",
    "відбудеться",
    "відбудуться",
    "планує",
    "планують",
    "очікується",
    "очікують",
    "збирається",
    "незабаром",
];
const FUTURE_PHRASES: &[&str] = &[
    "yet to",
    "going to",
    "to follow",
    "still need",
    "still needs",
    "must still",
    "next week",
    "next month",
    "next year",
    "in the coming",
    "as soon as possible",
    "is to",
    "are to",
    "still had to",
    "still has to",
    "still have to",
    "have yet to",
    "has yet to",
    "is due",
    "are due",
    "was due",
    "were due",
    "is set to",
    "are set to",
    "is poised to",
    "in the coming",
];

/// Words before a noun: a cue word right after one is used as a noun or adjective.
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "its", "their", "his", "her", "our", "your", "this", "these", "those",
];

/// Verbs after which "that" opens what was said (the content's modality counts), as opposed to
/// a relative clause describing a noun ("a fund that will be financed"), whose modal words say
/// nothing about whether the main event happened.
const REPORTING: &[&str] = &[
    "said",
    "says",
    "told",
    "suggested",
    "predicted",
    "believed",
    "believes",
    "hoped",
    "insisted",
    "stressed",
    "added",
    "announced",
    "confirmed",
    "warned",
    "indicated",
    "claimed",
    "argued",
    "noted",
    "stated",
    "reported",
    "wrote",
    "agreed",
    "expected",
    "promised",
    "pledged",
    // Ukrainian: said, stated, reported.
    "заявив",
    "заявила",
    "заявили",
    "сказав",
    "сказала",
    "повідомив",
    "повідомила",
    "повідомили",
];

// Which of the word lists above a word is in, as bits: one lookup per word instead of
// comparing it with every entry of every list.
const HEDGE: u8 = 1;
const CONDITION: u8 = 2;
const FUTURE_WORD: u8 = 4;
const REPORTING_VERB: u8 = 8;

fn word_class(word: &str) -> u8 {
    static CLASSES: OnceLock<WordMap<u8>> = OnceLock::new();
    let classes = CLASSES.get_or_init(|| {
        let mut map = WordMap::default();
        for (list, bit) in [
            (HEDGES, HEDGE),
            (CONDITIONS, CONDITION),
            (FUTURE, FUTURE_WORD),
            (REPORTING, REPORTING_VERB),
        ] {
            for w in list {
                *map.entry(w.to_string()).or_default() |= bit;
            }
        }
        map
    });
    classes.get(word).copied().unwrap_or(0)
}

/// Which of CONDITION_PHRASES and FUTURE_PHRASES occur in `kept`, as [`word_class`] bits. A
/// phrase occurs as a run of the words. (Folded words hold no spaces, so this is the same as
/// finding " phrase " in the words joined by spaces, without building that text.)
fn phrase_classes(kept: &[&str]) -> u8 {
    type Phrases = WordMap<Vec<(Vec<&'static str>, u8)>>;
    // The phrases as words, by their first word: each word of the clause looks up the few
    // phrases that can start there instead of every phrase being tried at every word.
    static PHRASES: OnceLock<Phrases> = OnceLock::new();
    let phrases = PHRASES.get_or_init(|| {
        let mut map = Phrases::default();
        for (list, bit) in [
            (CONDITION_PHRASES, CONDITION),
            (FUTURE_PHRASES, FUTURE_WORD),
        ] {
            for p in list {
                let words: Vec<&'static str> = p.split(' ').collect();
                map.entry(words[0].to_string())
                    .or_default()
                    .push((words, bit));
            }
        }
        map
    });
    let mut classes = 0;
    for (i, w) in kept.iter().enumerate() {
        for (words, bit) in phrases.get(*w).into_iter().flatten() {
            if kept.get(i..i + words.len()) == Some(words.as_slice()) {
                classes |= bit;
            }
        }
    }
    classes
}

/// Classifies a clause. Hedges win over conditions, conditions over the future: "may lift the
/// pause once talks are arranged" is first of all uncertain.
pub fn classify(clause: &str) -> Modality {
    let words = word_spans(clause);
    let folded = FoldedWords::new(&words);
    let dates: Vec<(usize, usize)> = crate::extract::time::find_dates(
        clause,
        &crate::extract::time::TimeContext {
            published: chrono::NaiveDate::default(),
        },
    )
    .iter()
    .map(|m| (m.start, m.end))
    .collect();
    classify_in(clause, &words, &folded.as_strs(), &dates)
}

/// [`classify`] over the clause's words already cut and folded (`folded[i]` is
/// `words[i].folded()`), so the extractor cuts each clause once for all its matchers. `dates`
/// are the byte ranges of the clause's date expressions: their words are dates, not cues ("on
/// May 8" is not "may").
pub fn classify_in(
    clause: &str,
    words: &[Word<'_>],
    folded: &[&str],
    dates: &[(usize, usize)],
) -> Modality {
    let relevant = main_part(clause, words, folded, dates);
    classify_kept(folded, &relevant)
}

/// The words that speak of the clause's own event: not those of relative clauses ("a fund that
/// will be financed"), not those of date expressions, and not a capitalised "May" or "Will"
/// inside the clause, which is a month or a name, never the modal verb.
pub fn main_part(
    clause: &str,
    words: &[Word<'_>],
    folded: &[&str],
    dates: &[(usize, usize)],
) -> Vec<bool> {
    debug_assert_eq!(words.len(), folded.len());
    let mut relevant = vec![true; folded.len()];
    for (i, w) in words.iter().enumerate() {
        let in_date = dates.iter().any(|(s, e)| w.start >= *s && w.end() <= *e);
        let proper = i > 0 && matches!(w.text, "May" | "Will" | "MAY" | "WILL");
        if in_date || proper {
            relevant[i] = false;
        }
    }
    // A cue word after a determiner or a possessive is a noun or an adjective, not the clause's
    // verb: "the administration's plans to end the war", "the expected signing", "a forecast".
    for i in 1..folded.len() {
        let cue = word_class(folded[i]) & (HEDGE | CONDITION | FUTURE_WORD) != 0;
        let prev = words[i - 1].text;
        let possessive = prev.ends_with("'s") || prev.ends_with("’s") || prev.ends_with("s'");
        if cue && (DETERMINERS.contains(&folded[i - 1]) || possessive) {
            relevant[i] = false;
        }
    }
    // Blank out relative clauses: from "that"/"which" after a noun to the next comma.
    let mut i = 0;
    while i < folded.len() {
        let w = folded[i];
        // "told Fox News that", "told a news conference in Kyiv on Thursday morning that": a
        // reporting verb earlier in the clause, with no comma between, makes "that" open what
        // was said. (Looked at only for "that".)
        let after_reporting = || {
            (0..i).any(|j| {
                word_class(folded[j]) & REPORTING_VERB != 0
                    && !clause[words[j].end()..words[i].start].contains(',')
            })
        };
        // ", who has not yet signed it": a relative clause about a person, set off by a comma.
        let after_comma = || i > 0 && clause[words[i - 1].end()..words[i].start].contains(',');
        let relative_who = w == "who" && after_comma();
        if (w == "which" || relative_who || (w == "that" && !after_reporting())) && i > 0 {
            let comma = clause[words[i].start..]
                .find(',')
                .map(|c| c + words[i].start);
            let mut j = i;
            while j < folded.len() && comma.is_none_or(|c| words[j].start < c) {
                relevant[j] = false;
                j += 1;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    relevant
}

fn classify_kept(folded: &[&str], relevant: &[bool]) -> Modality {
    let kept: Vec<&str> = folded
        .iter()
        .zip(relevant)
        .filter(|(_, r)| **r)
        .map(|(w, _)| *w)
        .collect();
    let classes = kept.iter().fold(0, |all, w| all | word_class(w));
    let has_word = |class: u8| classes & class != 0;
    // Phrases are needed only when no hedge decides first.
    let phrases = std::cell::OnceCell::new();
    let has_phrase = |class: u8| *phrases.get_or_init(|| phrase_classes(&kept)) & class != 0;
    // "as soon as Ukraine was" is about readiness, not a condition on the event.
    if has_word(HEDGE) {
        Modality::Hedged
    } else if has_word(CONDITION) || has_phrase(CONDITION) {
        Modality::Conditional
    } else if has_word(FUTURE_WORD) || has_phrase(FUTURE_WORD) {
        Modality::Future
    } else {
        Modality::Fact
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::extract::MATCHER_SAMPLES as SAMPLES;

    #[test]
    fn phrase_lookup_matches_searching_the_joined_words() {
        let lines = std::fs::read_to_string("seeds/000_586a47ec60a85a45.txt").unwrap_or_default();
        for text in SAMPLES.iter().copied().chain(lines.lines()) {
            let words = word_spans(text);
            let folded: Vec<String> = words.iter().map(Word::folded).collect();
            for skip in 0..3 {
                // Also with words left out, as relative clauses are.
                let kept: Vec<&str> = folded
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| skip == 0 || i % (skip + 1) != 0)
                    .map(|(_, w)| w.as_str())
                    .collect();
                let joined = format!(" {} ", kept.join(" "));
                let old = |list: &[&str]| list.iter().any(|p| joined.contains(&format!(" {p} ")));
                let classes = phrase_classes(&kept);
                assert_eq!(classes & CONDITION != 0, old(CONDITION_PHRASES), "{text}");
                assert_eq!(classes & FUTURE_WORD != 0, old(FUTURE_PHRASES), "{text}");
                for w in &kept {
                    assert_eq!(word_class(w) & HEDGE != 0, HEDGES.contains(w));
                    assert_eq!(word_class(w) & CONDITION != 0, CONDITIONS.contains(w));
                    assert_eq!(word_class(w) & FUTURE_WORD != 0, FUTURE.contains(w));
                    assert_eq!(word_class(w) & REPORTING_VERB != 0, REPORTING.contains(w));
                }
            }
        }
    }

    #[test]
    fn table() {
        let cases = [
            ("Waltz suggested on March 5 that Trump may lift the pause on military assistance once peace talks are arranged", Modality::Hedged),
            ("President Donald Trump predicted that the broader minerals agreement would be signed next Thursday, April 24.", Modality::Future),
            ("The United States has suspended military aid to Ukraine, a White House official said on Monday evening.", Modality::Fact),
            ("Ukraine and the United States signed an agreement on Wednesday in Washington setting up a jointly owned investment fund that will be financed partly by revenue from Ukraine's natural resources.", Modality::Fact),
            ("Once signed, that agreement would still need to be ratified by Ukraine's parliament.", Modality::Conditional),
            ("The law now goes to President Volodymyr Zelensky, whose signature is expected in the coming days.", Modality::Future),
            ("The interim truce could be extended by mutual agreement.", Modality::Hedged),
            // A cue word after a determiner or a possessive is a noun or adjective.
            ("The director said the pause was meant to push Kyiv toward the administration's plans for a settlement.", Modality::Fact),
            ("Officials from both capitals prepared the hall for the expected signing.", Modality::Fact),
            ("The company cut its forecast after sales fell.", Modality::Fact),
            ("The board's members met for the first time, their hopes high.", Modality::Fact),
            ("The accord is expected to be signed on Friday.", Modality::Future),
            ("The minister plans to sign the accord next week.", Modality::Future),
            ("Zelensky said that the first results of ongoing negotiations would be announced next week.", Modality::Future),
            ("Ukraine's parliament on Thursday ratified the agreement with the United States.", Modality::Fact),
            ("The agreement must still be ratified by the Verkhovna Rada before it takes effect.", Modality::Future),
            ("An agreement between Kyiv and Washington on the natural resources remains stalled.", Modality::Fact),
            ("Envoy Steve Witkoff told Fox News that US officials would meet in Saudi Arabia on Sunday.", Modality::Future),
            ("Zelensky left the White House without signing the agreement, and a planned joint news conference was canceled.", Modality::Fact),
            ("The two governments still have to exchange diplomatic notes before the agreement enters into force, officials said.", Modality::Future),
            ("Ukraine previously rejected two U.S. proposals due to the absence of security guarantees.", Modality::Fact),
            ("After that, the agreement is due to enter into force once the two governments exchange notes.", Modality::Conditional),
            ("Zelensky left the White House without signing the minerals agreement that the two sides had been expected to conclude.", Modality::Fact),
        ];
        for (text, want) in cases {
            assert_eq!(classify(text), want, "{text}");
        }
    }
}
