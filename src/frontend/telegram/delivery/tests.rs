//! The scheduler under a paused clock: a scripted [`Sender`] (each send takes a set time, and
//! chats can be told to answer 429, 403, migration, 5xx or a refusal) and an in-memory
//! [`Outbox`] that counts commits. Hours of retries run in milliseconds.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tokio::time::Instant;

use super::outbox::Outbox;
use super::scheduler::{deliver, Settings};
use super::sender::{Message, SendError, Sender};
use crate::answer::Reply;
use crate::frontend::telegram::send::Failure;
use crate::notify::{OutboxItem, Push};
use crate::store::{OutboxProgress, StoreError};

/// One send the fake Telegram saw.
#[derive(Debug, Clone)]
struct Seen {
    chat: i64,
    text: String,
    started: Instant,
    ended: Instant,
    accepted: bool,
}

#[derive(Default)]
struct Script {
    /// Answers for the next sends to a chat (then: accepted).
    faults: HashMap<i64, VecDeque<Failure>>,
    seen: Vec<Seen>,
    in_flight: usize,
    most_in_flight: usize,
    /// Chats with a send in flight, to catch two at once.
    busy: Vec<i64>,
    overlaps: usize,
}

/// Telegram, scripted: every send takes `latency`.
struct FakeTelegram {
    latency: Duration,
    script: Mutex<Script>,
}

impl FakeTelegram {
    fn new(latency: Duration) -> Arc<FakeTelegram> {
        Arc::new(FakeTelegram {
            latency,
            script: Mutex::new(Script::default()),
        })
    }

    fn fail(&self, chat: i64, failures: &[Failure]) {
        let mut s = self.script.lock().unwrap();
        s.faults
            .entry(chat)
            .or_default()
            .extend(failures.iter().cloned());
    }

    fn seen(&self) -> Vec<Seen> {
        self.script.lock().unwrap().seen.clone()
    }

    fn accepted_to(&self, chat: i64) -> Vec<String> {
        self.seen()
            .into_iter()
            .filter(|s| s.chat == chat && s.accepted)
            .map(|s| s.text)
            .collect()
    }
}

impl Sender for FakeTelegram {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let started = Instant::now();
        {
            let mut s = self.script.lock().unwrap();
            if s.busy.contains(&message.chat_id) {
                s.overlaps += 1;
            }
            s.busy.push(message.chat_id);
            s.in_flight += 1;
            s.most_in_flight = s.most_in_flight.max(s.in_flight);
        }
        tokio::time::sleep(self.latency).await;
        let mut s = self.script.lock().unwrap();
        s.in_flight -= 1;
        if let Some(i) = s.busy.iter().position(|c| *c == message.chat_id) {
            s.busy.remove(i);
        }
        let fault = s
            .faults
            .get_mut(&message.chat_id)
            .and_then(VecDeque::pop_front);
        s.seen.push(Seen {
            chat: message.chat_id,
            text: message.html.clone(),
            started,
            ended: Instant::now(),
            accepted: fault.is_none(),
        });
        match fault {
            None => Ok(()),
            Some(failure) => Err(SendError {
                detail: format!("{failure:?}"),
                failure,
            }),
        }
    }
}

/// The outbox in memory, with what the store would hold after each commit.
#[derive(Default)]
struct MemoryOutbox {
    items: Mutex<BTreeMap<u64, OutboxItem>>,
    commits: Mutex<Vec<(Instant, Vec<OutboxProgress>)>>,
    removed_chats: Mutex<Vec<i64>>,
}

impl MemoryOutbox {
    fn with(pushes: Vec<(i64, &str)>) -> Arc<MemoryOutbox> {
        let outbox = MemoryOutbox::default();
        {
            let mut items = outbox.items.lock().unwrap();
            for (i, (chat, text)) in pushes.into_iter().enumerate() {
                let id = i as u64 + 1;
                items.insert(id, item(id, chat, text));
            }
        }
        Arc::new(outbox)
    }

    fn pending(&self) -> usize {
        self.items.lock().unwrap().len()
    }

    fn commits(&self) -> Vec<(Instant, Vec<OutboxProgress>)> {
        self.commits.lock().unwrap().clone()
    }
}

fn item(id: u64, chat: i64, text: &str) -> OutboxItem {
    OutboxItem {
        id,
        push: Push {
            chat_id: chat,
            thread_id: None,
            article_id: format!("a{id}"),
            topics: vec!["minerals".into()],
            reply: Arc::new(Reply {
                title: text.into(),
                ..Reply::default()
            }),
            quiet: false,
        },
        parts_sent: 0,
        body: None,
    }
}

