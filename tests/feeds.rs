//! Feeds end to end, offline: a minimal HTTP/1.1 server on 127.0.0.1 (in this file, on std
//! threads) serves the fixture feeds and pages of `tests/data/feeds/`, plus generated trouble (a
//! 500 that recovers, a slow answer past the timeout, a 50 MB body, a redirect loop). Each test
//! polls through the real client and ingest path into a fresh store.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use storyline::answer::{Engine, Subscriber};
use storyline::config::Config;
use storyline::feeds::{self, FeedConfig, FeedPoller, FeedStatus, FetchPage, FetchSettings};
use storyline::ingest::FileOutcome;
use storyline::render::plain_text;
use storyline::store::{PutOutcome, Store};

// ---------------------------------------------------------------------------------------
// The test server
// ---------------------------------------------------------------------------------------

#[derive(Clone)]
enum Route {
    /// A document; answers 304 when the request's validators match.
    Doc {
        body: Vec<u8>,
        content_type: &'static str,
        etag: Option<String>,
        last_modified: Option<String>,
        /// Served instead of `body`, with `Content-Encoding: gzip`, to clients that accept it.
        gzip: Option<Vec<u8>>,
    },
    /// `status` for the first `times` requests, then `then`.
    FailFirst {
        status: u16,
        times: usize,
        then: Box<Route>,
    },
    /// Waits before answering.
    Slow {
        delay: Duration,
        then: Box<Route>,
    },
    /// `bytes` of a never-ending-looking feed, streamed (with a Content-Length only if
    /// `declared`).
    Huge {
        bytes: usize,
        declared: bool,
    },
    Redirect {
        to: String,
    },
    Status(u16),
}

#[derive(Clone, Debug)]
struct Seen {
    path: String,
    headers: HashMap<String, String>,
}

#[derive(Default)]
struct ServerState {
    routes: HashMap<String, Route>,
    requests: Vec<Seen>,
    /// Bytes of the huge body written before the client hung up.
    huge_sent: usize,
}

