//! The control socket: while `storyline serve` runs it holds the store (sled allows one process),
//! so `stats`, `ask`, `ingest` and `feeds` find it through a Unix socket in the data directory
//! (`control.sock`, owner-only like the directory) and run there ([`crate::cli`]); with no
//! server running they open the store themselves. One request per connection: a JSON line
//! naming the command, answered with a JSON object holding what the command printed and its
//! exit code, so the output and exit code are the same either way.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::sync::watch;

use std::sync::Mutex;

use tokio::sync::Notify;

use crate::cli::{run_store_command, StoreCommand, StoreContext};
use crate::ingest::IngestReport;
use crate::notify::watch::PushPlanner;

/// The socket's file name in the data directory.
pub const SOCKET_NAME: &str = "control.sock";
/// A request is one command; anything longer is not one.
const MAX_REQUEST: u64 = 1024 * 1024;

/// Where `serve` listens for the store's data directory `data_dir`.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET_NAME)
}

/// What a command printed and its exit code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

/// Runs `command` in the `serve` that holds `data_dir`, if one is running: `Ok(None)` when
/// none is (no socket, or a socket left by a killed one).
pub fn run_in_serve(data_dir: &Path, command: &StoreCommand) -> anyhow::Result<Option<Response>> {
    let path = socket_path(data_dir);
    let mut stream = match std::os::unix::net::UnixStream::connect(&path) {
        Ok(stream) => stream,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
            ) =>
        {
            return Ok(None)
        }
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot reach the running serve at {}", path.display()))
        }
    };
    let mut request = serde_json::to_vec(command)?;
    request.push(b'\n');
    stream.write_all(&request)?;
    stream.shutdown(std::net::Shutdown::Write)?;
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .context("reading the running serve's answer")?;
    let response = serde_json::from_str(&answer).with_context(|| {
        format!(
            "the running serve at {} gave no answer (was it stopping?)",
            path.display()
        )
    })?;
    Ok(Some(response))
}

/// Runs a command inside `serve`; called on a blocking thread.
pub type Handler = Arc<dyn Fn(StoreCommand) -> Response + Send + Sync>;

/// How `serve` runs a command: as the command line would ([`crate::cli`]), and what an
/// `ingest` adds is pushed to subscribers like what the folder watch finds.
pub fn serve_handler(
    ctx: StoreContext,
    planner: Arc<Mutex<PushPlanner>>,
    wake: Arc<Notify>,
) -> Handler {
    Arc::new(move |command: StoreCommand| {
        let lock = || planner.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(
            command,
            StoreCommand::Ingest { .. } | StoreCommand::Ask { .. }
        ) {
            // The statuses before the ingest, so a push can say what changed.
            if let Err(e) = lock().refresh(&ctx.engine) {
                tracing::warn!(error = %e, "could not read the statuses before an ingest");
            }
        }
        let mut queue = |report: IngestReport| match lock().queue_report(&ctx.engine, report) {
            Ok(summary) if summary.pushes_queued > 0 => {
                tracing::info!(
                    pushes = summary.pushes_queued,
                    "the command line's ingest brought news"
                );
                wake.notify_one();
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "could not queue the pushes of an ingest"),
        };
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let code = run_store_command(&command, &ctx, &mut queue, &mut stdout, &mut stderr);
        Response {
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            code,
        }
    })
}

/// Listens on `path` until `stop` turns true, running each request with `handler` (one at a
/// time per connection, on a blocking thread), then removes the socket. A socket left by a
/// killed `serve` is replaced. The data directory is owner-only, and so is the socket.
pub async fn listen(
    path: PathBuf,
    handler: Handler,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let listener = bind(&path)?;
    tracing::info!(socket = %path.display(), "control socket ready");
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(answer(stream, handler.clone()));
                }
                Err(e) => tracing::warn!(error = %e, "control socket: accept failed"),
            },
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
        }
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}

fn bind(path: &Path) -> anyhow::Result<tokio::net::UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    if path.exists() {
        // sled's lock already keeps a second serve out: what is here was left by a kill.
        std::fs::remove_file(path)
            .with_context(|| format!("removing the stale control socket {}", path.display()))?;
    }
    let listener = tokio::net::UnixListener::bind(path)
        .with_context(|| format!("cannot listen on {}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

async fn answer(stream: tokio::net::UnixStream, handler: Handler) {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut reader = tokio::io::BufReader::new(tokio::io::AsyncReadExt::take(read, MAX_REQUEST));
    if let Err(e) = reader.read_line(&mut line).await {
        tracing::warn!(error = %e, "control socket: unreadable request");
        return;
    }
    let response = match serde_json::from_str::<StoreCommand>(line.trim()) {
        Ok(command) => {
            tracing::info!(?command, "running a command for the command line");
            tokio::task::spawn_blocking(move || handler(command))
                .await
                .unwrap_or_else(|e| Response {
                    stdout: String::new(),
                    stderr: format!("error: the command failed inside serve: {e}\n"),
                    code: 1,
                })
        }
        Err(e) => Response {
            stdout: String::new(),
            stderr: format!("error: serve did not understand the request: {e}\n"),
            code: 1,
        },
    };
    let Ok(bytes) = serde_json::to_vec(&response) else {
        return;
    };
    if let Err(e) = write.write_all(&bytes).await {
        tracing::warn!(error = %e, "control socket: could not answer");
    }
    let _ = write.shutdown().await;
}

/// Reads a request the way [`answer`] does, for the tests of the protocol.
#[cfg(test)]
fn parse_request(bytes: &[u8]) -> Option<StoreCommand> {
    use std::io::{BufRead, BufReader};
    let mut line = String::new();
    BufReader::new(bytes).read_line(&mut line).ok()?;
    serde_json::from_str(line.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_travels_as_one_json_line() {
        let command = StoreCommand::Ingest {
            paths: vec![PathBuf::from("/tmp/a b.txt")],
            feeds: vec!["https://example.com/rss".into()],
        };
        let mut line = serde_json::to_vec(&command).unwrap();
        line.push(b'\n');
        assert_eq!(parse_request(&line), Some(command));
        assert_eq!(parse_request(b"{\"Nope\": 1}\n"), None);
    }

    #[tokio::test]
    async fn no_serve_means_none_and_a_running_one_answers_over_an_owner_only_socket() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_path_buf();
        let command = StoreCommand::Stats { json: false };
        assert_eq!(run_in_serve(&data, &command).unwrap(), None);
        // A socket file left by a killed serve: nobody listens, so still none.
        drop(std::os::unix::net::UnixListener::bind(socket_path(&data)).unwrap());
        assert_eq!(run_in_serve(&data, &command).unwrap(), None);

        let (stop_tx, stop_rx) = watch::channel(false);
        let handler: Handler = Arc::new(|command| Response {
            stdout: format!("ran {command:?}\n"),
            stderr: String::new(),
            code: 2,
        });
        let server = tokio::spawn(listen(socket_path(&data), handler, stop_rx));
        while !socket_path(&data).exists() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let mode = std::fs::metadata(socket_path(&data))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let data2 = data.clone();
        let got = tokio::task::spawn_blocking(move || {
            run_in_serve(&data2, &StoreCommand::Stats { json: true })
        })
        .await
        .unwrap()
        .unwrap()
        .expect("the server answered");
        assert_eq!(got.stdout, "ran Stats { json: true }\n");
        assert_eq!(got.code, 2);
        stop_tx.send(true).unwrap();
        server.await.unwrap().unwrap();
        assert!(
            !socket_path(&data).exists(),
            "the socket is removed on stop"
        );
    }
}
