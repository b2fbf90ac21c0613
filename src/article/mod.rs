//! Reading articles: a `.txt`/`.md` file with front matter, or with its metadata in the folder's
//! `manifest.toml`. Every bad file becomes one [`ArticleError`] naming the file and the reason.
//!
//! [`load_article`] is the entry point for one file; [`read_article`] does the same but finds the
//! folder's manifest itself. Parsing of text lives in [`parse`], manifests in [`manifest`].

pub mod manifest;
pub mod parse;
pub mod walk;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::event::ArticleId;
/// The one FNV-1a ([`crate::fnv`]), also reachable here where article ids are made.
pub use crate::fnv::fnv1a64;
use crate::fnv::Fnv64;
use std::hash::Hasher;

pub use manifest::Manifest;
pub use parse::{Metadata, RawMeta, MAX_LINE_BYTES};

/// An article as read from disk: metadata plus the body, one paragraph per entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Hash of the URL (stable across re-ingests and file renames).
    pub id: ArticleId,
    pub title: String,
    pub outlet: String,
    pub url: String,
    /// Publication time with the offset of the article's own time zone. When only a date is
    /// known, midnight local time.
    pub published: DateTime<FixedOffset>,
    /// IANA time zone name when the metadata gave one ("Europe/Kyiv").
    pub timezone: Option<String>,
    /// The body, one paragraph per entry, exactly as written (trimmed of line ends).
    pub paragraphs: Vec<String>,
    /// A hash of metadata and body: a changed article has a new hash.
    pub content_hash: String,
    /// Where it was read from, for messages.
    pub source_path: String,
}

impl Article {
    /// The publication date in the article's own time zone (what relative dates resolve against).
    pub fn published_date(&self) -> NaiveDate {
        self.published.date_naive()
    }

    /// Builds an article from checked metadata and paragraphs, computing `id` and `content_hash`.
    pub fn new(meta: Metadata, paragraphs: Vec<String>, source_path: &Path) -> Article {
        let id = article_id(&meta.url);
        let content_hash = content_hash(&meta, &paragraphs);
        Article {
            id,
            title: meta.title,
            outlet: meta.outlet,
            url: meta.url,
            published: meta.published,
            timezone: meta.timezone,
            paragraphs,
            content_hash,
            source_path: source_path.display().to_string(),
        }
    }
}

/// The article id for a URL: FNV-1a 64 of the URL, 16 hex digits.
pub fn article_id(url: &str) -> ArticleId {
    format!("{:016x}", fnv1a64(url.as_bytes()))
}

/// Hash of everything that makes up the article's content (not its file path: a renamed file
/// is the same article).
fn content_hash(meta: &Metadata, paragraphs: &[String]) -> String {
    let mut h = Fnv64::new();
    h.field(&meta.title);
    h.field(&meta.outlet);
    h.field(&meta.url);
    h.field(&meta.published.to_rfc3339());
    h.field(meta.timezone.as_deref().unwrap_or(""));
    for p in paragraphs {
        h.field(p);
    }
    format!("{:016x}", h.finish())
}

