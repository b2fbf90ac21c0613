//! The Telegram bot: updates → core requests → replies rendered as Telegram HTML; pushes from
//! the outbox. [`serve`] wires three tasks around one paced bot and stops them together:
//!
//! - the dispatcher (long polling, or a webhook) answering messages and button presses
//!   ([`conversation`]),
//! - the folder watch that ingests new article files and queues pushes (`crate::notify::watch`),
//!   and, with [`serve_with_feeds`], the feed poller (`crate::feeds`) whose news is pushed alike,
//! - the outbox delivery loop ([`delivery`]).
//!
//! Faults: sends go through [`send`] (429s waited out, migrations followed, transient failures
//! retried with backoff, answers and pushes alike); the long poll retries network errors with a
//! backoff capped at [`MAX_POLL_BACKOFF`], so the bot is back within seconds of the network;
//! a 409 conflict (another instance polling the same token) or a refused token stops `serve`
//! with an error instead of polling against it forever. The token is never logged: teloxide
//! redacts it from its errors, and nothing here prints the API URL.

pub mod access;
pub mod commands;
pub mod conversation;
pub mod delivery;
pub mod more;
pub mod pace;
pub mod render;
pub mod send;
pub mod share;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use teloxide::dispatching::Dispatcher;
use teloxide::error_handlers::{ErrorHandler, LoggingErrorHandler};
use teloxide::prelude::*;
use teloxide::update_listeners::{webhooks, Polling, UpdateListener};
use teloxide::{ApiError, RequestError};
use tokio::sync::{watch, Notify};

use crate::answer::Engine;
use crate::config::{Config, TelegramConfig};
use crate::ingest::IngestReport;
use crate::notify::watch::{FolderWatch, PushPlanner};
use crate::store::Store;

/// The bot every part of the front-end sends through. Its messages take turns from one
/// [`pace::Pacer`] (30 messages/s overall, 1/s per chat, 20/min per group, a 429's wait for
/// its chat), which `send::send_part` asks before each message.
pub type TgBot = Bot;

/// How `serve` receives updates.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Public HTTPS URL Telegram should post updates to; `None` means long polling. Its path
    /// is the path the local server answers on.
    pub webhook_url: Option<String>,
    /// Local address the webhook server listens on (behind the HTTPS proxy).
    pub listen: Option<SocketAddr>,
}

/// Longest pause between two failed long polls: after an outage the bot is back this soon.
pub const MAX_POLL_BACKOFF: Duration = Duration::from_secs(15);
/// 409 conflicts within [`CONFLICT_WINDOW`] that make `serve` give up. One or two can happen
/// when a restarted bot overlaps with its predecessor's last long poll; more means another
/// instance is running.
const CONFLICT_LIMIT: u32 = 3;
const CONFLICT_WINDOW: Duration = Duration::from_secs(60);
/// How long shutdown waits for a dispatcher that does not stop on its own.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(15);
/// After a fatal error the dispatcher gets this long to finish the update in hand; teloxide's
/// poller may be asleep in its backoff and would otherwise hold the exit for a while.
const FATAL_GRACE: Duration = Duration::from_secs(2);
/// A changed file is re-checked after this pause, so half-written files wait for the next scan.
const SETTLE: Duration = Duration::from_millis(300);

/// Runs the bot until `shutdown` completes, then stops cleanly: the message in hand is answered,
/// a send in flight completes and is recorded, the store is flushed, and `Ok(())` is returned.
/// It stops the same way, but returns the error, when going on is pointless: Telegram refuses
/// the token, or another instance polls with it (409 Conflict).
///
/// The token comes from `TELOXIDE_TOKEN` (never logged), the Bot API address from
/// `TELOXIDE_API_URL` when set. The article folders are scanned every `telegram.watch_seconds`;
/// the first scan re-reads every file (ingest is idempotent), so files that arrived while the
/// bot was down and were not ingested yet are pushed like new ones.
pub async fn serve(
    engine: Arc<Engine>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let bot = bot_from_env(&engine.config().telegram)?;
    serve_with_bot(engine, bot, options, None, shutdown).await
}