impl Outbox for MemoryOutbox {
    async fn page(&self, after: Option<u64>, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        let items = self.items.lock().unwrap();
        let from = after.map_or(0, |a| a + 1);
        Ok(items
            .range(from..)
            .take(limit)
            .map(|(_, i)| i.clone())
            .collect())
    }

    async fn commit(&self, progress: Vec<OutboxProgress>) -> Result<(), StoreError> {
        let mut items = self.items.lock().unwrap();
        for p in &progress {
            match *p {
                OutboxProgress::Done(id) => {
                    items.remove(&id);
                }
                OutboxProgress::PartsSent(id, n) => {
                    if let Some(i) = items.get_mut(&id) {
                        i.parts_sent = n;
                    }
                }
            }
        }
        self.commits
            .lock()
            .unwrap()
            .push((Instant::now(), progress));
        Ok(())
    }

    async fn remove_chat(&self, chat_id: i64) -> Result<usize, StoreError> {
        self.items
            .lock()
            .unwrap()
            .retain(|_, i| i.push.chat_id != chat_id);
        self.removed_chats.lock().unwrap().push(chat_id);
        Ok(1)
    }

    async fn migrate_chat(&self, from: i64, to: i64) -> Result<usize, StoreError> {
        for i in self.items.lock().unwrap().values_mut() {
            if i.push.chat_id == from {
                i.push.chat_id = to;
            }
        }
        Ok(1)
    }
}

/// Runs the scheduler until the outbox is empty (or `limit` of paused time has passed), then
/// stops it; returns how long it took.
async fn deliver_all(
    telegram: &Arc<FakeTelegram>,
    outbox: &Arc<MemoryOutbox>,
    settings: Settings,
    limit: Duration,
) -> Duration {
    let started = Instant::now();
    let (stop_tx, stop_rx) = watch::channel(false);
    let task = tokio::spawn(deliver(
        telegram.clone(),
        outbox.clone(),
        settings,
        Arc::new(Notify::new()),
        stop_rx,
    ));
    while outbox.pending() > 0 && started.elapsed() < limit {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let took = started.elapsed();
    stop_tx.send(true).unwrap();
    task.await.unwrap();
    took
}

fn chats(n: i64) -> Vec<(i64, &'static str)> {
    (1..=n).map(|c| (c, "news")).collect()
}

#[tokio::test(start_paused = true)]
async fn sends_to_different_chats_overlap_up_to_the_limit_and_commits_are_grouped() {
    let telegram = FakeTelegram::new(Duration::from_secs(1));
    let outbox = MemoryOutbox::with(chats(300));
    let took = deliver_all(
        &telegram,
        &outbox,
        Settings::default(),
        Duration::from_secs(60),
    )
    .await;
    // 300 one-second sends, 27 at a time: twelve rounds, not 300 seconds.
    assert!(took < Duration::from_secs(13), "took {took:?}");
    let script = telegram.script.lock().unwrap();
    assert_eq!(script.most_in_flight, Settings::default().max_in_flight);
    assert_eq!(script.overlaps, 0);
    assert_eq!(script.seen.len(), 300);
    drop(script);
    let commits = outbox.commits();
    let records: usize = commits.iter().map(|(_, p)| p.len()).sum();
    assert_eq!(records, 300);
    assert!(
        commits.len() <= 20,
        "{} commits for 300 pushes: not grouped",
        commits.len()
    );
}

#[tokio::test(start_paused = true)]
async fn a_chats_pushes_go_in_order_one_at_a_time_each_after_the_previous_one_is_recorded() {
    let telegram = FakeTelegram::new(Duration::from_millis(50));
    let pushes = vec![(7, "first"), (8, "other"), (7, "second"), (7, "third")];
    let outbox = MemoryOutbox::with(pushes);
    deliver_all(
        &telegram,
        &outbox,
        Settings::default(),
        Duration::from_secs(10),
    )
    .await;
    let to_seven: Vec<Seen> = telegram
        .seen()
        .into_iter()
        .filter(|s| s.chat == 7)
        .collect();
    let texts: Vec<&str> = to_seven.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts.len(), 3);
    assert!(
        texts[0].contains("first") && texts[1].contains("second") && texts[2].contains("third")
    );
    // Each next send starts after the commit that recorded the previous one.
    let commits = outbox.commits();
    for pair in to_seven.windows(2) {
        let recorded = commits
            .iter()
            .find(|(at, _)| *at >= pair[0].ended)
            .map(|(at, _)| *at)
            .expect("a commit after the send");
        assert!(
            pair[1].started >= recorded,
            "sent before the previous one was recorded"
        );
    }
    assert_eq!(telegram.script.lock().unwrap().overlaps, 0);
}

