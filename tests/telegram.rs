//! End-to-end: the real `storyline serve` binary, long polling a fake Telegram Bot API on
//! 127.0.0.1 over real HTTP. Each test is one story: commands answered with dated, cited HTML;
//! subscriptions pushed exactly once per article and never again after a restart; blocked chats
//! dropped; 429s waited out; SIGTERM ends with exit 0; hostile and odd messages answered safely
//! or ignored; a flooding chat slowed down without slowing others; only group admins change a
//! group's subscriptions; a chat's subscriptions capped; `/stats` only for the bot's admins.
//! Faults, kills and secrets are in `telegram_faults.rs`.

mod support;

use std::time::{Duration, Instant};

use storyline::answer::Reply;
use storyline::notify::Push;
use storyline::store::Store;
use support::{
    assert_nothing_malformed, free_local_addr, has_citation_link, has_control_chars,
    has_dated_text, is_push, manifest_dir, path_str, post_json, Fault, Harness, BOT_USERNAME,
    GROUP_OWNER, PATIENCE, TOKEN,
};

/// Long enough for a scan (every second), an ingest and a delivery to have happened if they were
/// going to.
const QUIET_PERIOD: Duration = Duration::from_secs(4);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_are_answered_with_dated_cited_html() {
    let h = Harness::new().await;
    let mut bot = h.start().await;

    // The command menu comes from the BotCommands enum.
    let menu = h.api.calls_to("setMyCommands");
    let commands: Vec<&str> = menu[0]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["command"].as_str())
        .collect();
    for c in [
        "start",
        "help",
        "latest",
        "status",
        "timeline",
        "subscribe",
        "unsubscribe",
        "subscriptions",
    ] {
        assert!(commands.contains(&c), "menu lacks /{c}: {commands:?}");
    }

    h.api.send_text(11, "/start");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.delivered_to(11).is_empty())
            .await,
        "no answer to /start"
    );
    let start = &h.api.delivered_to(11)[0];
    assert_eq!(start.parse_mode.as_deref(), Some("HTML"));
    assert!(start.link_preview_disabled);
    assert!(start.text.contains("<b>"), "{}", start.text);

    h.api.send_text(11, &format!("/latest@{BOT_USERNAME}"));
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(11).len() >= 2)
            .await,
        "no answer to /latest"
    );
    let latest = &h.api.delivered_to(11)[1];
    assert!(
        has_citation_link(&latest.text),
        "no citation link: {}",
        latest.text
    );
    assert!(
        latest.text.contains("kyivindependent.com"),
        "{}",
        latest.text
    );
    assert!(
        has_dated_text(&latest.text),
        "no dated item: {}",
        latest.text
    );

    // A status answer offers follow-ups as buttons whose data is a command.
    h.api.send_text(11, "/status minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(11).len() >= 3)
            .await
    );
    let status = &h.api.delivered_to(11)[2];
    assert!(has_dated_text(&status.text), "{}", status.text);

    // Pressing a button runs its command as if typed.
    h.api.press_button(11, "/timeline minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(11).len() >= 4)
            .await,
        "button press not answered"
    );
    assert!(has_citation_link(&h.api.delivered_to(11)[3].text));
    assert!(
        !h.api.calls_to("answerCallbackQuery").is_empty(),
        "button spinner not stopped"
    );

    // Not for us: another bot's command, group chatter. For us: a photo in private gets a hint.
    h.api.send_text(11, "/latest@other_bot");
    h.api.send_text(-12, "the deal is interesting");
    h.api.send_photo(11);
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(11).len() >= 5)
            .await,
        "no hint for a photo"
    );
    assert!(
        h.api.delivered_to(11)[4].text.contains("only read text"),
        "{}",
        h.api.delivered_to(11)[4].text
    );
    // In a group, a reply to the bot is answered.
    h.api.send_reply_to_bot(-12, "when was the deal signed?");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.delivered_to(-12).is_empty())
            .await,
        "reply to the bot not answered"
    );
    assert!(
        h.api
            .wait_until(Duration::from_secs(2), |a| a.updates_drained())
            .await
    );
    assert_eq!(
        h.api.delivered_to(11).len(),
        5,
        "another bot's command was answered"
    );
    assert_eq!(
        h.api.delivered_to(-12).len(),
        1,
        "group chatter was answered"
    );
    assert_nothing_malformed(&h.api, &bot.log());

    let status = bot.terminate().await;
    assert!(
        status.success(),
        "exit status {status:?}; log:\n{}",
        bot.log()
    );
    assert!(
        !bot.log().contains(TOKEN.split(':').nth(1).unwrap()),
        "the token was logged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_in_messages_comes_back_escaped() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    h.api
        .send_text(21, "is <script>alert(1)</script> the deal signed?");
    h.api.send_text(21, "/subscribe <script>alert(1)</script>");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(21).len() >= 2)
            .await,
        "no answers"
    );
    for sent in h.api.delivered_to(21) {
        assert!(!sent.text.contains("<script>"), "unescaped: {}", sent.text);
    }
    // The unknown topic is named back, escaped, with the real topics as buttons.
    let unknown = &h.api.delivered_to(21)[1];
    assert!(
        unknown
            .text
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        unknown.text
    );
    assert!(
        unknown.buttons().iter().any(|b| b == "/subscribe minerals"),
        "{:?}",
        unknown.buttons()
    );
    assert!(bot.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_get_one_push_per_article_and_none_again_after_restart() {
    let h = Harness::new().await;
    let mut bot = h.start().await;

    // A private chat subscribes by command; a group picks the topic from the buttons.
    h.api.send_text(31, "/subscribe minerals deal");
    h.api.send_text(-32, &format!("/subscribe@{BOT_USERNAME}"));
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.delivered_to(31).is_empty()
                && !a.delivered_to(-32).is_empty())
            .await
    );
    let backfill = &h.api.delivered_to(31)[0];
    assert!(
        backfill.text.contains("Subscribed to Minerals deal"),
        "{}",
        backfill.text
    );
    assert!(
        has_dated_text(&backfill.text) && has_citation_link(&backfill.text),
        "backfill: {}",
        backfill.text
    );
    let menu = &h.api.delivered_to(-32)[0];
    assert!(
        menu.buttons().iter().any(|b| b == "/subscribe minerals"),
        "{:?}",
        menu.buttons()
    );
    h.api.press_button(-32, "/subscribe minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(-32).len() >= 2)
            .await
    );
    h.api.send_text(33, "/latest"); // not subscribed

    h.drop_article("a5-2025-05-01-minerals-deal-signed.txt");
    let pushed =
        |a: &support::FakeBotApi, chat| a.delivered_to(chat).iter().filter(|s| is_push(s)).count();
    assert!(
        h.api
            .wait_until(PATIENCE, |a| pushed(a, 31) >= 1 && pushed(a, -32) >= 1)
            .await,
        "no pushes; log:\n{}",
        bot.log()
    );
    tokio::time::sleep(QUIET_PERIOD).await;
    assert_eq!(pushed(&h.api, 31), 1);
    assert_eq!(pushed(&h.api, -32), 1);
    assert_eq!(
        pushed(&h.api, 33),
        0,
        "a chat that did not subscribe got a push"
    );
    let push = h.api.delivered_to(31).into_iter().find(is_push).unwrap();
    assert!(push.text.contains("Dnipro Wire"), "{}", push.text);
    assert!(
        has_dated_text(&push.text) && has_citation_link(&push.text),
        "push: {}",
        push.text
    );
    assert!(push.text.contains("dniprowire.example"), "{}", push.text);
    assert!(
        push.text.contains("Status: "),
        "status change not stated: {}",
        push.text
    );
    assert_nothing_malformed(&h.api, &bot.log());

    // Restart: nothing pending, nothing repeated.
    assert!(bot.terminate().await.success());
    let mut bot = h.start().await;
    tokio::time::sleep(QUIET_PERIOD).await;
    assert_eq!(
        pushed(&h.api, 31),
        1,
        "a delivered push was repeated after restart"
    );
    assert_eq!(
        pushed(&h.api, -32),
        1,
        "a delivered push was repeated after restart"
    );

    // Subscriptions survived the restart: the next article is pushed.
    h.drop_article("a6-2025-05-09-rada-ratifies-deal.txt");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| pushed(a, 31) >= 2 && pushed(a, -32) >= 2)
            .await,
        "log:\n{}",
        bot.log()
    );
    assert!(bot.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_chats_are_dropped_429_is_waited_out_and_migrations_followed() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    for chat in [41, 42, -43] {
        h.api.send_text(chat, "/subscribe minerals");
    }
    assert!(
        h.api
            .wait_until(PATIENCE, |a| [41, 42, -43]
                .iter()
                .all(|c| !a.delivered_to(*c).is_empty()))
            .await
    );

    h.api.fail_always(41, Fault::Blocked);
    h.api.fail_next(42, Fault::RetryAfter(2), 1);
    h.api.fail_next(-43, Fault::MigrateTo(-1_000_043), 1);
    // Two articles in one scan: two pushes per chat pending at once.
    h.drop_articles(&[
        "a4-2025-04-18-memorandum-of-intent.txt",
        "a5-2025-05-01-minerals-deal-signed.txt",
    ]);

    let pushed =
        |a: &support::FakeBotApi, chat| a.delivered_to(chat).iter().filter(|s| is_push(s)).count();
    assert!(
        h.api
            .wait_until(PATIENCE, |a| pushed(a, 42) == 2
                && pushed(a, -1_000_043) == 2)
            .await,
        "pushes not delivered after 429 / migration; log:\n{}",
        bot.log()
    );
    // The 429 was honoured: the retry came at least retry_after later.
    let attempts: Vec<_> = h
        .api
        .attempts()
        .into_iter()
        .filter(|s| s.chat_id == 42 && is_push(s))
        .collect();
    assert_eq!(attempts.len(), 3, "one refused attempt, two accepted");
    assert_eq!(attempts[0].fault, Some(Fault::RetryAfter(2)));
    assert!(attempts[1].at.duration_since(attempts[0].at) >= Duration::from_millis(1900));
    // The blocked chat was tried once: its other pending push went with its subscriptions.
    let blocked = |a: &support::FakeBotApi| {
        a.attempts()
            .iter()
            .filter(|s| s.chat_id == 41 && is_push(s))
            .count()
    };
    assert_eq!(blocked(&h.api), 1);

    // The next article: the blocked chat is no longer a subscriber.
    h.drop_article("a6-2025-05-09-rada-ratifies-deal.txt");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| pushed(a, 42) == 3
                && pushed(a, -1_000_043) == 3)
            .await,
        "log:\n{}",
        bot.log()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        blocked(&h.api),
        1,
        "a chat that blocked the bot was written to again"
    );
    assert!(bot.terminate().await.success());

    let store = Store::open(&h.data_dir()).expect("open store after exit");
    assert!(
        store.chat_subscriptions(41, None).unwrap().is_empty(),
        "blocked chat still subscribed"
    );
    assert!(
        store.chat_subscriptions(-43, None).unwrap().is_empty(),
        "migrated chat left behind"
    );
    assert_eq!(
        store.chat_subscriptions(-1_000_043, None).unwrap().len(),
        1,
        "migrated chat lost its subscription"
    );
    assert!(
        store.pending_pushes().unwrap().is_empty(),
        "undelivered pushes left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_pushes_are_sent_after_a_restart_exactly_once() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    h.api.send_text(61, "/subscribe minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.delivered_to(61).is_empty())
            .await
    );
    // Telegram keeps asking to wait: the push stays in the outbox across the shutdown.
    h.api.fail_always(61, Fault::RetryAfter(60));
    h.drop_article("a5-2025-05-01-minerals-deal-signed.txt");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a
                .attempts()
                .iter()
                .any(|s| s.chat_id == 61 && is_push(s)))
            .await,
        "log:\n{}",
        bot.log()
    );
    let stopped = Instant::now();
    assert!(bot.terminate().await.success(), "log:\n{}", bot.log());
    assert!(
        stopped.elapsed() < Duration::from_secs(10),
        "shutdown waited out the retry_after"
    );

    h.api.clear_faults(61);
    let mut bot = h.start().await;
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(61).iter().any(is_push))
            .await,
        "pending push not sent; log:\n{}",
        bot.log()
    );
    tokio::time::sleep(QUIET_PERIOD).await;
    assert_eq!(
        h.api.delivered_to(61).iter().filter(|s| is_push(s)).count(),
        1
    );
    assert!(bot.terminate().await.success());
}

