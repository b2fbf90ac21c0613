//! The subscription requests (`/subscribe`, `/unsubscribe`, `/subscriptions`): they record what
//! a chat follows in the store and answer like any other request. Delivering pushes to
//! subscribers is `notify`'s part.

use super::{Action, Engine, Reply, ReplyItem, ReplyKind, Request, Subscriber};
use crate::config::Topic;
use crate::store::Subscription;

/// `/subscribe [topic]`: records the subscription and replies with the topic's current status
/// and latest events (backfill).
pub fn subscribe(engine: &Engine, from: &Subscriber, topic: Option<&str>) -> Reply {
    let Some(name) = topic.map(str::trim).filter(|t| !t.is_empty()) else {
        return topic_menu(
            engine,
            "Which topic would you like to follow?",
            "/subscribe",
        );
    };
    let Some(topic) = engine.config().find_topic(name) else {
        return unknown_topic(engine, name, "/subscribe");
    };
    let store = engine.store();
    let existing = match store.chat_subscriptions(from.chat_id, from.thread_id) {
        Ok(subs) => subs,
        Err(e) => return storage_error(&e),
    };
    let already = existing.iter().any(|s| s.topic == topic.id);
    // The limit counts the whole chat: a forum's threads are not a way around it.
    let limit = engine.config().telegram.max_subscriptions_per_chat;
    if !already {
        let held = match store.chat_subscription_count(from.chat_id) {
            Ok(n) => n,
            Err(e) => return storage_error(&e),
        };
        if held >= limit {
            tracing::info!(
                chat = from.chat_id,
                held,
                limit,
                "subscription refused: limit reached"
            );
            return Reply {
                title: format!(
                    "This chat already has {held} subscriptions, the most one chat may have"
                ),
                intro: vec![format!(
                    "A chat may follow at most {limit} topics (counting every thread of a forum). \
                     Unsubscribe from one first: /subscriptions lists them."
                )],
                actions: vec![action("My subscriptions", "/subscriptions")],
                kind: ReplyKind::Error,
                ..Reply::default()
            };
        }
    }
    if !already {
        let sub = Subscription {
            chat_id: from.chat_id,
            thread_id: from.thread_id,
            topic: topic.id.clone(),
        };
        if let Err(e) = store.add_subscription(&sub) {
            return storage_error(&e);
        }
        tracing::info!(chat = from.chat_id, thread = ?from.thread_id, topic = %topic.id, "subscribed");
    }
    // Backfill: the core's own status and latest answers, merged into one message.
    let status = engine.answer(
        from,
        &Request::Status {
            topic: Some(topic.id.clone()),
            as_of: None,
        },
    );
    let latest = engine.answer(
        from,
        &Request::Latest {
            topic: Some(topic.id.clone()),
        },
    );
    let mut reply = Reply {
        title: if already {
            format!("You already follow {}", topic.name)
        } else {
            format!("Subscribed to {}", topic.name)
        },
        intro: vec![format!(
            "I will post here when a new article adds to the {} story. Where it stands now:",
            topic.name
        )],
        kind: ReplyKind::Answer,
        ..Reply::default()
    };
    for (i, part) in [status, latest].iter().enumerate() {
        if part.kind == ReplyKind::Error {
            continue;
        }
        // The status title says where the story stands; the latest title only matters when it
        // stands alone ("nothing yet").
        if !part.title.is_empty() && (i == 0 || part.items.is_empty()) {
            reply.intro.push(part.title.clone());
        }
        merge_into(&mut reply, part);
    }
    reply.actions = vec![
        action("Timeline", &format!("/timeline {}", topic.id)),
        action("Unsubscribe", &format!("/unsubscribe {}", topic.id)),
    ];
    reply
}

