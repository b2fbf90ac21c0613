//! Plain-language questions: the question is cut into concepts (a word with its synonyms, or an
//! actor with its name variants), events are found through the store's term and actor indexes,
//! scored by how much of the question they cover (rare words weigh more), and the best are
//! answered with their dates and citations. Too little coverage means "not in my sources".

use std::collections::HashMap;

use crate::config::Topic;
use crate::event::Event;
use crate::extract::actors::ActorMatcher;
use crate::store::{PostingOf, Store, StoreError};
use crate::text::{is_stopword, stem, words};

/// Words that mean the same in questions about this story. Each group is one concept.
const SYNONYMS: &[&[&str]] = &[
    &["aid", "assistance", "weapons", "arms", "supplies"],
    &["deal", "agreement", "pact", "accord"],
    &[
        "parliament",
        "rada",
        "lawmakers",
        "legislators",
        "mps",
        "deputies",
        "verkhovna",
    ],
    &[
        "pause",
        "paused",
        "suspend",
        "suspended",
        "halt",
        "halted",
        "freeze",
        "pausing",
        "stop",
        "cut",
    ],
    &[
        "resume",
        "resumed",
        "restart",
        "restore",
        "lift",
        "lifted",
        "resumption",
        "unfreeze",
    ],
    &[
        "accept", "accepted", "agree", "agreed", "reject", "rejected", "approve",
    ],
    &["ceasefire", "truce"],
    &[
        "talks",
        "negotiations",
        "negotiating",
        "meeting",
        "negotiation",
    ],
    &[
        "clash",
        "confrontation",
        "dispute",
        "exchange",
        "row",
        "spat",
        "argument",
    ],
    &["minerals", "mineral", "resources", "earths"],
    &["proceeds", "revenue", "revenues", "income", "profits"],
    &["delegation", "delegations", "team", "teams"],
    &[
        "call",
        "phone",
        "telephone",
        "conversation",
        "speak",
        "spoke",
        "spoken",
        "talk",
        "talked",
    ],
    &["intelligence", "intel"],
    &["sign", "signed", "signing", "signature"],
    &["ratify", "ratified", "ratification", "ratifies"],
    &["vote", "voted", "votes"],
    &["led", "lead", "headed", "head", "leader"],
    &["long", "hours", "minutes", "lasted", "length"],
    &["earlier", "previously", "previous", "prior"],
    &["share", "percent", "half", "50"],
    &["meet", "meeting", "met"],
    &["regrettable", "regret"],
    &[
        "operational",
        "operating",
        "operate",
        "operates",
        "running",
        "launched",
        "launch",
    ],
    &["guarantees", "guarantee", "security"],
];

/// Question words that add nothing to retrieval.
const QUESTION_WORDS: &[&str] = &[
    "when", "who", "what", "why", "how", "which", "whom", "where", "did", "does", "do", "has",
    "have", "is", "was", "were", "are", "the", "happen", "happened", "many", "much", "tell",
    "know", "anything", "news", "latest", "please", "yet", "does", "give",
];

/// The part of the question's weight that events must cover to count as an answer.
const MIN_COVERAGE: f32 = 0.5;

/// Kinds of question, for how the answer leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    When,
    Who,
    Why,
    HowMany,
    YesNo,
    Status,
    /// "What's the latest on …", "any news about …".
    Latest,
    Other,
}

impl QuestionKind {
    pub fn of(question: &str) -> QuestionKind {
        let w = words(question);
        let first = w.first().map(String::as_str).unwrap_or("");
        let has = |x: &str| w.iter().any(|y| y == x);
        if has("status") || (has("stand") && has("where")) {
            QuestionKind::Status
        } else if [
            "latest", "news", "newest", "recent", "recently", "update", "updates",
        ]
        .iter()
        .any(|x| has(x))
        {
            QuestionKind::Latest
        } else if first == "when" || has("when") {
            QuestionKind::When
        } else if first == "who" || first == "whom" {
            QuestionKind::Who
        } else if first == "why" {
            QuestionKind::Why
        } else if first == "how" && w.get(1).is_some_and(|x| x == "many" || x == "much") {
            QuestionKind::HowMany
        } else if matches!(
            first,
            "is" | "was"
                | "has"
                | "have"
                | "did"
                | "does"
                | "do"
                | "are"
                | "were"
                | "will"
                | "can"
                | "could"
        ) {
            QuestionKind::YesNo
        } else {
            QuestionKind::Other
        }
    }
}

enum Alternative {
    Term(String),
    Actor(String),
}

impl Alternative {
    fn posting(&self) -> PostingOf<'_> {
        match self {
            Alternative::Term(t) => PostingOf::Term(t),
            Alternative::Actor(a) => PostingOf::Actor(a),
        }
    }
}