/// [`serve`], also polling the configured `[[feed]]`s (`crate::feeds`) with the same store and
/// config the engine was built from; what the feeds add is pushed like new article files.
pub async fn serve_with_feeds(
    engine: Arc<Engine>,
    store: Arc<Store>,
    config: Arc<Config>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let bot = bot_from_env(&engine.config().telegram)?;
    serve_with_bot(engine, bot, options, Some((store, config)), shutdown).await
}

/// Builds the bot from the environment without teloxide's panics on a missing token or a bad URL;
/// a request may take `telegram.request_timeout_seconds` before it is abandoned (and retried).
pub fn bot_from_env(telegram: &TelegramConfig) -> anyhow::Result<Bot> {
    let token = std::env::var("TELOXIDE_TOKEN")
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            anyhow!(
                "TELOXIDE_TOKEN is not set: export the bot token from @BotFather as TELOXIDE_TOKEN"
            )
        })?;
    let timeout = Duration::from_secs(telegram.request_timeout_seconds.max(1));
    let client = teloxide::net::default_reqwest_settings()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .build()
        .context("cannot create the HTTP client")?;
    let bot = Bot::with_client(token, client);
    match std::env::var("TELOXIDE_API_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        None => Ok(bot),
        Some(url) => {
            let trimmed = url.trim().trim_end_matches('/');
            // `join` with an absolute URL parses it (teloxide does not re-export the URL type).
            let parsed = bot
                .api_url()
                .join(trimmed)
                .map_err(|e| anyhow!("TELOXIDE_API_URL {trimmed:?} is not a valid URL: {e}"))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(anyhow!(
                    "TELOXIDE_API_URL {trimmed:?} must be an http(s) URL"
                ));
            }
            Ok(bot.set_api_url(parsed))
        }
    }
}

