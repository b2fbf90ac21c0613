//! Push planning, kept pure so it can be tested without a store or Telegram: the new events of an
//! ingest run (per article) and the subscriptions in, one [`Push`] per (chat, article) out.
//!
//! A fact another outlet already reported (same event day and same topic stage, or nearly the
//! same sentence) is shown as "already reported" and, when an article brings nothing else, the
//! push is quiet: a repeat is not a fresh alarm.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use chrono::NaiveDate;

use crate::answer::{Action, Citation, Reply, ReplyItem, ReplyKind, TopicStatus};
use crate::config::{Config, Topic};
use crate::event::format_day;
use crate::event::{Event, Modality};

use super::{Push, Subscription};

/// A push leads with at most this many items, what is new first; the rest of the article is
/// one Timeline button away (a push of 8 items ran to 32 lines, 2,400 characters).
const MAX_ITEMS: usize = 3;
/// Share of common terms above which two sentences state the same fact.
const SIMILAR: f64 = 0.6;

/// The events one article added in this ingest run.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleNews {
    pub article_id: String,
    pub events: Vec<Event>,
}

/// Where a topic stands, as the core computes it for `/status` ([`TopicStatus`]): compared by
/// stage id, never by the wording of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageNow {
    /// Stage id from the config ("ratified").
    pub stage: String,
    /// Its display name ("ratified").
    pub name: String,
    /// The latest day a fact still reported it.
    pub confirmed: Option<NaiveDate>,
}

impl StageNow {
    /// The current stage of a status, `None` when the sources give no dated stage.
    pub fn of(status: &TopicStatus<'_>) -> Option<StageNow> {
        status.current.as_ref().map(|c| StageNow {
            stage: c.stage.to_string(),
            name: c.stage_name.to_string(),
            confirmed: c.confirmed,
        })
    }

    /// "ratified (as of May 8, 2025)", as `/status` says it.
    fn phrase(&self) -> String {
        let day = self
            .confirmed
            .map(format_day)
            .unwrap_or_else(|| "an unknown date".into());
        format!("{} (as of {day})", self.name)
    }
}

/// A topic whose stage moved during the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub topic: String,
    /// The stage before the run, `None` when there was none.
    pub before: Option<StageNow>,
    pub after: StageNow,
}

impl StatusChange {
    /// Compares the topic's stage before and after the ingest; `None` when the stage did not
    /// move (a later report of the same stage is no change) or there is no stage to speak of.
    pub fn between(
        topic: &Topic,
        before: Option<&StageNow>,
        after: Option<&StageNow>,
    ) -> Option<StatusChange> {
        let after = after?;
        if before.is_some_and(|b| b.stage == after.stage) {
            return None;
        }
        Some(StatusChange {
            topic: topic.id.clone(),
            before: before.cloned(),
            after: after.clone(),
        })
    }

    /// "Status: ratified (as of May 8, 2025) (was: signed)".
    pub fn line(&self) -> String {
        match &self.before {
            Some(b) => format!("Status: {} (was: {})", self.after.phrase(), b.name),
            None => format!("Status: {}", self.after.phrase()),
        }
    }
}

/// Everything planning needs, gathered by the caller.
pub struct PlanInput<'a> {
    pub config: &'a Config,
    /// Articles in ingest order with the events each added.
    pub news: &'a [ArticleNews],
    /// Citation data (outlet, title, URL, date) for every article named by `news` or `earlier`;
    /// `sentences` is filled in here.
    pub sources: &'a HashMap<String, Citation>,
    pub subscriptions: &'a [Subscription],
    /// Events stored before this run, of the topics concerned (for "already reported").
    pub earlier: &'a [Event],
    pub status: &'a [StatusChange],
}