/// Why a file could not be read as an article. Display is one line starting with the path
/// (the article file, or the manifest for problems of the manifest itself).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArticleError {
    #[error("{}: cannot read: {message}", .path.display())]
    Io { path: PathBuf, message: String },
    #[error("{}: not an article file (expected .txt or .md)", .path.display())]
    NotAnArticle { path: PathBuf },
    #[error("{}: the file is empty", .path.display())]
    Empty { path: PathBuf },
    #[error("{}: the file holds only whitespace", .path.display())]
    WhitespaceOnly { path: PathBuf },
    #[error("{}: binary file (control bytes), not text", .path.display())]
    Binary { path: PathBuf },
    #[error("{}: not UTF-8 text (invalid byte at offset {offset}, line {line})", .path.display())]
    NotUtf8 {
        path: PathBuf,
        offset: usize,
        line: usize,
    },
    #[error("{}: file is {size} bytes, over the limit of {limit} (max_article_bytes)", .path.display())]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("{}: line {line} is {len} bytes long, over the limit of {limit}", .path.display())]
    LineTooLong {
        path: PathBuf,
        line: usize,
        len: usize,
        limit: usize,
    },
    #[error("{}: no front matter and no manifest.toml in its folder to describe it", .path.display())]
    NoMetadata { path: PathBuf },
    #[error("{}: no front matter and not listed in {}", .path.display(), .manifest.display())]
    NotInManifest { path: PathBuf, manifest: PathBuf },
    #[error("{}: no front matter, and {} is broken so its metadata cannot be trusted", .path.display(), .manifest.display())]
    ManifestBroken { path: PathBuf, manifest: PathBuf },
    #[error("{}: front matter not closed (no `---` line after line 1)", .path.display())]
    FrontMatterNotClosed { path: PathBuf },
    #[error("{}: broken front matter line {line}: {reason}", .path.display())]
    BadFrontMatterLine {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{}: unknown key `{key}` ({at}); known keys: title, outlet, url, published, timezone", .path.display())]
    UnknownKey {
        path: PathBuf,
        key: String,
        at: String,
    },
    #[error("{}: duplicated key `{key}` ({at})", .path.display())]
    DuplicateKey {
        path: PathBuf,
        key: String,
        at: String,
    },
    #[error("{}: missing `{field}` ({at})", .path.display())]
    MissingField {
        path: PathBuf,
        field: String,
        at: String,
    },
    #[error("{}: `{field}` is empty ({at})", .path.display())]
    EmptyField {
        path: PathBuf,
        field: String,
        at: String,
    },
    #[error("{}: `{field}` is not valid ({at}): {reason}", .path.display())]
    BadValue {
        path: PathBuf,
        field: String,
        at: String,
        reason: String,
    },
    #[error("{}: url {url:?} is not an http(s) URL", .path.display())]
    BadUrl { path: PathBuf, url: String },
    #[error("{}: published {value:?} is not a date: {reason}", .path.display())]
    BadDate {
        path: PathBuf,
        value: String,
        reason: String,
    },
    #[error("{}: published {value:?} has no UTC offset and no `timezone` is given", .path.display())]
    DateNeedsTimezone { path: PathBuf, value: String },
    #[error("{}: unknown time zone {name:?} (expected an IANA name such as Europe/Kyiv)", .path.display())]
    UnknownTimezone { path: PathBuf, name: String },
    #[error("{}: published {published} is in the future (more than 2 days after {now})", .path.display())]
    FutureDate {
        path: PathBuf,
        published: String,
        now: String,
    },
    #[error("{}: the body has no text", .path.display())]
    EmptyBody { path: PathBuf },
    #[error("{}: duplicate of {} (same url {url})", .path.display(), .first.display())]
    DuplicateUrl {
        path: PathBuf,
        url: String,
        first: PathBuf,
    },
    #[error("{}: names file {file:?}, which does not exist", .path.display())]
    ManifestMissingFile { path: PathBuf, file: String },
    #[error("{}: names {file:?}, a path outside its folder (only plain file names are allowed; not read)", .path.display())]
    ManifestPathOutside { path: PathBuf, file: String },
    #[error("{}: entry {entry}: {reason}", .path.display())]
    ManifestEntry {
        path: PathBuf,
        entry: usize,
        reason: String,
    },
    #[error("{}: broken manifest: {reason}", .path.display())]
    BadManifest { path: PathBuf, reason: String },
}

impl ArticleError {
    /// The file the error is about (the manifest for manifest problems).
    pub fn path(&self) -> &Path {
        use ArticleError::*;
        match self {
            Io { path, .. }
            | NotAnArticle { path }
            | Empty { path }
            | WhitespaceOnly { path }
            | Binary { path }
            | NotUtf8 { path, .. }
            | TooLarge { path, .. }
            | LineTooLong { path, .. }
            | NoMetadata { path }
            | NotInManifest { path, .. }
            | ManifestBroken { path, .. }
            | FrontMatterNotClosed { path }
            | BadFrontMatterLine { path, .. }
            | UnknownKey { path, .. }
            | DuplicateKey { path, .. }
            | MissingField { path, .. }
            | EmptyField { path, .. }
            | BadValue { path, .. }
            | BadUrl { path, .. }
            | BadDate { path, .. }
            | DateNeedsTimezone { path, .. }
            | UnknownTimezone { path, .. }
            | FutureDate { path, .. }
            | EmptyBody { path }
            | DuplicateUrl { path, .. }
            | ManifestMissingFile { path, .. }
            | ManifestPathOutside { path, .. }
            | ManifestEntry { path, .. }
            | BadManifest { path, .. } => path,
        }
    }
}

