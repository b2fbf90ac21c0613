//! A folder's `manifest.toml`: `[[article]]` entries giving the metadata of files that carry no
//! front matter. Problems of the manifest itself (broken TOML, a missing file, a path outside
//! the folder) are collected once as [`Manifest::problems`]; problems of one entry become the
//! error of the file it describes.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::parse::RawMeta;
use super::{ArticleError, ReadOptions};

/// The file name a folder's manifest must have.
pub const FILE_NAME: &str = "manifest.toml";

#[derive(Debug, Clone)]
pub struct Manifest {
    path: PathBuf,
    /// File name → its metadata, or the error of its entry.
    entries: BTreeMap<String, Result<RawMeta, ArticleError>>,
    problems: Vec<ArticleError>,
    broken: Option<String>,
}

impl Manifest {
    /// Loads `dir/manifest.toml`; `None` when the folder has none. Unreadable or invalid
    /// manifests load as broken, so the files they would describe are reported, not skipped.
    pub fn load(dir: &Path, opts: &ReadOptions) -> Option<Manifest> {
        let path = dir.join(FILE_NAME);
        std::fs::symlink_metadata(&path).ok()?;
        let text = match super::read_limited(&path, opts.max_bytes) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => return Some(Manifest::new_broken(path, "not UTF-8 text".into())),
            },
            Err(e) => {
                let reason = match e {
                    ArticleError::TooLarge { size, limit, .. } => {
                        format!("{size} bytes, over the limit of {limit}")
                    }
                    ArticleError::Io { message, .. } => message,
                    other => other.to_string(),
                };
                return Some(Manifest::new_broken(path, reason));
            }
        };
        Some(Manifest::parse(&path, &text, |file| {
            std::fs::metadata(dir.join(file)).is_ok_and(|m| m.is_file())
        }))
    }

    /// Parses manifest text; `exists` says whether a plain file name exists in the folder (it is
    /// asked only for names that stay inside the folder).
    pub fn parse(path: &Path, text: &str, exists: impl Fn(&str) -> bool) -> Manifest {
        let table: toml::Table = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => {
                let line = e.span().map(|s| {
                    text.as_bytes()[..s.start.min(text.len())]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count()
                        + 1
                });
                let message = one_line(e.message());
                let reason = match line {
                    Some(line) => format!("invalid TOML at line {line}: {message}"),
                    None => format!("invalid TOML: {message}"),
                };
                return Manifest::new_broken(path.to_path_buf(), reason);
            }
        };
        // Any other top-level key is most likely a misspelt `[[article]]`, which would silently
        // leave every file undescribed.
        if let Some(key) = table.keys().find(|k| *k != "article") {
            return Manifest::new_broken(
                path.to_path_buf(),
                format!(
                    "unknown top-level key `{}` (expected [[article]] entries)",
                    key.escape_debug()
                ),
            );
        }
        let items = match table.get("article") {
            None => Vec::new(),
            Some(toml::Value::Array(items)) if items.iter().all(toml::Value::is_table) => {
                items.clone()
            }
            Some(_) => {
                return Manifest::new_broken(
                    path.to_path_buf(),
                    "`article` must be [[article]] tables".into(),
                )
            }
        };
        let mut manifest = Manifest {
            path: path.to_path_buf(),
            entries: BTreeMap::new(),
            problems: Vec::new(),
            broken: None,
        };
        let mut first_entry: BTreeMap<String, usize> = BTreeMap::new();
        let dir = path.parent().unwrap_or(Path::new(""));
        for (i, item) in items.iter().enumerate() {
            let n = i + 1;
            let Some(table) = item.as_table() else {
                continue;
            };
            let entry_problem = |reason: String| ArticleError::ManifestEntry {
                path: path.to_path_buf(),
                entry: n,
                reason,
            };
            let file = match table.get("file") {
                Some(toml::Value::String(f)) if !f.trim().is_empty() => f.trim().to_string(),
                Some(toml::Value::String(_)) => {
                    manifest
                        .problems
                        .push(entry_problem("`file` is empty".into()));
                    continue;
                }
                Some(_) => {
                    manifest
                        .problems
                        .push(entry_problem("`file` must be a string".into()));
                    continue;
                }
                None => {
                    manifest
                        .problems
                        .push(entry_problem("no `file` key".into()));
                    continue;
                }
            };
            if !is_plain_file_name(&file) {
                manifest.problems.push(ArticleError::ManifestPathOutside {
                    path: path.to_path_buf(),
                    file,
                });
                continue;
            }
            if file == FILE_NAME || file.starts_with('.') {
                manifest
                    .problems
                    .push(entry_problem(format!("{file:?} cannot be an article")));
                continue;
            }
            if !exists(&file) {
                manifest.problems.push(ArticleError::ManifestMissingFile {
                    path: path.to_path_buf(),
                    file,
                });
                continue;
            }
            let article_path = dir.join(&file);
            if let Some(first) = first_entry.get(&file) {
                // Two entries for one file: neither can be trusted over the other.
                let err = ArticleError::DuplicateKey {
                    path: article_path,
                    key: "file".into(),
                    at: format!("entries {first} and {n} of {}", path.display()),
                };
                manifest.entries.insert(file, Err(err));
                continue;
            }
            first_entry.insert(file.clone(), n);
            let meta = entry_meta(
                &article_path,
                table,
                format!("entry {n} of {}", path.display()),
            );
            manifest.entries.insert(file, meta);
        }
        manifest
    }

    fn new_broken(path: PathBuf, reason: String) -> Manifest {
        let problem = ArticleError::BadManifest {
            path: path.clone(),
            reason: reason.clone(),
        };
        Manifest {
            path,
            entries: BTreeMap::new(),
            problems: vec![problem],
            broken: Some(reason),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Why the manifest cannot be used at all, if so.
    pub fn broken(&self) -> Option<&str> {
        self.broken.as_deref()
    }

    /// Problems of the manifest itself, to report once per run (not tied to a readable file).
    pub fn problems(&self) -> &[ArticleError] {
        &self.problems
    }

    /// The entry for a file name in the manifest's folder.
    pub fn entry(&self, file_name: &str) -> Option<&Result<RawMeta, ArticleError>> {
        self.entries.get(file_name)
    }

    /// File names of the usable entries (existing files inside the folder), sorted.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }
}

/// One entry's metadata, with errors naming the article file it describes.
fn entry_meta(article: &Path, table: &toml::Table, at: String) -> Result<RawMeta, ArticleError> {
    let mut meta = RawMeta::new(at.clone());
    for (key, value) in table {
        if key == "file" {
            continue;
        }
        let text = match value {
            toml::Value::String(s) => s.clone(),
            // An unquoted TOML date (`published = 2025-03-05`) is as clear as a quoted one.
            toml::Value::Datetime(d) if key == "published" => d.to_string(),
            _ => {
                if meta.slot(key).is_none() {
                    return Err(ArticleError::UnknownKey {
                        path: article.to_path_buf(),
                        key: key.escape_debug().to_string(),
                        at,
                    });
                }
                return Err(ArticleError::BadValue {
                    path: article.to_path_buf(),
                    field: key.escape_debug().to_string(),
                    at,
                    reason: format!("expected a string, found a {}", value.type_str()),
                });
            }
        };
        match meta.slot(key) {
            Some(slot) => *slot = Some(text),
            None => {
                return Err(ArticleError::UnknownKey {
                    path: article.to_path_buf(),
                    key: key.escape_debug().to_string(),
                    at,
                })
            }
        }
    }
    Ok(meta)
}

/// A single normal path component: no `..`, no root, no sub-folder, no Windows separators.
fn is_plain_file_name(file: &str) -> bool {
    if file.contains('\\') || file.contains('\0') {
        return false;
    }
    let mut components = Path::new(file).components();
    matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(_)), None)
    )
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