/// A push as an older release wrote it (no `version`, `parts_sent`, `quiet`, reply `kind`,
/// `actions`, item `label` or citation `sentences`).
const OLDER_OUTBOX_RECORD: &str = r#"{"push": {
    "chat_id": 81, "thread_id": null, "article_id": "old", "topics": ["minerals"],
    "reply": {
        "title": "Minerals deal: new from Kyiv Independent",
        "intro": [],
        "items": [{"text": "The older record was delivered.", "event_date": null,
                   "reported": "2025-05-01", "modality": "Fact", "attribution": null,
                   "cites": [1]}],
        "citations": [{"article_id": "old", "outlet": "Kyiv Independent",
                       "title": "Deal signed", "url": "https://kyivindependent.com/x",
                       "published": "2025-05-01"}]
    }
}}"#;

/// A record cut short, as a torn write would leave it.
const CORRUPT_OUTBOX_RECORD: &[u8] = br#"{"push": {"chat_id": 81, "reply": {"tit"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_and_corrupt_outbox_records_do_not_stop_the_other_pushes() {
    let h = Harness::new().await;
    {
        let store = Store::open(&h.data_dir()).expect("open store");
        let push = Push {
            chat_id: 81,
            thread_id: None,
            article_id: "new".into(),
            topics: vec!["minerals".into()],
            reply: std::sync::Arc::new(Reply {
                title: "Minerals deal: new from Reuters".into(),
                intro: vec!["The record of this build was delivered.".into()],
                ..Reply::default()
            }),
            quiet: false,
        };
        store.enqueue_pushes(&[push]).expect("enqueue");
    }
    {
        // What a crash mid-write or an older release could leave, straight into sled's tree.
        let db = sled::open(h.data_dir()).expect("open sled");
        let outbox = db.open_tree("outbox").expect("outbox tree");
        outbox
            .insert((u64::MAX - 1).to_be_bytes(), CORRUPT_OUTBOX_RECORD)
            .expect("insert");
        outbox
            .insert(u64::MAX.to_be_bytes(), OLDER_OUTBOX_RECORD.as_bytes())
            .expect("insert");
        db.flush().expect("flush");
    }
    let mut bot = h.start().await;
    let delivered =
        |a: &support::FakeBotApi| a.delivered_to(81).iter().filter(|s| is_push(s)).count();
    assert!(
        h.api.wait_until(PATIENCE, |a| delivered(a) == 2).await,
        "log:\n{}",
        bot.log()
    );
    let texts: Vec<String> = h.api.delivered_to(81).into_iter().map(|s| s.text).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("The older record was delivered.")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("The record of this build was delivered.")),
        "{texts:?}"
    );
    assert!(bot.log().contains("set aside"), "log:\n{}", bot.log());
    assert!(bot.terminate().await.success());

    let store = Store::open(&h.data_dir()).expect("open store after exit");
    assert!(store.pending_pushes().expect("outbox").is_empty());
    let aside = store.quarantined().expect("quarantine");
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(aside[0].value, CORRUPT_OUTBOX_RECORD);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsubscribed_chats_get_no_more_pushes() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    h.api.send_text(51, "/subscribe minerals");
    h.api.send_text(52, "/subscribe minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.delivered_to(51).is_empty()
                && !a.delivered_to(52).is_empty())
            .await
    );
    h.api.send_text(51, "/unsubscribe minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(51).len() >= 2)
            .await
    );
    assert!(
        h.api.delivered_to(51)[1].text.contains("Unsubscribed"),
        "{}",
        h.api.delivered_to(51)[1].text
    );
    h.api.send_text(51, "/subscriptions");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(51).len() >= 3)
            .await
    );
    assert!(
        h.api.delivered_to(51)[2].text.contains("no topics"),
        "{}",
        h.api.delivered_to(51)[2].text
    );

    let started = Instant::now();
    h.drop_article("a5-2025-05-01-minerals-deal-signed.txt");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(52).iter().any(is_push))
            .await,
        "log:\n{}",
        bot.log()
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the new article took over 10 s to be pushed"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !h.api.delivered_to(51).iter().any(is_push),
        "an unsubscribed chat got a push"
    );
    assert!(bot.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_answers_only_requests_with_the_secret() {
    let h = Harness::new().await;
    let addr = free_local_addr();
    let (mut bot, secret) = h
        .start_webhook("https://bot.example.test/telegram/hook", addr)
        .await;
    assert!(!secret.is_empty(), "no secret token registered");
    let update = r#"{"update_id": 7, "message": {"message_id": 70, "date": 1746000000,
        "chat": {"id": 71, "type": "private", "first_name": "Tester"},
        "from": {"id": 71, "is_bot": false, "first_name": "Tester"}, "text": "/latest minerals"}}"#;

    assert_eq!(
        post_json(addr, "/telegram/hook", None, update).await,
        401,
        "accepted without the secret"
    );
    assert_eq!(
        post_json(addr, "/telegram/hook", Some("wrong"), update).await,
        401,
        "accepted a wrong secret"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        h.api.delivered_to(71).is_empty(),
        "answered a request without the secret"
    );

    assert_eq!(
        post_json(addr, "/telegram/hook", Some(&secret), update).await,
        200
    );
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.delivered_to(71).is_empty())
            .await,
        "log:\n{}",
        bot.log()
    );
    let answer = &h.api.delivered_to(71)[0];
    assert!(
        has_dated_text(&answer.text) && has_citation_link(&answer.text),
        "{}",
        answer.text
    );
    assert!(
        !h.api.methods().iter().any(|m| m == "getupdates"),
        "polled in webhook mode"
    );

    assert!(bot.terminate().await.success(), "log:\n{}", bot.log());
    assert!(
        !h.api.calls_to("deleteWebhook").is_empty(),
        "webhook not removed on shutdown"
    );
    assert!(
        !bot.log().contains(&secret),
        "the webhook secret was logged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_token_is_a_clear_error_not_a_panic() {
    let h = Harness::new().await;
    let mut bot = h.spawn(&[("TELOXIDE_API_URL", &h.api.url())]);
    let status = bot
        .wait(PATIENCE)
        .await
        .expect("serve should exit without a token");
    assert!(!status.success());
    let log = bot.log();
    assert!(log.contains("TELOXIDE_TOKEN"), "{log}");
    assert!(!log.contains("panicked"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_odd_messages_are_answered_safely_or_ignored() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    let long: String = "is <b>the deal</b> & <i>signed "
        .chars()
        .cycle()
        .take(4096)
        .collect();
    assert_eq!(long.chars().count(), 4096);
    // Injection: HTML, a javascript: link, unbalanced tags, Markdown; one chat each so the rate
    // limit stays out of the way.
    let expected: Vec<(i64, &str)> = vec![
        (81, long.as_str()),
        (81, "<a href=\"javascript:alert(1)\">click</a> is the deal signed?"),
        (81, "</b></i><b><i>unclosed <pre>deal"),
        (81, "**bold** _it_ [link](javascript:alert(1)) `code` ~~x~~ ||spoiler||"),
        (82, "/status <b>x</b><script>alert(1)</script>"),
        (82, "is the deal\u{0}\u{7}\u{1b}[31m signed\u{202E}?\u{200F}\u{feff}"),
        (82, "/subscribe \u{200F}minerals\u{0}\u{7}"),
        (83, "\u{1F1FA}\u{1F1E6}\u{1F91D}\u{1F1FA}\u{1F1F8} deal signed? \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}"),
        (83, "\u{423}\u{433}\u{43e}\u{434}\u{430} \u{43f}\u{456}\u{434}\u{43f}\u{438}\u{441}\u{430}\u{43d}\u{430}?"),
        (83, "\u{647}\u{644} \u{62a}\u{645} \u{62a}\u{648}\u{642}\u{64a}\u{639} \u{627}\u{644}\u{627}\u{62a}\u{641}\u{627}\u{642}\u{64a}\u{629}\u{61f}"),
        (83, "\u{534f}\u{8bae}\u{7b7e}\u{7f72}\u{4e86}\u{5417}\u{ff1f}"),
    ];
    let mut per_chat = std::collections::HashMap::new();
    for (chat, text) in &expected {
        h.api.send_text(*chat, text);
        *per_chat.entry(*chat).or_insert(0usize) += 1;
    }
    // Commands the bot does not know, one of them 4,000 characters long.
    h.api.send_text(84, "/frobnicate");
    let overlong = format!("/{}", "x".repeat(4000));
    h.api.send_text(84, &overlong);
    // Ignored: another bot's commands, an edit, group chatter, a sticker or photo in a group.
    h.api.send_text(84, "/frobnicate@other_bot");
    h.api.send_text(84, "/latest@other_bot minerals");
    h.api.send_edit(84, "/latest");
    h.api.send_text(-85, "the deal is <b>signed</b>, right?");
    h.api.send_sticker(-85);
    h.api.send_photo(-85);
    // Answered with a hint: a sticker in private.
    h.api.send_sticker(86);
    // Answered: a mention in a group.
    h.api
        .send_text(-85, &format!("@{BOT_USERNAME} is the deal signed?"));

    let answered = |a: &support::FakeBotApi, chat: i64, n: usize| a.delivered_to(chat).len() >= n;
    let all = h
        .api
        .wait_until(PATIENCE, |a| {
            per_chat.iter().all(|(c, n)| answered(a, *c, *n))
                && answered(a, 84, 2)
                && answered(a, 86, 1)
                && answered(a, -85, 1)
        })
        .await;
    assert!(all, "not every message was answered; log:\n{}", bot.log());
    assert!(
        h.api
            .wait_until(Duration::from_secs(5), |a| a.updates_drained())
            .await
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let log = bot.log();
    assert_nothing_malformed(&h.api, &log);

    // One answer per message, none for what is not for us.
    for (chat, n) in &per_chat {
        assert_eq!(
            h.api.delivered_to(*chat).len(),
            *n,
            "chat {chat}: {:#?}",
            h.api.delivered_to(*chat)
        );
    }
    assert_eq!(
        h.api.delivered_to(84).len(),
        2,
        "{:#?}",
        h.api.delivered_to(84)
    );
    assert_eq!(
        h.api.delivered_to(-85).len(),
        1,
        "group chatter, stickers or photos were answered"
    );
    assert!(h.api.delivered_to(86)[0].text.contains("only read text"));
    for sent in h.api.delivered() {
        assert!(
            !has_control_chars(&sent.text),
            "control characters sent: {:?}",
            sent.text
        );
        assert!(
            !sent.text.contains("<script") && !sent.text.contains("javascript:alert(1)\">"),
            "{}",
            sent.text
        );
        assert!(
            !sent.text.contains("<b>the deal</b>") && !sent.text.contains("<b>signed</b>"),
            "{}",
            sent.text
        );
        assert!(
            !sent.text.contains("<b>bold") && !sent.text.contains("<i>it"),
            "Markdown became HTML: {}",
            sent.text
        );
    }
    // What is quoted back is escaped and short.
    let status = &h.api.delivered_to(82)[0].text;
    assert!(
        status.contains("&lt;b&gt;x&lt;/b&gt;&lt;script&gt;"),
        "{status}"
    );
    let subscribe = &h.api.delivered_to(82)[2].text;
    assert!(
        subscribe.contains("Subscribed to Minerals deal"),
        "control characters broke the topic: {subscribe}"
    );
    let unknown = &h.api.delivered_to(84)[0].text;
    assert!(
        unknown.contains("I don't know the command /frobnicate"),
        "{unknown}"
    );
    let cut = &h.api.delivered_to(84)[1].text;
    assert!(
        cut.contains("I don't know the command") && cut.chars().count() < 300,
        "{cut}"
    );

    assert!(bot.terminate().await.success(), "log:\n{}", bot.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_chat_gets_one_polite_warning_and_other_chats_are_unaffected() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    let flood = 91;
    let started = Instant::now();
    let mut other_sent = None;
    // 50 messages in about 7 seconds (well within one 10-second window, even on a slow runner).
    for i in 0..50 {
        h.api.send_text(
            flood,
            &format!("/latest {}", if i % 2 == 0 { "minerals" } else { "aid" }),
        );
        if i == 20 {
            h.api.send_text(92, "/status minerals");
            other_sent = Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(140)).await;
    }
    let other_sent = other_sent.expect("sent");
    // The other chat was answered promptly, while the flood was still being handled.
    let other = h
        .api
        .wait_until(PATIENCE, |a| !a.delivered_to(92).is_empty())
        .await;
    assert!(
        other,
        "the other chat was not answered; log:\n{}",
        bot.log()
    );
    let other_at = h.api.delivered_to(92)[0].at;
    assert!(
        other_at.duration_since(other_sent) < Duration::from_secs(4),
        "the other chat waited {:?} behind the flood",
        other_at.duration_since(other_sent)
    );
    // The limit is 10 per 10 s: ten answers and one warning, then silence.
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(flood).len() >= 11)
            .await,
        "log:\n{}",
        bot.log()
    );
    assert!(
        h.api
            .wait_until(Duration::from_secs(10), |a| a.updates_drained())
            .await
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let sent = h.api.delivered_to(flood);
    let warnings = sent
        .iter()
        .filter(|s| s.text.contains("That is a lot of messages"))
        .count();
    assert_eq!(warnings, 1, "{sent:#?}");
    assert_eq!(sent.len(), 11, "answers after the limit: {}", sent.len());
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_nothing_malformed(&h.api, &bot.log());
    assert!(bot.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_group_admins_change_a_groups_subscriptions() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    let (group, member, admin, unsure) = (-71, 801, 802, 803);
    h.api.set_member_status(group, admin, "administrator");

    h.api.send_text_from(group, member, "/subscribe minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.delivered_to(group).is_empty())
            .await,
        "log:\n{}",
        bot.log()
    );
    assert!(
        h.api.delivered_to(group)[0]
            .text
            .contains("Only this group's admins"),
        "{}",
        h.api.delivered_to(group)[0].text
    );

    h.api.send_text_from(group, admin, "/subscribe minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(group).len() >= 2)
            .await
    );
    assert!(h.api.delivered_to(group)[1]
        .text
        .contains("Subscribed to Minerals deal"));

    // A member can neither unsubscribe by command nor by button, but may look.
    h.api.send_text_from(group, member, "/unsubscribe minerals");
    h.api.press_button_from(group, member, "/unsubscribe all");
    h.api.send_text_from(group, member, "/subscriptions");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(group).len() >= 5)
            .await
    );
    let sent = h.api.delivered_to(group);
    assert!(
        sent[2].text.contains("Only this group's admins"),
        "{}",
        sent[2].text
    );
    assert!(
        sent[3].text.contains("Only this group's admins"),
        "{}",
        sent[3].text
    );
    assert!(sent[4].text.contains("Minerals deal"), "{}", sent[4].text);

    // The admin again (remembered: no second getChatMember), and an admin posting as the group.
    h.api.send_text_from(group, admin, "/subscribe aid");
    h.api.send_as_group(group, "/subscribe intel");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(group).len() >= 7)
            .await
    );
    let asked = |user: i64| {
        h.api
            .calls_to("getChatMember")
            .iter()
            .filter(|c| c["user_id"].as_i64() == Some(user))
            .count()
    };
    assert_eq!(asked(admin), 1, "the admin status was not remembered");
    assert_eq!(
        asked(support::ANONYMOUS_ADMIN),
        0,
        "an anonymous admin needs no check"
    );

    // When Telegram cannot say, the answer is a polite refusal, not a guess.
    h.api
        .fail_method_next("getChatMember", Fault::RetryAfter(1), 1);
    h.api.send_text_from(group, unsure, "/unsubscribe all");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(group).len() >= 8)
            .await
    );
    assert!(
        h.api.delivered_to(group)[7]
            .text
            .contains("could not check"),
        "{}",
        h.api.delivered_to(group)[7].text
    );
    // Private chats need no admin.
    h.api.send_text(72, "/subscribe minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.delivered_to(72).is_empty())
            .await
    );
    assert!(h
        .api
        .calls_to("getChatMember")
        .iter()
        .all(|c| c["chat_id"].as_i64() != Some(72)));
    assert_nothing_malformed(&h.api, &bot.log());
    assert!(bot.terminate().await.success());

    let store = Store::open(&h.data_dir()).expect("open store");
    let topics: Vec<String> = store
        .chat_subscriptions(group, None)
        .unwrap()
        .into_iter()
        .map(|s| s.topic)
        .collect();
    assert_eq!(topics, vec!["aid", "intel", "minerals"]);
    let _ = GROUP_OWNER;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_may_hold_only_so_many_subscriptions_and_unknown_topics_list_the_real_ones() {
    let h = Harness::new().await;
    h.set_telegram("max_subscriptions_per_chat", "3");
    let mut bot = h.start().await;
    let forum = -61;
    // The group's owner subscribes topics across forum threads: distinct subscriptions, one chat.
    let attempts = [
        (1, "minerals"),
        (1, "aid"),
        (2, "intel"),
        (2, "peace"),
        (3, "minerals"),
    ];
    for (thread, topic) in attempts {
        h.api
            .send_in_thread(forum, GROUP_OWNER, thread, &format!("/subscribe {topic}"));
    }
    h.api
        .send_in_thread(forum, GROUP_OWNER, 3, "/subscribe the moon landing");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(forum).len() >= 6)
            .await,
        "log:\n{}",
        bot.log()
    );
    let sent = h.api.delivered_to(forum);
    for s in &sent[..3] {
        assert!(s.text.contains("Subscribed to"), "{}", s.text);
    }
    for s in &sent[3..5] {
        assert!(
            s.text
                .contains("already has 3 subscriptions, the most one chat may have"),
            "{}",
            s.text
        );
        assert!(s.text.contains("at most 3 topics"), "{}", s.text);
    }
    assert_eq!(
        sent[4].thread_id,
        Some(3),
        "the answer went to another thread"
    );
    let unknown = &sent[5].text;
    assert!(
        unknown.contains("I don't follow a topic called"),
        "{unknown}"
    );
    assert!(
        unknown.contains("Minerals deal (minerals)") && unknown.contains("Peace talks"),
        "{unknown}"
    );
    assert!(
        sent[5].buttons().iter().any(|b| b == "/subscribe minerals"),
        "{:?}",
        sent[5].buttons()
    );
    assert_nothing_malformed(&h.api, &bot.log());
    assert!(bot.terminate().await.success());
    let store = Store::open(&h.data_dir()).expect("open store");
    assert_eq!(store.chat_subscription_count(forum).unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_are_only_for_the_configured_admins() {
    let h = Harness::new().await;
    h.set_telegram("admins", "[901]");
    let mut bot = h.start().await;
    // Something pending: a subscriber whose messages keep failing behind a broken proxy. (Not a
    // 429: that pauses every send of the bot, as Telegram's flood control asks.)
    h.api.send_text(904, "/subscribe minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.delivered_to(904).is_empty())
            .await
    );
    h.api.fail_always(904, Fault::BadGateway);
    h.drop_article("a5-2025-05-01-minerals-deal-signed.txt");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a
                .attempts()
                .iter()
                .any(|s| s.chat_id == 904 && is_push(s)))
            .await,
        "log:\n{}",
        bot.log()
    );

    h.api.send_text(901, "/stats");
    h.api.send_text(902, "/stats");
    h.api.send_text_from(-903, 901, "/stats");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| [901, 902, -903]
                .iter()
                .all(|c| !a.delivered_to(*c).is_empty()))
            .await,
        "log:\n{}",
        bot.log()
    );
    let stats = &h.api.delivered_to(901)[0].text;
    for line in [
        "Storyline stats",
        "Articles: 2",
        "Events: ",
        "Subscribers: 1 chats, 1 subscriptions (minerals 1)",
        "Pending pushes: 1",
        "Last ingest: 20",
        "Feeds: none configured",
    ] {
        assert!(stats.contains(line), "{line:?} missing from:\n{stats}");
    }
    for chat in [902, -903] {
        let help = &h.api.delivered_to(chat)[0].text;
        assert!(
            help.contains("Commands:") && !help.contains("Pending pushes"),
            "chat {chat}: {help}"
        );
    }
    assert_nothing_malformed(&h.api, &bot.log());
    assert!(bot.terminate().await.success());
}