/// Limits and the clock used while reading; `now` is a field so tests can pin it.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub max_bytes: u64,
    pub now: DateTime<Utc>,
}

impl ReadOptions {
    pub fn from_config(config: &Config) -> ReadOptions {
        ReadOptions {
            max_bytes: config.max_article_bytes,
            now: Utc::now(),
        }
    }
}

/// Reads one file, consulting `manifest.toml` in its folder when it has no front matter.
/// `Ok(None)` means the file is not an article (a `.md` file without front matter that no
/// manifest lists, such as a README).
pub fn read_article(path: &Path, config: &Config) -> Result<Option<Article>, ArticleError> {
    let opts = ReadOptions::from_config(config);
    let dir = path.parent().unwrap_or(Path::new("."));
    let manifest = Manifest::load(dir, &opts);
    load_article(path, manifest.as_ref(), &opts)
}

/// Reads one file with the manifest of its folder (if any) already loaded.
/// See [`read_article`] for `Ok(None)`.
pub fn load_article(
    path: &Path,
    manifest: Option<&Manifest>,
    opts: &ReadOptions,
) -> Result<Option<Article>, ArticleError> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let entry = manifest.and_then(|m| m.entry(&file_name));
    // A `.md` file is an article only with front matter or a manifest entry; anything else
    // (README.md, FACTS.md, notes) is ignored rather than reported.
    let optional = is_markdown(path) && entry.is_none();

    let bytes = read_limited(path, opts.max_bytes)?;
    let text = match parse::decode(path, &bytes) {
        Ok(text) => text,
        Err(_) if optional && !parse::starts_with_front_matter(&bytes) => return Ok(None),
        Err(e) => return Err(e),
    };

    let (raw, body) = match parse::split_front_matter(path, &text)? {
        // The file's own metadata wins over a manifest entry: it travels with the text.
        Some(fm) => (fm.meta, fm.body),
        None => match (manifest, entry) {
            (_, Some(entry)) => (entry.clone()?, text.as_str()),
            _ if optional => return Ok(None),
            (None, None) => {
                return Err(ArticleError::NoMetadata {
                    path: path.to_path_buf(),
                })
            }
            (Some(m), None) if m.broken().is_some() => {
                return Err(ArticleError::ManifestBroken {
                    path: path.to_path_buf(),
                    manifest: m.path().to_path_buf(),
                })
            }
            (Some(m), None) => {
                return Err(ArticleError::NotInManifest {
                    path: path.to_path_buf(),
                    manifest: m.path().to_path_buf(),
                })
            }
        },
    };
    let meta = parse::resolve(path, raw, opts.now)?;
    let paragraphs = parse::paragraphs(body);
    if paragraphs.is_empty() {
        return Err(ArticleError::EmptyBody {
            path: path.to_path_buf(),
        });
    }
    Ok(Some(Article::new(meta, paragraphs, path)))
}

pub(crate) fn is_markdown(path: &Path) -> bool {
    has_extension(path, "md")
}

pub(crate) fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Reads at most `max_bytes`, checking the size from metadata first so that a huge file is
/// never read; the bounded read also covers files that grow or lie about their size.
pub(crate) fn read_limited(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ArticleError> {
    let io = |e: std::io::Error| ArticleError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(ArticleError::Io {
            path: path.to_path_buf(),
            message: "not a regular file".into(),
        });
    }
    if meta.len() > max_bytes {
        return Err(ArticleError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit: max_bytes,
        });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ArticleError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests;
