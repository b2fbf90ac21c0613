//! Crash safety of ingest: the `storyline` binary is killed with SIGKILL (`Child::kill`) at
//! pseudo-random moments while it ingests 1,000 articles, 20 times over. After every kill the
//! store must open, pass `Store::check` (every article's events, index entries and counters
//! present, nothing orphaned, and the full-text index holding exactly one document per stored
//! event, written from it), and hold each stored article with exactly the events extraction
//! yields for it, equal field for field; a run to completion must then leave all 1,000 articles
//! with no duplicate events, keeping the articles the killed runs stored (none "replaced").
//!
//! Two stores are written: sled (the store of record) batch by batch, and the full-text index,
//! which commits only at the end of a run, after sled's flush. So most kills land between a
//! sled batch and the index commit: the index on disk is then behind sled (its commit payload
//! names an older ingest sequence than sled's), and opening the store must catch it up. The
//! test reads the payload before opening and counts those kills; at least a quarter of the
//! kills must be of that kind.
//!
//! Why kills come in chains (a fresh store killed up to 5 times, each restart resuming on what
//! the previous kill left, then one run to completion): a crash followed by a restart that
//! crashes again is what really happens, and it tests recovery of a recovered store; it also
//! costs about one full ingest per chain instead of one per kill. Two workers run chains side
//! by side (ingest is single-threaded, CI has 2 cores), which halves the wall time.
//!
//! Kill delays come from a fixed seed (a small splitmix64, no `rand`) and are spread uniformly
//! over the time the restarted run is expected to take: a worker first times a full ingest and
//! a re-run of a 100-article sample under the same load and scales them to 1,000 articles. The
//! moments are random, not the delays: where a delay lands depends on the machine's speed.
//!
//! The articles are generated here (news prose with explicit, weekday and relative dates,
//! quotes, attributions, all four configured topics) rather than by `gen-corpus`, so that the
//! test depends only on the ingest path it checks.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use chrono::{Datelike, Duration as Days, NaiveDate};
use storyline::config::Config;
use storyline::event::Event;
use storyline::extract::Extractor;
use storyline::store::Store;

const ARTICLES: usize = 1_000;
const KILLS: usize = 20;
const KILLS_PER_STORE: usize = 5;
const SEED: u64 = 0x5709_11E5_C4A5_4001;
/// Parallel workers, each with its own stores (ingest is single-threaded; CI has 2 cores).
const WORKERS: usize = 2;
/// Articles in the sample that measures ingest speed before the kills.
const CALIBRATION_ARTICLES: usize = 100;

