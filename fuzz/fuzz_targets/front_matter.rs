//! cargo-fuzz target `front_matter`: feeds libFuzzer's inputs to [`storyline_fuzz::front_matter`], which
//! checks the invariants (the checks live in the library so `replay` runs them on stable).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| storyline_fuzz::front_matter(data));