/// One push per (chat, thread, article) that adds something to a topic the chat follows.
pub fn plan(input: &PlanInput<'_>) -> Vec<Push> {
    // (chat, thread) → topics it follows.
    let mut followers: BTreeMap<(i64, Option<i32>), BTreeSet<&str>> = BTreeMap::new();
    for s in input.subscriptions {
        followers
            .entry((s.chat_id, s.thread_id))
            .or_default()
            .insert(s.topic.as_str());
    }
    let carriers = status_carriers(input);
    let mut seen: Vec<&Event> = input.earlier.iter().collect();
    let mut pushes = Vec::new();
    for news in input.news {
        let Some(source) = input.sources.get(&news.article_id) else {
            tracing::warn!(article = %news.article_id, "no article record for new events; not pushed");
            continue;
        };
        // One item per sentence: multi-clause sentences would otherwise repeat the same text.
        let mut sentences = HashSet::new();
        let events: Vec<(&Event, Option<&Event>)> = news
            .events
            .iter()
            .filter(|e| sentences.insert(e.sentence_index))
            .map(|e| (e, seen.iter().copied().find(|p| same_fact(e, p))))
            .collect();
        // Chats that follow the same topics get the same message: planned once and shared
        // (one `Arc`), so 10,000 followers cost one reply, not 10,000 copies.
        let mut planned: HashMap<&BTreeSet<&str>, Option<Message>> = HashMap::new();
        for (&(chat_id, thread_id), topics) in &followers {
            let message = planned
                .entry(topics)
                .or_insert_with(|| message(input, &carriers, news, source, &events, topics));
            let Some(message) = message else { continue };
            pushes.push(Push {
                chat_id,
                thread_id,
                article_id: news.article_id.clone(),
                topics: message.topics.clone(),
                reply: message.reply.clone(),
                quiet: message.quiet,
            });
        }
        seen.extend(news.events.iter());
    }
    pushes
}

/// What one article tells the followers of one set of topics.
struct Message {
    topics: Vec<String>,
    reply: Arc<Reply>,
    quiet: bool,
}

/// The message of `news` for chats following `topics`; `None` when it adds nothing to them.
fn message(
    input: &PlanInput<'_>,
    carriers: &HashMap<&str, &str>,
    news: &ArticleNews,
    source: &Citation,
    events: &[(&Event, Option<&Event>)],
    topics: &BTreeSet<&str>,
) -> Option<Message> {
    let relevant: Vec<(&Event, Option<&Event>)> = events
        .iter()
        .copied()
        .filter(|(e, _)| e.topics.iter().any(|t| topics.contains(t.as_str())))
        .collect();
    let changes: Vec<&StatusChange> = input
        .status
        .iter()
        .filter(|c| topics.contains(c.topic.as_str()))
        .filter(|c| carriers.get(c.topic.as_str()) == Some(&news.article_id.as_str()))
        .collect();
    if relevant.is_empty() && changes.is_empty() {
        return None;
    }
    let push_topics: Vec<String> = relevant
        .iter()
        .flat_map(|(e, _)| e.topics.iter())
        .chain(changes.iter().map(|c| &c.topic))
        .filter(|t| topics.contains(t.as_str()))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let reply = push_reply(input, source, &push_topics, &relevant, &changes);
    let quiet = changes.is_empty() && relevant.iter().all(|(_, earlier)| earlier.is_some());
    Some(Message {
        topics: push_topics,
        reply: Arc::new(reply),
        quiet,
    })
}

/// Which article of the run states each status change: the last one with a stage signal for the
/// topic, else the last one with events in it.
fn status_carriers<'a>(input: &'a PlanInput<'_>) -> HashMap<&'a str, &'a str> {
    let mut carriers = HashMap::new();
    for change in input.status {
        let topic = change.topic.as_str();
        let with_stage = input.news.iter().rev().find(|n| {
            n.events
                .iter()
                .any(|e| e.stages.iter().any(|(t, _)| t == topic))
        });
        let with_topic = || {
            input
                .news
                .iter()
                .rev()
                .find(|n| n.events.iter().any(|e| e.topics.iter().any(|t| t == topic)))
        };
        if let Some(n) = with_stage.or_else(with_topic) {
            carriers.insert(topic, n.article_id.as_str());
        }
    }
    carriers
}

