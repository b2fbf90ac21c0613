//! Attribution: according to whom a clause is said ("X said", "according to X", "Y reported,
//! citing Z", "wrote on Telegram").

use super::actors::ActorMatcher;
use crate::text::{word_spans, Word};

/// Verbs of saying and reporting.
const SPEECH: &[&str] = &[
    "said",
    "says",
    "told",
    "wrote",
    "reported",
    "reports",
    "confirmed",
    "announced",
    "stated",
    "predicted",
    "suggested",
    "insisted",
    "stressed",
    "added",
    "noted",
    "warned",
    "claimed",
    "indicated",
    "tweeted",
    "posted",
];

/// Who a clause is attributed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A named actor or a described one ("a White House official").
    Named(String),
    /// "he said", "she wrote": the caller resolves it from the sentences before.
    Pronoun,
}

const PRONOUNS: &[&str] = &["he", "she", "they", "it", "we", "i"];

/// Finds who the clause is attributed to: a named actor where one stands next to the verb,
/// otherwise the words before the verb ("a White House official", "the statement").
pub fn find(clause: &str, actors: &ActorMatcher) -> Option<Source> {
    find_in(clause, &word_spans(clause), actors)
}

/// [`find`] with the clause's words already cut (`words` is `word_spans(clause)`).
pub fn find_in(clause: &str, words: &[Word<'_>], actors: &ActorMatcher) -> Option<Source> {
    let lower = clause.to_lowercase();
    // "according to X" names the source outright.
    if let Some(pos) = lower.find("according to ") {
        let rest = &clause[pos + "according to ".len()..];
        let end = rest
            .find([',', '.', ';', '"', '“', '”'])
            .unwrap_or(rest.len());
        let phrase = rest[..end].trim();
        let phrase = phrase.split(" of ").next().unwrap_or(phrase);
        let who = actors
            .find(phrase)
            .into_iter()
            .next()
            .unwrap_or_else(|| tidy(phrase));
        return Some(Source::Named(who));
    }
    let citing = lower.find(", citing ").map(|pos| {
        let rest = &clause[pos + ", citing ".len()..];
        tidy(&rest[..rest.find([',', '.', ';']).unwrap_or(rest.len())])
    });
    let named = |who: String| Some(Source::Named(with_citing(who, citing.clone())));
    let mut saw_pronoun = false;
    // The last speech verb governs ("Waltz suggested ... , Reuters reported." is Reuters'
    // report); an earlier one answers when the last one's subject is only a pronoun.
    for verb in (0..words.len())
        .rev()
        .filter(|&i| SPEECH.contains(&words[i].text))
    {
        let before = &clause[..words[verb].start];
        let cut = before
            .rfind([',', '"', '“', '”', ';', ':'])
            .map(|i| i + before[i..].chars().next().map_or(1, char::len_utf8))
            .unwrap_or(0);
        let subject = tidy(&before[cut..]);
        if let Some(actor) = actors.find(&subject).into_iter().last() {
            return named(actor);
        }
        if PRONOUNS.contains(&subject.to_lowercase().as_str()) {
            saw_pronoun = true;
            continue;
        }
        if subject.is_empty() {
            // "Ukraine's prime minister, Denys Shmyhal, said": the appositive between the last
            // two commas names the speaker.
            if let Some(prev) = before[..cut.saturating_sub(1)].rfind(',') {
                let apposition = &before[prev + 1..cut.saturating_sub(1)];
                if let Some(actor) = actors.find(apposition).into_iter().last() {
                    return named(actor);
                }
            }
            // "Zelensky, speaking from Finland, said" or "Bessent, who said": the subject is
            // the last actor before the first comma.
            let head = &clause[..clause.find(',').unwrap_or(0).min(words[verb].start)];
            if let Some(actor) = actors.find(head).into_iter().last() {
                return named(actor);
            }
            // "..., said Yermak": the subject follows the verb.
            let after: Vec<_> = words[verb + 1..].iter().take(4).collect();
            if let (Some(first), Some(last)) = (after.first(), after.last()) {
                if let Some(actor) = actors
                    .find(&clause[first.start..last.end()])
                    .into_iter()
                    .next()
                {
                    return named(actor);
                }
            }
            continue;
        }
        // A described speaker is a noun phrase ("a White House official", "the statement"),
        // not a clause ("no formal decision was") or a prepositional phrase ("amid").
        let first = subject
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_lowercase();
        let clause_like = subject.split_whitespace().any(|w| {
            matches!(
                w.to_lowercase().as_str(),
                "was" | "were" | "is" | "are" | "been" | "be" | "this" | "that" | "it"
            )
        });
        let preposition = matches!(
            first.as_str(),
            "amid"
                | "in"
                | "on"
                | "at"
                | "after"
                | "before"
                | "with"
                | "by"
                | "for"
                | "from"
                | "during"
                | "to"
                | "of"
                | "as"
                | "than"
        );
        if subject.split_whitespace().count() <= 6 && !clause_like && !preposition {
            return named(subject);
        }
    }
    saw_pronoun.then_some(Source::Pronoun)
}

fn with_citing(who: String, citing: Option<String>) -> String {
    match citing {
        Some(c) if !c.is_empty() => format!("{who}, citing {c}"),
        _ => who,
    }
}

/// Trims articles, conjunctions, auxiliaries and stray punctuation from a noun phrase
/// ("and officials have" → "officials").
fn tidy(phrase: &str) -> String {
    const LEADING: &[&str] = &[
        "the", "and", "but", "while", "as", "so", "a", "an", "which", "who", "that",
    ];
    const TRAILING: &[&str] = &[
        "have", "has", "had", "would", "will", "also", "later", "then",
    ];
    let p = phrase.trim().trim_matches(|c: char| !c.is_alphanumeric());
    let mut words: Vec<&str> = p.split_whitespace().collect();
    while words
        .first()
        .is_some_and(|w| LEADING.contains(&w.to_lowercase().as_str()))
    {
        words.remove(0);
    }
    while words
        .last()
        .is_some_and(|w| TRAILING.contains(&w.to_lowercase().as_str()))
    {
        words.pop();
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn who(text: &str) -> Option<String> {
        match find(text, &ActorMatcher::new(&Config::builtin()))? {
            Source::Named(n) => Some(n),
            Source::Pronoun => Some("<pronoun>".into()),
        }
    }

    #[test]
    fn table() {
        assert_eq!(who("Ukrainian and American delegations will meet soon, President Volodymyr Zelensky's Chief of Staff Andriy Yermak said on March 5.").as_deref(), Some("Andriy Yermak"));
        assert_eq!(
            who("\"We discussed further steps,\" he wrote on Telegram.").as_deref(),
            Some("<pronoun>")
        );
        assert_eq!(who("Bloomberg reported that Trump had instructed Hegseth to carry out the freeze, which it said covered all equipment.").as_deref(), Some("Bloomberg"));
        assert_eq!(who("He deferred questions to Bessent, who said the two sides were aiming to finish around April 26.").as_deref(), Some("Scott Bessent"));
        assert_eq!(who("Ukrainian President Volodymyr Zelensky, speaking to reporters by video from Finland on Tuesday, said Kyiv would support a halt.").as_deref(), Some("Volodymyr Zelensky"));
        assert_eq!(who("An agreement remains stalled as Trump seeks a \"bigger, better deal,\" CBS News reported on March 4.").as_deref(), Some("CBS News"));
        assert_eq!(
            who("Waltz suggested on March 5 that Trump may lift the pause, Reuters reported.")
                .as_deref(),
            Some("Reuters")
        );
        assert_eq!(
            who("Putin rejected a US proposal, according to the Kremlin's account of his call.")
                .as_deref(),
            Some("Kremlin")
        );
        assert_eq!(who("The United States has suspended military aid, a White House official said on Monday.").as_deref(), Some("White House"));
        assert_eq!(
            who("Kyiv agreed, the newspaper reported, citing two officials.").as_deref(),
            Some("newspaper, citing two officials")
        );
        assert_eq!(who("The parliament voted on Thursday.").as_deref(), None);
        // An appositive names the speaker, not the country before it.
        assert_eq!(
            who("Ukraine's prime minister, Denys Shmyhal, said the deal was close.").as_deref(),
            Some("Denys Shmyhal")
        );
        // A clause or a prepositional phrase before the verb is not a speaker.
        assert_eq!(
            who("The pause was lifted, but no formal decision was announced until Friday.")
                .as_deref(),
            None
        );
        assert_eq!(
            who("Markets rose sharply, amid reports that talks had resumed.").as_deref(),
            None
        );
        assert_eq!(
            who("It must still be ratified, and officials have said two more deals are to follow.")
                .as_deref(),
            Some("officials")
        );
    }
}