struct Server {
    base: String,
    state: Arc<Mutex<ServerState>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(ServerState::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || handle(stream, &shared));
            }
        });
        Server { base, state }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn route(&self, path: &str, route: Route) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(path.to_string(), route);
    }

    /// A fixture file as a document route, `{{BASE}}` replaced with this server's address.
    fn fixture(&self, path: &str, file: &str, content_type: &'static str) {
        self.route(path, self.doc(file, content_type));
    }

    fn doc(&self, file: &str, content_type: &'static str) -> Route {
        Route::Doc {
            body: self.fixture_bytes(file),
            content_type,
            etag: None,
            last_modified: None,
            gzip: None,
        }
    }

    fn fixture_bytes(&self, file: &str) -> Vec<u8> {
        let text = std::fs::read_to_string(fixtures().join(file)).expect("fixture");
        text.replace("{{BASE}}", &self.base).into_bytes()
    }

    fn hits(&self, path: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    fn requests(&self, path: &str) -> Vec<Seen> {
        let state = self.state.lock().unwrap();
        state
            .requests
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// The pages of all fixture feeds.
    fn pages(&self) {
        for page in [
            "minerals-signed",
            "rada-ratifies",
            "fund-explainer",
            "new-draft",
        ] {
            self.fixture(
                &format!("/pages/{page}.html"),
                &format!("pages/{page}.html"),
                "text/html; charset=utf-8",
            );
        }
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/feeds")
}

fn handle(mut stream: TcpStream, shared: &Mutex<ServerState>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line.trim().is_empty() => break,
            Ok(_) => {
                if let Some((k, v)) = line.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                }
            }
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    let path = path.split('?').next().unwrap_or("/").to_string();
    let route = {
        let mut state = shared.lock().unwrap();
        state.requests.push(Seen {
            path: path.clone(),
            headers: headers.clone(),
        });
        let failures_so_far = state.requests.iter().filter(|r| r.path == path).count() - 1;
        match state.routes.get(&path).cloned() {
            Some(Route::FailFirst {
                status,
                times,
                then,
            }) => {
                if failures_so_far < times {
                    Some(Route::Status(status))
                } else {
                    Some(*then)
                }
            }
            other => other,
        }
    };
    respond(
        &mut stream,
        route.unwrap_or(Route::Status(404)),
        &headers,
        shared,
    );
}

fn respond(
    stream: &mut TcpStream,
    route: Route,
    req: &HashMap<String, String>,
    shared: &Mutex<ServerState>,
) {
    match route {
        Route::Doc {
            body,
            content_type,
            etag,
            last_modified,
            gzip,
        } => {
            let not_modified = etag
                .as_ref()
                .is_some_and(|e| req.get("if-none-match") == Some(e))
                || last_modified
                    .as_ref()
                    .is_some_and(|l| req.get("if-modified-since") == Some(l));
            let mut head = String::new();
            if let Some(e) = &etag {
                head.push_str(&format!("ETag: {e}\r\n"));
            }
            if let Some(l) = &last_modified {
                head.push_str(&format!("Last-Modified: {l}\r\n"));
            }
            if not_modified {
                write_response(stream, "304 Not Modified", &head, b"");
                return;
            }
            let accepts_gzip = req
                .get("accept-encoding")
                .is_some_and(|a| a.contains("gzip"));
            let body = match gzip {
                Some(gz) if accepts_gzip => {
                    head.push_str("Content-Encoding: gzip\r\n");
                    gz
                }
                _ => body,
            };
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
            write_response(stream, "200 OK", &head, &body);
        }
        Route::Slow { delay, then } => {
            std::thread::sleep(delay);
            respond(stream, *then, req, shared);
        }
        Route::Huge { bytes, declared } => {
            let length = if declared {
                format!("Content-Length: {bytes}\r\n")
            } else {
                String::new()
            };
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n{length}Connection: close\r\n\r\n");
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            let mut chunk = b"<rss version=\"2.0\"><channel><title>Endless</title>".to_vec();
            chunk.resize(64 * 1024, b' ');
            let mut sent = 0;
            while sent < bytes {
                if stream.write_all(&chunk).is_err() {
                    break;
                }
                sent += chunk.len();
            }
            if !declared {
                shared.lock().unwrap().huge_sent = sent;
            }
        }
        Route::Redirect { to } => {
            write_response(stream, "302 Found", &format!("Location: {to}\r\n"), b"");
        }
        Route::Status(code) => {
            let reason = match code {
                404 => "Not Found",
                500 => "Internal Server Error",
                503 => "Service Unavailable",
                _ => "Error",
            };
            write_response(stream, &format!("{code} {reason}"), "", reason.as_bytes());
        }
        Route::FailFirst { then, .. } => respond(stream, *then, req, shared),
    }
}

fn write_response(stream: &mut TcpStream, status: &str, headers: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
    // Drain what the client may still send so that closing does not reset the connection.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let _ = stream.read(&mut [0u8; 1024]);
}

// ---------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------

struct Setup {
    _tmp: tempfile::TempDir,
    server: Server,
    store: Arc<Store>,
    config: Arc<Config>,
    poller: FeedPoller,
}

fn feed(server: &Server, path: &str) -> FeedConfig {
    FeedConfig::from_url(&server.url(path))
}

/// A store, the bundled config (its topics and actors) with `feeds`, and a poller with a short
/// timeout so the slow-server case takes a second.
fn setup(server: Server, feeds: Vec<FeedConfig>) -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&tmp.path().join("store")).unwrap());
    let mut config = Config::builtin();
    config.feeds = feeds;
    let config = Arc::new(config);
    let settings = FetchSettings {
        timeout: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(1),
        ..FetchSettings::default()
    };
    let poller = FeedPoller::with_settings(store.clone(), config.clone(), settings).unwrap();
    Setup {
        _tmp: tmp,
        server,
        store,
        config,
        poller,
    }
}

fn rss_server() -> Server {
    let server = Server::start();
    let mut route = server.doc("rss_summaries.xml", "application/rss+xml");
    if let Route::Doc {
        etag,
        last_modified,
        ..
    } = &mut route
    {
        *etag = Some("\"rss-v1\"".into());
        *last_modified = Some("Thu, 08 May 2025 16:00:00 GMT".into());
    }
    server.route("/rss.xml", route);
    server.pages();
    server
}

fn ask(s: &Setup, question: &str) -> String {
    let engine = Engine::new(s.config.clone(), s.store.clone());
    plain_text(&engine.handle(&Subscriber::terminal(), question))
}

