//! Runs a fuzz target's checks on stable Rust, without libFuzzer:
//!
//! - `replay TARGET PATH...`: every file (folders: every file in them, recursively), e.g. a
//!   corpus or a crash artifact found by `cargo fuzz`; exits 1 naming each failing file.
//! - `replay TARGET --random N [--seed S]`: N inputs made by mutating the target's dictionary
//!   (`dicts/TARGET.dict`) and seed files, blind (no coverage feedback, so weaker than
//!   libFuzzer, but it needs nothing but cargo). A failing input is written to
//!   `artifacts/TARGET/` and the run stops.

use std::panic;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use storyline_fuzz::TARGETS;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((name, check)) = args.first().and_then(|t| TARGETS.iter().find(|(n, _)| n == t)) else {
        let names: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!("usage: replay TARGET (PATH... | --random N [--seed S]); targets: {}", names.join(", "));
        return ExitCode::from(2);
    };
    // The default hook prints each panic; keep it, the message is what one needs to see.
    if args.get(1).map(String::as_str) == Some("--random") {
        let n: u64 = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(100_000);
        let seed: u64 = match args.iter().position(|a| a == "--seed") {
            Some(i) => args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(1),
            None => 1,
        };
        return random(name, *check, n, seed);
    }
    let mut files = Vec::new();
    for p in &args[1..] {
        collect(Path::new(p), &mut files);
    }
    let mut failed = 0;
    for f in &files {
        let data = match std::fs::read(f) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{}: {e}", f.display());
                failed += 1;
                continue;
            }
        };
        if panic::catch_unwind(|| check(&data)).is_err() {
            eprintln!("FAILED: {}", f.display());
            failed += 1;
        }
    }
    println!("{name}: {} inputs, {failed} failed", files.len());
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    match std::fs::read_dir(path) {
        Ok(entries) => {
            let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for p in paths {
                collect(&p, out);
            }
        }
        Err(_) => out.push(path.to_path_buf()),
    }
}

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn random(name: &str, check: fn(&[u8]), n: u64, seed: u64) -> ExitCode {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tokens = dictionary(&here.join("dicts").join(format!("{name}.dict")));
    let mut seeds: Vec<Vec<u8>> = Vec::new();
    let mut files = Vec::new();
    collect(&here.join("corpus").join(name), &mut files);
    if name == "front_matter" {
        collect(&here.join("../tests/data/dev"), &mut files);
        collect(&here.join("../tests/data/bad"), &mut files);
    }
    for f in files {
        if let Ok(d) = std::fs::read(&f) {
            seeds.push(d);
        }
    }
    seeds.push(Vec::new());
    let mut rng = Rng(seed);
    for i in 0..n {
        let input = mutate(&mut rng, &seeds, &tokens);
        if panic::catch_unwind(|| check(&input)).is_err() {
            let dir = here.join("artifacts").join(name);
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join(format!("crash-seed{seed}-{i}"));
            let _ = std::fs::write(&file, &input);
            eprintln!("FAILED on input {i}; written to {}", file.display());
            return ExitCode::FAILURE;
        }
    }
    println!("{name}: {n} random inputs (seed {seed}), no failure");
    ExitCode::SUCCESS
}

/// A seed (or nothing) with a few random edits: dictionary tokens inserted, bytes flipped,
/// inserted or removed, spans duplicated.
fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], tokens: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(data.len() + 1);
        match rng.below(6) {
            0 | 1 if !tokens.is_empty() => {
                let t = &tokens[rng.below(tokens.len())];
                data.splice(at..at, t.iter().copied());
            }
            2 if at < data.len() => data[at] ^= 1 << rng.below(8),
            3 => data.insert(at, rng.next() as u8),
            4 if at < data.len() => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at..end);
            }
            _ => {
                let end = (at + rng.below(32)).min(data.len());
                let span = data[at..end].to_vec();
                data.splice(at..at, span);
            }
        }
    }
    data.truncate(64 * 1024);
    data
}

/// libFuzzer dictionary entries: `"..."` per line, with `\\`, `\"` and `\xNN` escapes.
fn dictionary(path: &Path) -> Vec<Vec<u8>> {
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let (Some(start), Some(end)) = (line.find('"'), line.rfind('"')) else { continue };
        if line.starts_with('#') || end <= start {
            continue;
        }
        let body = line[start + 1..end].as_bytes();
        let mut token = Vec::new();
        let mut i = 0;
        while i < body.len() {
            match (body[i], body.get(i + 1)) {
                (b'\\', Some(b'x')) if i + 3 < body.len() => {
                    let hex = std::str::from_utf8(&body[i + 2..i + 4]).unwrap_or("00");
                    token.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                    i += 4;
                }
                (b'\\', Some(c)) => {
                    token.push(*c);
                    i += 2;
                }
                (c, _) => {
                    token.push(c);
                    i += 1;
                }
            }
        }
        out.push(token);
    }
    out
}