/// `stats`, `ask`, `ingest` and `feeds` while `serve` holds the store: they run inside it
/// through the control socket, with the output and exit code they have without a server; an
/// article ingested that way is pushed to subscribers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_works_while_the_bot_runs_with_the_same_output_and_exit_codes() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    h.api.send_text(61, "/subscribe minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.delivered_to(61).is_empty())
            .await
    );
    let bad = manifest_dir().join("tests/data/bad/bad_date.txt");
    let signed = manifest_dir().join("tests/data/dev/a5-2025-05-01-minerals-deal-signed.txt");
    let runs: Vec<Vec<String>> = vec![
        vec!["stats".into()],
        vec!["stats".into(), "--json".into()],
        vec!["ask".into(), "/latest".into(), "minerals".into()],
        vec!["ask".into(), "Is the minerals deal signed yet?".into()],
        vec!["feeds".into()],
        vec!["ingest".into(), path_str(&bad)],
    ];
    let mut during = Vec::new();
    for args in &runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = h.cli(&args);
        during.push(out);
    }
    for (args, out) in runs.iter().zip(&during) {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("in use by another process"),
            "{args:?} still hit the store lock: {stderr}"
        );
    }
    assert_eq!(during[0].status.code(), Some(0), "{during:?}");
    assert!(String::from_utf8_lossy(&during[0].stdout).contains("articles:"));
    assert_eq!(
        during[5].status.code(),
        Some(2),
        "a bad file is exit code 2"
    );

    // An article ingested through the running bot reaches the subscriber.
    let ingested = h.cli(&["ingest", &path_str(&signed)]);
    assert_eq!(ingested.status.code(), Some(0), "{ingested:?}");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a
                .delivered_to(61)
                .iter()
                .any(|s| s.text.contains("Dnipro Wire")))
            .await,
        "no push for the article ingested through serve; log:\n{}",
        bot.log()
    );
    assert!(bot.terminate().await.success());
    assert!(
        !h.data_dir().join("control.sock").exists(),
        "the socket is removed at exit"
    );

    // Without a server, the same commands open the store themselves: same output and codes.
    // (The store now holds one more article, so stats and answers are compared before that.)
    let h2 = Harness::new().await;
    let mut bot2 = h2.start().await;
    assert!(bot2.terminate().await.success());
    for (args, during) in runs.iter().zip(&during) {
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace(&path_str(&h.root()), &path_str(&h2.root())))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let alone = h2.cli(&args);
        assert_eq!(alone.status.code(), during.status.code(), "{args:?}");
        if args[0] == "stats" {
            // Sizes on disk and the time of the last ingest differ between two stores.
            let lines = |o: &std::process::Output| -> Vec<String> {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .filter(|l| l.starts_with("articles") || l.starts_with("events"))
                    .map(str::to_string)
                    .collect()
            };
            if args.len() == 1 {
                assert_eq!(lines(&alone), lines(during), "{args:?}");
            }
        } else {
            assert_eq!(
                String::from_utf8_lossy(&alone.stdout),
                String::from_utf8_lossy(&during.stdout),
                "{args:?}"
            );
            assert_eq!(
                String::from_utf8_lossy(&alone.stderr),
                String::from_utf8_lossy(&during.stderr),
                "{args:?}"
            );
        }
    }
}