/// One thing the question asks about, with the forms that count as saying it.
struct Concept {
    alternatives: Vec<(Alternative, f32)>,
}

/// An event and how well it answers.
pub struct Scored {
    pub event: Event,
    pub coverage: f32,
}

/// Finds the events that answer `question`, best first; empty when nothing covers enough of it.
pub fn retrieve(
    store: &Store,
    actors: &ActorMatcher,
    question: &str,
    kind: QuestionKind,
    day: Option<chrono::NaiveDate>,
    limit: usize,
) -> Result<Vec<Scored>, StoreError> {
    let concepts = concepts(question, actors);
    if concepts.is_empty() {
        return Ok(Vec::new());
    }
    let total_events = store.event_count()?.max(1) as f32;
    let n = concepts.len();
    // Each concept's frequency first, from counters: the sum of its forms' frequencies (an
    // upper bound of their union).
    let mut estimates: Vec<usize> = Vec::with_capacity(n);
    for concept in &concepts {
        let mut sum = 0usize;
        for (alt, _) in &concept.alternatives {
            sum += match alt {
                Alternative::Term(t) => store.term_frequency(t)? as usize,
                Alternative::Actor(a) => store.actor_frequency(a)? as usize,
            };
        }
        estimates.push(sum);
    }
    // The rarest concepts' postings are read in full while their total stays within READ_MAX
    // (on a small store: all of them, and the result is exactly that of scoring every
    // posting). A commoner concept is then checked only for the candidates the rarer ones
    // found, and weighs by its estimate.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&ci| estimates[ci]);
    let mut read_in_full = vec![false; n];
    let mut df: Vec<f32> = estimates.iter().map(|e| (*e).max(1) as f32).collect();
    // Event key → (its segment, per-concept best match factor for the concepts read).
    let mut hits: HashMap<String, (u64, Vec<f32>), Fnv> = HashMap::default();
    let mut read = 0usize;
    for (i, &ci) in order.iter().enumerate() {
        if i > 0 && read + estimates[ci] > READ_MAX {
            break;
        }
        // The concept's document frequency is that of all its forms together: "Russia" with
        // Putin and the Kremlin is as common as their events combined.
        let mut matched = 0usize;
        let mut complete = true;
        for (alt, factor) in &concepts[ci].alternatives {
            // Newest first: when a common concept cannot be read whole, the latest reports are
            // the ones a news reader asks about.
            let (segments, all) = store.postings_newest(alt.posting(), READ_MAX)?;
            complete &= all;
            for (segment, keys) in segments {
                for key in keys {
                    let (_, slot) = hits.entry(key).or_insert_with(|| (segment, vec![0.0; n]));
                    if slot[ci] == 0.0 {
                        matched += 1;
                    }
                    slot[ci] = slot[ci].max(*factor);
                }
            }
        }
        read += matched;
        read_in_full[ci] = complete;
        if complete {
            df[ci] = matched.max(1) as f32;
        }
    }
    // Words the store never saw weigh like the rarest: a question about something absent
    // must not be carried by its common words.
    let weights: Vec<f32> = df.iter().map(|d| (1.0 + total_events / d).ln()).collect();
    let total_weight: f32 = weights.iter().sum();
    // What a candidate may still gain from the concepts not read in full.
    // Heaviest first: a candidate missing one of them is dropped soonest.
    let mut unread: Vec<usize> = (0..n).filter(|&ci| !read_in_full[ci]).collect();
    unread.sort_by(|a, b| weights[*b].total_cmp(&weights[*a]));
    let unread_weight: f32 = unread.iter().map(|&ci| weights[ci]).sum();
    // A concept read only in part is among the unread: it counts at its full weight here, and
    // its factor is checked per candidate below.
    let mut candidates: Vec<(String, u64, Vec<f32>, f32)> = hits
        .into_iter()
        .map(|(key, (segment, m))| {
            let known: f32 = (0..n)
                .filter(|&ci| read_in_full[ci])
                .map(|ci| m[ci] * weights[ci])
                .sum();
            (key, segment, m, (known + unread_weight) / total_weight)
        })
        .filter(|(_, _, _, upper)| *upper >= MIN_COVERAGE)
        .collect();
    // Best possible first, so that once the best `keep` are known the rest can be skipped.
    candidates.sort_by(|a, b| b.3.total_cmp(&a.3).then_with(|| a.0.cmp(&b.0)));
    let keep = if day.is_none() { limit * 4 } else { usize::MAX };
    let mut scored: Vec<(String, f32)> = Vec::new();
    let mut best: Vec<f32> = Vec::new();
    let mut lookups = Lookups::default();
    for (key, segment, mut m, upper) in candidates {
        let bar = |best: &Vec<f32>| {
            if best.len() >= keep {
                best[keep - 1]
            } else {
                MIN_COVERAGE
            }
        };
        if best.len() >= keep && upper < bar(&best) {
            break;
        }
        // Check the unread concepts, giving up on the candidate once even the rest could not
        // lift it to the bar.
        let mut still = upper * total_weight;
        let mut dropped = false;
        for &ci in &unread {
            m[ci] = concept_factor(store, (ci, &concepts[ci]), &key, segment, &mut lookups)?;
            still -= (1.0 - m[ci]) * weights[ci];
            if still / total_weight < bar(&best) {
                dropped = true;
                break;
            }
        }
        if dropped {
            continue;
        }
        // Summed in concept order, as when every concept is read in full.
        let got: f32 = m.iter().zip(&weights).map(|(f, w)| f * w).sum();
        let coverage = got / total_weight;
        if coverage >= MIN_COVERAGE {
            scored.push((key, coverage));
            let at = best.partition_point(|b| *b >= coverage);
            best.insert(at, coverage);
            best.truncate(keep);
        }
    }
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    // With a day asked about, every candidate is read so the day's events can rise; without,
    // the best few are enough.
    if day.is_none() {
        scored.truncate(limit * 4);
    }
    let mut out = Vec::new();
    for (key, coverage) in scored {
        if let Some(event) = store.event(&key)? {
            out.push(Scored { event, coverage });
        }
    }
    // Among near-equals, prefer what answers the kind of question: a dated fact for "when",
    // a number for "how many".
    let bonus = |e: &Event| -> f32 {
        let mut b = 0.0;
        if day.is_some() && e.date.as_ref().map(|d| d.date) == day {
            b += 0.5;
        }
        if e.date.is_some() {
            b += if kind == QuestionKind::When {
                0.08
            } else {
                0.02
            };
        }
        if e.modality == crate::event::Modality::Fact {
            b += if kind == QuestionKind::When {
                0.1
            } else {
                0.03
            };
        }
        if kind == QuestionKind::HowMany && e.clause.chars().any(|c| c.is_ascii_digit()) {
            b += 0.1;
        }
        if kind == QuestionKind::Why
            && (e.clause.contains("due to") || e.clause.contains("because"))
        {
            b += 0.05;
        }
        b
    };
    out.sort_by(|a, b| {
        (b.coverage + bonus(&b.event))
            .total_cmp(&(a.coverage + bonus(&a.event)))
            .then_with(|| a.event.key().cmp(&b.event.key()))
    });
    out.truncate(limit);
    Ok(out)
}

