//! A [`Reply`] as Telegram HTML: every piece of text escaped, citations as links, dates with the
//! year, split into messages under Telegram's 4096-character limit at item boundaries (never
//! inside a tag), and actions as inline keyboard buttons.
//!
//! The limit is on what Telegram shows, not on what we send: it parses the HTML into text and
//! entities and counts the text's UTF-16 units. So `<a href="…">[1]</a>` costs 3, `&amp;` 1
//! and an emoji 2. Counting the markup too split a `/status` of 2,688 visible characters in
//! two, the second holding only a footnote.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::answer::{Action, Citation, Reply, ReplyItem};
use crate::event::Modality;
// Dates are written exactly as the plain-text renderer writes them ("Mar 4, 2025").
use crate::render::{format_day, item_dates};

/// Telegram's limit for one message's text.
pub const MAX_MESSAGE: usize = 4096;
/// Telegram's limit for a button's callback data, in bytes.
pub const MAX_CALLBACK_DATA: usize = 64;
/// Buttons beyond this many would bury the answer.
const MAX_BUTTONS: usize = 12;

/// Escapes text for Telegram HTML (`<`, `>`, `&`, `"`); attributes are always double-quoted, so
/// apostrophes stay as they are. Control characters other than line breaks and tabs (a NUL or
/// a terminal escape quoted back from a user's message) are dropped: they mean nothing in a
/// chat. Direction marks and joiners are kept: right-to-left scripts and emoji need them.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The URL itself, escaped for an attribute, if it is a plain http(s) URL; anything else
/// (`javascript:`, `tg:`, spaces) is not made a link.
fn safe_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    (scheme_ok && clean && url.len() > "http://".len()).then(|| escape(url))
}

/// `text` as a link to `url` when the URL is safe, else just the escaped text.
fn link(url: &str, text: &str) -> String {
    match safe_url(url) {
        Some(href) => format!("<a href=\"{href}\">{}</a>", escape(text)),
        None => escape(text),
    }
}

/// The length Telegram checks against [`MAX_MESSAGE`]: UTF-16 units of the text left once our
/// HTML is parsed (tags gone, each entity one character). Only for HTML this module writes:
/// every `<` opens a tag and every `&` starts one of [`escape`]'s entities.
pub fn visible_len(html: &str) -> usize {
    let mut len = 0;
    let mut chars = html.chars();
    while let Some(c) = chars.next() {
        match c {
            '<' => {
                for c in chars.by_ref() {
                    if c == '>' {
                        break;
                    }
                }
            }
            '&' => {
                // `&lt;`, `&gt;`, `&amp;`, `&quot;`: one character, one unit.
                for c in chars.by_ref() {
                    if c == ';' {
                        break;
                    }
                }
                len += 1;
            }
            c => len += c.len_utf16(),
        }
    }
    len
}

/// One unit that is never split unless it alone exceeds the limit: the header, an item, a
/// citation, a note.
struct Block {
    html: String,
    /// The same content without markup, used only when `html` alone is too long.
    plain: String,
    /// Blank line before it (items, sections) or just a line break (list entries).
    gap: &'static str,
}

/// The reply as one or more HTML messages, each at most [`MAX_MESSAGE`] long.
pub fn render(reply: &Reply) -> Vec<String> {
    render_with_limit(reply, MAX_MESSAGE)
}