#[tokio::test(start_paused = true)]
async fn a_429_holds_only_its_chat_for_as_long_as_telegram_asks() {
    let telegram = FakeTelegram::new(Duration::from_millis(100));
    telegram.fail(1, &[Failure::RetryAfter(Duration::from_secs(20))]);
    let outbox = MemoryOutbox::with(chats(60));
    deliver_all(
        &telegram,
        &outbox,
        Settings::default(),
        Duration::from_secs(60),
    )
    .await;
    let seen = telegram.seen();
    let refused = seen.iter().find(|s| s.chat == 1 && !s.accepted).unwrap();
    let retried = seen.iter().find(|s| s.chat == 1 && s.accepted).unwrap();
    assert!(retried.started >= refused.ended + Duration::from_secs(20));
    assert!(retried.started < refused.ended + Duration::from_secs(21));
    // Everyone else was served in the first second, not after the 20 s.
    let others_done = seen
        .iter()
        .filter(|s| s.chat != 1)
        .map(|s| s.ended)
        .max()
        .unwrap();
    assert!(others_done < refused.ended + Duration::from_secs(1));
    assert_eq!(outbox.pending(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_blocked_chat_loses_its_pushes_and_subscriptions_and_the_others_are_delivered() {
    let telegram = FakeTelegram::new(Duration::from_millis(10));
    telegram.fail(2, &[Failure::ChatGone]);
    let outbox = MemoryOutbox::with(vec![(1, "a"), (2, "a"), (3, "a"), (2, "b"), (1, "b")]);
    deliver_all(
        &telegram,
        &outbox,
        Settings::default(),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(*outbox.removed_chats.lock().unwrap(), vec![2]);
    assert!(telegram.accepted_to(2).is_empty());
    assert_eq!(telegram.accepted_to(1).len(), 2);
    assert_eq!(telegram.accepted_to(3).len(), 1);
    assert_eq!(
        telegram.seen().iter().filter(|s| s.chat == 2).count(),
        1,
        "the chat's second push was dropped, not tried"
    );
    assert_eq!(outbox.pending(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_migrated_group_gets_its_pushes_at_the_new_id_in_order() {
    let telegram = FakeTelegram::new(Duration::from_millis(10));
    telegram.fail(-5, &[Failure::Migrated(-1005)]);
    let outbox = MemoryOutbox::with(vec![(-5, "one"), (-5, "two"), (9, "x")]);
    deliver_all(
        &telegram,
        &outbox,
        Settings::default(),
        Duration::from_secs(10),
    )
    .await;
    let moved = telegram.accepted_to(-1005);
    assert_eq!(moved.len(), 2);
    assert!(moved[0].contains("one") && moved[1].contains("two"));
    assert!(telegram.accepted_to(-5).is_empty());
    assert_eq!(outbox.pending(), 0);
}

#[tokio::test(start_paused = true)]
async fn an_outage_pauses_every_chat_with_a_capped_backoff_and_loses_nothing() {
    let telegram = FakeTelegram::new(Duration::from_millis(10));
    // Telegram is down for the first eight tries of chat 1 (what it meets first).
    telegram.fail(1, &[Failure::Transient; 8]);
    let outbox = MemoryOutbox::with(chats(5));
    let took = deliver_all(
        &telegram,
        &outbox,
        Settings::default(),
        Duration::from_secs(600),
    )
    .await;
    assert_eq!(outbox.pending(), 0);
    for chat in 1..=5 {
        assert_eq!(telegram.accepted_to(chat).len(), 1, "chat {chat}");
    }
    let tries: Vec<Instant> = telegram
        .seen()
        .iter()
        .filter(|s| s.chat == 1)
        .map(|s| s.started)
        .collect();
    let gaps: Vec<Duration> = tries.windows(2).map(|w| w[1] - w[0]).collect();
    // 1, 2, 4, 8, 16, then capped at 30 s.
    assert!(gaps[0] >= Duration::from_secs(1), "{gaps:?}");
    assert!(
        gaps.iter().all(|g| *g <= Duration::from_secs(31)),
        "{gaps:?}"
    );
    assert!(gaps[6] >= Duration::from_secs(30), "{gaps:?}");
    assert!(took < Duration::from_secs(200), "{took:?}");
}

#[tokio::test(start_paused = true)]
async fn a_message_telegram_keeps_refusing_is_given_up_after_five_tries() {
    let telegram = FakeTelegram::new(Duration::from_millis(10));
    telegram.fail(4, &[Failure::Refused; 10]);
    let outbox = MemoryOutbox::with(vec![(4, "bad"), (4, "next"), (5, "fine")]);
    deliver_all(
        &telegram,
        &outbox,
        Settings::default(),
        Duration::from_secs(600),
    )
    .await;
    let to_four: Vec<Seen> = telegram
        .seen()
        .into_iter()
        .filter(|s| s.chat == 4)
        .collect();
    assert_eq!(to_four.iter().filter(|s| s.text.contains("bad")).count(), 5);
    assert_eq!(telegram.accepted_to(5).len(), 1);
    assert_eq!(outbox.pending(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_long_push_resumes_at_the_part_recorded_and_records_each_part() {
    let telegram = FakeTelegram::new(Duration::from_millis(10));
    let outbox = MemoryOutbox::default();
    {
        let mut long = item(1, 3, "long");
        Arc::make_mut(&mut long.push.reply).items = (0..200)
            .map(|i| crate::answer::ReplyItem {
                text: format!("Item {i} about the fund's board and its rules of procedure."),
                event_date: None,
                reported: chrono::NaiveDate::from_ymd_opt(2025, 5, 1).unwrap(),
                modality: crate::event::Modality::Fact,
                attribution: None,
                cites: vec![],
                also_reported_by: vec![],
                label: None,
            })
            .collect();
        // A restart after Telegram took the first part.
        long.parts_sent = 1;
        outbox.items.lock().unwrap().insert(1, long);
    }
    let outbox = Arc::new(outbox);
    deliver_all(
        &telegram,
        &outbox,
        Settings::default(),
        Duration::from_secs(30),
    )
    .await;
    let sent = telegram.accepted_to(3);
    assert!(sent.len() >= 2, "{} parts", sent.len());
    assert!(
        !sent[0].contains("Item 0 "),
        "the first part was sent again"
    );
    let records: Vec<OutboxProgress> = outbox.commits().into_iter().flat_map(|(_, p)| p).collect();
    assert!(records.contains(&OutboxProgress::PartsSent(1, 2)));
    assert_eq!(records.last(), Some(&OutboxProgress::Done(1)));
}

#[tokio::test(start_paused = true)]
async fn stopping_finishes_and_records_the_sends_in_flight_and_starts_no_more() {
    let telegram = FakeTelegram::new(Duration::from_secs(2));
    let outbox = MemoryOutbox::with(chats(100));
    let (stop_tx, stop_rx) = watch::channel(false);
    let task = tokio::spawn(deliver(
        telegram.clone(),
        outbox.clone(),
        Settings::default(),
        Arc::new(Notify::new()),
        stop_rx,
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop_tx.send(true).unwrap();
    task.await.unwrap();
    let seen = telegram.seen();
    let in_flight = Settings::default().max_in_flight;
    assert_eq!(
        seen.len(),
        in_flight,
        "those in flight finished, nothing new started"
    );
    assert!(seen.iter().all(|s| s.accepted));
    assert_eq!(
        outbox.pending(),
        100 - in_flight,
        "what Telegram took is recorded, the rest waits"
    );
}

#[tokio::test(start_paused = true)]
async fn pushes_queued_later_are_read_when_the_scheduler_is_woken() {
    let telegram = FakeTelegram::new(Duration::from_millis(10));
    let outbox = MemoryOutbox::with(chats(2));
    let wake = Arc::new(Notify::new());
    let (stop_tx, stop_rx) = watch::channel(false);
    let task = tokio::spawn(deliver(
        telegram.clone(),
        outbox.clone(),
        Settings::default(),
        wake.clone(),
        stop_rx,
    ));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(outbox.pending(), 0);
    outbox
        .items
        .lock()
        .unwrap()
        .insert(10, item(10, 1, "later"));
    wake.notify_one();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(outbox.pending(), 0, "woken, the new push went out at once");
    assert_eq!(telegram.accepted_to(1).len(), 2);
    stop_tx.send(true).unwrap();
    task.await.unwrap();
}
