//! The synthetic corpus behind `storyline gen-corpus` and `storyline bench`: N news articles,
//! deterministic from a seed, in the ordinary article formats (front-matter files, and some
//! folders whose plain files are described by a `manifest.toml`), so that the same corpus can
//! be fed to Storyline and to a plain full-text search engine for comparison.
//!
//! What it is for: load and stress (many stories, many actors, years of dates), not the
//! product's answers. The text is built from a vocabulary of actors (the config's plus invented
//! people and bodies), stories (the config's topics, whose articles follow a consistent arc
//! through the topic's stages, plus a few hundred invented stories), attribution ("X said",
//! "according to X", "Y reported, citing Z"), and date expressions of every kind the tagger
//! reads: explicit ("March 5"), weekday-relative ("on Tuesday"), "last week", "yesterday",
//! hedged ("may", "could") and future ("would be signed next Thursday").
//!
//! Determinism: every article draws from its own [`Rng`] stream derived from (seed, index), so
//! the output depends only on (config, N, seed), never on thread scheduling or the clock.
//! Publication times run from 2021 to mid-2026 in index order (with jitter), as in a backfill
//! of a feed; the folder `NNNN/` holds articles `NNNN000..NNNN999`, which keeps listings small.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use chrono::{Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Weekday};

use super::rng::Rng;
use crate::config::Config;

/// Articles per folder.
pub const FOLDER_SIZE: usize = 1000;
/// Every tenth article (index ≡ 7 mod 10) is a plain file described by its folder's manifest.
const MANIFEST_EVERY: usize = 10;
const MANIFEST_SLOT: usize = 7;
/// Share of articles about a configured topic (the rest follow invented stories).
const CONFIGURED_SHARE: f64 = 0.3;

/// What a run wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorpusSummary {
    pub articles: usize,
    /// Of which described by a manifest (plain files without front matter).
    pub manifest_articles: usize,
    pub folders: usize,
    /// Bytes of all files written (articles and manifests): the "raw text" a store is compared to.
    pub text_bytes: u64,
}

/// A person who acts and speaks: "Finance Minister Lena Varga", or a configured name as is.
#[derive(Debug, Clone)]
pub struct Person {
    /// How a first mention reads ("Finance Minister Lena Varga").
    pub full: String,
    /// How a question or a later mention names them ("Lena Varga").
    pub name: String,
}

/// A story thread: a configured topic (with its id) or an invented one.
#[derive(Debug, Clone)]
pub struct Story {
    /// The phrase articles and questions use ("minerals deal", "Danube bridge project").
    pub name: String,
    /// The configured topic it belongs to, if any.
    pub topic: Option<String>,
}

/// The words the generator writes with; the benchmark builds its questions from the same.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub people: Vec<Person>,
    /// Bodies and countries ("the Finance Ministry", "Ukraine").
    pub bodies: Vec<String>,
    pub stories: Vec<Story>,
    /// The stories of configured topics (indexes into `stories`).
    pub configured: Vec<usize>,
    pub outlets: Vec<(String, String)>,
    pub cities: Vec<&'static str>,
}

