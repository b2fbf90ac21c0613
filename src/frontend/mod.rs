//! Front-ends: thin translators between people and the core.

pub mod telegram;
pub mod terminal;