/// `/unsubscribe [topic]`; `all` drops every topic of the chat.
pub fn unsubscribe(engine: &Engine, from: &Subscriber, topic: Option<&str>) -> Reply {
    let store = engine.store();
    let existing = match store.chat_subscriptions(from.chat_id, from.thread_id) {
        Ok(subs) => subs,
        Err(e) => return storage_error(&e),
    };
    let Some(name) = topic.map(str::trim).filter(|t| !t.is_empty()) else {
        if existing.is_empty() {
            return info(
                "This chat follows no topics",
                vec![],
                subscribe_actions(engine),
            );
        }
        let actions = existing
            .iter()
            .map(|s| {
                action(
                    &topic_name(engine, &s.topic),
                    &format!("/unsubscribe {}", s.topic),
                )
            })
            .collect();
        return info("Which topic should I stop following here?", vec![], actions);
    };
    let targets: Vec<Subscription> = if name.eq_ignore_ascii_case("all") {
        existing.clone()
    } else {
        let Some(topic) = engine.config().find_topic(name) else {
            return unknown_topic(engine, name, "/unsubscribe");
        };
        match existing.iter().find(|s| s.topic == topic.id) {
            Some(s) => vec![s.clone()],
            None => {
                return info(
                    &format!("This chat does not follow {}", topic.name),
                    vec![],
                    vec![action("My subscriptions", "/subscriptions")],
                )
            }
        }
    };
    if targets.is_empty() {
        return info(
            "This chat follows no topics",
            vec![],
            subscribe_actions(engine),
        );
    }
    for sub in &targets {
        if let Err(e) = store.remove_subscription(sub) {
            return storage_error(&e);
        }
        tracing::info!(chat = from.chat_id, thread = ?from.thread_id, topic = %sub.topic, "unsubscribed");
    }
    let names: Vec<String> = targets
        .iter()
        .map(|s| topic_name(engine, &s.topic))
        .collect();
    info(
        &format!("Unsubscribed from {}", names.join(", ")),
        vec!["No more updates on it here.".into()],
        targets
            .iter()
            .map(|s| action("Subscribe again", &format!("/subscribe {}", s.topic)))
            .take(1)
            .collect(),
    )
}

/// `/subscriptions`: the chat's topics.
pub fn subscriptions(engine: &Engine, from: &Subscriber) -> Reply {
    match engine
        .store()
        .chat_subscriptions(from.chat_id, from.thread_id)
    {
        Err(e) => storage_error(&e),
        Ok(subs) if subs.is_empty() => info(
            "This chat follows no topics yet",
            vec!["Pick one to get a message whenever a new article adds to it.".into()],
            subscribe_actions(engine),
        ),
        Ok(subs) => info(
            "Topics this chat follows",
            subs.iter()
                .map(|s| format!("{} ({})", topic_name(engine, &s.topic), s.topic))
                .collect(),
            subs.iter()
                .map(|s| {
                    action(
                        &format!("Unsubscribe {}", s.topic),
                        &format!("/unsubscribe {}", s.topic),
                    )
                })
                .collect(),
        ),
    }
}

fn action(label: &str, command: &str) -> Action {
    Action {
        label: label.to_string(),
        command: command.to_string(),
    }
}

fn info(title: &str, intro: Vec<String>, actions: Vec<Action>) -> Reply {
    Reply {
        title: title.to_string(),
        intro,
        actions,
        kind: ReplyKind::Info,
        ..Reply::default()
    }
}

fn topic_name(engine: &Engine, id: &str) -> String {
    engine
        .config()
        .topic(id)
        .map(|t| t.name.clone())
        .unwrap_or_else(|| id.to_string())
}

fn subscribe_actions(engine: &Engine) -> Vec<Action> {
    engine
        .config()
        .topics
        .iter()
        .map(|t| action(&t.name, &format!("/subscribe {}", t.id)))
        .collect()
}

fn topic_list(engine: &Engine) -> String {
    let topics: Vec<String> = engine.config().topics.iter().map(describe_topic).collect();
    format!("Topics: {}.", topics.join("; "))
}

fn describe_topic(t: &Topic) -> String {
    format!("{} ({})", t.name, t.id)
}

/// No topic named: the topics as buttons.
fn topic_menu(engine: &Engine, title: &str, command: &str) -> Reply {
    let actions = engine
        .config()
        .topics
        .iter()
        .map(|t| action(&t.name, &format!("{command} {}", t.id)))
        .collect();
    info(title, vec![topic_list(engine)], actions)
}

fn unknown_topic(engine: &Engine, name: &str, command: &str) -> Reply {
    // What the user typed comes back, but not all 4,000 characters of it.
    let shown: String = match name.char_indices().nth(ECHO_MAX) {
        Some((cut, _)) => format!("{}\u{2026}", &name[..cut]),
        None => name.to_string(),
    };
    let mut reply = topic_menu(
        engine,
        &format!("I don't follow a topic called \u{201c}{shown}\u{201d}"),
        command,
    );
    reply.kind = ReplyKind::Error;
    reply
}