const FIRST_NAMES: &[&str] = &[
    "Lena", "Tomas", "Amara", "Jonas", "Priya", "Mateo", "Ingrid", "Kofi", "Yara", "Dmitri",
    "Sofia", "Emeka", "Hanna", "Ravi", "Carmen", "Oskar", "Leila", "Marek", "Aiko", "Pavel",
    "Nadia", "Henrik", "Zainab", "Luca", "Irina", "Samuel", "Elif", "Tariq", "Marta", "Kenji",
    "Olga", "Andres", "Freya", "Idris", "Beatriz", "Viktor", "Noor", "Anton", "Chiara", "Bogdan",
];
const SURNAMES: &[&str] = &[
    "Varga",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Rahman",
    "Kowalski",
    "Haddad",
    "Petrov",
    "Nakamura",
    "Silva",
    "Brandt",
    "Mensah",
    "Novak",
    "Castillo",
    "Eriksen",
    "Demir",
    "Rossi",
    "Ivanova",
    "Adeyemi",
    "Horvat",
    "Kuznets",
    "Lambert",
    "Osei",
    "Mazur",
    "Tanaka",
    "Fischer",
    "Costa",
    "Jansen",
    "Aziz",
    "Dumas",
    "Popescu",
    "Quinn",
    "Sato",
    "Berger",
    "Nieminen",
    "Ortiz",
    "Kaya",
    "Wojcik",
    "Baptiste",
    "Holm",
];
const ROLES: &[&str] = &[
    "Finance Minister",
    "Foreign Minister",
    "Energy Minister",
    "Trade Commissioner",
    "Senator",
    "Governor",
    "spokesperson",
    "opposition leader",
    "Deputy Prime Minister",
    "Mayor",
    "central bank governor",
    "Transport Minister",
    "Economy Minister",
    "ambassador",
];
const BODIES: &[&str] = &[
    "the Finance Ministry",
    "the Energy Ministry",
    "the European Commission",
    "the port authority",
    "the central bank",
    "the regional council",
    "the Senate",
    "the national grid operator",
    "the World Bank",
    "the IMF",
    "the trade union federation",
    "the competition authority",
    "the Transport Ministry",
    "the state audit office",
    "the Supreme Court",
    "the city council",
];
const PLACES: &[&str] = &[
    "Danube",
    "Baltic",
    "Andean",
    "Sahel",
    "Pacific",
    "Nordic",
    "Caspian",
    "Adriatic",
    "Mekong",
    "Aral",
    "Carpathian",
    "Iberian",
    "Balkan",
    "Arctic",
    "Levant",
    "Patagonian",
    "Bengal",
    "Anatolian",
    "Alpine",
    "Aegean",
];
const SUBJECTS: &[&str] = &[
    "pipeline deal",
    "bridge project",
    "trade pact",
    "fishing accord",
    "rail link",
    "water treaty",
    "pension reform",
    "port expansion",
    "border agreement",
    "energy compact",
    "chip export rules",
    "grain corridor",
    "debt restructuring",
    "climate fund",
    "mining licence dispute",
    "airline merger",
];
const OUTLETS: &[(&str, &str)] = &[
    ("Atlantic Desk", "atlanticdesk.example"),
    ("The Morning Ledger", "morningledger.example"),
    ("Continental Wire", "continentalwire.example"),
    ("Harbour Times", "harbourtimes.example"),
    ("The Daily Meridian", "dailymeridian.example"),
    ("Northern Courier", "northerncourier.example"),
    ("Global Dispatch", "globaldispatch.example"),
    ("The Evening Standard-Bearer", "standardbearer.example"),
    ("Capital Observer", "capitalobserver.example"),
    ("Eastern Review", "easternreview.example"),
    ("The Policy Post", "policypost.example"),
    ("Riverside Herald", "riversideherald.example"),
    ("Market Chronicle", "marketchronicle.example"),
    ("The Frontier Journal", "frontierjournal.example"),
    ("Summit News Agency", "summitnews.example"),
    ("Plainview Gazette", "plainviewgazette.example"),
];
const CITIES: &[&str] = &[
    "Brussels",
    "Geneva",
    "Warsaw",
    "Istanbul",
    "Riyadh",
    "Jeddah",
    "Vienna",
    "Oslo",
    "Nairobi",
    "Singapore",
    "Lisbon",
    "Ottawa",
    "Kyiv",
    "Washington",
    "Paris",
    "Doha",
];
/// (past, base) verb forms for invented stories.
/// (past, base) verbs for configured stories: none is a stage trigger of the bundled config.
const NEUTRAL_VERBS: &[(&str, &str)] = &[
    ("discussed", "discuss"),
    ("criticised", "criticise"),
    ("defended", "defend"),
    ("questioned", "question"),
    ("reviewed", "review"),
    ("debated", "debate"),
];
const VERBS: &[(&str, &str)] = &[
    ("approved", "approve"),
    ("delayed", "delay"),
    ("rejected", "reject"),
    ("backed", "back"),
    ("criticised", "criticise"),
    ("revised", "revise"),
    ("announced", "announce"),
    ("blocked", "block"),
    ("endorsed", "endorse"),
    ("questioned", "question"),
    ("defended", "defend"),
    ("reviewed", "review"),
];
/// UTC offsets (minutes) of front-matter publication times.
const OFFSETS: &[i32] = &[-480, -300, -240, 0, 60, 120, 180, 330, 540];
/// Time zones of manifest entries that give only a date.
const ZONES: &[&str] = &[
    "Europe/Kyiv",
    "Europe/Brussels",
    "America/New_York",
    "Asia/Tokyo",
    "UTC",
];
/// Configured bodies whose names read with "the" in running text.
const TAKES_THE: &[&str] = &[
    "United States",
    "White House",
    "Kremlin",
    "Verkhovna Rada",
    "CIA",
    "Pentagon",
    "European Union",
];
const NUMBER_WORDS: &[&str] = &["two", "three", "four", "several", "five"];

