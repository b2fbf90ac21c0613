//! Attribution: according to whom a clause is said ("X said", "according to X", "Y reported,
//! citing Z", "wrote on Telegram").

use super::actors::ActorMatcher;
use crate::text::word_spans;

/// Verbs of saying and reporting.
const SPEECH: &[&str] = &[
    "said", "says", "told", "wrote", "reported", "reports", "confirmed", "announced", "stated",
    "predicted", "suggested", "insisted", "stressed", "added", "noted", "warned", "claimed",
    "indicated", "tweeted", "posted",
];

/// Finds who the clause is attributed to: a named actor where one stands next to the verb,
/// otherwise the words before the verb ("a White House official", "the statement").
pub fn find(clause: &str, actors: &ActorMatcher) -> Option<String> {
    let lower = clause.to_lowercase();
    // "according to X" names the source outright.
    if let Some(pos) = lower.find("according to ") {
        let rest = &clause[pos + "according to ".len()..];
        let end = rest
            .find([',', '.', ';', '"', '“', '”'])
            .unwrap_or(rest.len());
        let phrase = rest[..end].trim();
        let phrase = phrase.split(" of ").next().unwrap_or(phrase);
        return Some(actors.find(phrase).into_iter().next().unwrap_or_else(|| tidy(phrase)));
    }
    let words = word_spans(clause);
    let mut citing = None;
    if let Some(pos) = lower.find(", citing ") {
        let rest = &clause[pos + ", citing ".len()..];
        let end = rest.find([',', '.', ';']).unwrap_or(rest.len());
        citing = Some(tidy(&rest[..end]));
    }
    // The last speech verb governs: "Waltz suggested ... , Reuters reported." is Reuters' report.
    let verb = words.iter().rposition(|w| SPEECH.contains(&w.text))?;
    let verb_start = words[verb].start;
    // The subject: the words before the verb back to a comma, quote or clause start.
    let before = &clause[..verb_start];
    let cut = before
        .rfind([',', '"', '“', '”', ';', ':'])
        .map(|i| i + before[i..].chars().next().map_or(1, char::len_utf8))
        .unwrap_or(0);
    let subject = before[cut..].trim();
    let who = if let Some(actor) = actors.find(subject).into_iter().last() {
        actor
    } else if !subject.is_empty() && subject.split_whitespace().count() <= 6 {
        tidy(subject)
    } else if let Some(actor) = words
        .get(verb + 1)
        .filter(|_| verb + 1 < words.len())
        .and_then(|_| actors.find(&clause[words[verb].end()..]).into_iter().next())
    {
        // "..., said Yermak": the subject follows the verb.
        actor
    } else {
        return None;
    };
    if who.is_empty() || matches!(who.to_lowercase().as_str(), "he" | "she" | "they" | "it") {
        // A pronoun stands for the actor named earlier in the clause.
        let first = actors.find(before).into_iter().next();
        return first.map(|a| with_citing(a, citing));
    }
    Some(with_citing(who, citing))
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
    const LEADING: &[&str] = &["the", "and", "but", "while", "as", "so", "a", "an"];
    const TRAILING: &[&str] = &["have", "has", "had", "would", "will", "also", "later", "then"];
    let p = phrase.trim().trim_matches(|c: char| !c.is_alphanumeric());
    let mut words: Vec<&str> = p.split_whitespace().collect();
    while words.first().is_some_and(|w| LEADING.contains(&w.to_lowercase().as_str())) {
        words.remove(0);
    }
    while words.last().is_some_and(|w| TRAILING.contains(&w.to_lowercase().as_str())) {
        words.pop();
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn who(text: &str) -> Option<String> {
        find(text, &ActorMatcher::new(&Config::builtin()))
    }

    #[test]
    fn table() {
        assert_eq!(who("Ukrainian and American delegations will meet soon, President Volodymyr Zelensky's Chief of Staff Andriy Yermak said on March 5.").as_deref(), Some("Andriy Yermak"));
        assert_eq!(who("\"We discussed further steps,\" he wrote on Telegram.").as_deref(), None);
        assert_eq!(who("An agreement remains stalled as Trump seeks a \"bigger, better deal,\" CBS News reported on March 4.").as_deref(), Some("CBS News"));
        assert_eq!(who("Waltz suggested on March 5 that Trump may lift the pause, Reuters reported.").as_deref(), Some("Reuters"));
        assert_eq!(who("Putin rejected a US proposal, according to the Kremlin's account of his call.").as_deref(), Some("Kremlin"));
        assert_eq!(who("The United States has suspended military aid, a White House official said on Monday.").as_deref(), Some("White House"));
        assert_eq!(who("Kyiv agreed, the newspaper reported, citing two officials.").as_deref(), Some("newspaper, citing two officials"));
        assert_eq!(who("The parliament voted on Thursday.").as_deref(), None);
        assert_eq!(who("It must still be ratified, and officials have said two more deals are to follow.").as_deref(), Some("officials"));
    }
}
