//! A check that the top-level modules of `src/` import each other without circles, so layers
//! only point down (text, event, config → article → extract → store → ingest → answer →
//! notify → frontend). It reads the source files, not the compiled crate: an edge is any
//! `crate::module` path (including `use crate::{a, b}` groups) outside test code.
//!
//! [`KNOWN_UPWARD`] lists the edges that still close a circle, each to be removed by the change
//! that ends it; the test fails on any other circle, and on a listed edge that no longer exists
//! (so the list only shrinks).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Edges that still close a circle (issue 12), with what ends them.
const KNOWN_UPWARD: &[(&str, &str)] = &[
    // The outbox persists notify's `Push` and (since record version 3) answer's `Reply` once per
    // message. Both end when the reply value lives below the store (or the outbox keeps a
    // store-defined record).
    ("store", "notify"),
    ("store", "answer"),
];

/// Top-level module → the top-level modules it names.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn graph(src: &Path) -> Graph {
    let mut graph = Graph::new();
    let Ok(entries) = std::fs::read_dir(src) else {
        return graph;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if matches!(name.as_str(), "lib" | "main" | "module_graph") {
            continue;
        }
        let mut targets = BTreeSet::new();
        let mut files = Vec::new();
        collect_files(&path, &mut files);
        for file in files {
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            for target in crate_paths(&without_tests(&text)) {
                if target != name {
                    targets.insert(target);
                }
            }
        }
        graph.insert(name, targets);
    }
    graph
}

fn collect_files(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        if let Ok(entries) = std::fs::read_dir(path) {
            for entry in entries.flatten() {
                collect_files(&entry.path(), out);
            }
        }
    } else if path.extension().is_some_and(|e| e == "rs")
        && path.file_stem().is_some_and(|s| s != "tests")
    {
        out.push(path.to_path_buf());
    }
}

/// The text before the file's test module (`#[cfg(test)]` then `mod`), which by this crate's
/// layout comes last; test-only files (`tests.rs`) are skipped by [`collect_files`].
fn without_tests(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The module names following `crate::`, and those in `crate::{a, b::c}` groups.
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let preceded = text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        if preceded {
            continue;
        }
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = group.split('}').next().unwrap_or("");
            for item in group.split(',') {
                out.push(identifier(item.trim_start()));
            }
        } else {
            out.push(identifier(rest));
        }
    }
    out.retain(|m| !m.is_empty());
    out
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The circles of `graph`: its strongly connected components with more than one module.
fn circles(graph: &Graph) -> Vec<BTreeSet<String>> {
    // Kosaraju: order by finish time, then collect components on the reversed graph.
    fn visit(graph: &Graph, node: &str, seen: &mut BTreeSet<String>, order: &mut Vec<String>) {
        if !seen.insert(node.to_string()) {
            return;
        }
        for next in graph.get(node).into_iter().flatten() {
            visit(graph, next, seen, order);
        }
        order.push(node.to_string());
    }
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    for node in graph.keys() {
        visit(graph, node, &mut seen, &mut order);
    }
    let mut reversed = Graph::new();
    for (from, targets) in graph {
        for to in targets {
            reversed.entry(to.clone()).or_default().insert(from.clone());
        }
    }
    let mut assigned = BTreeSet::new();
    let mut out = Vec::new();
    for node in order.iter().rev() {
        let mut component = Vec::new();
        visit(&reversed, node, &mut assigned, &mut component);
        if component.len() > 1 {
            out.push(component.into_iter().collect());
        }
    }
    out
}

#[test]
fn the_module_graph_has_no_circle_but_the_known_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = graph(&src);
    assert!(graph.len() > 10, "src/ not read: {graph:?}");
    for (from, to) in KNOWN_UPWARD {
        let present = graph.get_mut(*from).is_some_and(|t| t.remove(*to));
        assert!(
            present,
            "{from} → {to} is gone: remove it from KNOWN_UPWARD"
        );
    }
    let found = circles(&graph);
    assert!(
        found.is_empty(),
        "import circles between modules of src/: {found:?}\ngraph: {graph:#?}"
    );
}

#[test]
fn a_circle_is_found() {
    let mut graph = Graph::new();
    let mut edge = |a: &str, b: &str| {
        graph.entry(a.into()).or_default().insert(b.into());
    };
    edge("store", "event");
    edge("answer", "store");
    edge("store", "notify");
    edge("notify", "answer");
    let found = circles(&graph);
    let names: Vec<Vec<&str>> = found
        .iter()
        .map(|c| c.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(names, vec![vec!["answer", "notify", "store"]]);
    assert_eq!(
        crate_paths("use crate::{config::Topic, event};\nx = crate::store::Store;"),
        vec!["config", "event", "store"]
    );
}