/// The corpus spans these days; the last is well before the generator's "now" of any real run,
/// so no article is refused as dated in the future.
fn span() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(2021, 1, 4).expect("valid date"),
        NaiveDate::from_ymd_opt(2026, 6, 26).expect("valid date"),
    )
}

impl Vocabulary {
    pub fn new(config: &Config) -> Vocabulary {
        let mut people = Vec::new();
        let mut bodies: Vec<String> = BODIES.iter().map(|b| b.to_string()).collect();
        for a in &config.actors {
            if a.kind == "person" {
                people.push(Person {
                    full: a.name.clone(),
                    name: a.name.clone(),
                });
            } else if TAKES_THE.contains(&a.name.as_str()) {
                bodies.push(format!("the {}", a.name));
            } else {
                bodies.push(a.name.clone());
            }
        }
        for (i, first) in FIRST_NAMES.iter().enumerate() {
            for (j, last) in SURNAMES.iter().enumerate() {
                let name = format!("{first} {last}");
                let role = ROLES[(i * 7 + j * 3) % ROLES.len()];
                people.push(Person {
                    full: format!("{role} {name}"),
                    name,
                });
            }
        }
        let mut stories = Vec::new();
        let mut configured = Vec::new();
        for t in &config.topics {
            // The first multi-word alias or keyword is a strong match for the topic.
            let name = t
                .aliases
                .iter()
                .chain(t.keywords.iter())
                .find(|a| a.contains(' '))
                .cloned()
                .unwrap_or_else(|| t.name.to_lowercase());
            configured.push(stories.len());
            stories.push(Story {
                name,
                topic: Some(t.id.clone()),
            });
        }
        for place in PLACES {
            for subject in SUBJECTS {
                stories.push(Story {
                    name: format!("{place} {subject}"),
                    topic: None,
                });
            }
        }
        Vocabulary {
            people,
            bodies,
            stories,
            configured,
            outlets: OUTLETS
                .iter()
                .map(|(n, d)| (n.to_string(), d.to_string()))
                .collect(),
            cities: CITIES.to_vec(),
        }
    }

    /// The invented verbs (past, base), for questions.
    pub fn verbs(&self) -> &'static [(&'static str, &'static str)] {
        VERBS
    }
}

/// One configured topic's arc: the stages it reaches and when, oldest first.
#[derive(Debug, Clone)]
struct Arc {
    topic: String,
    /// (day the stage was reached, stage index into the topic's stages).
    steps: Vec<(NaiveDate, usize)>,
}

fn arcs(config: &Config, seed: u64) -> Vec<Arc> {
    let (start, end) = span();
    let days = (end - start).num_days();
    config
        .topics
        .iter()
        .enumerate()
        .map(|(ti, t)| {
            let mut rng = Rng::for_item(seed ^ 0xA5C5, ti as u64);
            let n = t.stages.len();
            // Stages in the config's order, spread over the span with jitter: a story that
            // moves forward every few months, as the configured stories do.
            let steps = (0..n)
                .map(|s| {
                    let at = days * (s as i64 + 1) / (n as i64 + 1) + rng.between(-20, 20);
                    (start + Duration::days(at.clamp(0, days)), s)
                })
                .collect();
            Arc {
                topic: t.id.clone(),
                steps,
            }
        })
        .collect()
}

