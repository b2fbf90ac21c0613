//! The admins' overview (`/stats`): what the store holds, who follows what, what waits in the
//! outbox, when the last ingest ran, and each feed's state. A [`Reply`] like any other, for a
//! front-end to render; who may see it is the front-end's decision (the Telegram front-end shows
//! it to the user ids in `telegram.admins`).

use std::collections::{BTreeMap, BTreeSet};

use crate::answer::{Engine, Reply, ReplyKind};
use crate::store::StoreError;

/// The overview, or an apology when the store cannot be read.
pub fn admin_stats(engine: &Engine) -> Reply {
    match overview(engine) {
        Ok(reply) => reply,
        Err(e) => {
            tracing::error!(error = %e, "could not gather the stats");
            Reply {
                title: "Sorry, I could not read my store just now".into(),
                kind: ReplyKind::Error,
                ..Reply::default()
            }
        }
    }
}

fn overview(engine: &Engine) -> Result<Reply, StoreError> {
    let store = engine.store();
    let stats = store.stats()?;
    let subscriptions = store.all_subscriptions()?;
    let chats: BTreeSet<i64> = subscriptions.iter().map(|s| s.chat_id).collect();
    let mut per_topic: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &subscriptions {
        *per_topic.entry(s.topic.as_str()).or_default() += 1;
    }
    let pending = store.pending_push_count()?;
    let set_aside = store.quarantined_count()?;

    let mut lines = vec![
        format!("Articles: {}", stats.articles),
        format!(
            "Events: {}{}",
            stats.events,
            counts(
                stats
                    .per_topic
                    .iter()
                    .map(|(t, n)| (t.as_str(), *n as usize))
            )
        ),
        format!(
            "Subscribers: {} chats, {} subscriptions{}",
            chats.len(),
            subscriptions.len(),
            counts(per_topic.into_iter())
        ),
        if set_aside == 0 {
            format!("Pending pushes: {pending}")
        } else {
            format!("Pending pushes: {pending} ({set_aside} unreadable records set aside)")
        },
        format!(
            "Last ingest: {}",
            stats.last_ingest.as_deref().unwrap_or("never")
        ),
        format!(
            "Store size: {:.1} MB",
            stats.size_on_disk as f64 / 1_048_576.0
        ),
    ];
    let feeds = crate::feeds::overview(engine.config(), store)?;
    if feeds.is_empty() {
        lines.push("Feeds: none configured".into());
    } else {
        lines.push(format!("Feeds: {}", feeds.len()));
        let when = |t: &Option<chrono::DateTime<chrono::Utc>>| {
            t.map_or("never".to_string(), |t| {
                t.format("%Y-%m-%d %H:%M UTC").to_string()
            })
        };
        for f in &feeds {
            let s = &f.state;
            let status = if s.disabled { "DISABLED" } else { "enabled" };
            let mut line = format!(
                "• {} — {status}, last success {}, {} items seen",
                f.url,
                when(&s.last_success),
                s.items_seen
            );
            if let Some(error) = s.last_error.as_deref() {
                line.push_str(&format!(
                    ", last error: {error} ({} in a row)",
                    s.consecutive_failures
                ));
            }
            lines.push(line);
        }
    }
    Ok(Reply {
        title: "Storyline stats".into(),
        intro: lines,
        kind: ReplyKind::Info,
        ..Reply::default()
    })
}

/// " (minerals 12, aid 3)", or nothing when there is nothing to count.
fn counts<'a>(items: impl Iterator<Item = (&'a str, usize)>) -> String {
    let parts: Vec<String> = items
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::notify::{Push, Subscription};
    use crate::store::Store;
    use std::sync::Arc;

    #[test]
    fn the_overview_counts_articles_subscribers_and_pending_pushes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("data")).unwrap();
        let engine = Engine::new(Arc::new(Config::builtin()), Arc::new(store));
        for (chat, topic) in [(1, "minerals"), (1, "aid"), (-2, "minerals")] {
            let sub = Subscription {
                chat_id: chat,
                thread_id: None,
                topic: topic.into(),
            };
            engine.store().add_subscription(&sub).unwrap();
        }
        let push = Push {
            chat_id: 1,
            thread_id: None,
            article_id: "a".into(),
            topics: vec!["minerals".into()],
            reply: std::sync::Arc::new(Reply::default()),
            quiet: false,
        };
        engine.store().enqueue_pushes(&[push]).unwrap();
        let reply = admin_stats(&engine);
        let text = reply.intro.join("\n");
        assert!(text.contains("Articles: 0"), "{text}");
        assert!(
            text.contains("Subscribers: 2 chats, 3 subscriptions (aid 1, minerals 2)"),
            "{text}"
        );
        assert!(text.contains("Pending pushes: 1"), "{text}");
        assert!(text.contains("Last ingest: never"), "{text}");
        assert!(text.contains("Feeds: none configured"), "{text}");
    }
}
