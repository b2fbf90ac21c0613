//! Telegram faults, kills and secrets, end to end: the real `storyline serve` long-polls the fake
//! Bot API over real HTTP while the fake misbehaves as Telegram and networks do (409 conflicts,
//! 401, 429 storms, 5xx and proxy error pages, requests that hang past the client timeout, the
//! network gone, group migrations), or while the test kills the process mid-delivery. Each test
//! says what it injects and checks that nothing is lost, nothing accepted is sent twice, and the
//! token never shows.

mod support;

use std::time::{Duration, Instant};

use support::{Harness, PATIENCE, TOKEN};

/// The token's secret half: what must never appear anywhere.
fn secret_of(token: &str) -> &str {
    token.split_once(':').map(|(_, s)| s).unwrap_or(token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_409_conflict_stops_serve_with_an_error_instead_of_polling_forever() {
    let h = Harness::new().await;
    let mut bot = h.start().await;
    // Another instance starts polling with the same token: every getUpdates of ours is refused.
    let conflict_from = Instant::now();
    h.api.fail_method_always("getUpdates", support::Fault::Conflict);
    let status = bot.wait(PATIENCE).await;
    let log = bot.log();
    let status = status.unwrap_or_else(|| panic!("serve kept running against a 409; log:\n{log}"));
    assert!(!status.success(), "a 409 must end serve with a non-zero exit; log:\n{log}");
    assert!(
        log.contains("another instance is polling Telegram with this bot token (409 Conflict"),
        "no clear log line; log:\n{log}"
    );
    // Not a hot loop: a handful of polls, spaced by the backoff, before giving up.
    let polls = h.api.call_times("getUpdates").into_iter().filter(|t| *t >= conflict_from).count();
    assert!(polls <= 6, "{polls} getUpdates calls after the conflict: a hot loop");
    assert!(conflict_from.elapsed() < Duration::from_secs(20), "took {:?} to stop", conflict_from.elapsed());
    assert!(!log.contains(secret_of(TOKEN)), "the token was logged");
}