/// Writes `articles` articles into `out` (created if missing), deterministic from `seed`.
/// Two threads share the work; the output does not depend on how they interleave.
pub fn generate(
    config: &Config,
    out: &Path,
    articles: usize,
    seed: u64,
) -> io::Result<CorpusSummary> {
    std::fs::create_dir_all(out)?;
    let vocab = Vocabulary::new(config);
    let arcs = arcs(config, seed);
    let folders = articles.div_ceil(FOLDER_SIZE);
    let workers = 2usize;
    let results: Vec<io::Result<CorpusSummary>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (vocab, arcs) = (&vocab, &arcs);
                s.spawn(move || {
                    let mut sum = CorpusSummary::default();
                    for folder in (w..folders).step_by(workers) {
                        let part = write_folder(config, vocab, arcs, out, folder, articles, seed)?;
                        sum.articles += part.articles;
                        sum.manifest_articles += part.manifest_articles;
                        sum.folders += part.folders;
                        sum.text_bytes += part.text_bytes;
                    }
                    Ok(sum)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("generator thread panicked"))
            .collect()
    });
    let mut total = CorpusSummary::default();
    for r in results {
        let r = r?;
        total.articles += r.articles;
        total.manifest_articles += r.manifest_articles;
        total.folders += r.folders;
        total.text_bytes += r.text_bytes;
    }
    Ok(total)
}

fn write_folder(
    config: &Config,
    vocab: &Vocabulary,
    arcs: &[Arc],
    out: &Path,
    folder: usize,
    total: usize,
    seed: u64,
) -> io::Result<CorpusSummary> {
    let dir = out.join(format!("{folder:04}"));
    std::fs::create_dir_all(&dir)?;
    let mut sum = CorpusSummary {
        folders: 1,
        ..CorpusSummary::default()
    };
    let mut manifest = String::from(
        "# Metadata for the plain article files of this folder (generated by storyline gen-corpus).\n",
    );
    let first = folder * FOLDER_SIZE;
    for index in first..(first + FOLDER_SIZE).min(total) {
        let a = article(config, vocab, arcs, index, total, seed);
        let described = index % MANIFEST_EVERY == MANIFEST_SLOT;
        let text = if described {
            let name = format!("{index:07}.txt");
            let _ = write!(
                manifest,
                "\n[[article]]\nfile = \"{name}\"\ntitle = {}\noutlet = {}\nurl = \"{}\"\n",
                toml_string(&a.title),
                toml_string(&a.outlet),
                a.url
            );
            // Half give a date and a time zone (as the bundled seeds do), half a full time.
            if index % 20 == MANIFEST_SLOT {
                let _ = writeln!(
                    manifest,
                    "published = \"{}\"\ntimezone = \"{}\"",
                    a.published.date_naive(),
                    a.zone
                );
            } else {
                let _ = writeln!(manifest, "published = \"{}\"", a.published.to_rfc3339());
            }
            sum.manifest_articles += 1;
            (name, a.body())
        } else {
            let ext = if index % 9 == 4 { "md" } else { "txt" };
            let text = format!(
                "---\ntitle: {}\noutlet: {}\nurl: {}\npublished: {}\n---\n\n{}",
                a.title,
                a.outlet,
                a.url,
                a.published.to_rfc3339(),
                a.body()
            );
            (format!("{index:07}.{ext}"), text)
        };
        std::fs::write(dir.join(&text.0), &text.1)?;
        sum.articles += 1;
        sum.text_bytes += text.1.len() as u64;
    }
    if sum.manifest_articles > 0 {
        std::fs::write(dir.join("manifest.toml"), &manifest)?;
        sum.text_bytes += manifest.len() as u64;
    }
    Ok(sum)
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// One generated article before it is written.
struct Draft {
    title: String,
    outlet: String,
    url: String,
    published: chrono::DateTime<FixedOffset>,
    zone: &'static str,
    paragraphs: Vec<String>,
}

impl Draft {
    fn body(&self) -> String {
        let mut s = self.paragraphs.join("\n");
        s.push('\n');
        s
    }
}

/// Article `index` of `total`.
fn article(
    config: &Config,
    vocab: &Vocabulary,
    arcs: &[Arc],
    index: usize,
    total: usize,
    seed: u64,
) -> Draft {
    let mut rng = Rng::for_item(seed, index as u64);
    let (start, end) = span();
    let days = (end - start).num_days();
    let day = days * index as i64 / total.max(1) as i64 + rng.between(0, 3);
    let date = start + Duration::days(day.min(days));
    let offset_min = *rng.pick(OFFSETS);
    let offset = FixedOffset::east_opt(offset_min * 60).expect("valid offset");
    let local = date
        .and_hms_opt(rng.between(5, 22) as u32, rng.between(0, 59) as u32, 0)
        .expect("valid time");
    let published = offset
        .from_local_datetime(&local)
        .single()
        .expect("fixed offsets are unambiguous");
    let (outlet, domain) = rng.pick(&vocab.outlets).clone();

    let configured = !vocab.configured.is_empty() && rng.chance(CONFIGURED_SHARE);
    let story_index = if configured {
        vocab.configured[rng.below(vocab.configured.len())]
    } else {
        vocab.configured.len() + rng.below(vocab.stories.len() - vocab.configured.len())
    };
    let story = &vocab.stories[story_index];
    let mut w = Writer {
        rng: &mut rng,
        vocab,
        published: date,
    };
    let mut sentences = Vec::new();
    let lead_person = w.person();
    if let Some(topic_id) = &story.topic {
        let topic = config.topic(topic_id);
        let arc = arcs.iter().find(|a| &a.topic == topic_id);
        if let (Some(topic), Some(arc)) = (topic, arc) {
            sentences.extend(w.topic_sentences(topic, arc, &story.name));
        }
    }
    let n = w.rng.between(9, 15) as usize;
    while sentences.len() < n {
        let s = w.story_sentence(&story.name, story.topic.is_some());
        sentences.push(s);
    }
    let title = w.title(&story.name, &lead_person);
    // One or two sentences a paragraph, as in wire copy.
    let mut paragraphs = Vec::new();
    let mut it = sentences.into_iter().peekable();
    while let Some(s) = it.next() {
        let mut p = s;
        if w.rng.chance(0.35) {
            if let Some(next) = it.next() {
                p.push(' ');
                p.push_str(&next);
            }
        }
        paragraphs.push(p);
    }
    let slug: String = title
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("-");
    let url = format!(
        "https://{domain}/{}/{:02}/{:02}/{slug}-{index}",
        date.year(),
        date.month(),
        date.day()
    );
    Draft {
        title,
        outlet,
        url,
        published,
        zone: ZONES[index % ZONES.len()],
        paragraphs,
    }
}

/// Writes sentences for one article.
struct Writer<'a> {
    rng: &'a mut Rng,
    vocab: &'a Vocabulary,
    published: NaiveDate,
}