fn outcomes(report: &feeds::FeedReport) -> Vec<(String, PutOutcome)> {
    report
        .ingest
        .files
        .iter()
        .filter_map(|f| match f {
            FileOutcome::Stored { path, outcome, .. } => {
                Some((path.display().to_string(), *outcome))
            }
            FileOutcome::Failed { .. } => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rss_summaries_are_completed_from_their_pages_and_answerable() {
    let server = rss_server();
    let rss = feed(&server, "/rss.xml");
    let s = setup(server, vec![rss.clone()]);
    let report = s.poller.poll(&rss).await;

    assert_eq!(
        report.status,
        FeedStatus::Fetched { entries: 3 },
        "{}",
        report.summary_line()
    );
    assert_eq!(report.ingest.added(), 2, "{}", report.summary_line());
    assert_eq!(
        report.outlet, "Dnipro Wire — Economy",
        "the feed's title names the outlet"
    );
    // The undated explainer is skipped with its reason, not given an invented date.
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert!(report.skipped[0]
        .item
        .ends_with("/pages/fund-explainer.html"));
    assert!(
        report.skipped[0].reason.contains("no publication time"),
        "{}",
        report.skipped[0].reason
    );
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(
        report.ingest.new_events().count() > 3,
        "new events for pushes"
    );

    // Every page was fetched once, with a User-Agent naming Storyline and its version.
    for page in ["minerals-signed", "rada-ratifies", "fund-explainer"] {
        assert_eq!(s.server.hits(&format!("/pages/{page}.html")), 1, "{page}");
    }
    let ua = &s.server.requests("/rss.xml")[0].headers["user-agent"];
    assert!(
        ua.starts_with(&format!("Storyline/{}", env!("CARGO_PKG_VERSION"))),
        "{ua}"
    );

    // The articles: the page's text (one paragraph per <p>, no navigation or footer), the date
    // from the feed with the page's own offset, or from JSON-LD when the feed has none.
    let signed_url = s.server.url("/pages/minerals-signed.html");
    let signed = s
        .store
        .article(&storyline::article::article_id(&signed_url))
        .unwrap()
        .unwrap();
    assert_eq!(signed.published.to_rfc3339(), "2025-05-01T03:00:00+03:00");
    assert_eq!(signed.outlet, "Dnipro Wire — Economy");
    assert_eq!(signed.paragraphs.len(), 5, "{:#?}", signed.paragraphs);
    assert!(signed.paragraphs[0].starts_with("KYIV — Ukraine and the United States signed"));
    assert!(!signed
        .paragraphs
        .iter()
        .any(|p| p.contains("All rights reserved") || p.contains("Subscribe")));
    let ratified_url = s.server.url("/pages/rada-ratifies.html");
    let ratified = s
        .store
        .article(&storyline::article::article_id(&ratified_url))
        .unwrap()
        .unwrap();
    assert_eq!(ratified.published.to_rfc3339(), "2025-05-08T18:40:00+03:00");
    assert_eq!(
        ratified.title,
        "Ukraine's parliament ratifies US minerals deal"
    );

    // Answerable like any ingested article.
    let answer = ask(&s, "When was the minerals deal ratified?");
    assert!(answer.contains("Dnipro Wire"), "{answer}");
    assert!(
        answer.contains("May 8, 2025") || answer.contains("2025-05-08"),
        "{answer}"
    );

    // The state: last fetch, items seen, no error.
    let state = s.store.feed_state(&rss.url).unwrap().unwrap();
    assert_eq!(state.items_seen, 3);
    assert!(state.last_fetch.is_some() && state.last_error.is_none() && !state.disabled);
    assert_eq!(state.etag.as_deref(), Some("\"rss-v1\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_poll_is_conditional_and_changes_nothing() {
    let server = rss_server();
    let rss = feed(&server, "/rss.xml");
    let s = setup(server, vec![rss.clone()]);
    let first = s.poller.poll(&rss).await;
    assert_eq!(first.ingest.added(), 2);
    let events = s.store.event_count().unwrap();

    let second = s.poller.poll(&rss).await;
    assert_eq!(
        second.status,
        FeedStatus::NotModified,
        "{}",
        second.summary_line()
    );
    assert!(!second.stored_something() && second.ingest.new_events().count() == 0);
    let requests = s.server.requests("/rss.xml");
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].headers.get("if-none-match").map(String::as_str),
        Some("\"rss-v1\"")
    );
    assert_eq!(
        requests[1]
            .headers
            .get("if-modified-since")
            .map(String::as_str),
        Some("Thu, 08 May 2025 16:00:00 GMT")
    );
    assert_eq!(
        s.server.hits("/pages/minerals-signed.html"),
        1,
        "pages not fetched again"
    );
    assert_eq!(s.store.event_count().unwrap(), events);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_ignoring_validators_gets_items_recognised_as_unchanged() {
    // No ETag, and the body changes (a new item) so the document is read again: the old items
    // are recognised by their fingerprints, neither re-fetched nor re-extracted.
    let server = Server::start();
    server.fixture("/rss.xml", "rss_summaries.xml", "application/rss+xml");
    server.pages();
    let rss = feed(&server, "/rss.xml");
    let s = setup(server, vec![rss.clone()]);
    assert_eq!(s.poller.poll(&rss).await.ingest.added(), 2);

    let same = s.poller.poll(&rss).await;
    assert_eq!(
        same.status,
        FeedStatus::Unchanged,
        "same bytes: {}",
        same.summary_line()
    );

    let mut body = String::from_utf8(s.server.fixture_bytes("rss_summaries.xml")).unwrap();
    body = body.replace("<language>en</language>", "<language>en-GB</language>");
    s.server.route(
        "/rss.xml",
        Route::Doc {
            body: body.into_bytes(),
            content_type: "application/rss+xml",
            etag: None,
            last_modified: None,
            gzip: None,
        },
    );
    let third = s.poller.poll(&rss).await;
    assert_eq!(third.status, FeedStatus::Fetched { entries: 3 });
    assert_eq!(third.ingest.unchanged(), 2, "{}", third.summary_line());
    assert_eq!(third.ingest.added() + third.ingest.replaced(), 0);
    assert!(
        third.skipped.is_empty(),
        "the undated item is remembered: {:?}",
        third.skipped
    );
    assert_eq!(s.server.hits("/pages/minerals-signed.html"), 1);
    assert_eq!(s.server.hits("/pages/fund-explainer.html"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atom_with_full_text_gzip_and_json_feed() {
    let server = Server::start();
    let gz = std::fs::read(fixtures().join("atom_full.xml.gz")).unwrap();
    let mut atom = server.doc("atom_full.xml", "application/atom+xml");
    if let Route::Doc { gzip, .. } = &mut atom {
        *gzip = Some(gz);
    }
    server.route("/atom.xml", atom);
    server.fixture("/feed.json", "feed.json", "application/feed+json");
    server.pages();
    let feeds = vec![feed(&server, "/atom.xml"), feed(&server, "/feed.json")];
    let s = setup(server, feeds.clone());

    let reports = s.poller.poll_due().await;
    assert_eq!(reports.len(), 2);
    for r in &reports {
        assert_eq!(r.ingest.added(), 2, "{}: {}", r.url, r.summary_line());
        assert!(
            r.skipped.is_empty() && r.failed.is_empty(),
            "{:?} {:?}",
            r.skipped,
            r.failed
        );
    }
    // Served compressed, read decompressed.
    let atom_req = &s.server.requests("/atom.xml")[0];
    assert!(atom_req
        .headers
        .get("accept-encoding")
        .is_some_and(|a| a.contains("gzip")));
    let memo = s
        .store
        .article(&storyline::article::article_id(
            "https://kharkivledger.example/2025/04/18/minerals-memorandum",
        ))
        .unwrap()
        .expect("the Atom entry's alternate link is its URL");
    assert_eq!(memo.outlet, "Kharkiv Ledger");
    assert_eq!(memo.paragraphs.len(), 4);
    // Full text in the feed: no page fetched for it. The JSON Feed's summary-only item was
    // completed from its page, dated by <time datetime>.
    assert_eq!(s.server.hits("/pages/new-draft.html"), 1);
    let draft_url = s.server.url("/pages/new-draft.html");
    let draft = s
        .store
        .article(&storyline::article::article_id(&draft_url))
        .unwrap()
        .unwrap();
    assert_eq!(draft.published.to_rfc3339(), "2025-03-29T10:20:00+02:00");
    assert_eq!(draft.outlet, "Lviv Courier");
    assert!(draft.paragraphs.len() >= 4, "{:#?}", draft.paragraphs);

    let answer = ask(
        &s,
        "When did the US lift the pause on intelligence sharing?",
    );
    assert!(answer.contains("Lviv Courier"), "{answer}");

    // A second round: nothing new anywhere.
    let again = s.poller.poll(&feeds[0]).await;
    assert_eq!(
        again.status,
        FeedStatus::Unchanged,
        "{}",
        again.summary_line()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_updated_article_replaces_its_events() {
    let server = Server::start();
    server.fixture("/atom.xml", "atom_full.xml", "application/atom+xml");
    let atom = feed(&server, "/atom.xml");
    let s = setup(server, vec![atom.clone()]);
    let first = s.poller.poll(&atom).await;
    assert_eq!(first.ingest.added(), 2);
    let memo_id = storyline::article::article_id(
        "https://kharkivledger.example/2025/04/18/minerals-memorandum",
    );
    let before = s.store.article(&memo_id).unwrap().unwrap();

    s.server.route(
        "/atom.xml",
        s.server.doc("atom_updated.xml", "application/atom+xml"),
    );
    let second = s.poller.poll(&atom).await;
    let got = outcomes(&second);
    assert!(
        got.contains(&(
            "https://kharkivledger.example/2025/04/18/minerals-memorandum".into(),
            PutOutcome::Replaced
        )),
        "{got:?}"
    );
    assert!(
        got.contains(&(
            "https://kharkivledger.example/2025/03/01/oval-office-clash".into(),
            PutOutcome::Unchanged
        )),
        "{got:?}"
    );
    // Only the new paragraph's events are new (what subscribers get pushed).
    let new: Vec<_> = second.ingest.new_events().collect();
    assert!(!new.is_empty());
    assert!(
        new.iter()
            .all(|e| e.sentence.contains("approved the draft")),
        "{new:#?}"
    );
    let after = s.store.article(&memo_id).unwrap().unwrap();
    assert_eq!(after.paragraphs.len(), before.paragraphs.len() + 1);
    assert_eq!(s.store.articles().unwrap().len(), 2, "replaced, not added");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_feeds_are_reported_without_stopping_the_others() {
    let server = rss_server();
    server.fixture("/malformed.xml", "malformed.xml", "application/rss+xml");
    server.route(
        "/slow.xml",
        Route::Slow {
            delay: Duration::from_secs(3),
            then: Box::new(server.doc("flaky_ok.xml", "application/rss+xml")),
        },
    );
    server.route(
        "/huge.xml",
        Route::Huge {
            bytes: 50 * 1024 * 1024,
            declared: false,
        },
    );
    server.route(
        "/huge-declared.xml",
        Route::Huge {
            bytes: 50 * 1024 * 1024,
            declared: true,
        },
    );
    server.route(
        "/flaky.xml",
        Route::FailFirst {
            status: 500,
            times: 1,
            then: Box::new(server.doc("flaky_ok.xml", "application/rss+xml")),
        },
    );
    server.route(
        "/loop.xml",
        Route::Redirect {
            to: "/loop.xml".into(),
        },
    );
    let mut flaky = feed(&server, "/flaky.xml");
    flaky.fetch_page = FetchPage::Never;
    let feeds = vec![
        feed(&server, "/malformed.xml"),
        feed(&server, "/slow.xml"),
        feed(&server, "/huge.xml"),
        feed(&server, "/huge-declared.xml"),
        flaky.clone(),
        feed(&server, "/loop.xml"),
        feed(&server, "/rss.xml"),
    ];
    let s = setup(server, feeds);

    let started = std::time::Instant::now();
    let reports = s.poller.poll_due().await;
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "timeouts bound the round"
    );
    let by_path = |p: &str| {
        reports
            .iter()
            .find(|r| r.url.ends_with(p))
            .unwrap_or_else(|| panic!("{p}"))
    };
    let error = |p: &str| match &by_path(p).status {
        FeedStatus::Failed {
            error,
            consecutive_failures,
            ..
        } => {
            assert_eq!(*consecutive_failures, 1);
            error.clone()
        }
        other => panic!("{p}: expected a failure, got {other:?}"),
    };
    assert!(error("/malformed.xml").contains("not a valid RSS, Atom or JSON feed"));
    assert!(error("/slow.xml").contains("timed out"));
    assert!(error("/huge.xml").contains("larger than 5242880 bytes"));
    assert!(error("/huge-declared.xml").contains("larger than 5242880 bytes"));
    assert!(error("/flaky.xml").contains("HTTP 500"));
    assert!(
        error("/loop.xml").contains("redirects"),
        "{}",
        error("/loop.xml")
    );
    // The good feed went through regardless.
    assert_eq!(by_path("/rss.xml").ingest.added(), 2);

    // The 50 MB body was cut at the cap: the server could not write most of it.
    std::thread::sleep(Duration::from_millis(300));
    let sent = s.server.state.lock().unwrap().huge_sent;
    assert!(
        sent < 30 * 1024 * 1024,
        "the client stopped reading; server wrote {sent} bytes"
    );

    // Failures are recorded for `storyline feeds` and backoff; the next poll of the flaky feed
    // recovers and clears them.
    let state = s.store.feed_state(&flaky.url).unwrap().unwrap();
    assert_eq!(state.consecutive_failures, 1);
    assert_eq!(state.last_error.as_deref(), Some("HTTP 500"));
    assert!(
        state.next_fetch.unwrap() > chrono::Utc::now() + chrono::TimeDelta::minutes(15),
        "backoff doubles the interval"
    );
    let recovered = s.poller.poll(&flaky).await;
    assert_eq!(recovered.ingest.added(), 1, "{}", recovered.summary_line());
    let state = s.store.feed_state(&flaky.url).unwrap().unwrap();
    assert_eq!(
        (state.consecutive_failures, state.last_error.as_deref()),
        (0, None)
    );

    let overview = feeds::overview(&s.config, &s.store).unwrap();
    let slow = overview
        .iter()
        .find(|o| o.url.ends_with("/slow.xml"))
        .unwrap();
    assert!(
        slow.line().contains("failing (1 in a row): timed out"),
        "{}",
        slow.line()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_failing_ten_times_is_disabled_until_a_manual_fetch_succeeds() {
    let server = Server::start();
    server.route(
        "/down.xml",
        Route::FailFirst {
            status: 503,
            times: 10,
            then: Box::new(server.doc("flaky_ok.xml", "application/rss+xml")),
        },
    );
    let mut down = feed(&server, "/down.xml");
    down.fetch_page = FetchPage::Never;
    let s = setup(server, vec![down.clone()]);
    for i in 1..=10 {
        let r = s.poller.poll(&down).await;
        let FeedStatus::Failed { disabled, .. } = r.status else {
            panic!("poll {i} should fail")
        };
        assert_eq!(disabled, i == 10, "poll {i}");
    }
    let state = s.store.feed_state(&down.url).unwrap().unwrap();
    assert!(state.disabled);
    assert!(
        s.poller.poll_due().await.is_empty(),
        "a disabled feed is not polled"
    );
    assert_eq!(s.server.hits("/down.xml"), 10);
    let line = feeds::overview(&s.config, &s.store).unwrap()[0].line();
    assert!(
        line.contains("DISABLED after 10 failures: HTTP 503"),
        "{line}"
    );

    // `storyline ingest --feed URL` polls it regardless; success enables it again.
    let manual = s.poller.poll(&s.poller.feed_for_url(&down.url)).await;
    assert_eq!(manual.ingest.added(), 1, "{}", manual.summary_line());
    assert!(!s.store.feed_state(&down.url).unwrap().unwrap().disabled);
}

/// Runs the poll loop until `until` holds and at least `reports` reports were handed over
/// (checked every 50 ms, for up to 20 s; the report follows the fetch by however long the ingest
/// takes on a loaded machine), waits 200 ms more for any further report, then shuts it down
/// and returns the new-event counts of the reports it handed over.
async fn run_loop_until(
    poller: &FeedPoller,
    reports: usize,
    until: impl Fn() -> bool,
) -> Vec<usize> {
    let got: Arc<Mutex<Vec<usize>>> = Arc::default();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let poller = poller.clone();
    let sink = got.clone();
    let task = tokio::spawn(async move {
        let on_ingest = move |report: storyline::ingest::IngestReport| {
            sink.lock().unwrap().push(report.new_events().count())
        };
        poller
            .run(on_ingest, async move {
                let _ = stopped.await;
            })
            .await
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !until() || got.lock().unwrap().len() < reports {
        assert!(
            std::time::Instant::now() < deadline,
            "the poll loop did not get there"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the loop stops on shutdown")
        .unwrap();
    let got = got.lock().unwrap().clone();
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poll_loop_hands_new_events_over_once_and_stops_on_shutdown() {
    let server = rss_server();
    let rss = feed(&server, "/rss.xml");
    let s = setup(server, vec![rss.clone()]);
    let first = run_loop_until(&s.poller, 1, || {
        s.server.hits("/pages/fund-explainer.html") == 1
    })
    .await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0] > 0);

    // The feed is not due for ten minutes: a restarted loop does not poll it.
    let state = s.store.feed_state(&rss.url).unwrap().unwrap();
    let wait = state.next_fetch.unwrap() - state.last_fetch.unwrap();
    assert!(
        wait >= chrono::TimeDelta::minutes(9) && wait <= chrono::TimeDelta::minutes(11),
        "{wait}"
    );
    let none = run_loop_until(&s.poller, 0, || true).await;
    assert!(none.is_empty());
    assert_eq!(s.server.hits("/rss.xml"), 1);

    // Once due, it is polled again (a 304) and nothing is handed over twice.
    let mut state = state;
    state.next_fetch = Some(chrono::Utc::now() - chrono::TimeDelta::minutes(1));
    s.store.put_feed_state(&rss.url, &state).unwrap();
    let again = run_loop_until(&s.poller, 0, || s.server.hits("/rss.xml") == 2).await;
    assert!(again.is_empty(), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_filter_skips_items_about_other_things() {
    let server = Server::start();
    server.fixture("/feed.json", "feed.json", "application/feed+json");
    server.pages();
    let mut json = feed(&server, "/feed.json");
    json.topics = vec!["minerals".into()];
    let s = setup(server, vec![json.clone()]);
    let r = s.poller.poll(&json).await;
    // Both items mention the minerals deal: kept. With `topics = ["intel"]`, the draft article
    // (no intelligence sharing in it) would be skipped.
    assert_eq!(r.ingest.added(), 2, "{}", r.summary_line());
    let mut intel = json.clone();
    intel.url = format!("{}?intel", json.url);
    intel.topics = vec!["intel".into()];
    let r = s.poller.poll(&intel).await;
    assert_eq!(r.skipped.len(), 1, "{:?}", r.skipped);
    assert!(r.skipped[0]
        .reason
        .contains("not about the feed's topics (intel)"));
}

#[test]
fn cli_ingest_feed_and_feeds_listing() {
    let server = rss_server();
    let tmp = tempfile::tempdir().unwrap();
    let config_path = tmp.path().join("storyline.toml");
    let bundled = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("config/storyline.toml"),
    )
    .unwrap();
    std::fs::write(
        &config_path,
        format!(
            "{bundled}\n[[feed]]\nurl = \"{}\"\noutlet = \"Dnipro Wire\"\ninterval_minutes = 15\ntopics = [\"minerals\"]\n",
            server.url("/rss.xml")
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_storyline"))
            .arg("--config")
            .arg(&config_path)
            .arg("--data")
            .arg(tmp.path().join("data"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (_, out, _) = run(&["feeds"]);
    assert!(out.contains("never"), "{out}");

    let (code, out, err) = run(&["ingest", "--feed", &server.url("/rss.xml")]);
    let text = format!("{out}{err}");
    // One item skipped (no date) makes the exit code 2, as for a bad file.
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("2 added"), "{text}");
    assert!(text.contains("no publication time"), "{text}");

    let (code, out, _) = run(&["feeds"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("Dnipro Wire") && out.contains("items seen:   3"),
        "{out}"
    );
    assert!(out.contains("last error:   -"), "{out}");

    let (_, out, _) = run(&["ask", "When was the minerals deal ratified?"]);
    assert!(out.contains("Dnipro Wire"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_feeds_forever_is_spawnable_and_idle_without_feeds() {
    // The call `serve` makes: a spawned task that ends when its shutdown future does.
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&tmp.path().join("store")).unwrap());
    let config = Arc::new(Config::builtin());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(feeds::poll_feeds_forever(
        store,
        config,
        move |report| {
            let _ = tx.send(report);
        },
        async move {
            let _ = stopped.await;
        },
    ));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !task.is_finished(),
        "with no feeds it waits for shutdown rather than returning"
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
    assert!(
        rx.recv().await.is_none(),
        "nothing fetched, nothing handed over"
    );
}
