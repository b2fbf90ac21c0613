//! Plain-text rendering of a [`crate::answer::Reply`] for the terminal and `ask`.