impl Writer<'_> {
    fn person(&mut self) -> Person {
        self.rng.pick(&self.vocab.people).clone()
    }
    fn body(&mut self) -> String {
        self.rng.pick(&self.vocab.bodies).clone()
    }
    fn speaker(&mut self) -> String {
        if self.rng.chance(0.7) {
            self.person().full
        } else {
            self.body()
        }
    }
    // The deref is needed: without it the `'static` of the picked name is lost (clippy's
    // suggestion does not compile).
    #[allow(clippy::explicit_auto_deref)]
    fn city(&mut self) -> &'static str {
        *self.rng.pick(&self.vocab.cities)
    }
    fn outlet(&mut self) -> String {
        self.rng.pick(&self.vocab.outlets).0.clone()
    }
    fn verb(&mut self) -> (&'static str, &'static str) {
        *self.rng.pick(VERBS)
    }

    /// A past day shortly before publication, as an expression: "on March 5", "on Feb. 28,
    /// 2024", "on Tuesday", "yesterday", "last week", "three days ago".
    fn past_when(&mut self) -> String {
        let back = self.rng.between(1, 9);
        let d = self.published - Duration::days(back);
        match self.rng.below(8) {
            0 | 1 => format!("on {}", month_day(d, self.rng.chance(0.5))),
            2 => format!("on {}, {}", month_day(d, false), d.year()),
            3 if back < 7 => format!("on {}", weekday_name(d.weekday())),
            4 => "yesterday".to_string(),
            5 => "last week".to_string(),
            6 => format!("{} days ago", ["two", "three", "four"][self.rng.below(3)]),
            _ => format!("on {}", month_day(d, false)),
        }
    }

    /// A day after publication: "next Thursday", "next week", "next month", "on April 24".
    fn future_when(&mut self) -> String {
        let ahead = self.rng.between(3, 30);
        let d = self.published + Duration::days(ahead);
        match self.rng.below(4) {
            0 => format!("next {}", weekday_name(d.weekday())),
            1 => "next week".to_string(),
            2 => "next month".to_string(),
            _ => format!("on {}", month_day(d, false)),
        }
    }

    fn title(&mut self, story: &str, lead: &Person) -> String {
        let (past, _) = self.verb();
        let story_cap = capitalise(story);
        match self.rng.below(4) {
            0 => format!("{} {past} {story} plan", capitalise(&lead.name)),
            1 => format!("{story_cap}: {} says more work is needed", lead.name),
            2 => format!("{story_cap} faces new questions in {}", self.city()),
            _ => format!("What next for the {story}?"),
        }
    }

    /// A sentence about any story (configured or invented), with a date, attribution or hedge.
    /// For a configured topic's story (`configured`), the verbs are ones no stage trigger uses,
    /// so its stage facts come from its arc alone, as a real story's would.
    fn story_sentence(&mut self, story: &str, configured: bool) -> String {
        let (past, base) = if configured {
            *self.rng.pick(NEUTRAL_VERBS)
        } else {
            self.verb()
        };
        let first = if configured {
            "first discussed"
        } else {
            "first proposed"
        };
        match self.rng.below(16) {
            0 => format!(
                "{} {past} the {story} {}, {} reported.",
                capitalise(&self.speaker()),
                self.past_when(),
                self.outlet()
            ),
            1 => {
                let when = self.past_when();
                let hours = self.rng.between(2, 9);
                format!(
                    "{}, {} {past} the {story} after {hours} hours of discussions in {}.",
                    capitalise(&when),
                    self.speaker(),
                    self.city()
                )
            }
            2 => format!(
                "The {story} was {past} {}, according to {}.",
                self.past_when(),
                self.speaker()
            ),
            3 => {
                let n = *self.rng.pick(NUMBER_WORDS);
                format!(
                    "{} reported, citing {n} officials familiar with the matter, that {} had {past} the {story} {}.",
                    self.outlet(),
                    self.speaker(),
                    self.past_when()
                )
            }
            4 => format!(
                "{} said {} that the {story} had been {past} by {}.",
                capitalise(&self.speaker()),
                self.past_when(),
                self.body()
            ),
            5 => format!(
                "{} met {} in {} {} to discuss the {story}.",
                capitalise(&self.speaker()),
                self.person().name,
                self.city(),
                self.past_when()
            ),
            6 => format!(
                "{} {past} the {story} last week, {} said.",
                capitalise(&self.speaker()),
                self.body()
            ),
            7 => format!(
                "{} told reporters yesterday that the {story} would need more work.",
                capitalise(&self.speaker())
            ),
            8 => format!(
                "{} may {base} the {story} {}, {} said.",
                capitalise(&self.speaker()),
                self.future_when(),
                self.body()
            ),
            9 => format!(
                "The {story} could be {past} {}, according to {}.",
                self.future_when(),
                self.speaker()
            ),
            10 => format!(
                "The {story} would be signed {}, {} said.",
                self.future_when(),
                self.speaker()
            ),
            11 => format!(
                "{} suggested that {} might {base} the {story} if costs rose again.",
                capitalise(&self.speaker()),
                self.body()
            ),
            12 => format!("The {story} has divided {} for months.", self.body()),
            13 => format!(
                "\"We will not accept a plan that ignores our interests,\" {} said.",
                self.person().name
            ),
            14 => {
                let n = self.rng.between(2, 90);
                format!(
                    "The {story} is worth about ${n} billion, according to {}.",
                    self.body()
                )
            }
            _ => {
                let d = self.published - Duration::days(self.rng.between(60, 700));
                format!(
                    "In {} {}, {} {first} the {story}.",
                    month_name(d.month()),
                    d.year(),
                    self.speaker()
                )
            }
        }
    }

    /// Sentences that move or discuss a configured topic's stage: the stage reached most
    /// recently before publication (reported with its date when it is news, with its full date
    /// later on), and sometimes a hedged or future statement about the next stage.
    fn topic_sentences(
        &mut self,
        topic: &crate::config::Topic,
        arc: &Arc,
        story: &str,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let reached = arc.steps.iter().rev().find(|(d, _)| *d <= self.published);
        if let Some(&(day, stage)) = reached {
            let fresh = (self.published - day).num_days() <= 7;
            let when = if fresh && self.rng.chance(0.7) {
                format!("on {}", month_day(day, false))
            } else {
                format!("on {}, {}", month_day(day, false), day.year())
            };
            if fresh || self.rng.chance(0.5) {
                out.push(self.stage_sentence(&topic.id, &topic.stages[stage].id, story, &when));
            }
        }
        let next = reached.map_or(0, |(_, s)| s + 1);
        if next < topic.stages.len() && self.rng.chance(0.5) {
            let future = self.future_when();
            let speaker = self.speaker();
            let stage = &topic.stages[next];
            out.push(match self.rng.below(3) {
                0 => format!(
                    "{} said the {story} could be {} {future}.",
                    capitalise(&speaker),
                    stage.name
                ),
                1 => format!(
                    "According to {speaker}, the {story} may be {} {future}.",
                    stage.name
                ),
                _ => format!(
                    "The {story} would be {} {future}, {speaker} said.",
                    stage.name
                ),
            });
        }
        out
    }

    /// A fact that reports a stage of a configured topic, worded to meet the stage's triggers.
    fn stage_sentence(&mut self, topic: &str, stage: &str, story: &str, when: &str) -> String {
        let a = self.speaker();
        let b = self.person().name;
        let city = self.city();
        match (topic, stage) {
            ("minerals", "proposed") => format!("{} presented a proposed deal on mineral resources {when}.", capitalise(&a)),
            ("minerals", "rejected") => format!("Kyiv rejected the draft minerals agreement {when}, {a} said."),
            ("minerals", "collapsed") => format!("The minerals deal fell apart {when} after a tense meeting, {a} said."),
            ("minerals", "stalled") => format!("Work on the minerals agreement stalled {when}, according to {a}."),
            ("minerals", "negotiating") => format!("Negotiations on the minerals deal began {when}, {a} said."),
            ("minerals", "memorandum_signed") => format!("Officials signed a memorandum of intent on the minerals deal {when}."),
            ("minerals", "signed") => format!("{} and {b} signed the minerals agreement in {city} {when}.", capitalise(&a)),
            ("minerals", "ratified") => format!("The Verkhovna Rada ratified the minerals agreement {when}."),
            ("minerals", "in_force") => format!("The minerals agreement entered into force {when}, {a} said."),
            ("minerals", "operational") => format!("The reconstruction investment fund became operational {when}, {a} said."),
            ("aid", "flowing") => format!("The United States remained Ukraine's largest supplier of military aid {when}, {a} said."),
            ("aid", "paused") => format!("Washington paused military aid to Ukraine {when}, {a} said."),
            ("aid", "resumed") => format!("The United States resumed military aid deliveries to Ukraine {when}, {a} said."),
            ("intel", "paused") => format!("The CIA paused intelligence sharing with Kyiv {when}, {a} said."),
            ("intel", "resumed") => format!("Intelligence sharing with Ukraine resumed {when}, according to {a}."),
            ("peace", "no_talks") => format!("Peace talks collapsed {when} when one delegation walked out, {a} said."),
            ("peace", "preparing") => format!("{} and {b} agreed to meet for peace talks, officials said {when}.", capitalise(&a)),
            ("peace", "talks") => format!("Delegations held peace talks in {city} {when}."),
            ("peace", "partial_truce") => format!("Both sides agreed to stop attacks on energy infrastructure {when}, {a} said."),
            _ => format!("The {story} was {stage} {when}, {a} said."),
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

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
const MONTHS_SHORT: [&str; 12] = [
    "Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.",
    "Dec.",
];

fn month_name(m: u32) -> &'static str {
    MONTHS[m as usize - 1]
}

/// "March 5" or, abbreviated, "Feb. 28".
fn month_day(d: NaiveDate, short: bool) -> String {
    let m = if short { MONTHS_SHORT } else { MONTHS }[d.month0() as usize];
    format!("{m} {}", d.day())
}

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arcs_move_forward_through_the_span() {
        let config = Config::builtin();
        for arc in arcs(&config, 1) {
            let (start, end) = span();
            assert!(arc.steps.iter().all(|(d, _)| *d >= start && *d <= end));
            assert!(arc.steps.windows(2).all(|w| w[0].1 < w[1].1));
        }
    }

    #[test]
    fn articles_depend_only_on_seed_and_index() {
        let config = Config::builtin();
        let vocab = Vocabulary::new(&config);
        let arcs = arcs(&config, 9);
        let a = article(&config, &vocab, &arcs, 17, 100, 9);
        let b = article(&config, &vocab, &arcs, 17, 100, 9);
        assert_eq!(a.paragraphs, b.paragraphs);
        assert_eq!(a.url, b.url);
        let c = article(&config, &vocab, &arcs, 17, 100, 10);
        assert_ne!(a.paragraphs, c.paragraphs);
    }
}
