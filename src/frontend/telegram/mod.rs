//! The Telegram bot: updates → core requests → replies rendered as Telegram HTML; pushes from
//! the outbox.
