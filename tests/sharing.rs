//! End-to-end (issue 14), the real `storyline serve` against the fake Bot API: `/timeline` sends
//! the picture first and then the text; `/status TOPIC` offers a "Picture" button that sends the
//! status card; `@bot minerals` is answered inline with the status and the latest item, cited
//! with links; a channel follows a topic when an admin of it subscribes it from a private chat
//! (and the bot is an admin there), and then gets the pushes.

mod support;

use storyline::bench::fake_bot_api::{check_telegram_html, BOT_ID};
use support::{
    assert_nothing_malformed, has_citation_link, has_dated_text, is_push, Harness, PATIENCE,
};
use tiny_skia::Pixmap;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeline_comes_as_a_picture_then_text_and_the_status_card_behind_a_button() {
    let h = Harness::new().await;
    let mut bot = h.start().await;

    h.api.send_text(11, "/timeline minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.photos().is_empty()
                && !a.delivered_to(11).is_empty())
            .await,
        "no picture and text; log:\n{}",
        bot.log()
    );
    let photo = &h.api.photos()[0];
    assert_eq!(
        (photo.chat_id, photo.file_name.as_str()),
        (11, "timeline.png")
    );
    let picture = Pixmap::decode_png(&photo.bytes).expect("the photo is a PNG");
    assert_eq!(picture.width(), 1200);
    assert!(picture.height() > 200, "height {}", picture.height());
    let text = &h.api.delivered_to(11)[0];
    assert!(photo.at <= text.at, "the picture comes before the text");
    assert!(
        has_citation_link(&text.text) && has_dated_text(&text.text),
        "{}",
        text.text
    );

    h.api.send_text(11, "/status minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(11).len() >= 2)
            .await
    );
    let status = &h.api.delivered_to(11)[1];
    assert!(
        status.buttons().iter().any(|b| b == "/card minerals"),
        "no Picture button: {:?}",
        status.buttons()
    );
    h.api.press_button(11, "/card minerals");
    assert!(
        h.api.wait_until(PATIENCE, |a| a.photos().len() >= 2).await,
        "no status card; log:\n{}",
        bot.log()
    );
    let card = &h.api.photos()[1];
    assert_eq!(card.file_name, "status.png");
    let card = Pixmap::decode_png(&card.bytes).expect("the card is a PNG");
    assert_eq!(card.width(), 800);
    // Nothing else was sent for the card: it is the answer.
    assert_eq!(h.api.delivered_to(11).len(), 2);

    // A topic the bot does not follow: no picture, and the text says so.
    h.api.send_text(11, "/card weather");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(11).len() >= 3)
            .await
    );
    assert!(h.api.delivered_to(11)[2]
        .text
        .contains("could not make that picture"));
    assert_eq!(h.api.photos().len(), 2);
    assert_nothing_malformed(&h.api, &bot.log());
    assert!(bot.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_queries_offer_the_status_and_the_latest_item_with_links() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    h.api.inline_query(21, "minerals");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.calls_to("answerInlineQuery").is_empty())
            .await,
        "no inline answer; log:\n{}",
        bot.log()
    );
    let call = &h.api.calls_to("answerInlineQuery")[0];
    assert!(call["inline_query_id"]
        .as_str()
        .is_some_and(|id| id.starts_with("iq")));
    let results = call["results"].as_array().expect("results");
    let ids: Vec<&str> = results.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, ["status-minerals", "latest-minerals"]);
    for r in results {
        assert_eq!(r["type"], "article");
        let content = &r["input_message_content"];
        let html = content["message_text"].as_str().expect("message text");
        assert_eq!(content["parse_mode"], "HTML");
        check_telegram_html(html).expect("Telegram would take the message");
        assert!(has_citation_link(html), "no citation link: {html}");
        assert!(!r["description"].as_str().unwrap_or("").is_empty());
    }
    assert!(results[0]["title"]
        .as_str()
        .unwrap_or("")
        .starts_with("Minerals deal: "));

    // A prefix finds the topic; nonsense finds nothing (an empty answer, not silence).
    h.api.inline_query(21, "pea");
    h.api.inline_query(21, "zzzz");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.calls_to("answerInlineQuery").len() >= 3)
            .await
    );
    let calls = h.api.calls_to("answerInlineQuery");
    let ids = |i: usize| -> Vec<String> {
        calls[i]["results"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .filter_map(|r| r["id"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (peace, nothing) = if ids(1).is_empty() {
        (ids(2), ids(1))
    } else {
        (ids(1), ids(2))
    };
    assert!(
        peace.iter().all(|id| id.ends_with("-peace")) && !peace.is_empty(),
        "{peace:?}"
    );
    assert!(nothing.is_empty(), "{nothing:?}");
    assert!(bot.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_follows_a_topic_when_its_admin_subscribes_it_and_gets_the_pushes() {
    const CHANNEL: i64 = -100_500;
    const ADMIN: i64 = 51;
    let h = Harness::new().await;
    let mut bot = h.start().await;
    h.api.add_channel(CHANNEL, "newsroom");
    let answers = |a: &support::FakeBotApi| a.delivered_to(ADMIN).len();

    // Not an admin of the channel: refused.
    h.api.send_text(ADMIN, "/subscribe minerals @newsroom");
    assert!(h.api.wait_until(PATIENCE, |a| answers(a) >= 1).await);
    assert!(h.api.delivered_to(ADMIN)[0]
        .text
        .contains("Only an admin of @newsroom"));
    // An admin, but the bot is not one: refused with what to do.
    h.api.set_member_status(CHANNEL, ADMIN, "administrator");
    h.api.send_text(ADMIN, "/subscribe minerals @newsroom");
    assert!(h.api.wait_until(PATIENCE, |a| answers(a) >= 2).await);
    assert!(h.api.delivered_to(ADMIN)[1]
        .text
        .contains("Make me an admin of @newsroom"));
    // A channel that does not exist, and a subscription asked for in a group: refused.
    h.api.send_text(ADMIN, "/subscribe minerals @nosuchchannel");
    assert!(h.api.wait_until(PATIENCE, |a| answers(a) >= 3).await);
    assert!(h.api.delivered_to(ADMIN)[2]
        .text
        .contains("can't find the channel @nosuchchannel"));
    h.api.send_text(-52, "/subscribe minerals @newsroom");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| !a.delivered_to(-52).is_empty())
            .await
    );
    assert!(h.api.delivered_to(-52)[0]
        .text
        .contains("from a private chat"));

    // Both admins: subscribed, said of the channel, in the private chat.
    h.api.set_member_status(CHANNEL, BOT_ID, "administrator");
    h.api.send_text(ADMIN, "/subscribe minerals @newsroom");
    assert!(h.api.wait_until(PATIENCE, |a| answers(a) >= 4).await);
    let done = &h.api.delivered_to(ADMIN)[3];
    assert!(
        done.text.contains("For the channel @newsroom"),
        "{}",
        done.text
    );
    assert!(
        done.text.contains("Subscribed to Minerals deal"),
        "{}",
        done.text
    );
    assert!(
        h.api.delivered_to(CHANNEL).is_empty(),
        "the channel is not answered"
    );

    // A new article: pushed to the channel (and not to the admin's private chat).
    h.drop_article("a5-2025-05-01-minerals-deal-signed.txt");
    assert!(
        h.api
            .wait_until(PATIENCE, |a| a.delivered_to(CHANNEL).iter().any(is_push))
            .await,
        "no push to the channel; log:\n{}",
        bot.log()
    );
    let push = h
        .api
        .delivered_to(CHANNEL)
        .into_iter()
        .find(is_push)
        .expect("push");
    assert!(
        has_citation_link(&push.text) && has_dated_text(&push.text),
        "{}",
        push.text
    );
    assert!(!h.api.delivered_to(ADMIN).iter().any(is_push));

    // And the admin can stop it the same way.
    h.api.send_text(ADMIN, "/unsubscribe minerals @newsroom");
    assert!(h.api.wait_until(PATIENCE, |a| answers(a) >= 5).await);
    assert!(h.api.delivered_to(ADMIN)[4]
        .text
        .contains("For the channel @newsroom"));
    assert_nothing_malformed(&h.api, &bot.log());
    assert!(bot.terminate().await.success());
}
