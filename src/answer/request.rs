//! Parsing one message into a [`Request`]: `/command args` or a plain question.

use chrono::NaiveDate;

use super::Request;

/// The longest message we look at; longer input is cut (at a char boundary) before parsing.
pub const MAX_MESSAGE_CHARS: usize = 4096;

impl Request {
    /// Parses a message. Never fails: what is not understood becomes `Unknown` or `Ask`, and
    /// argument errors (a bad date) are reported by the answer, not here.
    pub fn parse(text: &str) -> Request {
        let text: String = text
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .take(MAX_MESSAGE_CHARS)
            .collect();
        let text = text.trim();
        if text.is_empty() {
            return Request::Empty;
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Request::Ask(text.to_string());
        };
        let (head, args) = match rest.find(char::is_whitespace) {
            Some(i) => (&rest[..i], rest[i..].trim()),
            None => (rest, ""),
        };
        // "/latest@storyline_bot": the front-end has already checked the bot name.
        let command = head.split('@').next().unwrap_or(head).to_lowercase();
        let topic = || (!args.is_empty()).then(|| args.to_string());
        match command.as_str() {
            "start" => Request::Start,
            "help" => Request::Help,
            "latest" | "news" => Request::Latest { topic: topic() },
            "status" => {
                let (topic, as_of) = split_trailing_date(args);
                Request::Status { topic, as_of }
            }
            "timeline" => Request::Timeline { topic: topic() },
            "topics" => Request::Topics,
            "sources" => Request::Sources,
            "subscribe" => Request::Subscribe { topic: topic() },
            "unsubscribe" => Request::Unsubscribe { topic: topic() },
            "subscriptions" => Request::Subscriptions,
            "ask" if !args.is_empty() => Request::Ask(args.to_string()),
            _ => Request::Unknown {
                command: format!("/{command}"),
            },
        }
    }
}

/// Splits "minerals deal 2025-04-01" into the topic and the date. A last word that looks like a
/// date but is not one stays in the topic, and the answer then reports the unknown topic.
fn split_trailing_date(args: &str) -> (Option<String>, Option<AsOf>) {
    let mut words: Vec<&str> = args.split_whitespace().collect();
    let mut as_of = None;
    if let Some(last) = words.last() {
        if last.len() == 10 && last.as_bytes()[4] == b'-' {
            as_of = Some(match NaiveDate::parse_from_str(last, "%Y-%m-%d") {
                Ok(d) => AsOf::Date(d),
                Err(_) => AsOf::Invalid(last.to_string()),
            });
            words.pop();
        }
    }
    let topic = (!words.is_empty()).then(|| words.join(" "));
    (topic, as_of)
}

/// The date argument of `/status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AsOf {
    Date(NaiveDate),
    /// Looked like a date but is not one ("2025-02-30").
    Invalid(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_questions() {
        assert_eq!(Request::parse("/latest"), Request::Latest { topic: None });
        assert_eq!(
            Request::parse("/latest@storyline_bot minerals"),
            Request::Latest {
                topic: Some("minerals".into())
            }
        );
        assert_eq!(
            Request::parse("/status minerals deal 2025-04-01"),
            Request::Status {
                topic: Some("minerals deal".into()),
                as_of: Some(AsOf::Date(NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()))
            }
        );
        assert_eq!(
            Request::parse("/status 2025-02-30"),
            Request::Status {
                topic: None,
                as_of: Some(AsOf::Invalid("2025-02-30".into()))
            }
        );
        assert_eq!(
            Request::parse("  is it signed? "),
            Request::Ask("is it signed?".into())
        );
        assert_eq!(
            Request::parse("/frobnicate"),
            Request::Unknown {
                command: "/frobnicate".into()
            }
        );
        assert_eq!(Request::parse(" \u{0} \n"), Request::Empty);
    }

    #[test]
    fn long_and_odd_input_does_not_panic() {
        let long = "é".repeat(10_000);
        assert!(
            matches!(Request::parse(&long), Request::Ask(q) if q.chars().count() == MAX_MESSAGE_CHARS)
        );
        for s in ["/", "/ ", "/@", "/status 2025-0", "/status ééééééééé-x"] {
            let _ = Request::parse(s);
        }
    }
}
