//! The one walk over article folders. `ingest` (what to read) and the serve loop's folder watch
//! (what to re-read when it changes) both use it, so `ingest` and `serve` see the same articles.
//!
//! The rules, in one place:
//! - files at most [`MAX_DEPTH`] folders below the root; deeper ones are not articles;
//! - names starting with `.` (files and folders) are skipped: editors' and sync tools' temp files;
//! - a file is an article when its extension is `txt` or `md` in any case (`A.TXT`, `b.Md`), or
//!   when its folder's `manifest.toml` has an entry naming it, whatever its name;
//! - the manifest itself is reported as [`Found::Manifest`] (it describes the folder's files;
//!   `ingest` loads it per folder, the watch re-ingests the folder when it changes);
//! - symlinked folders are not followed (they can form loops, and a link out of the article
//!   folder should not pull in another tree); symlinked files are articles like any other file
//!   (a dangling one is reported by the reader as unreadable). The root itself may be a link.
//!
//! Entries come depth first, each folder's entries sorted by name, so runs are reproducible.

use std::path::{Path, PathBuf};

use super::manifest;

/// How many folders below a root a file may be.
pub const MAX_DEPTH: usize = 32;

/// What the walk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A file to read as an article.
    Article(PathBuf),
    /// A folder's `manifest.toml`.
    Manifest(PathBuf),
    /// A folder (or the root) that could not be read.
    Unreadable { path: PathBuf, message: String },
}

/// Which file names a folder's manifest has entries for. `ingest` answers from the manifests it
/// loaded; the watch from [`ManifestNames`].
pub trait Listing {
    fn lists(&mut self, dir: &Path, file_name: &str) -> bool;
}

/// Walks `root` (a folder) by the rules above.
pub fn walk(root: &Path, listing: &mut dyn Listing) -> Vec<Found> {
    let mut found = Vec::new();
    let entries = walkdir::WalkDir::new(root)
        .follow_links(false)
        .max_depth(MAX_DEPTH + 1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(root).to_path_buf();
                let message = e
                    .io_error()
                    .map_or_else(|| e.to_string(), |io| io.to_string());
                found.push(Found::Unreadable { path, message });
                continue;
            }
        };
        let kind = entry.file_type();
        if kind.is_dir() || (kind.is_symlink() && entry.path().is_dir()) {
            // Folders are walked into by walkdir; linked folders are not followed.
            continue;
        }
        if let Some(f) = classify(entry.path(), listing) {
            found.push(f);
        }
    }
    found
}

