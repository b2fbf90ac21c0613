//! cargo-fuzz target `message`: feeds libFuzzer's inputs to [`storyline_fuzz::message`], which
//! checks the invariants (the checks live in the library so `replay` runs them on stable).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| storyline_fuzz::message(data));
