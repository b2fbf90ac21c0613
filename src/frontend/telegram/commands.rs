//! The command menu Telegram shows (`set_my_commands`): the doc comments are the help text.
//! Parsing stays with the core (`Engine::handle`), so this enum only describes the commands.

use teloxide::utils::command::BotCommands;

/// Storyline follows the news story and answers with dated, cited facts.
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// Welcome and a short guide.
    Start,
    /// What I can answer and how to ask.
    Help,
    /// The newest dated facts, optionally for one topic (/latest minerals).
    Latest(String),
    /// Where a topic stands now, with the facts behind it (/status minerals).
    Status(String),
    /// A topic's story in date order (/timeline minerals).
    Timeline(String),
    /// A topic's status as a picture to forward (/card minerals).
    Card(String),
    /// The topics I follow.
    Topics,
    /// The articles I know.
    Sources,
    /// Get a message here when a new article adds to a topic.
    Subscribe(String),
    /// Stop updates on a topic (or all).
    Unsubscribe(String),
    /// The topics this chat follows.
    Subscriptions,
}

/// The menu entries. Telegram documents command names without the leading slash that
/// teloxide's generated list carries, so it is removed.
pub fn menu() -> Vec<teloxide::types::BotCommand> {
    Command::bot_commands()
        .into_iter()
        .map(|mut c| {
            c.command = c.command.trim_start_matches('/').to_string();
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_short_description() {
        let menu = menu();
        assert!(menu.iter().any(|c| c.command == "subscribe"));
        for c in &menu {
            assert!((3..=256).contains(&c.description.chars().count()), "{c:?}");
        }
    }
}