/// [`serve`] with a bot built by the caller (tests point it at a fake Bot API); `feeds` are the
/// store and config handles the feed poller needs, if feeds should be polled.
pub async fn serve_with_bot(
    engine: Arc<Engine>,
    bot: Bot,
    options: ServeOptions,
    feeds: Option<(Arc<Store>, Arc<Config>)>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Checked before anything talks to Telegram, so a typo fails fast.
    let webhook = match (options.webhook_url.as_deref(), options.listen) {
        (None, None) => None,
        (Some(url), Some(listen)) => Some(webhook_options(&bot, url, listen)?),
        (Some(_), None) => {
            return Err(anyhow!(
                "--webhook-url needs --listen ADDR (the local address to listen on)"
            ))
        }
        (None, Some(_)) => {
            return Err(anyhow!(
                "--listen needs --webhook-url URL (the public HTTPS address)"
            ))
        }
    };
    // Answers and pushes share Telegram's limits; retries on 429 are the sender's.
    let pacer = Arc::new(pace::Pacer::new(pace::Limits::default()));

    let me = bot.get_me().await.map_err(|e| match e {
        RequestError::Api(ApiError::InvalidToken) => anyhow!(
            "Telegram refused the bot token (401 Unauthorized): check TELOXIDE_TOKEN (a revoked token must be replaced)"
        ),
        e => anyhow!("cannot reach the Telegram Bot API (getMe failed): {e}"),
    })?;
    let username = me.username.clone().unwrap_or_default();
    tracing::info!(bot = %username, "connected to Telegram");
    if let Err(e) = bot.set_my_commands(commands::menu()).await {
        tracing::warn!(error = %e, "could not set the command menu");
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    let stop_tx = Arc::new(stop_tx);
    let stop_tx_for_errors = stop_tx.clone();
    let wake = Arc::new(Notify::new());

    // One planner for folders and feeds: runs are planned one at a time, and it remembers each
    // topic's last status between them.
    let planner = Arc::new(Mutex::new(PushPlanner::new()));
    // From here on every stored article carries a news marker until its pushes are queued;
    // markers left by a kill are planned now, before anything new is ingested.
    engine.store().set_news_marking(true);
    {
        let mut planner = lock(&planner);
        let recovered = planner
            .refresh(&engine)
            .and_then(|()| planner.recover(&engine));
        match recovered {
            Ok(summary) if summary.pushes_queued > 0 => {
                tracing::info!(
                    pushes = summary.pushes_queued,
                    "queued pushes a restart interrupted"
                )
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "could not plan the pushes a restart interrupted")
            }
        }
    }
    let delivery = tokio::spawn(delivery::run(
        bot.clone(),
        pacer.clone(),
        engine.clone(),
        wake.clone(),
        stop_rx.clone(),
    ));
    // The first scan ingests the article folders before any message is answered, so the bot
    // never answers from a store that is still filling.
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let watcher = tokio::spawn(watch_folders(
        engine.clone(),
        planner.clone(),
        wake.clone(),
        stop_rx.clone(),
        ready_tx,
    ));
    let _ = ready_rx.await;
    // `stats`, `ask`, `ingest` and `feeds` from the command line run here while serve holds
    // the store.
    let control = feeds.as_ref().map(|(store, config)| {
        let ctx = crate::cli::StoreContext {
            store: store.clone(),
            config: config.clone(),
            engine: engine.clone(),
        };
        let handler = crate::control::serve_handler(ctx, planner.clone(), wake.clone());
        let path = crate::control::socket_path(&config.data_dir);
        let stop = stop_rx.clone();
        tokio::spawn(async move {
            if let Err(e) = crate::control::listen(path, handler, stop).await {
                tracing::error!(error = %e, "no control socket: the command line cannot reach this serve");
            }
        })
    });
    let mut feed_tasks = match feeds {
        Some((store, config)) => spawn_feeds(
            engine.clone(),
            store,
            config,
            planner.clone(),
            wake.clone(),
            stop_rx.clone(),
        ),
        None => Vec::new(),
    };
    feed_tasks.extend(control);

    let state = Arc::new(conversation::State {
        engine: engine.clone(),
        limiter: access::RateLimiter::new(access::RATE_LIMIT, access::RATE_WINDOW),
        group_admins: access::GroupAdmins::new(access::ADMIN_TTL),
        bot_username: username,
        stop: stop_rx.clone(),
        pacer,
        more: more::MorePages::new(),
    });
    let mut dispatcher = Dispatcher::builder(bot.clone(), conversation::schema())
        .dependencies(dptree::deps![state])
        .default_handler(|_| async {})
        .error_handler(LoggingErrorHandler::with_custom_text(
            "an update handler failed",
        ))
        .build();
    let token = dispatcher.shutdown_token();

    // A fault that makes going on pointless (another instance polling, a refused token) stops
    // serve like a signal does, and then makes it return the error.
    let fatal = Arc::new(Fatal::new());
    let mut fatal_wait = fatal.watch();
    let mut fatal_stop = fatal.watch();
    let mut stop_signal = stop_rx.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = shutdown => tracing::info!("shutting down"),
            _ = fatal_wait.wait_for(|raised| *raised) => tracing::info!("stopping after a fatal error"),
        }
        let _ = stop_tx.send(true);
        // The dispatcher may still be starting (then shutdown() says it is idle): retry briefly.
        for _ in 0..100 {
            match token.shutdown() {
                Ok(done) => {
                    done.await;
                    return;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    // Normally the shutdown token ends the dispatcher after the update in hand; this is only a
    // fallback for a dispatcher that never got going (e.g. stuck reaching Telegram).
    let stopping = async move {
        tokio::select! {
            _ = async {
                let _ = stop_signal.wait_for(|stop| *stop).await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } => {}
            _ = async {
                let _ = fatal_stop.wait_for(|raised| *raised).await;
                tokio::time::sleep(FATAL_GRACE).await;
            } => {}
        }
    };
    let dispatched = match webhook {
        None => {
            let poll = Duration::from_secs(engine.config().telegram.poll_timeout_seconds);
            let listener = Polling::builder(bot.clone())
                .timeout(poll)
                .backoff_strategy(polling_backoff)
                .delete_webhook()
                .await
                .build();
            tracing::info!("receiving updates by long polling");
            let errors = Arc::new(PollErrors {
                fatal: fatal.clone(),
                conflicts: Mutex::new(Vec::new()),
            });
            dispatch(&mut dispatcher, listener, errors, stopping).await
        }
        Some(options) => {
            let address = options.address;
            let listener = match webhooks::axum(bot.clone(), options).await {
                Ok(listener) => listener,
                Err(e) => {
                    stop_everything(&stop_tx_for_errors, delivery, watcher).await;
                    return Err(anyhow!(
                        "cannot register the webhook with Telegram (setWebhook failed): {e}"
                    ));
                }
            };
            tracing::info!(%address, "receiving updates by webhook");
            let errors = LoggingErrorHandler::with_custom_text("receiving updates failed");
            dispatch(&mut dispatcher, listener, errors, stopping).await
        }
    };
    if let Err(e) = dispatched {
        stop_everything(&stop_tx_for_errors, delivery, watcher).await;
        return Err(e);
    }
    // Let the other tasks finish what they hold (a send in flight, an ingest run).
    let _ = tokio::time::timeout(Duration::from_secs(20), async {
        let _ = watcher.await;
        for task in feed_tasks {
            let _ = task.await;
        }
        let _ = delivery.await;
    })
    .await;
    let flush_engine = engine.clone();
    let flushed = tokio::task::spawn_blocking(move || flush_engine.store().flush()).await;
    match flushed {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "could not flush the store"),
        Err(e) => tracing::error!(error = %e, "store flush task failed"),
    }
    if let Some(why) = fatal.reason() {
        return Err(anyhow!(why));
    }
    tracing::info!("stopped");
    Ok(())
}

/// A reason to stop that no retry can fix, raised by a task that cannot stop serve itself.
struct Fatal {
    reason: Mutex<Option<String>>,
    raised: watch::Sender<bool>,
}

impl Fatal {
    fn new() -> Fatal {
        Fatal {
            reason: Mutex::new(None),
            raised: watch::Sender::new(false),
        }
    }

    fn raise(&self, why: String) {
        let mut reason = self.reason.lock().unwrap_or_else(|p| p.into_inner());
        if reason.is_none() {
            *reason = Some(why);
            self.raised.send_replace(true);
        }
    }

    fn watch(&self) -> watch::Receiver<bool> {
        self.raised.subscribe()
    }

    fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The long poll's failures: logged, retried by teloxide with [`polling_backoff`]; a refused
/// token or repeated 409 conflicts are fatal.
struct PollErrors {
    fatal: Arc<Fatal>,
    /// When recent 409 conflicts happened.
    conflicts: Mutex<Vec<Instant>>,
}

impl PollErrors {
    fn judge(&self, error: &RequestError) {
        if self.fatal.reason().is_some() {
            // Already stopping; the last polls of the shutdown fail the same way.
            tracing::debug!(error = %error, "receiving updates failed while stopping");
            return;
        }
        match error {
            RequestError::Api(ApiError::TerminatedByOtherGetUpdates) => {
                let now = Instant::now();
                let count = {
                    let mut conflicts = self.conflicts.lock().unwrap_or_else(|p| p.into_inner());
                    conflicts.retain(|t| now.duration_since(*t) < CONFLICT_WINDOW);
                    conflicts.push(now);
                    conflicts.len()
                };
                if count >= CONFLICT_LIMIT as usize {
                    let why = "another instance is polling Telegram with this bot token (409 Conflict: \
                               terminated by other getUpdates request); stopping. Run one `storyline serve` \
                               per token, or stop the other instance";
                    tracing::error!("{why}");
                    self.fatal.raise(why.to_string());
                } else {
                    tracing::warn!(
                        conflicts = count,
                        "409 Conflict: another getUpdates with this bot token; serve stops if it goes on"
                    );
                }
            }
            RequestError::Api(ApiError::InvalidToken) => {
                let why =
                    "Telegram refused the bot token while polling (401 Unauthorized); stopping. \
                           Check TELOXIDE_TOKEN (a revoked token must be replaced)";
                tracing::error!("{why}");
                self.fatal.raise(why.to_string());
            }
            e => tracing::warn!(error = %e, "receiving updates failed; retrying"),
        }
    }
}

impl ErrorHandler<RequestError> for PollErrors {
    fn handle_error(
        self: Arc<Self>,
        error: RequestError,
    ) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.judge(&error);
        Box::pin(async {})
    }
}

/// Pause before the next long poll after `failures` failed ones: 1, 2, 4, 8 s, then every
/// [`MAX_POLL_BACKOFF`] (teloxide's own grows to 64 s, too slow to notice the network is back).
fn polling_backoff(failures: u32) -> Duration {
    send::backoff(failures.saturating_add(1), MAX_POLL_BACKOFF)
}

/// Runs the dispatcher on `listener` until it is shut down or `stopping` completes first;
/// `errors` hears the listener's failures.
async fn dispatch<L, E>(
    dispatcher: &mut Dispatcher<
        TgBot,
        Box<dyn std::error::Error + Send + Sync>,
        teloxide::dispatching::DefaultKey,
    >,
    listener: L,
    errors: Arc<E>,
    stopping: impl Future<Output = ()>,
) -> anyhow::Result<()>
where
    L: UpdateListener + Send,
    L::Err: std::fmt::Debug,
    E: ErrorHandler<L::Err> + Send + Sync,
{
    tokio::select! {
        // Returns once shut down.
        result = dispatcher.try_dispatch_with_listener(listener, errors) => {
            result.map_err(|e| anyhow!("cannot start the dispatcher: {e}"))
        }
        _ = stopping => {
            tracing::warn!("the dispatcher did not stop in time; stopping anyway");
            Ok(())
        }
    }
}

/// Stops the background tasks when `serve` fails after starting them.
async fn stop_everything(
    stop: &watch::Sender<bool>,
    delivery: tokio::task::JoinHandle<()>,
    watcher: tokio::task::JoinHandle<()>,
) {
    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(20), async {
        let _ = watcher.await;
        let _ = delivery.await;
    })
    .await;
}