fn push_reply(
    input: &PlanInput<'_>,
    source: &Citation,
    topics: &[String],
    relevant: &[(&Event, Option<&Event>)],
    changes: &[&StatusChange],
) -> Reply {
    let names: Vec<String> = topics
        .iter()
        .map(|t| {
            input
                .config
                .topic(t)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| t.clone())
        })
        .collect();
    let names = names.join(", ");
    let mut fresh: Vec<&(&Event, Option<&Event>)> =
        relevant.iter().filter(|(_, p)| p.is_none()).collect();
    let repeats: Vec<&(&Event, Option<&Event>)> =
        relevant.iter().filter(|(_, p)| p.is_some()).collect();
    // What moves the story first (facts that set a stage), then other dated facts, dated
    // statements of other kinds, and undated ones; newest first within each group.
    fresh.sort_by_key(|(e, _)| {
        let moves_stage =
            e.modality == Modality::Fact && e.stages.iter().any(|(t, _)| topics.contains(t));
        let rank = match (moves_stage, e.date.is_some(), e.modality == Modality::Fact) {
            (true, _, _) => 0,
            (false, true, true) => 1,
            (false, true, false) => 2,
            (false, false, _) => 3,
        };
        (
            rank,
            std::cmp::Reverse(e.date.as_ref().map(|d| d.date)),
            e.sentence_index,
        )
    });

    let mut reply = Reply {
        title: if fresh.is_empty() && changes.is_empty() {
            format!("{names}: also reported by {}", source.outlet)
        } else {
            format!("{names}: new from {}", source.outlet)
        },
        kind: ReplyKind::Answer,
        ..Reply::default()
    };
    reply.intro.extend(changes.iter().map(|c| c.line()));
    if fresh.is_empty() && !repeats.is_empty() {
        reply.intro.push(format!(
            "{} reports what was already known; nothing new.",
            source.outlet
        ));
    }
    // The article itself is citation 1.
    reply.cite(&Citation {
        sentences: Vec::new(),
        ..source.clone()
    });
    // What is new leads; what other outlets already reported is shown only when the article
    // brings nothing else.
    let lead = if fresh.is_empty() { &repeats } else { &fresh };
    let shown: Vec<&(&Event, Option<&Event>)> = lead.iter().take(MAX_ITEMS).copied().collect();
    for &&(e, earlier) in &shown {
        reply.cite_again(&source.article_id, &[e.sentence_index.saturating_add(1)]);
        let mut also = Vec::new();
        if let Some(p) = earlier {
            if let Some(c) = input.sources.get(&p.article) {
                let sentence = p.sentence_index.saturating_add(1);
                also.push(reply.cite(&Citation {
                    sentences: vec![sentence],
                    ..c.clone()
                }));
            }
        }
        let label = if earlier.is_some() {
            Some("Already reported".to_string())
        } else {
            stage_label(input.config, e, topics)
        };
        reply.items.push(ReplyItem {
            text: e.sentence.clone(),
            event_date: e.date.clone(),
            reported: e.reported,
            modality: e.modality,
            attribution: credited(input.config, e),
            cites: vec![1],
            also_reported_by: also,
            label,
        });
    }
    let hidden = relevant.len().saturating_sub(shown.len());
    if hidden > 0 {
        reply.notes.push(format!(
            "…and {hidden} more from this article; see the timeline."
        ));
    }
    if reply.items.iter().any(|i| i.modality != Modality::Fact) {
        reply
            .notes
            .push("Hedged, conditional and expected statements are marked as such.".into());
    }
    if let Some(t) = topics.first() {
        reply.actions = vec![
            Action {
                label: "Status".into(),
                command: format!("/status {t}"),
            },
            Action {
                label: "Timeline".into(),
                command: format!("/timeline {t}"),
            },
        ];
    }
    reply
}

/// Whom a push credits a statement to: a person or an outlet, never a country. A statement the
/// extractor put down to a country ("according to United States" for what Bessent told a
/// cabinet meeting) is credited to the person in it who speaks for that country, or to nobody.
fn credited(config: &Config, e: &Event) -> Option<String> {
    let who = e.attribution.as_deref()?;
    let is_country = config
        .actors
        .iter()
        .any(|a| a.kind == "country" && a.name == who);
    if !is_country {
        return Some(who.to_string());
    }
    e.actors
        .iter()
        .find(|name| {
            config.actors.iter().any(|a| {
                &a.name == *name && a.kind == "person" && a.represents.as_deref() == Some(who)
            })
        })
        .cloned()
}

/// "Stage: signed" for a fact that moves one of the push's topics.
fn stage_label(config: &Config, e: &Event, topics: &[String]) -> Option<String> {
    if e.modality != Modality::Fact {
        return Some(e.modality.label().to_string());
    }
    let (topic, stage) = e.stages.iter().find(|(t, _)| topics.contains(t))?;
    let name = config
        .topic(topic)
        .and_then(|t| t.stages.iter().find(|s| &s.id == stage))
        .map(|s| s.name.clone())
        .unwrap_or_else(|| stage.clone());
    Some(format!("Stage: {name}"))
}

/// Whether `e` restates `p`, reported earlier by another article: the same topic stage on the
/// same event day, or nearly the same sentence.
fn same_fact(e: &Event, p: &Event) -> bool {
    if e.article == p.article || !e.topics.iter().any(|t| p.topics.contains(t)) {
        return false;
    }
    let same_day = match (&e.date, &p.date) {
        (Some(a), Some(b)) => a.date == b.date && a.precision == b.precision,
        _ => false,
    };
    if same_day && e.stages.iter().any(|s| p.stages.contains(s)) {
        return true;
    }
    similarity(&e.sentence, &p.sentence) >= SIMILAR
}

