//! Direct answers: the words of the best evidence that answer a who / how-many / how-much /
//! how-long / where question, so a reply can lead with "338 votes, on May 8, 2025 [1]" rather
//! than a list of sentences to read through.
//!
//! The question's kind says which kind of span to look for ([`expected_kind`]); spans of that
//! kind are found in the evidence sentence with the extractor's own tools (the actor gazetteer
//! for people and bodies, the date tagger to keep dates out of numbers) and a few number and
//! amount patterns; among several, the one nearest the question's own terms wins
//! ([`best_span`]). Nothing here names a story: the same rules read any config's articles.

use super::lexicon::Language;
use super::locale;
use crate::event::{format_event_date, Event, Modality};
use crate::extract::actors::ActorMatcher;
use crate::extract::time::{find_dates, TimeContext};
use crate::text::{is_stopword, stem, word_spans, words, Word};

/// What kind of words answer a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// Who: people (or, failing them, the bodies the gazetteer knows).
    Person,
    /// How many: a number with the noun it counts ("338 votes", "three seats").
    Count,
    /// How much, how big: money ("$150 million", "£2.26bn"), else a number.
    Amount,
    /// How long: a number of time units ("eight hours", "30-day").
    Duration,
    /// Where: a place after "in", "at" or "to".
    Place,
    /// When: the event's own date (found by the extractor, not here).
    Date,
}

/// Words that name a person's role: a capitalised name right after one is a person's even when
/// the gazetteer does not know it ("chargé d'affaires Julie Davis").
const ROLE_WORDS: &[&str] = &[
    "minister",
    "secretary",
    "director",
    "lawmaker",
    "lawmakers",
    "mp",
    "affaires",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "ambassador",
    "president",
    "chairman",
    "chairwoman",
    "chair",
    "head",
    "adviser",
    "advisor",
    "envoy",
    "deputy",
    "official",
    "analyst",
    "economist",
    "ceo",
    "governor",
    "senator",
    "representative",
    "speaker",
    "chief",
    "commissioner",
    "prosecutor",
];

/// Words of a title before a name ("First Deputy Prime Minister"): a name does not start here.
const TITLE_WORDS: &[&str] = &[
    "prime",
    "first",
    "foreign",
    "finance",
    "defence",
    "defense",
    "economy",
    "treasury",
    "state",
    "vice",
    "interim",
    "acting",
    "general",
    "national",
    "security",
    "us",
    "former",
    "opposition",
];

/// Words that make a following noun a person ("which official", "what minister").
const PERSON_NOUNS: &[&str] = &[
    "person",
    "official",
    "officials",
    "minister",
    "lawmaker",
    "politician",
    "leader",
    "spokesperson",
    "diplomat",
];

const NUMBER_WORDS: &[(&str, u32)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
    ("hundred", 100),
    ("dozen", 12),
    ("dozens", 24),
    ("hundreds", 200),
    ("thousands", 2000),
];

const TIME_UNITS: &[&str] = &[
    "second", "minute", "hour", "day", "week", "month", "year", "night",
];

const SCALE_WORDS: &[&str] = &["million", "billion", "trillion", "bn", "m", "mn", "k"];

const CURRENCY_WORDS: &[&str] = &[
    "dollar", "dollars", "euro", "euros", "pound", "pounds", "hryvnia", "hryvnias", "uah", "usd",
    "eur", "gbp", "sterling",
];

const CURRENCY_SIGNS: &[char] = &['$', '£', '€', '₴', '¥'];