/// What a file (not a folder) is by the rules above, `None` when it is not an article.
fn classify(path: &Path, listing: &mut dyn Listing) -> Option<Found> {
    let name = path.file_name()?.to_string_lossy();
    if is_hidden(path.file_name()?) {
        return None;
    }
    if name == manifest::FILE_NAME {
        return Some(Found::Manifest(path.to_path_buf()));
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    (is_article_name(path) || listing.lists(dir, &name)).then(|| Found::Article(path.to_path_buf()))
}

/// `.txt` or `.md`, in any case.
pub fn is_article_name(path: &Path) -> bool {
    super::has_extension(path, "txt") || super::has_extension(path, "md")
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// The names each folder's manifest lists, for a walker that keeps no loaded manifests (the
/// folder watch). A folder's names are re-read only when its manifest's modification time or
/// size changed, so a scan every second costs one `stat` per folder with a manifest.
#[derive(Debug)]
pub struct ManifestNames {
    max_bytes: u64,
    by_dir: std::collections::HashMap<PathBuf, (ManifestState, Vec<String>)>,
}

type ManifestState = Option<(Option<std::time::SystemTime>, u64)>;

impl ManifestNames {
    /// `max_bytes`: manifests larger than this list nothing (the reader refuses them too).
    pub fn new(max_bytes: u64) -> ManifestNames {
        ManifestNames {
            max_bytes,
            by_dir: std::collections::HashMap::new(),
        }
    }

    fn names(&self, dir: &Path) -> Vec<String> {
        let path = dir.join(manifest::FILE_NAME);
        let Ok(bytes) = super::read_limited(&path, self.max_bytes) else {
            return Vec::new();
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Vec::new();
        };
        // Every name it has an entry for, whether the file exists yet or not: a listed file
        // that arrives later is an article without the manifest changing.
        let listed = manifest::Manifest::parse(&path, &text, |_| true);
        listed.files().map(str::to_string).collect()
    }
}

impl Listing for ManifestNames {
    fn lists(&mut self, dir: &Path, file_name: &str) -> bool {
        let state: ManifestState = std::fs::metadata(dir.join(manifest::FILE_NAME))
            .ok()
            .map(|m| (m.modified().ok(), m.len()));
        let stale = self.by_dir.get(dir).is_none_or(|(s, _)| *s != state);
        if stale {
            let names = if state.is_some() {
                self.names(dir)
            } else {
                Vec::new()
            };
            self.by_dir.insert(dir.to_path_buf(), (state, names));
        }
        self.by_dir
            .get(dir)
            .is_some_and(|(_, names)| names.iter().any(|n| n == file_name))
    }
}

/// A tree with every case the rules name, every article file a valid article (a unique URL
/// each), so that what `ingest` reads of it can be compared with what the watch offers.
#[cfg(test)]
pub(crate) fn sample_tree(root: &Path) {
    let article = |name: &str| {
        format!(
            "---\ntitle: {name}\noutlet: Test Wire\nurl: https://wire.example/{name}\n\
             published: 2025-05-01T03:00:00+03:00\n---\n\n\
             Ukraine and the United States signed the minerals deal on April 30.\n"
        )
    };
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    for name in ["a.txt", "B.TXT", "c.Md", ".hidden.txt", ".git/x.txt"] {
        write(name, &article(name));
    }
    write("notes.json", "{}");
    write(
        "listed/manifest.toml",
        "[[article]]\nfile = \"wire.dat\"\ntitle = \"Wire\"\noutlet = \"Test Wire\"\n\
         url = \"https://wire.example/wire\"\npublished = \"2025-05-01\"\n\
         timezone = \"Europe/Kyiv\"\n",
    );
    write(
        "listed/wire.dat",
        "Ukraine and the United States signed the minerals deal on April 30.\n",
    );
    write("listed/other.dat", "not listed");
    let deep: String = (1..=MAX_DEPTH).map(|i| format!("d{i}/")).collect();
    write(&format!("{deep}deepest.txt"), &article("deepest"));
    write(&format!("{deep}too/deep.txt"), &article("too-deep"));
    let outside = root.join("../outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("o.txt"), article("outside")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(&outside, root.join("linked-folder")).unwrap();
        symlink(outside.join("o.txt"), root.join("linked-file.txt")).unwrap();
        symlink(root, root.join("listed/loop")).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoManifests;
    impl Listing for NoManifests {
        fn lists(&mut self, _: &Path, _: &str) -> bool {
            false
        }
    }

    fn names(root: &Path, found: &[Found]) -> Vec<String> {
        found
            .iter()
            .map(|f| match f {
                Found::Article(p) => format!("article {}", p.strip_prefix(root).unwrap().display()),
                Found::Manifest(p) => {
                    format!("manifest {}", p.strip_prefix(root).unwrap().display())
                }
                Found::Unreadable { path, message } => format!("unreadable {path:?}: {message}"),
            })
            .collect()
    }

    #[test]
    fn one_set_of_rules_for_extensions_depth_links_hidden_and_manifest_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("articles");
        sample_tree(&root);
        let found = walk(&root, &mut ManifestNames::new(1 << 20));
        let deep: String = (1..=MAX_DEPTH).map(|i| format!("d{i}/")).collect();
        let mut expected = vec![
            "article B.TXT".to_string(),
            "article a.txt".into(),
            "article c.Md".into(),
            format!("article {deep}deepest.txt"),
        ];
        if cfg!(unix) {
            expected.push("article linked-file.txt".into());
        }
        expected.extend([
            "manifest listed/manifest.toml".into(),
            "article listed/wire.dat".into(),
        ]);
        assert_eq!(names(&root, &found), expected);

        // Without the manifest's say, its plain file is not an article.
        let found = walk(&root, &mut NoManifests);
        assert!(!names(&root, &found).contains(&"article listed/wire.dat".to_string()));
    }

    #[test]
    fn a_file_a_manifest_lists_counts_once_it_arrives_and_a_changed_manifest_is_reread() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("manifest.toml"),
            "[[article]]\nfile = \"later.dat\"\n",
        )
        .unwrap();
        let mut listing = ManifestNames::new(1 << 20);
        assert_eq!(walk(root, &mut listing).len(), 1, "only the manifest");
        std::fs::write(root.join("later.dat"), "l").unwrap();
        std::fs::write(root.join("unlisted.dat"), "u").unwrap();
        assert_eq!(
            names(root, &walk(root, &mut listing)),
            vec!["article later.dat", "manifest manifest.toml"]
        );
        std::fs::write(
            root.join("manifest.toml"),
            "[[article]]\nfile = \"later.dat\"\n\n[[article]]\nfile = \"unlisted.dat\"\n",
        )
        .unwrap();
        assert_eq!(walk(root, &mut listing).len(), 3);
    }

    #[test]
    fn a_missing_root_is_reported_not_a_panic() {
        let found = walk(Path::new("/nonexistent/storyline"), &mut NoManifests);
        assert!(
            matches!(&found[..], [Found::Unreadable { .. }]),
            "{found:?}"
        );
    }
}