/// Jaccard similarity of the sentences' index terms; short sentences never match (too little to
/// go on).
fn similarity(a: &str, b: &str) -> f64 {
    let a: HashSet<String> = crate::text::terms(a).into_iter().collect();
    let b: HashSet<String> = crate::text::terms(b).into_iter().collect();
    if a.len().min(b.len()) < 4 {
        return 0.0;
    }
    let common = a.intersection(&b).count() as f64;
    common / a.union(&b).count() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{DateSource, EventDate, Precision};
    use chrono::NaiveDate;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, d).unwrap()
    }

    fn event(
        article: &str,
        index: u32,
        sentence: &str,
        date: Option<NaiveDate>,
        stage: Option<&str>,
    ) -> Event {
        Event {
            article: article.into(),
            sentence_index: index,
            clause_index: 0,
            sentence: sentence.into(),
            clause: sentence.into(),
            date: date.map(|date| EventDate {
                date,
                precision: Precision::Day,
                source: DateSource::Explicit,
                expression: "on Wednesday".into(),
            }),
            reported: day(5, 9),
            actors: vec![],
            attribution: None,
            modality: Modality::Fact,
            topics: vec!["minerals".into()],
            stages: stage
                .map(|s| vec![("minerals".to_string(), s.to_string())])
                .unwrap_or_default(),
        }
    }

    fn source(id: &str, outlet: &str) -> Citation {
        Citation {
            article_id: id.into(),
            outlet: outlet.into(),
            title: format!("{outlet} story"),
            url: format!("https://{id}.example/story"),
            published: day(5, 9),
            sentences: vec![],
        }
    }

    fn sub(chat_id: i64, topic: &str) -> Subscription {
        Subscription {
            chat_id,
            thread_id: None,
            topic: topic.into(),
        }
    }

    fn sources() -> HashMap<String, Citation> {
        [
            ("a", "Dnipro Wire"),
            ("b", "Kyiv Post"),
            ("old", "Old Outlet"),
        ]
        .into_iter()
        .map(|(id, o)| (id.to_string(), source(id, o)))
        .collect()
    }

    #[test]
    fn one_push_per_subscriber_and_article_only_for_followed_topics() {
        let config = Config::builtin();
        let news = vec![
            ArticleNews {
                article_id: "a".into(),
                events: vec![
                    event(
                        "a",
                        0,
                        "The Rada ratified the minerals agreement on Thursday.",
                        Some(day(5, 8)),
                        Some("ratified"),
                    ),
                    event(
                        "a",
                        3,
                        "The fund will be owned 50/50 by both sides and run jointly.",
                        None,
                        None,
                    ),
                ],
            },
            ArticleNews {
                article_id: "b".into(),
                events: vec![event(
                    "b",
                    1,
                    "Talks on a ceasefire continued in Riyadh this week.",
                    None,
                    None,
                )],
            },
        ];
        // Article b's event is about another topic than minerals.
        let mut news = news;
        news[1].events[0].topics = vec!["ceasefire".into()];
        let subs = vec![
            sub(1, "minerals"),
            sub(2, "minerals"),
            sub(2, "ceasefire"),
            sub(3, "ceasefire"),
        ];
        let sources = sources();
        let pushes = plan(&PlanInput {
            config: &config,
            news: &news,
            sources: &sources,
            subscriptions: &subs,
            earlier: &[],
            status: &[],
        });
        let targets: Vec<(i64, &str)> = pushes
            .iter()
            .map(|p| (p.chat_id, p.article_id.as_str()))
            .collect();
        assert_eq!(targets, vec![(1, "a"), (2, "a"), (2, "b"), (3, "b")]);
        let first = &pushes[0].reply;
        assert_eq!(first.items.len(), 2);
        assert_eq!(first.items[0].label.as_deref(), Some("Stage: ratified"));
        assert_eq!(first.citations[0].sentences, vec![1, 4]);
        assert!(first.title.contains("Dnipro Wire"), "{}", first.title);
        assert!(!pushes[0].quiet);
    }

    #[test]
    fn the_same_fact_from_another_outlet_is_a_quiet_also_reported_push() {
        let config = Config::builtin();
        let earlier = vec![event(
            "old",
            2,
            "Parliament ratified the deal on Thursday.",
            Some(day(5, 8)),
            Some("ratified"),
        )];
        let news = vec![ArticleNews {
            article_id: "b".into(),
            events: vec![event(
                "b",
                0,
                "Ukrainian lawmakers voted to ratify the agreement on May 8.",
                Some(day(5, 8)),
                Some("ratified"),
            )],
        }];
        let sources = sources();
        let pushes = plan(&PlanInput {
            config: &config,
            news: &news,
            sources: &sources,
            subscriptions: &[sub(1, "minerals")],
            earlier: &earlier,
            status: &[],
        });
        assert_eq!(pushes.len(), 1);
        let push = &pushes[0];
        assert!(push.quiet);
        assert!(
            push.reply.title.contains("also reported by Kyiv Post"),
            "{}",
            push.reply.title
        );
        assert_eq!(push.reply.items[0].also_reported_by, vec![2]);
        assert_eq!(push.reply.citations[1].article_id, "old");
    }

    #[test]
    fn similar_sentences_count_as_the_same_fact() {
        let a = event(
            "a",
            0,
            "Svyrydenko and Bessent signed the minerals agreement in Washington late on April 30.",
            None,
            None,
        );
        let b = event(
            "b",
            4,
            "Bessent and Svyrydenko signed the minerals agreement in Washington on April 30.",
            None,
            None,
        );
        let c = event(
            "b",
            5,
            "The fund will reinvest its profits in Ukraine for ten years.",
            None,
            None,
        );
        assert!(same_fact(&b, &a));
        assert!(!same_fact(&c, &a));
        assert!(!same_fact(&a, &a), "an article never repeats itself");
    }

    #[test]
    fn a_status_change_is_stated_plainly_once_on_the_carrying_article() {
        let config = Config::builtin();
        let topic = config.topic("minerals").unwrap();
        let stage = |id: &str, d: u32| StageNow {
            stage: id.into(),
            name: id.into(),
            confirmed: Some(day(5, d)),
        };
        let (before, after) = (stage("signed", 1), stage("ratified", 8));
        let change = StatusChange::between(topic, Some(&before), Some(&after)).expect("moved");
        assert_eq!(
            change.line(),
            "Status: ratified (as of May 8, 2025) (was: signed)"
        );
        assert!(StatusChange::between(topic, Some(&after), Some(&after)).is_none());
        assert!(
            StatusChange::between(topic, Some(&after), Some(&stage("ratified", 9))).is_none(),
            "same stage, later date: no change"
        );
        assert!(StatusChange::between(topic, Some(&after), None).is_none());
        assert_eq!(
            StatusChange::between(topic, None, Some(&after))
                .unwrap()
                .line(),
            "Status: ratified (as of May 8, 2025)"
        );

        let news = vec![
            ArticleNews {
                article_id: "b".into(),
                events: vec![event(
                    "b",
                    0,
                    "Officials discussed the fund's board.",
                    None,
                    None,
                )],
            },
            ArticleNews {
                article_id: "a".into(),
                events: vec![event(
                    "a",
                    0,
                    "The Rada ratified the agreement on Thursday.",
                    Some(day(5, 8)),
                    Some("ratified"),
                )],
            },
        ];
        let sources = sources();
        let pushes = plan(&PlanInput {
            config: &config,
            news: &news,
            sources: &sources,
            subscriptions: &[sub(1, "minerals")],
            earlier: &[],
            status: &[change],
        });
        assert_eq!(pushes.len(), 2);
        assert!(pushes[0].reply.intro.is_empty());
        assert_eq!(
            pushes[1].reply.intro,
            vec!["Status: ratified (as of May 8, 2025) (was: signed)".to_string()]
        );
    }

    #[test]
    fn chats_following_the_same_topics_share_one_message() {
        let config = Config::builtin();
        let news = vec![ArticleNews {
            article_id: "a".into(),
            events: vec![event(
                "a",
                0,
                "The Rada ratified the minerals agreement on Thursday.",
                Some(day(5, 8)),
                Some("ratified"),
            )],
        }];
        let mut subs: Vec<Subscription> = (1..=1000).map(|c| sub(c, "minerals")).collect();
        subs.push(sub(5000, "minerals"));
        subs.push(sub(5000, "aid"));
        let sources = sources();
        let pushes = plan(&PlanInput {
            config: &config,
            news: &news,
            sources: &sources,
            subscriptions: &subs,
            earlier: &[],
            status: &[],
        });
        assert_eq!(pushes.len(), 1001);
        assert!(pushes[..1000]
            .iter()
            .all(|p| Arc::ptr_eq(&p.reply, &pushes[0].reply)));
        // Another set of topics is planned on its own (here to the same effect).
        assert!(!Arc::ptr_eq(&pushes[1000].reply, &pushes[0].reply));
        assert_eq!(pushes[1000].reply, pushes[0].reply);
    }

    #[test]
    fn a_push_leads_with_the_status_change_and_what_is_new_not_what_was_known() {
        let config = Config::builtin();
        let topic = config.topic("minerals").unwrap();
        let stage = |id: &str, m: u32, d: u32| StageNow {
            stage: id.into(),
            name: id.into(),
            confirmed: Some(day(m, d)),
        };
        let change = StatusChange::between(
            topic,
            Some(&stage("signed", 4, 30)),
            Some(&stage("ratified", 5, 8)),
        );
        let earlier = vec![event(
            "old",
            2,
            "Svyrydenko and Bessent signed the minerals agreement in Washington on April 30.",
            Some(day(4, 30)),
            Some("signed"),
        )];
        let mut events = vec![
            event(
                "a",
                0,
                "The Rada ratified the minerals agreement on Thursday.",
                Some(day(5, 8)),
                Some("ratified"),
            ),
            event(
                "a",
                1,
                "Bessent and Svyrydenko signed the minerals agreement in Washington on April 30.",
                Some(day(4, 30)),
                Some("signed"),
            ),
        ];
        for i in 2..6 {
            events.push(event(
                "a",
                i,
                &format!("Lawmakers number {i} discussed the fund's board and its audits."),
                None,
                None,
            ));
        }
        let news = vec![ArticleNews {
            article_id: "a".into(),
            events,
        }];
        let sources = sources();
        let status: Vec<StatusChange> = change.into_iter().collect();
        let pushes = plan(&PlanInput {
            config: &config,
            news: &news,
            sources: &sources,
            subscriptions: &[sub(1, "minerals")],
            earlier: &earlier,
            status: &status,
        });
        let reply = &pushes[0].reply;
        assert!(
            reply.intro[0].starts_with("Status: ratified"),
            "{:?}",
            reply.intro
        );
        assert_eq!(reply.items.len(), MAX_ITEMS);
        assert_eq!(reply.items[0].label.as_deref(), Some("Stage: ratified"));
        assert!(
            reply
                .items
                .iter()
                .all(|i| i.label.as_deref() != Some("Already reported")),
            "a restatement crowded out the news: {:?}",
            reply.items
        );
        assert!(reply.notes[0].contains("3 more"), "{:?}", reply.notes);
        assert!(reply
            .actions
            .iter()
            .any(|a| a.command == "/timeline minerals"));
    }

    #[test]
    fn a_quote_is_credited_to_a_person_or_outlet_never_a_country() {
        let config = Config::builtin();
        let mut said = event(
            "a",
            0,
            "Bessent told a cabinet meeting that Kyiv had sought last-minute changes.",
            None,
            None,
        );
        said.attribution = Some("United States".into());
        said.actors = vec!["Scott Bessent".into(), "United States".into()];
        assert_eq!(credited(&config, &said).as_deref(), Some("Scott Bessent"));
        said.actors = vec!["United States".into()];
        assert_eq!(credited(&config, &said), None);
        said.attribution = Some("Reuters".into());
        assert_eq!(credited(&config, &said).as_deref(), Some("Reuters"));
        said.attribution = Some("Yulia Svyrydenko".into());
        assert_eq!(
            credited(&config, &said).as_deref(),
            Some("Yulia Svyrydenko")
        );
    }

    #[test]
    fn long_articles_are_capped() {
        let config = Config::builtin();
        let events = (0..20)
            .map(|i| {
                event(
                    "a",
                    i,
                    &format!("Fact number {i} about the minerals fund board seats."),
                    None,
                    None,
                )
            })
            .collect();
        let news = vec![ArticleNews {
            article_id: "a".into(),
            events,
        }];
        let sources = sources();
        let pushes = plan(&PlanInput {
            config: &config,
            news: &news,
            sources: &sources,
            subscriptions: &[sub(1, "minerals")],
            earlier: &[],
            status: &[],
        });
        assert_eq!(pushes[0].reply.items.len(), MAX_ITEMS);
        assert!(
            pushes[0].reply.notes[0].contains(&format!("{} more", 20 - MAX_ITEMS)),
            "{:?}",
            pushes[0].reply.notes
        );
    }
}