/// What kind of span answers `question` (read in English: a Ukrainian question arrives here
/// rewritten by the lexicon), or `None` when no single span would ("why …", "what came out of …").
pub fn expected_kind(question: &str) -> Option<SpanKind> {
    let w = words(question);
    let at = |i: usize| w.get(i).map(String::as_str).unwrap_or("");
    // "who's", "whom": the first question word decides; a leading "and"/"so" is skipped.
    let start = w
        .iter()
        .position(|x| {
            matches!(
                x.as_str(),
                "who" | "whom" | "who's" | "how" | "when" | "where" | "what" | "which"
            )
        })
        .filter(|&i| i <= 2)?;
    let next = at(start + 1);
    let after = at(start + 2);
    match at(start) {
        "who" | "whom" | "who's" => Some(SpanKind::Person),
        "when" => Some(SpanKind::Date),
        "where" => Some(SpanKind::Place),
        "how" => match next {
            // "how many days after the vote …" asks for an interval between two facts.
            "many" if is_time_unit(after) && w.iter().any(|x| x == "after" || x == "between") => {
                None
            }
            "many" if is_time_unit(after) => Some(SpanKind::Duration),
            "many" => Some(SpanKind::Count),
            "much" | "big" | "large" => Some(SpanKind::Amount),
            "long"
                if !w
                    .iter()
                    .any(|x| x == "after" || x == "before" || x == "ago") =>
            {
                Some(SpanKind::Duration)
            }
            _ => None,
        },
        "what" | "which" => {
            let noun = if matches!(next, "us" | "ukrainian" | "russian" | "american") {
                after
            } else {
                next
            };
            if matches!(noun, "date" | "day") {
                Some(SpanKind::Date)
            } else if PERSON_NOUNS.contains(&noun) {
                Some(SpanKind::Person)
            } else if matches!(noun, "city" | "country" | "place") {
                Some(SpanKind::Place)
            } else if matches!(noun, "amount" | "sum") {
                Some(SpanKind::Amount)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A month's name, in English or in the Ukrainian genitive a date uses ("8 травня").
fn is_month_word(word: &str) -> bool {
    const MONTHS: &[&str] = &[
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
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "січня",
        "лютого",
        "березня",
        "квітня",
        "травня",
        "червня",
        "липня",
        "серпня",
        "вересня",
        "жовтня",
        "листопада",
        "грудня",
    ];
    MONTHS.contains(&word)
}

fn is_time_unit(word: &str) -> bool {
    TIME_UNITS.contains(&stem(word).as_str())
}

/// The noun a count question counts ("how many votes …" → "vote"), stemmed.
pub fn counted_noun(question: &str) -> Option<String> {
    let w = words(question);
    let i = w.windows(2).position(|p| p[0] == "how" && p[1] == "many")?;
    w.iter()
        .skip(i + 2)
        .find(|x| !is_stopword(x))
        .map(|x| stem(x))
}

/// How many words a span may lie from the nearest of the question's terms.
const MAX_DISTANCE: usize = 8;

/// One span found in a sentence: its text and where it lies (word indexes, end exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    first: usize,
    last: usize,
}

/// What the span finder needs beyond the sentence: the gazetteer, which of its names are not
/// people, and the date the sentence was reported (for the date tagger).
pub struct SpanReader<'a> {
    pub actors: &'a ActorMatcher,
    /// Canonical names of the gazetteer's countries and organisations.
    pub bodies: &'a [String],
    pub reported: chrono::NaiveDate,
}

/// The span of `kind` in `sentence` that answers `question` best: the one nearest the
/// question's terms, leaving out what the question itself names. For people, every person
/// as near as the nearest (up to three) is kept: "who signed" may have two answers.
#[cfg(test)]
fn best_span(
    sentence: &str,
    kind: SpanKind,
    question: &str,
    reader: &SpanReader<'_>,
) -> Option<String> {
    best_span_at(sentence, kind, question, reader).map(|(text, _)| text)
}

/// Words that deny the word after them: "left without signing" says who did not sign.
const DENIALS: &[&str] = &[
    "without", "not", "never", "no", "failed", "refused", "declined",
];

/// [`best_span`] with its distance (in words) from the nearest of the question's terms.
fn best_span_at(
    sentence: &str,
    kind: SpanKind,
    question: &str,
    reader: &SpanReader<'_>,
) -> Option<(String, usize)> {
    let spans = word_spans(sentence);
    let folded: Vec<String> = spans.iter().map(Word::folded).collect();
    let asked: Vec<String> = words(question)
        .iter()
        .filter(|w| !is_stopword(w))
        .map(|w| stem(w))
        .collect();
    // The question's terms in the sentence, except where the sentence denies them ("without
    // signing", "did not sign"): a name next to a denied act did not do it.
    let denied = |i: usize| {
        (i.saturating_sub(2)..i).any(|j| {
            DENIALS.contains(&folded[j].as_str())
                || folded[j].ends_with("n't")
                || folded[j].ends_with("n’t")
        })
    };
    let anchors: Vec<usize> = folded
        .iter()
        .enumerate()
        .filter(|(i, f)| asked.contains(&stem(f)) && !denied(*i))
        .map(|(i, _)| i)
        .collect();
    let distance = |s: &Span| -> usize {
        anchors
            .iter()
            .map(|&a| {
                if a < s.first {
                    s.first - a
                } else {
                    a.saturating_sub(s.last.saturating_sub(1))
                }
            })
            .min()
            .unwrap_or(s.first + 1)
    };
    let named_in_question = |s: &Span| {
        let q = words(question).join(" ");
        let t = words(&s.text).join(" ");
        !t.is_empty() && format!(" {q} ").contains(&format!(" {t} "))
    };
    let mut found: Vec<Span> = match kind {
        SpanKind::Person => people(sentence, &spans, &folded, reader),
        SpanKind::Count => numbers(sentence, &spans, &folded, reader, false),
        // Money only: "how much are they paid?" is not answered by "two members".
        SpanKind::Amount => numbers(sentence, &spans, &folded, reader, true),
        SpanKind::Duration => numbers(sentence, &spans, &folded, reader, false)
            .into_iter()
            .filter(|s| {
                words(&s.text)
                    .iter()
                    .any(|w| is_time_unit(w) || w.contains('-'))
            })
            .collect(),
        SpanKind::Place => places(sentence, &spans, &folded, reader),
        SpanKind::Date => return None,
    };
    // The actors the question names are not its answer ("who was on team USA" is not
    // answered by "the United States").
    let asked_actors = reader.actors.find(question);
    found.retain(|s| !named_in_question(s) && !asked_actors.contains(&s.text));
    if kind == SpanKind::Count {
        // "How many votes …": a number that counts votes beats a nearer one that counts days.
        if let Some(noun) = counted_noun(question) {
            let counting: Vec<Span> = found
                .iter()
                .filter(|s| words(&s.text).iter().any(|w| stem(w) == noun))
                .cloned()
                .collect();
            if !counting.is_empty() {
                found = counting;
            }
        }
    }
    if kind == SpanKind::Person {
        // "Zelensky left without signing, and Ratcliffe signed": a denial between a name and
        // the nearest of the question's terms says that one did not.
        found.retain(|s| {
            let Some(&a) = anchors.iter().min_by_key(|&&a| a.abs_diff(s.first)) else {
                return true;
            };
            let (from, to) = if a < s.first {
                (a, s.first)
            } else {
                (s.last, a)
            };
            !(from..to).any(|j| {
                folded
                    .get(j)
                    .is_some_and(|f| DENIALS.contains(&f.as_str()) || f.ends_with("n't"))
            })
        });
    }
    let nearest = found.iter().map(distance).min()?;
    // A span far from everything the question asks about answers something else ("for 30
    // days" of a truce is not the length of the call the sentence mentions at its end).
    if !anchors.is_empty() && nearest > MAX_DISTANCE {
        return None;
    }
    if kind == SpanKind::Person {
        let mut names: Vec<String> = Vec::new();
        for s in found.iter().filter(|s| distance(s) <= nearest + 8) {
            if !names.contains(&s.text) && names.len() < 3 {
                names.push(s.text.clone());
            }
        }
        return Some((names.join(" and "), nearest));
    }
    found
        .into_iter()
        .find(|s| distance(s) == nearest)
        .map(|s| (s.text, nearest))
}

/// People named in the sentence: the gazetteer's (not its countries and organisations), and
/// capitalised names right after a role word; the gazetteer's bodies only when no one is named.
fn people(
    sentence: &str,
    spans: &[Word<'_>],
    folded: &[String],
    reader: &SpanReader<'_>,
) -> Vec<Span> {
    let mut persons = Vec::new();
    let mut bodies = Vec::new();
    let mut i = 0;
    while i < spans.len() {
        let mut matched = false;
        for len in (1..=4).rev() {
            if i + len > spans.len() {
                continue;
            }
            let text = &sentence[spans[i].start..spans[i + len - 1].end()];
            let names = reader.actors.find(text);
            // Only the gazetteer's own names: a title run the matcher guesses at ("Prime
            // Minister Yulia") is left to the role-word rule below.
            if let [name] = names.as_slice() {
                if reader.actors.canonical(name) != Some(name.as_str()) {
                    continue;
                }
                // The window must be the name, no more: "Secretary Scott Bessent" is found at
                // "Scott", and "US chargé d'affaires" is not "United States".
                if len > 1 {
                    let without_first = &sentence[spans[i + 1].start..spans[i + len - 1].end()];
                    let without_last = &sentence[spans[i].start..spans[i + len - 2].end()];
                    if reader.actors.find(without_first) == names
                        || reader.actors.find(without_last) == names
                    {
                        continue;
                    }
                }
                let span = Span {
                    text: name.clone(),
                    first: i,
                    last: i + len,
                };
                if reader.bodies.contains(name) {
                    bodies.push(span);
                } else {
                    persons.push(span);
                }
                i += len;
                matched = true;
                break;
            }
        }
        if matched {
            continue;
        }
        // An unknown name introduced by its role: "chargé d'affaires Julie Davis".
        let title = |f: &str| ROLE_WORDS.contains(&f) || TITLE_WORDS.contains(&f);
        if i > 0
            && (ROLE_WORDS.contains(&folded[i - 1].as_str()) || folded[i - 1].ends_with("affaires"))
            && spans[i].is_capitalised()
            && !title(&folded[i])
        {
            let mut end = i;
            while end < spans.len()
                && end < i + 3
                && spans[end].is_capitalised()
                && !title(&folded[end])
                && (end == i
                    || sentence[spans[end - 1].end()..spans[end].start]
                        .trim()
                        .is_empty())
            {
                end += 1;
            }
            if end - i >= 2 {
                persons.push(Span {
                    text: sentence[spans[i].start..spans[end - 1].end()].to_string(),
                    first: i,
                    last: end,
                });
                i = end;
                continue;
            }
        }
        i += 1;
    }
    if persons.is_empty() {
        bodies
    } else {
        persons
    }
}

/// Numbers with what they count ("338 votes", "two opposition members", "eight hours"), or with
/// `money`, amounts ("$150 million", "£2.26bn", "50 billion dollars"). Dates and years are not
/// numbers here: the date tagger's mentions are skipped.
fn numbers(
    sentence: &str,
    spans: &[Word<'_>],
    folded: &[String],
    reader: &SpanReader<'_>,
    money: bool,
) -> Vec<Span> {
    let dates = find_dates(
        sentence,
        &TimeContext {
            published: reader.reported,
        },
    );
    let in_date = |w: &Word<'_>| dates.iter().any(|d| w.start >= d.start && w.end() <= d.end);
    let adjacent = |a: usize, b: usize| {
        sentence
            .get(spans[a].end()..spans[b].start)
            .is_some_and(|gap| gap.chars().all(|c| c == ' ' || c == '-'))
    };
    let mut out = Vec::new();
    for (i, w) in spans.iter().enumerate() {
        let f = folded[i].as_str();
        let numeric = f.starts_with(|c: char| c.is_ascii_digit());
        let worded = NUMBER_WORDS
            .iter()
            .any(|(n, _)| f == *n || f.split('-').next() == Some(n));
        if !(numeric || worded) || in_date(w) {
            continue;
        }
        // A year alone ("in 2022") is a date, not a count.
        if numeric && f.len() == 4 && (f.starts_with("19") || f.starts_with("20")) {
            continue;
        }
        // "8 травня": a day of a month the date tagger does not read (a Ukrainian sentence).
        if folded.get(i + 1).is_some_and(|n| is_month_word(n)) {
            continue;
        }
        // "one of the …" and "the two sides" read as pronouns and articles, not answers.
        if f == "one" && folded.get(i + 1).is_some_and(|n| n == "of") {
            continue;
        }
        let sign = sentence[..w.start]
            .chars()
            .next_back()
            .filter(|c| CURRENCY_SIGNS.contains(c));
        let mut end = i + 1;
        while end < spans.len()
            && end < i + 4
            && adjacent(end - 1, end)
            && (SCALE_WORDS.contains(&folded[end].as_str())
                || NUMBER_WORDS.iter().any(|(n, _)| *n == folded[end])
                || folded[end] == "and"
                    && folded
                        .get(end + 1)
                        .is_some_and(|n| NUMBER_WORDS.iter().any(|(x, _)| x == n)))
        {
            end += 1;
        }
        let is_money = sign.is_some()
            || folded
                .get(end)
                .is_some_and(|n| CURRENCY_WORDS.contains(&n.as_str()))
            || CURRENCY_WORDS
                .iter()
                .any(|c| f.ends_with(c) && f.len() > c.len());
        if money != is_money {
            continue;
        }
        // What is counted: up to three plain words after the number ("votes in favour" stops
        // at "in"; "opposition members" is kept whole).
        let mut stop = end;
        while stop < spans.len()
            && stop < end + 3
            && adjacent(stop - 1, stop)
            && !is_stopword(&folded[stop])
            && !folded[stop].starts_with(|c: char| c.is_ascii_digit())
            && folded[stop].chars().all(char::is_alphabetic)
            && !spans[stop].is_capitalised()
        {
            stop += 1;
            // A counted noun ends the phrase at a plural or a time unit ("eight hours of talks").
            if folded[stop - 1].ends_with('s') || is_time_unit(&folded[stop - 1]) {
                break;
            }
        }
        let start_byte = w.start - sign.map_or(0, char::len_utf8);
        out.push(Span {
            text: sentence[start_byte..spans[stop - 1].end()].to_string(),
            first: i,
            last: stop,
        });
    }
    out
}

/// Places: a capitalised run after "in", "at" or "to" ("in Jeddah", "at the White House" is
/// not a place but a building: only runs right after the preposition count), not a date.
fn places(
    sentence: &str,
    spans: &[Word<'_>],
    folded: &[String],
    reader: &SpanReader<'_>,
) -> Vec<Span> {
    let dates = find_dates(
        sentence,
        &TimeContext {
            published: reader.reported,
        },
    );
    let mut out = Vec::new();
    for i in 1..spans.len() {
        if !matches!(folded[i - 1].as_str(), "in" | "at" | "to")
            || !spans[i].is_capitalised()
            || dates
                .iter()
                .any(|d| spans[i].start >= d.start && spans[i].start < d.end)
        {
            continue;
        }
        let mut end = i + 1;
        while end < spans.len()
            && end < i + 3
            && spans[end].is_capitalised()
            && sentence[spans[end - 1].end()..spans[end].start]
                .trim()
                .is_empty()
        {
            end += 1;
        }
        let text = &sentence[spans[i].start..spans[end - 1].end()];
        // A person is not a place ("to Julie Davis").
        if reader
            .actors
            .find(text)
            .iter()
            .any(|n| !reader.bodies.contains(n))
        {
            continue;
        }
        out.push(Span {
            text: format!("{} {text}", spans[i - 1].text.to_lowercase()),
            first: i - 1,
            last: end,
        });
    }
    out
}

/// The first line of an answer: the span that answers, or the closest the sources come.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectAnswer {
    /// The answering words, or `None` for a "when" question (the date is the answer).
    span: Option<String>,
    /// The evidence's date as the reply writes it ("Apr 30, 2025", "late March 2025").
    date: Option<String>,
    modality: Modality,
    /// The evidence holds no span of the kind asked: its clause, as the closest there is.
    closest: Option<String>,
}

/// Longest clause quoted as the closest answer, in characters.
const CLOSEST_MAX_CHARS: usize = 160;

/// The direct answer to `question` from `events` (best first), which it reorders so that the
/// event it quotes comes first: the earliest event holding a span of the kind asked (or, for a
/// "when" question, a date). When none does, the first event's clause is offered as the
/// closest. `None` when the question wants no single span ("why …").
pub fn direct_answer(
    question: &str,
    events: &mut [&Event],
    actors: &ActorMatcher,
    bodies: &[String],
) -> Option<DirectAnswer> {
    let kind = expected_kind(question)?;
    let first = events.first()?;
    let date = |e: &Event| e.date.as_ref().map(format_event_date);
    // The event whose span lies nearest the question's terms; the earlier on a tie (events
    // come best first).
    let mut found: Option<(usize, Option<String>, usize)> = None;
    for (i, e) in events.iter().enumerate() {
        if kind == SpanKind::Date {
            if e.date.is_some() {
                found = Some((i, None, 0));
                break;
            }
            continue;
        }
        let reader = SpanReader {
            actors,
            bodies,
            reported: e.reported,
        };
        if let Some((text, d)) = best_span_at(&e.sentence, kind, question, &reader) {
            if found.as_ref().is_none_or(|f| d < f.2) {
                found = Some((i, Some(text), d));
            }
        }
    }
    let found = found.map(|(i, span, _)| (i, span));
    let Some((i, span)) = found else {
        return Some(DirectAnswer {
            span: None,
            date: date(first),
            modality: first.modality,
            closest: Some(shorten(&first.clause, CLOSEST_MAX_CHARS)),
        });
    };
    events[..=i].rotate_right(1);
    let e = events[0];
    Some(DirectAnswer {
        span,
        date: date(e),
        modality: e.modality,
        closest: None,
    })
}

impl DirectAnswer {
    /// The line, citing the evidence as `[cite]`: "338 votes, on May 8, 2025 [1]", "Apr 30,
    /// 2025 [1]", "My sources don't say exactly; closest: … [1]". In Ukrainian the framing is
    /// Ukrainian and dates are ISO days; the quoted words stay as written.
    pub fn line(&self, cite: usize, language: Language) -> String {
        let uk = language == Language::Ukrainian;
        let date = self.date.as_deref().map(|d| {
            if uk {
                locale::iso_dates(d)
            } else {
                d.to_string()
            }
        });
        let hedge = match (self.modality, uk) {
            (Modality::Fact | Modality::Negated, _) => String::new(),
            (m, false) => format!(" ({})", m.label()),
            (m, true) => format!(" ({})", locale::modality_word(m)),
        };
        if let Some(closest) = &self.closest {
            let lead = if uk {
                "Мої джерела не кажуть цього точно; найближче:"
            } else {
                "My sources don't say exactly; closest:"
            };
            return format!("{lead} {closest} [{cite}]");
        }
        match (&self.span, date) {
            (None, Some(d)) => format!("{d}{hedge} [{cite}]"),
            (None, None) => format!("[{cite}]"),
            (Some(s), Some(d)) if uk => format!("{s} — {d}{hedge} [{cite}]"),
            (Some(s), Some(d)) => format!("{s}, on {d}{hedge} [{cite}]"),
            (Some(s), None) => format!("{s}{hedge} [{cite}]"),
        }
    }
}

/// `text` cut to `max_chars` at a word boundary, with "…" when cut.
fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end_matches([',', ';', ':']))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn reader_parts() -> (ActorMatcher, Vec<String>) {
        let config = Config::builtin();
        let bodies = config
            .actors
            .iter()
            .filter(|a| a.kind != "person")
            .map(|a| a.name.clone())
            .collect();
        (ActorMatcher::new(&config), bodies)
    }

    fn span(sentence: &str, question: &str) -> Option<String> {
        let (actors, bodies) = reader_parts();
        let reader = SpanReader {
            actors: &actors,
            bodies: &bodies,
            reported: chrono::NaiveDate::from_ymd_opt(2025, 6, 2).unwrap(),
        };
        best_span(sentence, expected_kind(question)?, question, &reader)
    }

    #[test]
    fn question_words_choose_the_kind_of_span() {
        assert_eq!(
            expected_kind("Who chairs the board?"),
            Some(SpanKind::Person)
        );
        assert_eq!(expected_kind("who's the PM"), Some(SpanKind::Person));
        assert_eq!(
            expected_kind("How many seats does it have?"),
            Some(SpanKind::Count)
        );
        assert_eq!(
            expected_kind("how much did it cost"),
            Some(SpanKind::Amount)
        );
        assert_eq!(
            expected_kind("how long did the meeting last"),
            Some(SpanKind::Duration)
        );
        assert_eq!(expected_kind("where did they meet?"), Some(SpanKind::Place));
        assert_eq!(
            expected_kind("On what date did the talks end?"),
            Some(SpanKind::Date)
        );
        assert_eq!(
            expected_kind("Which official opened the bridge?"),
            Some(SpanKind::Person)
        );
        // Two dated facts, not one span.
        assert_eq!(expected_kind("how long after the vote was it signed"), None);
        assert_eq!(expected_kind("how many days between the votes"), None);
        assert_eq!(expected_kind("Why did the talks fail?"), None);
        assert_eq!(expected_kind("What came out of the summit?"), None);
    }

    #[test]
    fn a_count_is_the_number_with_what_it_counts_not_a_date() {
        assert_eq!(
            span(
                "On June 3, 2024 the city council approved the budget with 41 votes in favour and 9 against.",
                "how many votes did the budget get"
            )
            .as_deref(),
            Some("41 votes")
        );
        // The counted noun decides between two numbers.
        assert_eq!(
            span(
                "After two days of debate, the board gave the union three seats.",
                "How many seats did the union get?"
            )
            .as_deref(),
            Some("three seats")
        );
        assert_eq!(
            span(
                "Nothing was counted on Monday, May 5.",
                "how many were counted"
            ),
            None
        );
        // Nor is a day of a month the date tagger does not read.
        assert_eq!(span("Рада проголосувала 8 травня.", "how many voted"), None);
        // A year is not a count.
        assert_eq!(
            span("The plant has made cars since 1998.", "how many cars"),
            None
        );
    }

    #[test]
    fn amounts_keep_their_currency_and_scale() {
        assert_eq!(
            span(
                "The port authority will put $75 million into the new terminal, its director said.",
                "How much will the port authority put into the terminal?"
            )
            .as_deref(),
            Some("$75 million")
        );
        assert_eq!(
            span(
                "A £1.5bn loan was signed the next day alongside 12 smaller grants.",
                "How big was the loan?"
            )
            .as_deref(),
            Some("£1.5bn loan")
        );
    }

    #[test]
    fn no_money_no_amount() {
        assert_eq!(
            span(
                "Two members of the board were appointed on Monday.",
                "how much are the board members paid"
            ),
            None
        );
    }

    #[test]
    fn a_span_far_from_what_is_asked_answers_something_else() {
        assert_eq!(
            span(
                "The rebels agreed to stop shelling the port for 30 days, but rejected a full truce, according to their account of the long call with the mediator.",
                "how long was the call with the mediator"
            ),
            None
        );
    }

    #[test]
    fn durations_are_numbers_of_time_units() {
        assert_eq!(
            span(
                "The two delegations met for about six hours in a hotel by the lake.",
                "how long did the delegations meet"
            )
            .as_deref(),
            Some("six hours")
        );
    }

    #[test]
    fn people_come_from_the_gazetteer_or_after_a_role_word() {
        // Two signatories, both near "signed"; the country the question names is left out.
        assert_eq!(
            span(
                "Svyrydenko signed in Kyiv and Treasury Secretary Scott Bessent in Washington.",
                "who signed for Ukraine"
            )
            .as_deref(),
            Some("Yulia Svyrydenko and Scott Bessent")
        );
        assert_eq!(
            span(
                "The note was handed to the interim chargé d'affaires Maria Lindqvist on Tuesday.",
                "who was the note handed to"
            )
            .as_deref(),
            Some("Maria Lindqvist")
        );
        // Who did not do it is no answer to who did.
        assert_eq!(
            span(
                "Zelensky left without signing the lease, and later Ratcliffe signed the lease.",
                "who signed the lease"
            )
            .as_deref(),
            Some("John Ratcliffe")
        );
        // A body's name followed by a role does not swallow the name after it.
        assert_eq!(
            span(
                "The deal entered into force when US chargé d'affaires Maria Lindqvist delivered the note.",
                "who delivered the note"
            )
            .as_deref(),
            Some("Maria Lindqvist")
        );
        assert_eq!(
            span(
                "The bridge reopened after repairs.",
                "who reopened the bridge"
            ),
            None
        );
    }

    #[test]
    fn places_follow_a_preposition() {
        assert_eq!(
            span(
                "Delegations from both countries met in Geneva on Tuesday for talks on grain.",
                "where did the delegations meet"
            )
            .as_deref(),
            Some("in Geneva")
        );
    }
}
