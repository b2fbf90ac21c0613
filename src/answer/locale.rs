//! The reply's own words in Ukrainian, for a question asked in Ukrainian: the headline, labels,
//! notes and hints. The cited sentences stay as their sources wrote them, and dates the core
//! writes are given as ISO days (2025-05-08), which read the same in both languages.
//!
//! The phrases are the ones the core itself writes (see `answer/mod.rs` and `verdict.rs`); a
//! phrase missing here stays in English rather than being guessed.

use chrono::NaiveDate;

use super::reply::Reply;

/// The core's framing phrases and their Ukrainian, longest first where one holds another.
const PHRASES: &[(&str, &str)] = &[
    ("I don't have that in my sources.", "У моїх джерелах цього немає."),
    (
        "Try /topics to see what I follow, or /latest for the newest events.",
        "Надішліть /topics, щоб побачити, за чим я стежу, або /latest — найновіше.",
    ),
    (
        "Only reported facts count as having happened; predictions and hedged statements are marked.",
        "Сталим вважається лише те, про що повідомлено як про факт; прогнози й непевні твердження позначено.",
    ),
    (
        "Hedged, conditional and expected statements are marked: they are not reports that it happened.",
        "Непевні, умовні й очікувані твердження позначено: це не повідомлення, що подія сталася.",
    ),
    (
        "Only reported facts move the stage; hedged, conditional and future statements are listed as expected.",
        "Етап змінюють лише факти; непевні, умовні й майбутні твердження наведено як очікувані.",
    ),
    ("My sources don't report the", "Мої джерела не повідомляють, що"),
    ("my sources report it", "за моїми джерелами,"),
    ("Nothing in my sources mentions", "У моїх джерелах не згадано"),
    ("Showing results for", "Показую результати для"),
    ("From my sources", "З моїх джерел"),
    (
        "My sources don't say exactly; closest:",
        "Мої джерела не кажуть цього точно; найближче:",
    ),
    ("Yes, as of", "Так, станом на"),
    ("Yes:", "Так:"),
    ("No — not", "Ні — не"),
    ("as of", "станом на"),
    ("by my sources", "за моїми джерелами"),
    ("since", "з"),
    ("Stage:", "Етап:"),
    ("Now:", "Зараз:"),
    ("Then:", "Тоді:"),
    ("Expected", "Очікується"),
    ("Not yet", "Ще ні"),
    ("Hedged", "Непевно"),
    ("Conditional", "За умови"),
    ("hedged", "непевно"),
    ("conditional", "за умови"),
    // Before "signed", which it holds.
    ("memorandum signed", "меморандум підписано"),
    ("signed", "підписано"),
    ("ratified", "ратифіковано"),
    ("in force", "чинна"),
    ("operational", "працює"),
    ("paused", "призупинено"),
    ("resumed", "відновлено"),
    ("stalled", "загальмовано"),
    ("collapsed", "зірвано"),
    ("negotiating", "переговори"),
    (" on ", " — "),
];

/// Puts the reply's own words in Ukrainian (see the module comment).
pub fn in_ukrainian(reply: &mut Reply) {
    if !reply.title_quotes_sources {
        reply.title = translate(&reply.title);
    }
    for line in &mut reply.intro {
        *line = translate(line);
    }
    for note in &mut reply.notes {
        *note = translate(note);
    }
    for item in &mut reply.items {
        if let Some(label) = &mut item.label {
            *label = translate(label);
        }
    }
}

/// A modality's label in Ukrainian ("expected" → "очікується").
pub(super) fn modality_word(m: crate::event::Modality) -> &'static str {
    use crate::event::Modality;
    match m {
        Modality::Fact => "факт",
        Modality::Hedged => "непевно",
        Modality::Conditional => "за умови",
        Modality::Future => "очікується",
        Modality::Negated => "ні",
    }
}

/// The Ukrainian plural form for `n`: one (1, 21, …), few (2–4, 22–24, …) or many.
pub(super) fn plural(n: u64, forms: [&'static str; 3]) -> &'static str {
    match (n % 10, n % 100) {
        (1, r) if r != 11 => forms[0],
        (2..=4, r) if !(12..=14).contains(&r) => forms[1],
        _ => forms[2],
    }
}

/// "день", "дні" or "днів" after `n`.
pub(super) fn days_word(n: u64) -> &'static str {
    plural(n, ["день", "дні", "днів"])
}

/// "тиждень", "тижні" or "тижнів" after a number; after "близько" the genitive.
pub(super) fn weeks_word(n: u64) -> &'static str {
    plural(n, ["тижня", "тижнів", "тижнів"])
}

/// "місяця" or "місяців" after "близько" and a number.
pub(super) fn months_word(n: u64) -> &'static str {
    plural(n, ["місяця", "місяців", "місяців"])
}

pub(super) fn translate(text: &str) -> String {
    let mut out = iso_dates(text);
    for (en, uk) in PHRASES {
        out = out.replace(en, uk);
    }
    out
}

/// "May 8, 2025" (the core's day format) → "2025-05-08".
pub(super) fn iso_dates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for month in [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ] {
            if let Some(after) = rest.strip_prefix(month) {
                // "May 8, 2025": month, space, day, comma, space, year.
                let day: String = after
                    .strip_prefix(' ')
                    .unwrap_or("")
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let tail = after.get(1 + day.len()..).unwrap_or("");
                let year: String = tail
                    .strip_prefix(", ")
                    .unwrap_or("")
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if !day.is_empty() && year.len() == 4 {
                    let text = format!("{month} {day}, {year}");
                    if let Ok(d) = NaiveDate::parse_from_str(&text, "%b %d, %Y") {
                        out.push_str(&d.format("%Y-%m-%d").to_string());
                        rest = &rest[text.len()..];
                        continue 'scan;
                    }
                }
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_is_translated_and_dates_become_iso() {
        assert_eq!(
            translate("Yes: ratified on May 8, 2025"),
            "Так: ратифіковано — 2025-05-08"
        );
        assert_eq!(
            translate("I don't have that in my sources."),
            "У моїх джерелах цього немає."
        );
        assert_eq!(
            iso_dates("Mayor said on May 23, 2025."),
            "Mayor said on 2025-05-23."
        );
    }
}