/// A long answer comes a chat screen at a time: the first page within about 1,200 visible
/// characters with a More button (before the answer's own buttons); each press sends the next
/// page, the last without More; a press after the pages are gone asks to ask again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_answers_come_a_page_at_a_time_behind_a_more_button() {
    use storyline::frontend::telegram::render::visible_len;
    let h = Harness::new().await;
    h.drop_articles(&[
        "a1-2025-03-04-us-pauses-military-aid.txt",
        "a4-2025-04-18-memorandum-of-intent.txt",
        "a5-2025-05-01-minerals-deal-signed.txt",
        "a6-2025-05-09-rada-ratifies-deal.txt",
    ]);
    let mut bot = h.start().await;
    let more_of = |s: &support::Sent| s.buttons().into_iter().find(|b| b.starts_with("more:"));
    // Ask until the articles are in and the timeline no longer fits one page.
    let deadline = Instant::now() + PATIENCE;
    let first = loop {
        let asked = h.api.delivered_to(11).len();
        h.api.send_text(11, "/timeline minerals");
        assert!(
            h.api
                .wait_until(PATIENCE, |a| a.delivered_to(11).len() > asked)
                .await,
            "no answer to /timeline"
        );
        let last = h.api.delivered_to(11)[asked].clone();
        if more_of(&last).is_some() {
            break last;
        }
        assert!(Instant::now() < deadline, "the timeline never grew long");
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    assert!(visible_len(&first.text) <= 1200, "{}", first.text);
    assert!(has_dated_text(&first.text), "{}", first.text);
    let data = more_of(&first).unwrap();
    assert_eq!(first.buttons()[0], data, "More comes first");
    assert!(
        first.buttons().iter().any(|b| b.starts_with("/status")),
        "the answer's own buttons are kept: {:?}",
        first.buttons()
    );
    // Press More until the last page; every page fits and none repeats the one before.
    let mut previous = first.text.clone();
    let mut pages = 1;
    loop {
        let sent = h.api.delivered_to(11).len();
        h.api.press_button(11, &data);
        assert!(
            h.api
                .wait_until(PATIENCE, |a| a.delivered_to(11).len() > sent)
                .await,
            "More not answered"
        );
        let page = h.api.delivered_to(11)[sent].clone();
        pages += 1;
        assert!(visible_len(&page.text) <= 1200, "{}", page.text);
        assert_ne!(page.text, previous);
        previous = page.text.clone();
        if more_of(&page).is_none() {
            break;
        }
        assert!(pages < 50, "More never ends");
    }
    assert!(
        previous.contains("Sources") || previous.contains("<i>"),
        "the last page ends the answer: {previous}"
    );
    // The pages are gone now.
    let sent = h.api.delivered_to(11).len();
    h.api.press_button(11, &data);
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(11).len() > sent)
            .await
    );
    assert!(h.api.delivered_to(11)[sent].text.contains("ask again"));
    assert_nothing_malformed(&h.api, &bot.log());
    assert!(bot.terminate().await.success());
}
