//! End-to-end: the real `storyline serve` binary, long polling a fake Telegram Bot API on
//! 127.0.0.1 over real HTTP. Each test is one story: commands answered with dated, cited HTML;
//! subscriptions pushed exactly once per article and never again after a restart; blocked chats
//! dropped; 429s waited out; SIGTERM ends with exit 0.

mod support;

use std::time::{Duration, Instant};

use storyline::store::Store;
use support::{
    free_local_addr, has_citation_link, has_dated_text, is_push, post_json, Fault, Harness, BOT_USERNAME,
    PATIENCE, TOKEN,
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
    let commands: Vec<&str> =
        menu[0]["commands"].as_array().unwrap().iter().filter_map(|c| c["command"].as_str()).collect();
    for c in ["start", "help", "latest", "status", "timeline", "subscribe", "unsubscribe", "subscriptions"] {
        assert!(commands.contains(&c), "menu lacks /{c}: {commands:?}");
    }

    h.api.send_text(11, "/start");
    assert!(h.api.wait_until(PATIENCE, |a| !a.delivered_to(11).is_empty()).await, "no answer to /start");
    let start = &h.api.delivered_to(11)[0];
    assert_eq!(start.parse_mode.as_deref(), Some("HTML"));
    assert!(start.link_preview_disabled);
    assert!(start.text.contains("<b>"), "{}", start.text);

    h.api.send_text(11, &format!("/latest@{BOT_USERNAME}"));
    assert!(h.api.wait_until(PATIENCE, |a| a.delivered_to(11).len() >= 2).await, "no answer to /latest");
    let latest = &h.api.delivered_to(11)[1];
    assert!(has_citation_link(&latest.text), "no citation link: {}", latest.text);
    assert!(latest.text.contains("kyivindependent.com"), "{}", latest.text);
    assert!(has_dated_text(&latest.text), "no dated item: {}", latest.text);

    // A status answer offers follow-ups as buttons whose data is a command.
    h.api.send_text(11, "/status minerals");
    assert!(h.api.wait_until(PATIENCE, |a| a.delivered_to(11).len() >= 3).await);
    let status = &h.api.delivered_to(11)[2];
    assert!(has_dated_text(&status.text), "{}", status.text);

    // Pressing a button runs its command as if typed.
    h.api.press_button(11, "/timeline minerals");
    assert!(h.api.wait_until(PATIENCE, |a| a.delivered_to(11).len() >= 4).await, "button press not answered");
    assert!(has_citation_link(&h.api.delivered_to(11)[3].text));
    assert!(!h.api.calls_to("answerCallbackQuery").is_empty(), "button spinner not stopped");

    // Not for us: another bot's command, group chatter. For us: a photo in private gets a hint.
    h.api.send_text(11, "/latest@other_bot");
    h.api.send_text(-12, "the deal is interesting");
    h.api.send_photo(11);
    assert!(h.api.wait_until(PATIENCE, |a| a.delivered_to(11).len() >= 5).await, "no hint for a photo");
    assert!(h.api.delivered_to(11)[4].text.contains("only read text"), "{}", h.api.delivered_to(11)[4].text);
    // In a group, a reply to the bot is answered.
    h.api.send_reply_to_bot(-12, "when was the deal signed?");
    assert!(
        h.api.wait_until(PATIENCE, |a| !a.delivered_to(-12).is_empty()).await,
        "reply to the bot not answered"
    );
    assert!(h.api.wait_until(Duration::from_secs(2), |a| a.updates_drained()).await);
    assert_eq!(h.api.delivered_to(11).len(), 5, "another bot's command was answered");
    assert_eq!(h.api.delivered_to(-12).len(), 1, "group chatter was answered");

    let status = bot.terminate().await;
    assert!(status.success(), "exit status {status:?}; log:\n{}", bot.log());
    assert!(!bot.log().contains(TOKEN.split(':').nth(1).unwrap()), "the token was logged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_in_messages_comes_back_escaped() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    h.api.send_text(21, "is <script>alert(1)</script> the deal signed?");
    h.api.send_text(21, "/subscribe <script>alert(1)</script>");
    assert!(h.api.wait_until(PATIENCE, |a| a.delivered_to(21).len() >= 2).await, "no answers");
    for sent in h.api.delivered_to(21) {
        assert!(!sent.text.contains("<script>"), "unescaped: {}", sent.text);
    }
    // The unknown topic is named back, escaped, with the real topics as buttons.
    let unknown = &h.api.delivered_to(21)[1];
    assert!(unknown.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{}", unknown.text);
    assert!(unknown.buttons().iter().any(|b| b == "/subscribe minerals"), "{:?}", unknown.buttons());
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
            .wait_until(PATIENCE, |a| !a.delivered_to(31).is_empty() && !a.delivered_to(-32).is_empty())
            .await
    );
    let backfill = &h.api.delivered_to(31)[0];
    assert!(backfill.text.contains("Subscribed to Minerals deal"), "{}", backfill.text);
    assert!(
        has_dated_text(&backfill.text) && has_citation_link(&backfill.text),
        "backfill: {}",
        backfill.text
    );
    let menu = &h.api.delivered_to(-32)[0];
    assert!(menu.buttons().iter().any(|b| b == "/subscribe minerals"), "{:?}", menu.buttons());
    h.api.press_button(-32, "/subscribe minerals");
    assert!(h.api.wait_until(PATIENCE, |a| a.delivered_to(-32).len() >= 2).await);
    h.api.send_text(33, "/latest"); // not subscribed

    h.drop_article("a5-2025-05-01-minerals-deal-signed.txt");
    let pushed = |a: &support::FakeBotApi, chat| a.delivered_to(chat).iter().filter(|s| is_push(s)).count();
    assert!(
        h.api.wait_until(PATIENCE, |a| pushed(a, 31) >= 1 && pushed(a, -32) >= 1).await,
        "no pushes; log:\n{}",
        bot.log()
    );
    tokio::time::sleep(QUIET_PERIOD).await;
    assert_eq!(pushed(&h.api, 31), 1);
    assert_eq!(pushed(&h.api, -32), 1);
    assert_eq!(pushed(&h.api, 33), 0, "a chat that did not subscribe got a push");
    let push = h.api.delivered_to(31).into_iter().find(is_push).unwrap();
    assert!(push.text.contains("Dnipro Wire"), "{}", push.text);
    assert!(has_dated_text(&push.text) && has_citation_link(&push.text), "push: {}", push.text);
    assert!(push.text.contains("dniprowire.example"), "{}", push.text);
    assert!(push.text.contains("Status: "), "status change not stated: {}", push.text);

    // Restart: nothing pending, nothing repeated.
    assert!(bot.terminate().await.success());
    let mut bot = h.start().await;
    tokio::time::sleep(QUIET_PERIOD).await;
    assert_eq!(pushed(&h.api, 31), 1, "a delivered push was repeated after restart");
    assert_eq!(pushed(&h.api, -32), 1, "a delivered push was repeated after restart");

    // Subscriptions survived the restart: the next article is pushed.
    h.drop_article("a6-2025-05-09-rada-ratifies-deal.txt");
    assert!(
        h.api.wait_until(PATIENCE, |a| pushed(a, 31) >= 2 && pushed(a, -32) >= 2).await,
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
        h.api.wait_until(PATIENCE, |a| [41, 42, -43].iter().all(|c| !a.delivered_to(*c).is_empty())).await
    );

    h.api.fail_always(41, Fault::Blocked);
    h.api.fail_next(42, Fault::RetryAfter(2), 1);
    h.api.fail_next(-43, Fault::MigrateTo(-1_000_043), 1);
    // Two articles in one scan: two pushes per chat pending at once.
    h.drop_articles(&["a4-2025-04-18-memorandum-of-intent.txt", "a5-2025-05-01-minerals-deal-signed.txt"]);

    let pushed = |a: &support::FakeBotApi, chat| a.delivered_to(chat).iter().filter(|s| is_push(s)).count();
    assert!(
        h.api.wait_until(PATIENCE, |a| pushed(a, 42) == 2 && pushed(a, -1_000_043) == 2).await,
        "pushes not delivered after 429 / migration; log:\n{}",
        bot.log()
    );
    // The 429 was honoured: the retry came at least retry_after later.
    let attempts: Vec<_> = h.api.attempts().into_iter().filter(|s| s.chat_id == 42 && is_push(s)).collect();
    assert_eq!(attempts.len(), 3, "one refused attempt, two accepted");
    assert_eq!(attempts[0].fault, Some(Fault::RetryAfter(2)));
    assert!(attempts[1].at.duration_since(attempts[0].at) >= Duration::from_millis(1900));
    // The blocked chat was tried once: its other pending push went with its subscriptions.
    let blocked =
        |a: &support::FakeBotApi| a.attempts().iter().filter(|s| s.chat_id == 41 && is_push(s)).count();
    assert_eq!(blocked(&h.api), 1);

    // The next article: the blocked chat is no longer a subscriber.
    h.drop_article("a6-2025-05-09-rada-ratifies-deal.txt");
    assert!(
        h.api.wait_until(PATIENCE, |a| pushed(a, 42) == 3 && pushed(a, -1_000_043) == 3).await,
        "log:\n{}",
        bot.log()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(blocked(&h.api), 1, "a chat that blocked the bot was written to again");
    assert!(bot.terminate().await.success());

    let store = Store::open(&h.data_dir()).expect("open store after exit");
    assert!(store.chat_subscriptions(41, None).unwrap().is_empty(), "blocked chat still subscribed");
    assert!(store.chat_subscriptions(-43, None).unwrap().is_empty(), "migrated chat left behind");
    assert_eq!(
        store.chat_subscriptions(-1_000_043, None).unwrap().len(),
        1,
        "migrated chat lost its subscription"
    );
    assert!(store.pending_pushes().unwrap().is_empty(), "undelivered pushes left");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_pushes_are_sent_after_a_restart_exactly_once() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    h.api.send_text(61, "/subscribe minerals");
    assert!(h.api.wait_until(PATIENCE, |a| !a.delivered_to(61).is_empty()).await);
    // Telegram keeps asking to wait: the push stays in the outbox across the shutdown.
    h.api.fail_always(61, Fault::RetryAfter(60));
    h.drop_article("a5-2025-05-01-minerals-deal-signed.txt");
    assert!(
        h.api.wait_until(PATIENCE, |a| a.attempts().iter().any(|s| s.chat_id == 61 && is_push(s))).await,
        "log:\n{}",
        bot.log()
    );
    let stopped = Instant::now();
    assert!(bot.terminate().await.success(), "log:\n{}", bot.log());
    assert!(stopped.elapsed() < Duration::from_secs(10), "shutdown waited out the retry_after");

    h.api.clear_faults(61);
    let mut bot = h.start().await;
    assert!(
        h.api.wait_until(PATIENCE, |a| a.delivered_to(61).iter().any(is_push)).await,
        "pending push not sent; log:\n{}",
        bot.log()
    );
    tokio::time::sleep(QUIET_PERIOD).await;
    assert_eq!(h.api.delivered_to(61).iter().filter(|s| is_push(s)).count(), 1);
    assert!(bot.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsubscribed_chats_get_no_more_pushes() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    h.api.send_text(51, "/subscribe minerals");
    h.api.send_text(52, "/subscribe minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.delivered_to(51).is_empty() && !a.delivered_to(52).is_empty())
            .await
    );
    h.api.send_text(51, "/unsubscribe minerals");
    assert!(h.api.wait_until(PATIENCE, |a| a.delivered_to(51).len() >= 2).await);
    assert!(h.api.delivered_to(51)[1].text.contains("Unsubscribed"), "{}", h.api.delivered_to(51)[1].text);
    h.api.send_text(51, "/subscriptions");
    assert!(h.api.wait_until(PATIENCE, |a| a.delivered_to(51).len() >= 3).await);
    assert!(h.api.delivered_to(51)[2].text.contains("no topics"), "{}", h.api.delivered_to(51)[2].text);

    let started = Instant::now();
    h.drop_article("a5-2025-05-01-minerals-deal-signed.txt");
    assert!(
        h.api.wait_until(PATIENCE, |a| a.delivered_to(52).iter().any(is_push)).await,
        "log:\n{}",
        bot.log()
    );
    assert!(started.elapsed() < Duration::from_secs(10), "the new article took over 10 s to be pushed");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!h.api.delivered_to(51).iter().any(is_push), "an unsubscribed chat got a push");
    assert!(bot.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_answers_only_requests_with_the_secret() {
    let h = Harness::new().await;
    let addr = free_local_addr();
    let (mut bot, secret) = h.start_webhook("https://bot.example.test/telegram/hook", addr).await;
    assert!(!secret.is_empty(), "no secret token registered");
    let update = r#"{"update_id": 7, "message": {"message_id": 70, "date": 1746000000,
        "chat": {"id": 71, "type": "private", "first_name": "Tester"},
        "from": {"id": 71, "is_bot": false, "first_name": "Tester"}, "text": "/latest minerals"}}"#;

    assert_eq!(post_json(addr, "/telegram/hook", None, update).await, 401, "accepted without the secret");
    assert_eq!(
        post_json(addr, "/telegram/hook", Some("wrong"), update).await,
        401,
        "accepted a wrong secret"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(h.api.delivered_to(71).is_empty(), "answered a request without the secret");

    assert_eq!(post_json(addr, "/telegram/hook", Some(&secret), update).await, 200);
    assert!(h.api.wait_until(PATIENCE, |a| !a.delivered_to(71).is_empty()).await, "log:\n{}", bot.log());
    let answer = &h.api.delivered_to(71)[0];
    assert!(has_dated_text(&answer.text) && has_citation_link(&answer.text), "{}", answer.text);
    assert!(!h.api.methods().iter().any(|m| m == "getupdates"), "polled in webhook mode");

    assert!(bot.terminate().await.success(), "log:\n{}", bot.log());
    assert!(!h.api.calls_to("deleteWebhook").is_empty(), "webhook not removed on shutdown");
    assert!(!bot.log().contains(&secret), "the webhook secret was logged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_token_is_a_clear_error_not_a_panic() {
    let h = Harness::new().await;
    let mut bot = h.spawn(&[("TELOXIDE_API_URL", &h.api.url())]);
    let status = bot.wait(PATIENCE).await.expect("serve should exit without a token");
    assert!(!status.success());
    let log = bot.log();
    assert!(log.contains("TELOXIDE_TOKEN"), "{log}");
    assert!(!log.contains("panicked"), "{log}");
}
