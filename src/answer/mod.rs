//! Requests → [`Reply`] values. The core answers; front-ends render.

mod reply;

pub use reply::{Action, Citation, Reply, ReplyItem, ReplyKind};
