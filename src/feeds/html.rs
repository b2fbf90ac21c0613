//! HTML → text: paragraphs (one per `<p>`) from feed content or an article page, and the
//! article of a page (readability-style extraction with dom_smoothie) with its title and
//! publication time from the page's metadata.
//!
//! dom_smoothie parses with html5ever, which accepts any input (broken markup included), and
//! exposes its parsed document, so this module needs no HTML crate of its own.

use dom_smoothie::{Config as ReadabilityConfig, Readability};

/// Longest paragraph kept, in bytes, matching what the file reader accepts for one line; a
/// longer one is a blob (inline data, a minified script), not prose.
const MAX_PARAGRAPH_BYTES: usize = crate::article::MAX_LINE_BYTES;
/// More paragraphs than this is not one article; the rest is dropped.
const MAX_PARAGRAPHS: usize = 1_000;
/// Element count above which a page is not extracted: news pages have a few thousand elements.
const MAX_ELEMENTS: usize = 200_000;
/// Deepest element nesting accepted. Parsing and scoring are quadratic in depth and recursive
/// (20,000 nested `<div>`s take minutes and then overflow the stack, which aborts the process
/// rather than panicking), while real pages stay well under 100 levels.
pub const MAX_DEPTH: usize = 256;

/// The article found in a page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageArticle {
    pub title: Option<String>,
    /// As written in the page: `article:published_time`, JSON-LD `datePublished`, or the first
    /// `<time datetime>`, in that order.
    pub published: Option<String>,
    pub site_name: Option<String>,
    pub paragraphs: Vec<String>,
}

/// Whitespace runs (newlines, tabs, NBSP) → one space, trimmed; control characters dropped.
pub fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether a string looks like HTML rather than plain text (feeds mislabel both ways).
pub fn looks_like_html(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "<p", "<br", "<div", "<a ", "<span", "<em>", "<strong>", "<b>", "<i>", "</",
    ]
    .iter()
    .any(|tag| lower.contains(tag))
}

/// Paragraphs of an HTML fragment or document: the text of each `<p>`; without any `<p>`, the
/// text split at line breaks and block ends.
pub fn html_paragraphs(html: &str) -> Vec<String> {
    if nesting_depth(html) > MAX_DEPTH {
        return Vec::new();
    }
    let doc = Readability::from(html).doc;
    let mut out = Vec::new();
    for node in doc.select("p").nodes() {
        push_paragraph(&mut out, &node.text());
    }
    if out.is_empty() {
        // `<br>` and block ends become line breaks so that they still separate paragraphs.
        let spaced = html
            .replace("<br>", "\n")
            .replace("<br/>", "\n")
            .replace("<br />", "\n")
            .replace("</div>", "</div>\n")
            .replace("</li>", "</li>\n");
        let doc = Readability::from(spaced.as_str()).doc;
        for line in doc.select("body").text().lines() {
            push_paragraph(&mut out, line);
        }
    }
    out
}

/// Paragraphs of plain text: lines (feeds' plain text keeps one paragraph per line or blank
/// lines between them; both give the same result).
pub fn text_paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        push_paragraph(&mut out, line);
    }
    out
}

/// Paragraphs of a feed text field, HTML or not.
pub fn paragraphs(text: &str, is_html: bool) -> Vec<String> {
    if is_html || looks_like_html(text) {
        html_paragraphs(text)
    } else {
        text_paragraphs(text)
    }
}

fn push_paragraph(out: &mut Vec<String>, text: &str) {
    if out.len() >= MAX_PARAGRAPHS {
        return;
    }
    let text = clean_text(text);
    if text.is_empty() || text.len() > MAX_PARAGRAPH_BYTES {
        return;
    }
    out.push(text);
}

/// Extracts the article of a page. `Err` says why there is none (the page is not an article,
/// or is too big to score).
pub fn extract_page(html: &str, url: &str) -> Result<PageArticle, String> {
    let depth = nesting_depth(html);
    if depth > MAX_DEPTH {
        return Err(format!(
            "the page nests elements {depth} deep (limit {MAX_DEPTH}); not read"
        ));
    }
    let config = ReadabilityConfig {
        max_elements_to_parse: MAX_ELEMENTS,
        ..ReadabilityConfig::default()
    };
    // An unusual URL only costs link resolution inside the page, so it is not a reason to fail.
    let mut readability = Readability::new(html, Some(url), Some(config.clone()))
        .or_else(|_| Readability::new(html, None, Some(config)))
        .map_err(|e| e.to_string())?;
    // Read before `parse`, which rewrites the document down to the article.
    let time_element = readability
        .doc
        .select("time[datetime]")
        .nodes()
        .iter()
        .find_map(|n| n.attr("datetime"))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let article = readability.parse().map_err(|e| e.to_string())?;
    let paragraphs = html_paragraphs(&article.content);
    if paragraphs.is_empty() {
        return Err("no article text found in the page".into());
    }
    let title = Some(clean_text(&article.title)).filter(|t| !t.is_empty());
    let published = article
        .published_time
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .or(time_element);
    Ok(PageArticle {
        title,
        published,
        site_name: article
            .site_name
            .map(|s| clean_text(&s))
            .filter(|s| !s.is_empty()),
        paragraphs,
    })
}