/// splitmix64: tiny, good enough to vary text and delays, and the same on every platform.
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
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const OUTLETS: [(&str, &str); 6] = [
    ("Atlantic Desk", "atlanticdesk.example"),
    ("Capitol Crossing News", "capitolcrossing.example"),
    ("Dnipro Daily", "dniprodaily.example"),
    ("Harbour Wire", "harbourwire.example"),
    ("Meridian Post", "meridianpost.example"),
    ("Steppe Review", "stepperev.example"),
];
const PEOPLE: [&str; 12] = [
    "President Volodymyr Zelensky",
    "President Donald Trump",
    "Vladimir Putin",
    "Andriy Yermak",
    "Secretary of State Marco Rubio",
    "envoy Steve Witkoff",
    "Treasury Secretary Scott Bessent",
    "Vice President JD Vance",
    "Defense Secretary Pete Hegseth",
    "Yulia Svyrydenko",
    "Foreign Minister Andrii Sybiha",
    "Rustem Umerov",
];
const SPEAKERS: [&str; 8] = [
    "Zelensky",
    "Trump",
    "Yermak",
    "Rubio",
    "Witkoff",
    "Bessent",
    "Svyrydenko",
    "Sybiha",
];
const SOURCES: [&str; 6] = [
    "Reuters",
    "Bloomberg",
    "CBS News",
    "a White House official",
    "the Kremlin",
    "officials in Kyiv",
];
const CITIES: [&str; 7] = [
    "Jeddah",
    "Riyadh",
    "Kyiv",
    "Washington",
    "Istanbul",
    "Paris",
    "London",
];
const DEALS: [&str; 6] = [
    "the minerals deal",
    "the minerals agreement",
    "the economic partnership agreement",
    "the reconstruction investment fund",
    "a memorandum of intent on minerals",
    "the natural resources deal",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date phrase about `day`, seen from `published`: explicit with or without the year, a
/// weekday, or a relative word; `future` picks phrases that read as plans.
fn date_phrase(rng: &mut Rng, published: NaiveDate, future: bool) -> String {
    let offset = 1 + rng.below(20) as i64;
    let day = if future {
        published + Days::days(offset)
    } else {
        published - Days::days(offset)
    };
    let month = MONTHS[day.month0() as usize];
    match rng.below(6) {
        0 => format!("on {month} {}, {}", day.day(), day.year()),
        1 => format!("on {month} {}", day.day()),
        2 if offset <= 6 => format!(
            "on {}",
            WEEKDAYS[day.weekday().num_days_from_monday() as usize]
        ),
        3 if !future && offset == 1 => "yesterday".to_string(),
        3 if !future => format!(
            "{} days ago",
            ["two", "three", "four", "five"][rng.below(4)]
        ),
        4 => (if future { "next week" } else { "last week" }).to_string(),
        _ => format!("in early {month}"),
    }
}

fn sentence(rng: &mut Rng, published: NaiveDate) -> String {
    let who = rng.pick(&PEOPLE);
    let other = rng.pick(&PEOPLE);
    let speaker = rng.pick(&SPEAKERS);
    let source = rng.pick(&SOURCES);
    let city = rng.pick(&CITIES);
    let deal = rng.pick(&DEALS);
    let past = date_phrase(rng, published, false);
    let next = date_phrase(rng, published, true);
    match rng.below(16) {
        0 => format!("Ukraine and the United States signed {deal} {past}, {source} said."),
        1 => format!("{who} said {past} that {deal} would be signed {next}."),
        2 => format!("Talks on a ceasefire resumed in {city} {past}, according to {source}."),
        3 => format!("The United States paused military aid to Ukraine {past}, {source} reported."),
        4 => format!("Washington resumed intelligence sharing with Kyiv {past}, a CIA spokesperson said."),
        5 => format!("\"We are ready to sign. The text is agreed,\" {speaker} told reporters {past}."),
        6 => format!("{who} and {other} are scheduled to meet in {city} {next}."),
        7 => format!("The Verkhovna Rada ratified {deal} {past}, {source} said."),
        8 => format!("{who} spoke with {other} by phone {past} about an energy ceasefire."),
        9 => format!("Negotiations on {deal} stalled {past} after a dispute over the U.S. share of revenues."),
        10 => format!("Deliveries of air defence systems worth $1.5 billion could resume {next}, {source} said."),
        11 => "The decision drew criticism from European governments, which pledged more support.".to_string(),
        12 => format!("{who} told Mr. Witkoff that a 30-day truce was possible if Russia agreed."),
        13 => format!("A delegation led by {who} arrived in {city} {past} for talks with U.S. officials."),
        14 => format!("{source} said {deal} might be delayed again; no date was set."),
        _ => format!("Officials said the pause on weapons shipments would stay in place until {next}."),
    }
}

/// Writes `n` articles in front-matter form; returns their paths.
fn write_corpus(dir: &Path, n: usize, seed: u64) -> Vec<PathBuf> {
    fs::create_dir_all(dir).unwrap();
    let mut rng = Rng(seed);
    let start = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    (0..n)
        .map(|i| {
            let published = start + Days::days(rng.below(300) as i64);
            let (outlet, domain) = OUTLETS[rng.below(OUTLETS.len())];
            let offset = ["-05:00", "+02:00", "+03:00", "Z", "-04:00"][rng.below(5)];
            let mut body = String::new();
            for _ in 0..4 + rng.below(6) {
                let sentences: Vec<String> = (0..1 + rng.below(3)).map(|_| sentence(&mut rng, published)).collect();
                body.push_str(&sentences.join(" "));
                body.push('\n');
            }
            let title = format!("{} on {} as talks continue", rng.pick(&PEOPLE), rng.pick(&DEALS));
            let text = format!(
                "---\ntitle: {title}\noutlet: {outlet}\nurl: https://{domain}/{}/{i:04}-story\npublished: {}T{:02}:{:02}:00{offset}\n---\n\n{body}",
                published.format("%Y/%m/%d"),
                published,
                6 + rng.below(14),
                rng.below(60),
            );
            let path = dir.join(format!("{i:04}.txt"));
            fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

/// What extraction yields for each article (by article id): the events a whole store holds.
/// Split over the workers' threads: in a debug build this is a few seconds of extraction.
fn expected_events(paths: &[PathBuf], config: &Config) -> BTreeMap<String, Vec<Event>> {
    let extractor = Extractor::new(config);
    std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(paths.len().div_ceil(WORKERS))
            .map(|chunk| {
                let extractor = &extractor;
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|p| {
                            let article = storyline::article::read_article(p, config)
                                .unwrap()
                                .unwrap();
                            (article.id.clone(), extractor.events(&article))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

fn spawn_ingest(cwd: &Path, data: &Path, articles: &Path, log: &Path) -> Child {
    // Run in a directory without config/storyline.toml, so the binary uses the built-in
    // config, the same one the expectations are computed with.
    Command::new(env!("CARGO_BIN_EXE_storyline"))
        .current_dir(cwd)
        .env_remove("STORYLINE_DATA")
        .env("RUST_LOG", "storyline=info")
        .arg("--data")
        .arg(data)
        .arg("ingest")
        .arg(articles)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(log).unwrap())
        .spawn()
        .expect("the storyline binary starts")
}

/// A completed run's summary line: (added, replaced, unchanged, failed).
fn summary(log: &Path) -> (usize, usize, usize, usize) {
    let text = fs::read_to_string(log).unwrap();
    let line = text
        .lines()
        .rev()
        .find(|l| l.contains(" files: "))
        .unwrap_or_else(|| panic!("no summary line in the ingest log:\n{text}"));
    let n: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let k = n.len();
    assert!(k >= 5, "unexpected summary line {line:?}");
    (n[k - 4], n[k - 3], n[k - 2], n[k - 1])
}

/// The ingest sequence the full-text index's last commit reflects, read from its files before
/// the store is opened (0: never committed).
fn index_watermark(data: &Path) -> u64 {
    let Ok(meta) = fs::read_to_string(data.join("fulltext").join("meta.json")) else {
        return 0;
    };
    let meta: serde_json::Value = serde_json::from_str(&meta).expect("tantivy's meta.json");
    meta["payload"]
        .as_str()
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .and_then(|p| p["seq"].as_u64())
        .unwrap_or(0)
}

/// Opens the store a (possibly killed) run left and checks it: consistent, and every stored
/// article holds exactly the event keys extraction yields for it; with `whole`, also each
/// event equal field for field (after kills the keys suffice: an event's value is written in
/// the same transaction as its key, and `check` has decoded it). Returns (articles, events,
/// whether the full-text index on disk was behind sled before the open caught it up).
fn verify(
    data: &Path,
    expected: &BTreeMap<String, Vec<Event>>,
    when: &str,
    whole: bool,
) -> (u64, u64, bool) {
    let index_seq = index_watermark(data);
    let store =
        Store::open(data).unwrap_or_else(|e| panic!("{when}: the store does not open: {e}"));
    let behind = store.ingest_seq().unwrap() > index_seq;
    let report = store
        .check()
        .unwrap_or_else(|e| panic!("{when}: check failed: {e}"));
    assert!(
        report.is_consistent(),
        "{when}: inconsistent store ({} more unlisted):\n{}",
        report.unlisted,
        report.problems.join("\n")
    );
    let mut events = 0u64;
    for article in store.articles().unwrap() {
        let want = expected
            .get(&article.id)
            .unwrap_or_else(|| panic!("{when}: stored article {} was never written", article.id));
        let keys = store.article_event_keys(&article.id).unwrap().unwrap();
        let want_keys: Vec<String> = want.iter().map(Event::key).collect();
        assert_eq!(
            keys, want_keys,
            "{when}: article {} holds other events than extraction yields",
            article.id
        );
        for e in want.iter().filter(|_| whole) {
            let stored = store.event(&e.key()).unwrap();
            assert_eq!(
                stored.as_ref(),
                Some(e),
                "{when}: event {} differs",
                e.key()
            );
        }
        events += keys.len() as u64;
    }
    let stats = store.stats().unwrap();
    assert_eq!(
        (stats.articles, stats.events),
        (report.articles, events),
        "{when}: counters"
    );
    assert_eq!(
        report.events, events,
        "{when}: events beyond the stored articles' own"
    );
    // Reads through the date index work (they fail on an entry pointing to a missing event).
    store.latest_events(None, 20).unwrap();
    // And through the full-text index: every event naming an actor is a stored event.
    for key in store.actor_event_keys("Ukraine").unwrap() {
        assert!(
            store.event(&key).unwrap().is_some(),
            "{when}: {key} found but not stored"
        );
    }
    (report.articles, events, behind)
}

#[cfg(unix)]
fn killed_by_sigkill(status: ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    status.signal() == Some(9)
}

#[cfg(not(unix))]
fn killed_by_sigkill(status: ExitStatus) -> bool {
    !status.success()
}

/// What one worker saw.
#[derive(Default)]
struct Tally {
    kills: usize,
    /// Kills that left a store holding some but not all articles, more than before.
    mid_ingest: usize,
    /// Kills that left the full-text index behind sled (between a batch and the index commit).
    index_behind: usize,
    stores: usize,
    /// Seconds: (full ingest, re-run of a complete store) for the calibration sample.
    calibration: (f64, f64),
}

/// Runs `kills` kills in chains on fresh stores under `root`, checking after each.
fn worker(
    root: &Path,
    corpus: &Path,
    expected: &BTreeMap<String, Vec<Event>>,
    kills: usize,
    seed: u64,
) -> Tally {
    fs::create_dir_all(root).unwrap();
    let mut tally = Tally::default();
    let mut rng = Rng(seed);
    let total_events: u64 = expected.values().map(|v| v.len() as u64).sum();

    // Calibration on a sample of the corpus, run here so that it sees the same load (the other
    // worker) as the killed runs: its full ingest and its re-run (start-up, planning and the
    // unchanged checks every restart pays), scaled to the whole corpus.
    let sample = root.join("sample");
    fs::create_dir_all(&sample).unwrap();
    let mut names: Vec<_> = fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names.iter().take(CALIBRATION_ARTICLES) {
        fs::copy(p, sample.join(p.file_name().unwrap())).unwrap();
    }
    let data = root.join("calibration");
    let log = root.join("calibration.log");
    let timed = || {
        let t = Instant::now();
        let status = spawn_ingest(root, &data, &sample, &log).wait().unwrap();
        assert!(status.success(), "{}", fs::read_to_string(&log).unwrap());
        t.elapsed().as_secs_f64() * (ARTICLES / CALIBRATION_ARTICLES) as f64
    };
    let full = timed();
    let rerun = timed();
    assert_eq!(summary(&log), (0, 0, CALIBRATION_ARTICLES, 0));
    tally.calibration = (full, rerun);

    while tally.kills < kills {
        let data = root.join(format!("store-{}", tally.stores));
        tally.stores += 1;
        let mut stored = 0u64;
        let mut chain_kills = 0;
        let mut finished = false;
        while chain_kills < KILLS_PER_STORE && tally.kills < kills {
            // Spread the kill over what this restart should take: the fixed cost plus the
            // share of a full ingest still to do.
            let left = (ARTICLES as u64 - stored) as f64 / ARTICLES as f64;
            let expect = rerun + (full - rerun).max(0.0) * left;
            let delay = Duration::from_secs_f64(expect * rng.unit());
            let log = root.join(format!("run-{}.log", tally.stores * 100 + chain_kills));
            let mut child = spawn_ingest(root, &data, corpus, &log);
            std::thread::sleep(delay);
            if let Some(status) = child.try_wait().unwrap() {
                // It finished before its kill: that is this store's completing re-run.
                assert!(status.success(), "{}", fs::read_to_string(&log).unwrap());
                check_complete(&data, &log, stored, expected, total_events);
                finished = true;
                break;
            }
            child.kill().unwrap();
            let status = child.wait().unwrap();
            if status.success() {
                // It finished between the look and the kill: the same as finishing before it.
                check_complete(&data, &log, stored, expected, total_events);
                finished = true;
                break;
            }
            assert!(
                killed_by_sigkill(status),
                "the run ended by SIGKILL, not {status:?}"
            );
            tally.kills += 1;
            chain_kills += 1;
            let when = format!(
                "{}: kill {} after {:.2}s",
                data.display(),
                chain_kills,
                delay.as_secs_f64()
            );
            let (articles, events, behind) = verify(&data, expected, &when, false);
            if articles > stored && articles < ARTICLES as u64 {
                tally.mid_ingest += 1;
            }
            tally.index_behind += usize::from(behind);
            eprintln!("{when}: {articles} articles ({events} events) intact, {stored} before");
            stored = articles;
        }
        if !finished {
            // The store's last word: a run to completion on whatever the kills left.
            let log = root.join(format!("run-{}-final.log", tally.stores));
            let status = spawn_ingest(root, &data, corpus, &log).wait().unwrap();
            assert!(status.success(), "{}", fs::read_to_string(&log).unwrap());
            check_complete(&data, &log, stored, expected, total_events);
        }
        fs::remove_dir_all(&data).unwrap();
    }
    tally
}

/// After a run that completed on a store holding `stored` articles: those were kept as they
/// were (no article was left half-changed, so none is replaced), the rest were added, and the
/// store holds every article with exactly its events: nothing lost, nothing twice.
fn check_complete(
    data: &Path,
    log: &Path,
    stored: u64,
    expected: &BTreeMap<String, Vec<Event>>,
    total_events: u64,
) {
    let (added, replaced, unchanged, failed) = summary(log);
    assert_eq!(
        (replaced, failed),
        (0, 0),
        "no article was stored half-changed"
    );
    assert_eq!((added + unchanged, unchanged as u64), (ARTICLES, stored));
    let when = format!("{}: the completing re-run", data.display());
    assert_eq!(
        // A run to completion commits the index: nothing left to catch up on.
        verify(data, expected, &when, true),
        (ARTICLES as u64, total_events, false),
        "{when}"
    );
}

#[test]
fn ingest_survives_sigkill_at_random_points() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let corpus = root.join("articles");
    let paths = write_corpus(&corpus, ARTICLES, SEED);
    let config = Config::builtin();
    let expected = expected_events(&paths, &config);
    assert_eq!(
        expected.len(),
        ARTICLES,
        "generated articles have distinct URLs"
    );
    let total_events: u64 = expected.values().map(|v| v.len() as u64).sum();
    let dated = expected
        .values()
        .flatten()
        .filter(|e| e.date.is_some())
        .count() as u64;
    assert!(
        total_events > ARTICLES as u64 * 5 && dated * 2 > total_events,
        "a realistic corpus"
    );

    // Two workers, one per core of a small CI machine: each ingest is single-threaded.
    let tallies: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WORKERS)
            .map(|w| {
                let (root, corpus, expected) =
                    (root.join(format!("worker-{w}")), &corpus, &expected);
                s.spawn(move || {
                    worker(
                        &root,
                        corpus,
                        expected,
                        KILLS / WORKERS,
                        SEED ^ (w as u64 + 1),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a worker failed"))
            .collect()
    });
    let kills: usize = tallies.iter().map(|t| t.kills).sum();
    let mid_ingest: usize = tallies.iter().map(|t| t.mid_ingest).sum();
    let stores: usize = tallies.iter().map(|t| t.stores).sum();
    let index_behind: usize = tallies.iter().map(|t| t.index_behind).sum();
    assert_eq!(kills, KILLS);
    assert!(
        index_behind >= KILLS / 4,
        "only {index_behind} of {KILLS} kills landed between a sled batch and the index commit"
    );
    // Kills that only ever hit start-up or the final flush would prove little.
    assert!(
        mid_ingest >= KILLS / 2,
        "only {mid_ingest} of {KILLS} kills landed while articles were being written"
    );
    for (w, t) in tallies.iter().enumerate() {
        eprintln!(
            "worker {w}: estimated full ingest {:.1}s, restart cost {:.1}s (from {CALIBRATION_ARTICLES} articles)",
            t.calibration.0, t.calibration.1
        );
    }
    eprintln!(
        "{ARTICLES} articles ({total_events} events): {kills} kills survived ({mid_ingest} mid-ingest, {index_behind} with the full-text index behind sled) over {stores} stores in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}