/// As [`render`], with a custom limit (tests use small ones).
pub fn render_with_limit(reply: &Reply, limit: usize) -> Vec<String> {
    let limit = limit.max(16);
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    // Visible length of `current`, kept as blocks are added rather than recounted.
    let mut current_len = 0;
    for block in blocks(reply) {
        let gap = if current.is_empty() { "" } else { block.gap };
        let block_len = visible_len(&block.html);
        if current_len + gap.len() + block_len <= limit {
            current.push_str(gap);
            current.push_str(&block.html);
            current_len += gap.len() + block_len;
            continue;
        }
        if !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        if block_len <= limit {
            current = block.html;
            current_len = block_len;
        } else {
            // A single oversized block: plain escaped text in pieces, so no tag is ever cut.
            let mut pieces = split_plain(&block.plain, limit);
            if let Some(last) = pieces.pop() {
                parts.extend(pieces);
                current_len = visible_len(&last);
                current = last;
            }
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    if parts.is_empty() {
        // Telegram refuses empty messages; an empty reply still deserves an answer.
        parts.push(escape("I have nothing to say to that. Try /help."));
    }
    parts
}

/// Escaped pieces of `text`, each at most `limit` long (visibly), cut at white space where
/// possible and never inside an escape sequence.
fn split_plain(text: &str, limit: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let escaped = escape(word);
        let len = visible_len(&escaped);
        if current_len + len <= limit {
            current.push_str(&escaped);
            current_len += len;
            continue;
        }
        if !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
            current_len = 0;
        }
        if len <= limit {
            current = escaped;
            current_len = len;
        } else {
            // One enormous "word": cut by characters.
            for c in word.chars() {
                let e = escape(c.encode_utf8(&mut [0; 4]));
                let l = visible_len(&e);
                if current_len + l > limit {
                    pieces.push(std::mem::take(&mut current));
                    current_len = 0;
                }
                current.push_str(&e);
                current_len += l;
            }
        }
    }
    if !current.trim().is_empty() {
        pieces.push(current);
    }
    pieces
}

fn blocks(reply: &Reply) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut header_html = Vec::new();
    let mut header_plain = Vec::new();
    if !reply.title.trim().is_empty() {
        header_html.push(format!("<b>{}</b>", escape(reply.title.trim())));
        header_plain.push(reply.title.trim().to_string());
    }
    for line in reply.intro.iter().filter(|l| !l.trim().is_empty()) {
        header_html.push(escape(line));
        header_plain.push(line.clone());
    }
    if !header_html.is_empty() {
        blocks.push(Block {
            html: header_html.join("\n"),
            plain: header_plain.join("\n"),
            gap: "\n\n",
        });
    }
    for item in &reply.items {
        blocks.push(item_block(item, &reply.citations));
    }
    // Only the citations the items use, in their numbering.
    for (i, c) in reply.citations.iter().enumerate() {
        let (html, plain) = citation_line(i + 1, c);
        let first = i == 0;
        blocks.push(Block {
            html: if first {
                format!("<b>Sources</b>\n{html}")
            } else {
                html
            },
            plain: if first {
                format!("Sources\n{plain}")
            } else {
                plain
            },
            gap: if first { "\n\n" } else { "\n" },
        });
    }
    for (i, note) in reply
        .notes
        .iter()
        .filter(|n| !n.trim().is_empty())
        .enumerate()
    {
        blocks.push(Block {
            html: format!("<i>{}</i>", escape(note)),
            plain: note.clone(),
            gap: if i == 0 { "\n\n" } else { "\n" },
        });
    }
    blocks
}

/// "• Apr 30, 2025 · Stage: signed — The two sides signed … (according to X) [1]"
fn item_block(item: &ReplyItem, citations: &[Citation]) -> Block {
    let when = item_dates(item);
    let mut html = format!("• <b>{}</b>", escape(&when));
    let mut plain = format!("• {when}");
    let label = item
        .label
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    if let Some(label) = label {
        html.push_str(&format!(" · <i>{}</i>", escape(label)));
        plain.push_str(&format!(" · {label}"));
    }
    // The modality is stated unless the label already says it.
    if item.modality != Modality::Fact
        && label.is_none_or(|l| !l.to_lowercase().contains(item.modality.label()))
    {
        html.push_str(&format!(" · <i>{}</i>", escape(item.modality.label())));
        plain.push_str(&format!(" · {}", item.modality.label()));
    }
    html.push_str(&format!("\n{}", escape(&item.text)));
    plain.push_str(&format!("\n{}", item.text));
    if let Some(who) = item.attribution.as_deref().filter(|w| !w.trim().is_empty()) {
        html.push_str(&format!(" (according to {})", escape(who)));
        plain.push_str(&format!(" (according to {who})"));
    }
    let refs = |ix: &[usize]| -> (String, String) {
        let html: Vec<String> = ix.iter().map(|&n| cite_ref(n, citations)).collect();
        let plain: Vec<String> = ix.iter().map(|n| format!("[{n}]")).collect();
        (html.join(""), plain.join(""))
    };
    if !item.cites.is_empty() {
        let (h, p) = refs(&item.cites);
        html.push_str(&format!(" {h}"));
        plain.push_str(&format!(" {p}"));
    }
    if !item.also_reported_by.is_empty() {
        let (h, p) = refs(&item.also_reported_by);
        let outlets: Vec<String> = item
            .also_reported_by
            .iter()
            .filter_map(|&n| n.checked_sub(1).and_then(|i| citations.get(i)))
            .map(|c| c.outlet.clone())
            .collect();
        let who = if outlets.is_empty() {
            String::new()
        } else {
            format!("{} ", outlets.join(", "))
        };
        html.push_str(&format!(
            " <i>(also reported by {}</i>{h}<i>)</i>",
            escape(&who)
        ));
        plain.push_str(&format!(" (also reported by {who}{p})"));
    }
    Block {
        html,
        plain,
        gap: "\n\n",
    }
}