/// Elements that never hold others (void) or whose end tag is implied by the next sibling
/// (`<p>`, `<li>`, cells): they do not deepen the tree however they are written.
const FLAT_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param", "keygen", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rp",
    "rt", "tbody", "thead", "tfoot", "colgroup", "caption", "html", "head", "body",
];
/// Elements whose `<x/>` form HTML parsers still treat as an opening tag (outside SVG/MathML,
/// where `/>` really closes, as in icons' `<path/>`).
const HTML_CONTAINERS: &[&str] = &[
    "div",
    "span",
    "section",
    "article",
    "main",
    "aside",
    "header",
    "footer",
    "nav",
    "ul",
    "ol",
    "dl",
    "table",
    "blockquote",
    "a",
    "b",
    "i",
    "u",
    "s",
    "em",
    "strong",
    "small",
    "big",
    "font",
    "center",
    "form",
    "figure",
    "label",
    "button",
    "code",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "details",
    "summary",
    "time",
    "q",
    "cite",
    "mark",
    "sub",
    "sup",
    "abbr",
    "nobr",
];

/// An upper estimate of how deep the elements of `html` nest, from its tags alone (a linear
/// scan, no tree): open tags deepen, close tags return, flat elements and the insides of
/// comments, scripts and styles are ignored.
pub fn nesting_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let lower_find = |from: usize, needle: &str| -> Option<usize> {
        let n = needle.as_bytes();
        bytes
            .get(from..)?
            .windows(n.len())
            .position(|w| w.eq_ignore_ascii_case(n))
            .map(|p| from + p)
    };
    let (mut depth, mut max, mut i) = (0usize, 0usize, 0usize);
    while let Some(p) = bytes
        .get(i..)
        .and_then(|b| b.iter().position(|c| *c == b'<'))
    {
        let start = i + p + 1;
        let rest = &bytes[start..];
        if rest.starts_with(b"!--") {
            i = lower_find(start, "-->").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = start + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            i = start;
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let Some(end) = bytes[name_start..]
            .iter()
            .position(|c| *c == b'>')
            .map(|e| name_start + e)
        else {
            break;
        };
        i = end + 1;
        if FLAT_ELEMENTS.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        if end > 0 && bytes[end - 1] == b'/' && !HTML_CONTAINERS.contains(&name.as_str()) {
            continue;
        }
        depth += 1;
        max = max.max(depth);
        if name == "script" || name == "style" || name == "textarea" {
            // Their text is not markup; skip to the end tag, which closes them.
            i = lower_find(i, &format!("</{name}")).unwrap_or(bytes.len());
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_paragraph_per_p_with_whitespace_cleaned() {
        let ps =
            html_paragraphs("<p>One\n  two.</p><div><p>Three&nbsp;<b>four</b>.</p></div><p> </p>");
        assert_eq!(ps, vec!["One two.", "Three four."]);
    }

    #[test]
    fn text_without_p_splits_at_breaks() {
        assert_eq!(
            html_paragraphs("First line.<br>Second line."),
            vec!["First line.", "Second line."]
        );
        assert_eq!(
            paragraphs("Plain one.\n\nPlain two.", false),
            vec!["Plain one.", "Plain two."]
        );
    }

    #[test]
    fn garbage_never_panics() {
        for input in [
            "",
            "<",
            "<<<>>>",
            "<p",
            "</p></p></p>",
            "\u{0}\u{1}<p>\u{0}</p>",
            "<script>",
            "<!--",
        ] {
            let _ = html_paragraphs(input);
            let _ = extract_page(input, "http://127.0.0.1/x");
            let _ = extract_page(input, "not a url");
        }
        for deep in [
            "<div>".repeat(20_000) + "<p>deep</p>",
            "<div/>".repeat(20_000),
            "<b>".repeat(20_000),
        ] {
            assert!(html_paragraphs(&deep).is_empty());
            let err = extract_page(&deep, "http://127.0.0.1/x").unwrap_err();
            assert!(err.contains("deep"), "{err}");
        }
    }

    #[test]
    fn depth_estimate_ignores_flat_elements_and_script_text() {
        let page = "<html><body><div><p>a<p>b<br><img src=x><ul><li>x<li>y</ul></div>\
                    <script>if (a<b) { '<div><div><div>' }</script><svg><path/><path/></svg></body></html>";
        assert_eq!(nesting_depth(page), 2);
        assert_eq!(
            nesting_depth("<div><div></div><div><span>x</span></div></div>"),
            3
        );
        assert_eq!(nesting_depth("plain < text > with <<< brackets"), 0);
    }

    #[test]
    fn page_metadata_and_time_element() {
        let body = "<p>Ukraine and the United States signed the minerals agreement in Washington on Wednesday, officials said, ending weeks of talks about the fund.</p>".repeat(6);
        let page = format!(
            "<html><head><title>Deal signed | Wire</title></head><body><article><h1>Deal signed</h1>\
             <time datetime=\"2025-05-01T03:00:00+03:00\">May 1</time>{body}</article></body></html>"
        );
        let a = extract_page(&page, "https://wire.example/deal").unwrap();
        assert_eq!(a.published.as_deref(), Some("2025-05-01T03:00:00+03:00"));
        assert!(a.paragraphs.len() >= 6, "{:?}", a.paragraphs);
    }
}
