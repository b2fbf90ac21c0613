//! Shared harness for the end-to-end Telegram tests: a fake Bot API, a temporary data folder and
//! article folder (holding the bundled seed article), a config that scans every second, and the
//! real `storyline serve` binary started as a child process pointed at the fake API.

#![allow(dead_code)]

/// The fake lives in the library, where `storyline bench --fanout` uses it too.
pub use storyline::bench::fake_bot_api;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

#[allow(unused_imports)]
pub use fake_bot_api::{FakeBotApi, Fault, Sent, ANONYMOUS_ADMIN, BOT_USERNAME, GROUP_OWNER};

/// The bot token the tests use; it must never appear in the logs.
pub const TOKEN: &str = "123456789:TEST-secret-token-never-logged";

/// How long a test waits for something that should happen (generous for slow CI).
pub const PATIENCE: Duration = Duration::from_secs(30);

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One scenario's world: fake API, folders, config.
pub struct Harness {
    pub api: FakeBotApi,
    root: tempfile::TempDir,
}

impl Harness {
    pub async fn new() -> Harness {
        let api = FakeBotApi::start().await;
        let root = tempfile::tempdir().expect("tempdir");
        let articles = root.path().join("articles");
        std::fs::create_dir_all(&articles).expect("articles dir");
        // The bundled seed article, with the manifest that gives its metadata.
        let seeds = manifest_dir().join("seeds");
        for entry in std::fs::read_dir(&seeds).expect("seeds folder") {
            let path = entry.expect("seed entry").path();
            if path.is_file() {
                std::fs::copy(&path, articles.join(path.file_name().expect("name")))
                    .expect("copy seed");
            }
        }
        // The bundled config (its topics), scanning the folders every second, with short
        // Bot API timeouts so that timeout faults cost seconds, not minutes.
        let config = std::fs::read_to_string(manifest_dir().join("config/storyline.toml"))
            .expect("bundled config");
        std::fs::write(root.path().join("storyline.toml"), config).expect("write config");
        let h = Harness { api, root };
        h.set_telegram("watch_seconds", "1");
        h.set_telegram("poll_timeout_seconds", "1");
        h.set_telegram("request_timeout_seconds", "4");
        h
    }

    /// Sets `key = value` (TOML) in the config's `[telegram]` table; call before starting.
    pub fn set_telegram(&self, key: &str, value: &str) {
        let path = self.root.path().join("storyline.toml");
        let config = std::fs::read_to_string(&path).expect("read config");
        let line =
            regex::Regex::new(&format!(r"(?m)^{}\s*=.*$", regex::escape(key))).expect("regex");
        let config = if line.is_match(&config) {
            line.replace(&config, regex::NoExpand(&format!("{key} = {value}")))
                .into_owned()
        } else {
            config.replacen("[telegram]\n", &format!("[telegram]\n{key} = {value}\n"), 1)
        };
        assert!(
            config.contains(&format!("{key} = {value}")),
            "no [telegram] table in the config"
        );
        std::fs::write(&path, config).expect("write config");
    }

