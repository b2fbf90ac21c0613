//! HTTP for feeds and pages, politely: a User-Agent naming Storyline, conditional requests
//! (ETag / Last-Modified → 304), gzip, a bounded number of redirects, timeouts, and a body read
//! in chunks that stops at the size cap (so a 50 MB answer costs at most the cap in memory).
//!
//! The client is teloxide's reqwest with rustls: one TLS stack in the binary.

use std::time::Duration;

use reqwest::header::{
    HeaderMap, HeaderValue, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use reqwest::StatusCode;

/// Limits for every request; the defaults suit real outlets, tests shorten the timeout.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Whole request, from connecting to the last body byte: a server that trickles bytes
    /// cannot hold a poll forever.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Largest body accepted (after gzip decoding, so a small compressed bomb is caught too).
    pub max_bytes: usize,
    pub max_redirects: usize,
    pub user_agent: String,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_bytes: 5 * 1024 * 1024,
            max_redirects: 5,
            user_agent: user_agent(),
        }
    }
}

/// "Storyline/0.1.0 (news-following bot; feed reader)": names the bot and its version so that
/// an outlet's operator can tell what is polling them.
pub fn user_agent() -> String {
    format!(
        "Storyline/{} (news-following bot; feed reader)",
        env!("CARGO_PKG_VERSION")
    )
}

/// Validators from the previous successful fetch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A response worth reading.
#[derive(Debug)]
pub enum Fetched {
    /// 304: nothing changed since the validators were issued.
    NotModified,
    Body {
        bytes: Vec<u8>,
        /// The URL after redirects (relative links resolve against it).
        final_url: String,
        validators: Validators,
        content_type: Option<String>,
    },
}

/// Why a fetch failed. Display is one line for logs, `storyline feeds` and `/stats`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("HTTP {code}")]
    Status {
        code: u16,
        /// Seconds from a `Retry-After` header (429, 503), honoured by the scheduler.
        retry_after: Option<u64>,
    },
    #[error("response larger than {limit} bytes, not read further")]
    TooLarge { limit: usize },
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("{0}")]
    Other(String),
}

impl FetchError {
    /// Errors worth retrying at the next poll rather than treating an item as bad.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Status { code, .. } => *code == 429 || *code >= 500 || *code == 408,
            FetchError::TooLarge { .. } => false,
            _ => true,
        }
    }
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
}

impl Fetcher {
    pub fn new(settings: FetchSettings) -> Result<Fetcher, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .redirect(reqwest::redirect::Policy::limited(settings.max_redirects))
            .gzip(true)
            .build()
            .map_err(|e| FetchError::Other(format!("cannot build the HTTP client: {e}")))?;
        Ok(Fetcher { client, settings })
    }

    pub fn settings(&self) -> &FetchSettings {
        &self.settings
    }

    /// GETs `url`, conditionally when validators are given. Non-2xx answers (other than 304 to
    /// a conditional request) are errors.
    pub async fn get(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut request = self.client.get(url);
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, lm);
        }
        let mut response = request.send().await.map_err(|e| self.map_error(e))?;
        let status = response.status();
        let conditional = validators.etag.is_some() || validators.last_modified.is_some();
        if status == StatusCode::NOT_MODIFIED && conditional {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                code: status.as_u16(),
                retry_after: retry_after(response.headers()),
            });
        }
        let limit = self.settings.max_bytes;
        // A declared length over the cap is refused before reading anything. (With gzip the
        // header is the compressed size; the decoded size is checked while reading.)
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(FetchError::TooLarge { limit });
        }
        let headers = response.headers();
        let validators = Validators {
            etag: header_text(headers, ETAG),
            last_modified: header_text(headers, LAST_MODIFIED),
        };
        let content_type = header_text(headers, reqwest::header::CONTENT_TYPE);
        let final_url = response.url().to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.map_error(e))? {
            if bytes.len() + chunk.len() > limit {
                // Dropping the response closes the connection: the rest is never downloaded.
                return Err(FetchError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            bytes,
            final_url,
            validators,
            content_type,
        })
    }

    fn map_error(&self, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            FetchError::Timeout(self.settings.timeout)
        } else if e.is_redirect() {
            FetchError::TooManyRedirects(self.settings.max_redirects)
        } else if e.is_connect() {
            FetchError::Connect(error_chain(&e))
        } else {
            FetchError::Other(error_chain(&e))
        }
    }
}

/// reqwest's top-level message is often just "error sending request"; the cause says why.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

fn header_text(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() < 1024)
        .map(str::to_string)
}

/// `Retry-After` in seconds (the HTTP-date form is rare for feeds and ignored).
fn retry_after(headers: &HeaderMap) -> Option<u64> {
    header_text(headers, reqwest::header::RETRY_AFTER)?
        .parse()
        .ok()
}