/// FNV-1a for the candidate map: event keys are short, and SipHash's DoS resistance buys
/// nothing for keys that come from the store.
type Fnv = std::hash::BuildHasherDefault<FnvHasher>;

#[derive(Default)]
struct FnvHasher(u64);

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Postings read in full per question; commoner concepts are checked per candidate (see
/// `retrieve`).
const READ_MAX: usize = 1_000;

/// What checking candidates has read: each (form, segment) posting, as a set of event keys.
#[derive(Default)]
struct Lookups {
    /// (concept index, form index, segment) → the keys that form's posting lists there.
    postings: HashMap<(usize, usize, u64), std::collections::HashSet<String, Fnv>, Fnv>,
}

/// How well the event `key` (in `segment`) says `concept`: the best factor among the forms
/// whose posting in that segment lists it (0 for none). A segment's posting is read once for
/// all the candidates it holds.
fn concept_factor(
    store: &Store,
    (ci, concept): (usize, &Concept),
    key: &str,
    segment: u64,
    lookups: &mut Lookups,
) -> Result<f32, StoreError> {
    let mut best = 0.0f32;
    for (ai, (alt, factor)) in concept.alternatives.iter().enumerate() {
        if *factor <= best {
            continue;
        }
        let id = (ci, ai, segment);
        if !lookups.postings.contains_key(&id) {
            let keys = store.posting_in_segment(alt.posting(), segment)?;
            lookups.postings.insert(id, keys.into_iter().collect());
        }
        if lookups.postings[&id].contains(key) {
            best = *factor;
        }
    }
    Ok(best)
}

/// Cuts a question into concepts: actors (with the bodies they speak for), then the remaining
/// content words with their synonyms.
fn concepts(question: &str, actors: &ActorMatcher) -> Vec<Concept> {
    let mut out = Vec::new();
    let found = actors.find(question);
    let mut actor_words: Vec<String> = Vec::new();
    for name in &found {
        let mut alternatives = vec![(Alternative::Actor(name.clone()), 1.0)];
        for member in actors.members_of(name) {
            alternatives.push((Alternative::Actor(member.to_string()), 0.9));
        }
        out.push(Concept { alternatives });
        actor_words.extend(words(name));
    }
    // Words of the question that named an actor are covered by the actor concept.
    let alias_words: Vec<String> = question
        .split_whitespace()
        .filter(|w| !actors.find(w).is_empty())
        .flat_map(words)
        .collect();
    let mut seen: Vec<String> = Vec::new();
    for w in words(question) {
        if is_stopword(&w)
            || QUESTION_WORDS.contains(&w.as_str())
            || alias_words.contains(&w)
            || actor_words.contains(&w)
        {
            continue;
        }
        let s = stem(&w);
        if seen.contains(&s) {
            continue;
        }
        seen.push(s.clone());
        let mut alternatives = vec![(Alternative::Term(s.clone()), 1.0)];
        for group in SYNONYMS {
            if group.iter().any(|g| stem(g) == s) {
                for g in group.iter() {
                    let gs = stem(g);
                    if gs != s
                        && !alternatives
                            .iter()
                            .any(|(a, _)| matches!(a, Alternative::Term(t) if *t == gs))
                    {
                        alternatives.push((Alternative::Term(gs), 0.9));
                    }
                }
            }
        }
        out.push(Concept { alternatives });
    }
    out
}

/// The configured topic a question names (by alias or keyword phrase), longest match first.
pub fn topic_in<'c>(topics: &'c [Topic], question: &str) -> Option<&'c Topic> {
    let q = format!(" {} ", words(question).join(" "));
    let mut best: Option<(&Topic, usize)> = None;
    for t in topics {
        for name in t
            .aliases
            .iter()
            .chain(t.keywords.iter())
            .chain(std::iter::once(&t.name))
        {
            let n = words(name).join(" ");
            if !n.is_empty()
                && q.contains(&format!(" {n} "))
                && best.is_none_or(|(_, l)| n.len() > l)
            {
                best = Some((t, n.len()));
            }
        }
    }
    best.map(|(t, _)| t)
}

