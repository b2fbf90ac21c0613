//! Plain-language questions: the question is cut into concepts (a word with its synonyms, or an
//! actor with its name variants), events are found through the store's term and actor indexes,
//! scored by how much of the question they cover (rare words weigh more), and the best are
//! answered with their dates and citations. Too little coverage means "not in my sources".

use super::lexicon::Lexicon;
use super::search::{search, Alternative, Concept, Scored};
use crate::config::Topic;
use crate::extract::actors::ActorMatcher;
use crate::store::{Store, StoreError};
use crate::text::{is_stopword, stem, words};

/// Question words that add nothing to retrieval.
const QUESTION_WORDS: &[&str] = &[
    "when", "who", "what", "why", "how", "which", "whom", "where", "did", "does", "do", "has",
    "have", "is", "was", "were", "are", "the", "happen", "happened", "many", "much", "tell",
    "know", "anything", "news", "latest", "please", "yet", "does", "give",
];

/// Whether a word only asks (when, who, did …) rather than says what about.
pub fn is_question_word(word: &str) -> bool {
    QUESTION_WORDS.contains(&word)
}

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
        } else if first == "how"
            && w.get(1).is_some_and(|x| {
                // A quantity: "how many", "how much", "how big was the loan", "how long was the call".
                matches!(
                    x.as_str(),
                    "many" | "much" | "big" | "large" | "long" | "high" | "far" | "old"
                )
            })
        {
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

/// Finds the events that answer `question`, best first; empty when nothing covers enough of it.
pub fn retrieve(
    store: &Store,
    reader: &Reader<'_>,
    question: &str,
    kind: QuestionKind,
    day: Option<chrono::NaiveDate>,
    limit: usize,
) -> Result<Vec<Scored>, StoreError> {
    search(store, &concepts(question, reader), kind, day, limit)
}

/// What reads a question: the actors and the lexicon of the config.
pub struct Reader<'a> {
    pub actors: &'a ActorMatcher,
    pub lexicon: &'a Lexicon,
}

/// Cuts a question into concepts: actors (with the bodies they speak for), then the remaining
/// content words with their synonyms.
fn concepts(question: &str, reader: &Reader<'_>) -> Vec<Concept> {
    let actors = reader.actors;
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
        for gs in reader.lexicon.synonyms(&s) {
            if *gs != s
                && !alternatives
                    .iter()
                    .any(|(a, _)| matches!(a, Alternative::Term(t) if t == gs))
            {
                alternatives.push((Alternative::Term(gs.clone()), 0.9));
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
pub fn stage_in<'t>(
    topic: &'t Topic,
    question: &str,
    lexicon: &Lexicon,
) -> Option<&'t crate::config::Stage> {
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
            !name.is_empty()
                && name
                    .iter()
                    .all(|n| q.contains(n) || synonym_in(n, &q, lexicon))
        })
        .max_by_key(|s| words(&s.name).len())
}

fn synonym_in(stemmed: &str, question: &[String], lexicon: &Lexicon) -> bool {
    // "accept"/"reject"/"agree" share a concept for finding events, but asking whether Russia
    // accepted is not asking whether it rejected: no stage by those synonyms.
    !matches!(stemmed, "accept" | "reject" | "agree")
        && lexicon
            .synonyms(stemmed)
            .iter()
            .any(|w| question.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Article;
    use crate::config::Config;
    use crate::event::{Event, Modality};

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
        let lexicon = Lexicon::new(&Config::builtin());
        let reader = Reader {
            actors: &actors,
            lexicon: &lexicon,
        };
        let first = |kind| {
            let found = retrieve(
                &store,
                &reader,
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