/// Longest piece of a user's message quoted back in an error.
const ECHO_MAX: usize = 60;

fn storage_error(e: &crate::store::StoreError) -> Reply {
    tracing::error!(error = %e, "subscription storage failed");
    Reply {
        title: "Sorry, I could not update this chat's subscriptions right now".into(),
        intro: vec!["Please try again in a moment.".into()],
        kind: ReplyKind::Error,
        ..Reply::default()
    }
}

/// Appends `part`'s items, citations and notes to `into`, renumbering citations (one number per
/// article) and skipping items `into` already holds.
pub fn merge_into(into: &mut Reply, part: &Reply) {
    let mut map = Vec::with_capacity(part.citations.len());
    for c in &part.citations {
        map.push(into.cite(c));
    }
    let remap = |ix: &[usize]| -> Vec<usize> {
        ix.iter()
            .filter_map(|i| i.checked_sub(1).and_then(|i| map.get(i)).copied())
            .collect()
    };
    for item in &part.items {
        let item = ReplyItem {
            cites: remap(&item.cites),
            also_reported_by: remap(&item.also_reported_by),
            ..item.clone()
        };
        let duplicate = into
            .items
            .iter()
            .any(|i| i.text == item.text && i.event_date == item.event_date);
        if !duplicate {
            into.items.push(item);
        }
    }
    for note in &part.notes {
        if !into.notes.contains(note) {
            into.notes.push(note.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::store::Store;
    use std::sync::Arc;

    fn engine(limit: usize) -> (tempfile::TempDir, Engine) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data")).unwrap();
        let mut config = Config::builtin();
        config.telegram.max_subscriptions_per_chat = limit;
        (dir, Engine::new(Arc::new(config), Arc::new(store)))
    }

    #[test]
    fn a_hundred_subscriptions_from_one_chat_stop_at_the_limit_with_a_clear_message() {
        let (_dir, engine) = engine(20);
        let topics: Vec<String> = engine
            .config()
            .topics
            .iter()
            .map(|t| t.id.clone())
            .collect();
        let mut refused = 0;
        for i in 0..100 {
            // Distinct subscriptions: every topic in every thread of one forum.
            let from = Subscriber {
                chat_id: -1001,
                thread_id: Some(i / topics.len() as i32),
            };
            let topic = &topics[i as usize % topics.len()];
            let reply = subscribe(&engine, &from, Some(topic));
            if reply.kind == ReplyKind::Error {
                refused += 1;
                assert!(
                    reply.title.contains("the most one chat may have"),
                    "{}",
                    reply.title
                );
                assert!(
                    reply.intro[0].contains("at most 20 topics"),
                    "{:?}",
                    reply.intro
                );
            }
        }
        assert_eq!(refused, 80);
        assert_eq!(engine.store().chat_subscription_count(-1001).unwrap(), 20);
        // Another chat is not affected, and subscribing again to a held topic is no error.
        let other = Subscriber {
            chat_id: 5,
            thread_id: None,
        };
        assert_eq!(
            subscribe(&engine, &other, Some("minerals")).kind,
            ReplyKind::Answer
        );
        let held = Subscriber {
            chat_id: -1001,
            thread_id: Some(0),
        };
        assert!(subscribe(&engine, &held, Some(&topics[0]))
            .title
            .starts_with("You already follow"));
    }

    #[test]
    fn an_unknown_topic_is_named_back_shortened_with_the_topic_list() {
        let (_dir, engine) = engine(20);
        let from = Subscriber {
            chat_id: 5,
            thread_id: None,
        };
        let reply = subscribe(&engine, &from, Some(&"x".repeat(4000)));
        assert_eq!(reply.kind, ReplyKind::Error);
        assert!(reply.title.chars().count() < 100, "{}", reply.title);
        assert!(
            reply.intro[0].contains("Minerals deal (minerals)"),
            "{:?}",
            reply.intro
        );
        assert!(reply
            .actions
            .iter()
            .any(|a| a.command == "/subscribe minerals"));
    }
}