/// `[n]` linking to the cited article when its URL is safe.
fn cite_ref(n: usize, citations: &[Citation]) -> String {
    let label = format!("[{n}]");
    match n.checked_sub(1).and_then(|i| citations.get(i)) {
        Some(c) => link(&c.url, &label),
        None => escape(&label),
    }
}

/// "[1] <a href=…>Title</a> — Outlet, Mar 5, 2025 (sentences 1, 3)".
fn citation_line(n: usize, c: &Citation) -> (String, String) {
    let title = if c.title.trim().is_empty() {
        c.url.as_str()
    } else {
        c.title.as_str()
    };
    let sentences = match c.sentences.as_slice() {
        [] => String::new(),
        [one] => format!(" (sentence {one})"),
        many => format!(
            " (sentences {})",
            many.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let date = format_day(c.published);
    let html = format!(
        "[{n}] {} — {}, {date}{sentences}",
        link(&c.url, title),
        escape(&c.outlet)
    );
    let plain = format!("[{n}] {title} — {}, {date}{sentences} {}", c.outlet, c.url);
    (html, plain)
}

/// The reply's actions as inline buttons whose callback data is the command (skipping any too
/// long for Telegram's 64-byte limit), two per row.
pub fn keyboard(actions: &[Action]) -> Option<InlineKeyboardMarkup> {
    let buttons: Vec<InlineKeyboardButton> = actions
        .iter()
        .filter(|a| !a.label.trim().is_empty() && !a.command.is_empty())
        .filter(|a| a.command.len() <= MAX_CALLBACK_DATA)
        .take(MAX_BUTTONS)
        .map(|a| InlineKeyboardButton::callback(a.label.trim().to_string(), a.command.clone()))
        .collect();
    if buttons.is_empty() {
        return None;
    }
    let rows: Vec<Vec<InlineKeyboardButton>> = buttons.chunks(2).map(<[_]>::to_vec).collect();
    Some(InlineKeyboardMarkup::new(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::ReplyKind;
    use crate::event::{DateSource, EventDate, Precision};
    use chrono::NaiveDate;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn citation(url: &str) -> Citation {
        Citation {
            article_id: "a".into(),
            outlet: "Dnipro Wire".into(),
            title: "Ukraine & US sign <deal>".into(),
            url: url.into(),
            published: day(2025, 5, 1),
            sentences: vec![1, 2],
        }
    }

    fn item(text: &str) -> ReplyItem {
        ReplyItem {
            text: text.into(),
            event_date: Some(EventDate {
                date: day(2025, 4, 30),
                precision: Precision::Day,
                source: DateSource::Explicit,
                expression: "late on April 30".into(),
            }),
            reported: day(2025, 5, 1),
            modality: Modality::Fact,
            attribution: Some("Svyrydenko".into()),
            cites: vec![1],
            also_reported_by: vec![],
            label: Some("Stage: signed".into()),
        }
    }

    fn reply(items: Vec<ReplyItem>) -> Reply {
        Reply {
            title: "Latest on \"the deal\"".into(),
            intro: vec!["You asked: <script>alert(1)</script>".into()],
            items,
            citations: vec![citation("https://dniprowire.example/a?x=1&y=2")],
            notes: vec!["Hedged statements are marked.".into()],
            actions: vec![],
            kind: ReplyKind::Answer,
            ..Reply::default()
        }
    }

    #[test]
    fn text_is_escaped_and_citations_are_links_with_dated_items() {
        let parts = render(&reply(vec![item("They signed it & left.")]));
        assert_eq!(parts.len(), 1);
        let html = &parts[0];
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>"));
        assert!(
            html.contains("<b>Latest on &quot;the deal&quot;</b>"),
            "{html}"
        );
        assert!(
            html.contains("<b>Apr 30, 2025; reported May 1, 2025</b>"),
            "{html}"
        );
        assert!(html.contains("They signed it &amp; left."));
        assert!(
            html.contains("<a href=\"https://dniprowire.example/a?x=1&amp;y=2\">[1]</a>"),
            "{html}"
        );
        assert!(
            html.contains(
                ">Ukraine &amp; US sign &lt;deal&gt;</a> — Dnipro Wire, May 1, 2025 (sentences 1, 2)"
            ),
            "{html}"
        );
        assert!(html.contains("(according to Svyrydenko)"));
    }

    #[test]
    fn control_characters_are_dropped_but_direction_marks_and_emoji_stay() {
        assert_eq!(
            escape("a\u{0}b\u{7}\u{1b}[31mc\r\n\td\u{85}"),
            "ab[31mc\n\td"
        );
        let rtl = "\u{200F}\u{5E9}\u{5DC}\u{5D5}\u{5DD} \u{202E}abc \u{1F1FA}\u{1F1E6} \u{1F468}\u{200D}\u{1F469}";
        assert_eq!(escape(rtl), rtl);
    }

    #[test]
    fn only_http_urls_become_links() {
        let mut r = reply(vec![item("x")]);
        r.citations[0].url = "javascript:alert(1)".into();
        let html = render(&r).concat();
        assert!(!html.contains("<a "), "{html}");
        r.citations[0].url = "https://example.com/\" onclick=\"x".into();
        let html = render(&r).concat();
        assert!(
            !html.contains("<a "),
            "URLs with spaces are refused: {html}"
        );
        r.citations[0].url = "https://example.com/\"x".into();
        let html = render(&r).concat();
        assert!(
            html.contains("href=\"https://example.com/&quot;x\""),
            "{html}"
        );
    }

    #[test]
    fn dates_carry_the_year_and_precision() {
        let mut it = item("x");
        let html = render(&reply(vec![it.clone()])).concat();
        assert!(
            html.contains("<b>Apr 30, 2025; reported May 1, 2025</b>"),
            "{html}"
        );
        if let Some(d) = it.event_date.as_mut() {
            d.precision = Precision::Month;
            d.date = day(2022, 2, 1);
            d.expression = "in February 2022".into();
        }
        it.modality = Modality::Future;
        let html = render(&reply(vec![it])).concat();
        assert!(html.contains("February 2022"), "{html}");
        assert!(html.contains("<i>expected</i>"), "{html}");
    }

    #[test]
    fn long_replies_split_at_item_boundaries_with_balanced_tags() {
        let items: Vec<ReplyItem> = (0..200)
            .map(|i| item(&format!("Sentence number {i} about the fund & its board.")))
            .collect();
        let parts = render(&reply(items));
        assert!(parts.len() > 1);
        let mut bullets = 0;
        for part in &parts {
            assert!(visible_len(part) <= MAX_MESSAGE);
            assert_eq!(
                part.matches("<b>").count(),
                part.matches("</b>").count(),
                "{part}"
            );
            assert_eq!(part.matches("<a ").count(), part.matches("</a>").count());
            assert_eq!(part.matches("<i>").count(), part.matches("</i>").count());
            bullets += part.matches("• ").count();
        }
        assert_eq!(bullets, 200, "every item appears exactly once");
    }

    /// What Telegram would show for our HTML: tags dropped, entities decoded (the fake Bot
    /// API's parser, cut down to the tags and entities [`render`] writes).
    fn shown(html: &str) -> String {
        let no_tags = strip_tags(html);
        no_tags
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    }

    fn strip_tags(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn visible_length_counts_shown_utf16_units_not_markup() {
        let html = "<b>a &amp; b</b> <a href=\"https://x.example/?a=1&amp;b=2\">[1]</a> <i>&lt;&quot;&gt;</i>";
        assert_eq!(shown(html), "a & b [1] <\">");
        assert_eq!(visible_len(html), 13);
        // Outside the Basic Multilingual Plane a character is two units, as Telegram counts.
        assert_eq!(visible_len("\u{1F1FA}\u{1F1E6} \u{5E9}"), 6);
        assert_eq!(visible_len(&escape("Зеленський")), 10);
    }

    /// A reply whose markup is heavy (long citation URLs, a link per reference) but whose text
    /// fits: one message, as in `/status` with its sources.
    #[test]
    fn a_reply_that_fits_visibly_is_one_message_however_long_its_html() {
        let url = format!("https://dniprowire.example/{}", "section/".repeat(20));
        let mut r = reply(
            (0..14)
                .map(|i| item(&format!("Item {i}: the fund's board met in Kyiv & agreed on its rules of procedure for the year ahead.")))
                .collect(),
        );
        r.citations = (0..14).map(|i| citation(&format!("{url}{i}"))).collect();
        for (i, it) in r.items.iter_mut().enumerate() {
            it.cites = vec![i + 1];
        }
        let html = blocks(&r)
            .iter()
            .map(|b| b.html.as_str())
            .collect::<Vec<_>>()
            .join("\n\n");
        assert!(
            html.encode_utf16().count() > MAX_MESSAGE,
            "the HTML must exceed the limit"
        );
        assert!(visible_len(&html) < MAX_MESSAGE, "{}", visible_len(&html));
        let parts = render(&r);
        assert_eq!(parts.len(), 1, "split needlessly");
        assert_eq!(
            visible_len(&parts[0]),
            shown(&parts[0]).encode_utf16().count()
        );
    }

    #[test]
    fn a_split_happens_only_where_the_next_item_would_not_fit() {
        // Wide characters: 2 units each, so a byte or char count would split in the wrong place.
        let items: Vec<ReplyItem> = (0..40)
            .map(|i| item(&format!("{i} {}", "\u{1F4B0}".repeat(60))))
            .collect();
        let limit = 1000;
        let parts = render_with_limit(&reply(items), limit);
        assert!(parts.len() > 1);
        let mut bullets = 0;
        for (i, part) in parts.iter().enumerate() {
            let len = shown(part).encode_utf16().count();
            assert_eq!(visible_len(part), len);
            assert!(len <= limit, "part {i}: {len}");
            bullets += part.matches("• ").count();
            // The next part's first block did not fit after this one.
            if let Some(next) = parts.get(i + 1) {
                let first_block = shown(next.split("\n\n").next().unwrap_or(""));
                assert!(
                    len + 2 + first_block.encode_utf16().count() > limit,
                    "part {i} ({len}) had room for the next block"
                );
            }
        }
        assert_eq!(bullets, 40, "every item exactly once");
    }

    #[test]
    fn an_oversized_single_block_is_cut_as_plain_text() {
        let long = "word & <tag> ".repeat(2000);
        let parts = render_with_limit(&reply(vec![item(&long)]), 500);
        for part in &parts {
            assert!(visible_len(part) <= 500, "{}", visible_len(part));
            // No half escape sequences at the ends.
            assert!(!part.ends_with("&am") && !part.ends_with("&l"));
        }
        assert!(parts.concat().contains("&lt;tag&gt;"));
    }

    #[test]
    fn empty_replies_still_say_something() {
        assert_eq!(render(&Reply::default()).len(), 1);
        assert!(!render(&Reply::default())[0].is_empty());
    }

    #[test]
    fn actions_become_buttons_and_oversized_commands_are_skipped() {
        let actions = vec![
            Action {
                label: "Timeline".into(),
                command: "/timeline minerals".into(),
            },
            Action {
                label: "Too long".into(),
                command: format!("/subscribe {}", "x".repeat(70)),
            },
            Action {
                label: "Status".into(),
                command: "/status minerals".into(),
            },
            Action {
                label: "Sources".into(),
                command: "/sources".into(),
            },
        ];
        let kb = keyboard(&actions).unwrap();
        assert_eq!(kb.inline_keyboard.len(), 2);
        assert_eq!(kb.inline_keyboard[0].len(), 2);
        assert!(keyboard(&[]).is_none());
    }
}