/// The stage of `topic` a question asks about: the stage whose name's words all occur in the
/// question (stemmed), the most specific first ("memorandum signed" over "signed").
pub fn stage_in<'t>(topic: &'t Topic, question: &str) -> Option<&'t crate::config::Stage> {
    let q: Vec<String> = words(question).iter().map(|w| stem(w)).collect();
    topic
        .stages
        .iter()
        .filter(|s| {
            let name: Vec<String> = words(&s.name)
                .iter()
                .filter(|w| !is_stopword(w))
                .map(|w| stem(w))
                .collect();
            !name.is_empty() && name.iter().all(|n| q.contains(n) || synonym_in(n, &q))
        })
        .max_by_key(|s| words(&s.name).len())
}

fn synonym_in(stemmed: &str, question: &[String]) -> bool {
    SYNONYMS.iter().any(|g| {
        g.iter().any(|w| stem(w) == stemmed) && g.iter().any(|w| question.contains(&stem(w)))
    }) && !matches!(stemmed, "accept" | "reject" | "agree")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Article;
    use crate::config::Config;
    use crate::event::Modality;

    fn event(sentence_index: u32, clause: &str) -> Event {
        Event {
            article: "art".into(),
            sentence_index,
            clause_index: 0,
            sentence: clause.into(),
            clause: clause.into(),
            date: None,
            reported: chrono::NaiveDate::from_ymd_opt(2025, 5, 1).unwrap(),
            actors: Vec::new(),
            attribution: None,
            modality: Modality::Fact,
            topics: Vec::new(),
            stages: Vec::new(),
        }
    }

    /// Two events covering the question equally; the later one says "because". Only a "why"
    /// question may prefer it: for any other kind the tie goes to the first by key.
    #[test]
    fn only_why_questions_prefer_a_clause_that_gives_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let article = Article {
            id: "art".into(),
            title: "Vote delayed".into(),
            outlet: "Test Wire".into(),
            url: "https://wire.example/vote".into(),
            published: chrono::DateTime::parse_from_rfc3339("2025-05-01T09:00:00+03:00").unwrap(),
            timezone: None,
            paragraphs: Vec::new(),
            content_hash: "h".into(),
            source_path: "vote.txt".into(),
        };
        let events = [
            event(0, "The parliament delayed the ratification vote."),
            event(
                1,
                "The parliament delayed the ratification vote because of objections.",
            ),
        ];
        store.put_article(&article, &events).unwrap();
        let actors = ActorMatcher::new(&Config::builtin());
        let first = |kind| {
            let found = retrieve(
                &store,
                &actors,
                "parliament delayed ratification vote",
                kind,
                None,
                2,
            )
            .unwrap();
            assert_eq!(found.len(), 2);
            found[0].event.sentence_index
        };
        assert_eq!(first(QuestionKind::Why), 1);
        assert_eq!(first(QuestionKind::Other), 0);
        assert_eq!(first(QuestionKind::Who), 0);
    }
}
