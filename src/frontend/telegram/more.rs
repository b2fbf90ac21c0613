//! "More": an answer longer than a chat screen is sent a page at a time (about
//! [`CHAT_PAGE`] visible characters, cut by [`render`](super::render) at item boundaries);
//! the other pages wait here until the reader presses the More button under the last page sent.
//!
//! Pages live in memory only, for the most recent [`MAX_KEPT`] answers: a press after a restart
//! (or on an answer long pushed out) gets a polite "ask again" rather than an error.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::answer::Action;

/// What one page of an answer may hold, in the characters Telegram shows.
pub const CHAT_PAGE: usize = 1200;

/// Callback data of a More button: this prefix and the kept answer's number.
pub const MORE_PREFIX: &str = "more:";

/// Answers whose other pages are kept; the oldest is dropped beyond this.
pub const MAX_KEPT: usize = 2048;

/// The More button's label.
const MORE_LABEL: &str = "More ▸";

/// The reply to a press whose pages are no longer kept.
pub const EXPIRED: &str = "I no longer have the rest of that answer. Please ask again.";

/// A page to send and what goes under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub html: String,
    /// The callback data of the More button under it, when pages remain.
    pub more: Option<String>,
}

impl Page {
    /// The buttons under the page: More when pages remain, then `actions`.
    pub fn keyboard(&self, actions: &[Action]) -> Option<InlineKeyboardMarkup> {
        let more = self
            .more
            .as_ref()
            .map(|data| vec![InlineKeyboardButton::callback(MORE_LABEL, data.clone())]);
        let rest = super::render::keyboard(actions);
        match (more, rest) {
            (None, rest) => rest,
            (Some(row), None) => Some(InlineKeyboardMarkup::new(vec![row])),
            (Some(row), Some(rest)) => {
                let mut rows = vec![row];
                rows.extend(rest.inline_keyboard);
                Some(InlineKeyboardMarkup::new(rows))
            }
        }
    }
}

struct Kept {
    chat_id: i64,
    pages: VecDeque<String>,
}

#[derive(Default)]
struct Inner {
    answers: HashMap<u64, Kept>,
    /// Numbers of the kept answers, oldest first.
    order: VecDeque<u64>,
    next: u64,
}

/// The pages not yet shown, by answer.
#[derive(Default)]
pub struct MorePages {
    inner: Mutex<Inner>,
}

impl MorePages {
    pub fn new() -> MorePages {
        MorePages::default()
    }

    /// The first of `pages` to send now; the others are kept for `chat_id`'s More button.
    /// `None` when there are no pages.
    pub fn first_page(&self, chat_id: i64, pages: Vec<String>) -> Option<Page> {
        let mut pages: VecDeque<String> = pages.into();
        let html = pages.pop_front()?;
        if pages.is_empty() {
            return Some(Page { html, more: None });
        }
        let mut inner = self.lock();
        let id = inner.next;
        inner.next += 1;
        inner.answers.insert(id, Kept { chat_id, pages });
        inner.order.push_back(id);
        while inner.order.len() > MAX_KEPT {
            if let Some(old) = inner.order.pop_front() {
                inner.answers.remove(&old);
            }
        }
        Some(Page {
            html,
            more: Some(format!("{MORE_PREFIX}{id}")),
        })
    }

    /// The next page for a press of the button with `data` in `chat_id`, with a More button
    /// while pages remain. `None` when the answer is no longer kept (or the data is not ours,
    /// or the press comes from another chat).
    pub fn next_page(&self, chat_id: i64, data: &str) -> Option<Page> {
        let id: u64 = data.strip_prefix(MORE_PREFIX)?.parse().ok()?;
        let mut inner = self.lock();
        let kept = inner.answers.get_mut(&id)?;
        if kept.chat_id != chat_id {
            return None;
        }
        let html = kept.pages.pop_front()?;
        let more = if kept.pages.is_empty() {
            inner.answers.remove(&id);
            inner.order.retain(|x| *x != id);
            None
        } else {
            Some(data.to_string())
        };
        Some(Page { html, more })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind: keep serving it.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("page {i}")).collect()
    }

    #[test]
    fn pages_are_handed_out_in_order_then_forgotten() {
        let more = MorePages::new();
        let first = more.first_page(7, pages(3)).unwrap();
        assert_eq!(first.html, "page 1");
        let data = first.more.expect("a More button");
        assert!(data.len() <= super::super::render::MAX_CALLBACK_DATA);
        // Another chat cannot read this chat's answer.
        assert_eq!(more.next_page(8, &data), None);
        let second = more.next_page(7, &data).unwrap();
        assert_eq!(
            (second.html.as_str(), second.more.as_deref()),
            ("page 2", Some(data.as_str()))
        );
        let third = more.next_page(7, &data).unwrap();
        assert_eq!((third.html.as_str(), third.more), ("page 3", None));
        assert_eq!(more.next_page(7, &data), None);
    }

    #[test]
    fn a_single_page_has_no_button_and_old_answers_expire() {
        let more = MorePages::new();
        assert_eq!(more.first_page(1, pages(1)).unwrap().more, None);
        assert_eq!(more.first_page(1, Vec::new()), None);
        let oldest = more.first_page(1, pages(2)).unwrap().more.unwrap();
        for _ in 0..MAX_KEPT {
            more.first_page(1, pages(2));
        }
        assert_eq!(more.next_page(1, &oldest), None);
        assert_eq!(more.next_page(1, "more:not-a-number"), None);
        assert_eq!(more.next_page(1, "/latest"), None);
    }

    #[test]
    fn the_more_button_comes_before_the_actions() {
        let page = Page {
            html: String::new(),
            more: Some("more:1".into()),
        };
        let actions = [Action {
            label: "Timeline".into(),
            command: "/timeline minerals".into(),
        }];
        let kb = page.keyboard(&actions).unwrap();
        assert_eq!(kb.inline_keyboard.len(), 2);
        assert_eq!(kb.inline_keyboard[0][0].text, MORE_LABEL);
        let last = Page {
            html: String::new(),
            more: None,
        };
        assert_eq!(last.keyboard(&[]), None);
    }
}