    /// The folder everything of this scenario lives in (config, logs, data, articles).
    pub fn root(&self) -> PathBuf {
        self.root.path().to_path_buf()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    pub fn articles_dir(&self) -> PathBuf {
        self.root.path().join("articles")
    }

    /// Starts `storyline serve` and waits until it polls for updates.
    pub async fn start(&self) -> BotProcess {
        self.start_with_token(TOKEN).await
    }

    /// [`Harness::start`] with another token.
    pub async fn start_with_token(&self, token: &str) -> BotProcess {
        let before = self.api.calls_to("setMyCommands").len();
        let process = self.spawn(&[
            ("TELOXIDE_TOKEN", token),
            ("TELOXIDE_API_URL", &self.api.url()),
        ]);
        let ready = self
            .api
            .wait_until(PATIENCE, |api| {
                api.calls_to("setMyCommands").len() > before
                    && api.methods().iter().any(|m| m == "getupdates")
            })
            .await;
        assert!(
            ready,
            "the bot did not start polling; log:\n{}",
            process.log()
        );
        process
    }

    /// Starts `storyline serve --webhook-url URL --listen ADDR` and waits until it registered
    /// the webhook; returns the process and the secret Telegram would send.
    pub async fn start_webhook(
        &self,
        url: &str,
        listen: std::net::SocketAddr,
    ) -> (BotProcess, String) {
        let listen = listen.to_string();
        let process = self.spawn_with(
            &["--webhook-url", url, "--listen", &listen],
            &[
                ("TELOXIDE_TOKEN", TOKEN),
                ("TELOXIDE_API_URL", &self.api.url()),
            ],
        );
        let registered = self
            .api
            .wait_until(PATIENCE, |api| !api.calls_to("setWebhook").is_empty())
            .await;
        assert!(
            registered,
            "the bot did not call setWebhook; log:\n{}",
            process.log()
        );
        let call = self.api.calls_to("setWebhook").remove(0);
        assert_eq!(call["url"].as_str(), Some(url));
        let secret = call["secret_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (process, secret)
    }

    /// Starts `storyline serve` with the given environment only (for start-up failures).
    pub fn spawn(&self, env: &[(&str, &str)]) -> BotProcess {
        self.spawn_with(&[], env)
    }

    /// Starts `storyline serve ARGS` with the given environment only.
    pub fn spawn_with(&self, args: &[&str], env: &[(&str, &str)]) -> BotProcess {
        let log = self.root.path().join(format!("serve-{}.log", unique()));
        let file = std::fs::File::create(&log).expect("log file");
        let err = file.try_clone().expect("log file clone");
        let mut command = Command::new(env!("CARGO_BIN_EXE_storyline"));
        command
            .arg("--config")
            .arg(self.root.path().join("storyline.toml"))
            .arg("--data")
            .arg(self.data_dir())
            .arg("--articles")
            .arg(self.articles_dir())
            .arg("serve")
            .args(args)
            .env_remove("TELOXIDE_TOKEN")
            .env_remove("TELOXIDE_API_URL")
            .env_remove("TELOXIDE_PROXY")
            .env_remove("STORYLINE_DATA")
            .env_remove("STORYLINE_WEBHOOK_SECRET")
            .env("RUST_LOG", "storyline=debug,teloxide=info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err);
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command.spawn().expect("start storyline serve");
        BotProcess {
            child: Some(child),
            log,
        }
    }

    /// Runs `storyline ARGS` with this scenario's config, data and article folders (as an
    /// operator would next to a running serve); returns its output.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_storyline"))
            .arg("--config")
            .arg(self.root.path().join("storyline.toml"))
            .arg("--data")
            .arg(self.data_dir())
            .arg("--articles")
            .arg(self.articles_dir())
            .args(args)
            .env_remove("STORYLINE_DATA")
            .env("RUST_LOG", "storyline=warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .expect("run storyline")
    }

    /// Copies a dev article into the watched folder the way a feed fetcher would: written
    /// elsewhere, then renamed in, so the watch never sees half a file.
    pub fn drop_article(&self, name: &str) {
        let source = manifest_dir().join("tests/data/dev").join(name);
        let staging = self.root.path().join(format!(".staging-{name}"));
        std::fs::copy(&source, &staging).expect("copy article");
        std::fs::rename(&staging, self.articles_dir().join(name)).expect("move article in");
    }
}

impl Harness {
    /// Drops several dev articles into the watched folder at once (one new sub-folder renamed
    /// in), so a single scan sees them all.
    pub fn drop_articles(&self, names: &[&str]) {
        let batch = format!("batch-{}", unique());
        let staging = self.root.path().join(format!(".staging-{batch}"));
        std::fs::create_dir_all(&staging).expect("staging dir");
        for name in names {
            std::fs::copy(
                manifest_dir().join("tests/data/dev").join(name),
                staging.join(name),
            )
            .expect("copy article");
        }
        std::fs::rename(&staging, self.articles_dir().join(batch)).expect("move articles in");
    }
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// A running `storyline serve`; killed if the test ends without stopping it.
pub struct BotProcess {
    child: Option<Child>,
    log: PathBuf,
}

impl BotProcess {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// Sends SIGTERM and waits (bounded) for the exit status.
    pub async fn terminate(&mut self) -> ExitStatus {
        let pid = self.pid().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        self.wait(PATIENCE)
            .await
            .unwrap_or_else(|| panic!("serve did not stop after SIGTERM; log:\n{}", self.log()))
    }

    /// Kills the process outright (SIGKILL: no handler runs, nothing is flushed) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Waits up to `timeout` for the process to exit.
    pub async fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            let child = self.child.as_mut()?;
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether `html` holds a date with its year, as the bot writes them ("Mar 5, 2025").
pub fn has_dated_text(html: &str) -> bool {
    regex::Regex::new(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}\b")
        .expect("regex")
        .is_match(html)
}

/// Whether `html` cites an article with an http(s) link.
pub fn has_citation_link(html: &str) -> bool {
    regex::Regex::new(r#"<a href="https?://[^"<>]+">"#)
        .expect("regex")
        .is_match(html)
}

/// Whether a message is a push (not an answer): pushes are titled "…: new from Outlet" or
/// "…: also reported by Outlet".
pub fn is_push(sent: &Sent) -> bool {
    sent.text.contains(": new from ") || sent.text.contains(": also reported by ")
}

/// Whether `text` holds a control character other than a line break or a tab.
pub fn has_control_chars(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
}

/// Panics with the refusals if the bot ever sent what Telegram would refuse (bad HTML, too
/// long, empty).
pub fn assert_nothing_malformed(api: &FakeBotApi, log: &str) {
    let bad = api.malformed();
    assert!(
        bad.is_empty(),
        "Telegram would refuse these messages: {bad:#?}\nlog:\n{log}"
    );
}

pub fn path_str(p: &Path) -> String {
    p.display().to_string()
}

/// A free port on 127.0.0.1 (bound, then released for the bot to take).
pub fn free_local_addr() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("local addr")
}

/// POSTs JSON to `http://addr{path}` with an optional secret header; returns the status code.
pub async fn post_json(
    addr: std::net::SocketAddr,
    path: &str,
    secret: Option<&str>,
    body: &str,
) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let deadline = Instant::now() + PATIENCE;
    let mut stream = loop {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => break s,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("cannot connect to the webhook server at {addr}: {e}"),
        }
    };
    let header = secret
        .map(|s| format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{header}Connection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    let mut response = Vec::new();
    let _ = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response)).await;
    let text = String::from_utf8_lossy(&response);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}