/// Validates the webhook settings: an https URL, a free local address, and the optional
/// `STORYLINE_WEBHOOK_SECRET` (else teloxide generates one). Telegram sends the secret in the
/// `X-Telegram-Bot-Api-Secret-Token` header and teloxide refuses requests without it.
fn webhook_options(bot: &Bot, url: &str, listen: SocketAddr) -> anyhow::Result<webhooks::Options> {
    let parsed = bot
        .api_url()
        .join(url.trim())
        .map_err(|e| anyhow!("--webhook-url {url:?} is not a valid URL: {e}"))?;
    if parsed.scheme() != "https" {
        return Err(anyhow!(
            "--webhook-url must be an https:// URL (Telegram only posts to HTTPS)"
        ));
    }
    // teloxide's webhook server panics if it cannot bind; find out here instead.
    std::net::TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
    let mut options = webhooks::Options::new(listen, parsed);
    if let Some(secret) = std::env::var("STORYLINE_WEBHOOK_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
    {
        let valid = secret.len() <= 256
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            return Err(anyhow!(
                "STORYLINE_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            ));
        }
        options = options.secret_token(secret);
    }
    Ok(options)
}

/// Locks the planner; a panic while planning leaves nothing half-done in it worth refusing.
fn lock(planner: &Mutex<PushPlanner>) -> std::sync::MutexGuard<'_, PushPlanner> {
    planner.lock().unwrap_or_else(|p| p.into_inner())
}

/// Polls the feeds until shutdown; each report that added events is planned into pushes.
fn spawn_feeds(
    engine: Arc<Engine>,
    store: Arc<Store>,
    config: Arc<Config>,
    planner: Arc<Mutex<PushPlanner>>,
    wake: Arc<Notify>,
    mut feed_stop: watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let (reports_tx, mut reports_rx) = tokio::sync::mpsc::unbounded_channel::<IngestReport>();
    let stopped = async move {
        while !*feed_stop.borrow() {
            if feed_stop.changed().await.is_err() {
                break;
            }
        }
    };
    let poller = tokio::spawn(crate::feeds::poll_feeds_forever(
        store,
        config,
        move |report| {
            let _ = reports_tx.send(report);
        },
        stopped,
    ));
    let planning = tokio::spawn(async move {
        // Ends when the poller (and with it the sender) is gone.
        while let Some(report) = reports_rx.recv().await {
            if report.new_events().next().is_none() {
                continue;
            }
            let (engine, planner) = (engine.clone(), planner.clone());
            let run =
                tokio::task::spawn_blocking(move || lock(&planner).queue_report(&engine, report))
                    .await;
            match run {
                Ok(Ok(summary)) => {
                    tracing::info!(
                        articles_with_news = summary.articles_with_news,
                        pushes = summary.pushes_queued,
                        "feeds brought news"
                    );
                    if summary.pushes_queued > 0 {
                        wake.notify_one();
                    }
                }
                Ok(Err(e)) => tracing::error!(error = %e, "could not queue pushes for feed items"),
                Err(e) => tracing::error!(error = %e, "planning pushes for feed items failed"),
            }
        }
    });
    vec![poller, planning]
}

/// Scans the article folders every `telegram.watch_seconds`; new or changed files are ingested
/// and their pushes queued, then the delivery loop is woken.
async fn watch_folders(
    engine: Arc<Engine>,
    planner: Arc<Mutex<PushPlanner>>,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
    ready: tokio::sync::oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    let dirs: Vec<PathBuf> = engine.config().article_dirs.clone();
    let every = Duration::from_secs(engine.config().telegram.watch_seconds.max(1));
    let max_bytes = engine.config().max_article_bytes;
    let Ok(mut folders) =
        tokio::task::spawn_blocking(move || FolderWatch::new(dirs, max_bytes)).await
    else {
        tracing::error!("folder watch failed to start");
        return;
    };
    loop {
        // The first scan runs at once; later ones every `watch_seconds`.
        if ready.is_none() {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.changed() => {}
            }
        }
        if *stop.borrow() {
            return;
        }
        let engine = engine.clone();
        let planner = planner.clone();
        // The whole step blocks (file system, ingest, sled); it runs to completion even during
        // shutdown so that a run is either fully queued or not at all.
        let step = tokio::task::spawn_blocking(move || {
            let changed = folders.changed();
            if changed.is_empty() {
                return (folders, None);
            }
            std::thread::sleep(SETTLE);
            let settled = folders.settled(changed);
            if settled.is_empty() {
                return (folders, None);
            }
            let paths: Vec<PathBuf> = settled.iter().map(|(p, _)| p.clone()).collect();
            // A panic in the core on some file must not end the watch; the files are then
            // taken as seen so the same file does not bring it down again every scan.
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                lock(&planner).ingest_and_queue(&engine, &paths)
            }));
            match run {
                Ok(result) => {
                    if result.is_ok() {
                        folders.accept(&settled);
                    }
                    (folders, Some(result))
                }
                Err(_) => {
                    tracing::error!(files = ?paths, "ingest panicked on these files; skipping them");
                    folders.accept(&settled);
                    (folders, None)
                }
            }
        })
        .await;
        match step {
            Ok((f, result)) => {
                folders = f;
                match result {
                    None => {}
                    Some(Ok(summary)) if summary.articles_with_news == 0 && summary.failed == 0 => {
                        tracing::debug!(
                            files = summary.files,
                            "article files re-read; nothing new"
                        );
                    }
                    Some(Ok(summary)) => {
                        tracing::info!(
                            files = summary.files,
                            failed = summary.failed,
                            articles_with_news = summary.articles_with_news,
                            pushes = summary.pushes_queued,
                            "article folders changed"
                        );
                        if summary.pushes_queued > 0 {
                            wake.notify_one();
                        }
                    }
                    Some(Err(e)) => {
                        tracing::error!(error = %e, "ingest of changed files failed; will retry")
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "folder watch step failed; watching stops");
                return;
            }
        }
        if let Some(ready) = ready.take() {
            let _ = ready.send(());
        }
    }
}
