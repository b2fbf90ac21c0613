//! Finding and scoring the events that answer a question's concepts: each concept's forms
//! are looked up in the store's term and actor indexes, events are scored by how much of the
//! question they cover (rare concepts weigh more), and too little coverage means no answer.
//! Turning a question into concepts is `question.rs`'s concern.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::question::QuestionKind;
use crate::event::Event;
use crate::store::{PostingOf, Store, StoreError};

/// The part of the question's weight that events must cover to count as an answer.
const MIN_COVERAGE: f32 = 0.5;

/// One form of a concept: what an event must hold to say it.
pub enum Alternative {
    /// A stemmed term (`crate::text::stem` of a question word).
    Term(String),
    /// An actor's canonical name.
    Actor(String),
}

impl Alternative {
    fn posting(&self) -> PostingOf<'_> {
        match self {
            Alternative::Term(t) => PostingOf::Term(t),
            Alternative::Actor(a) => PostingOf::Actor(a),
        }
    }
}

/// One thing the question asks about, with the forms that count as saying it.
pub struct Concept {
    /// Each form with the factor a match by it counts for (1.0 for the word itself).
    pub alternatives: Vec<(Alternative, f32)>,
}

/// An event and how well it answers.
pub struct Scored {
    pub event: Event,
    pub coverage: f32,
}

/// Finds the events that say the most of `concepts`, best first; empty when nothing covers
/// enough of them (or there are none).
pub fn search(
    store: &Store,
    concepts: &[Concept],
    kind: QuestionKind,
    day: Option<NaiveDate>,
    limit: usize,
) -> Result<Vec<Scored>, StoreError> {
    if concepts.is_empty() {
        return Ok(Vec::new());
    }
    let total_events = store.event_count()?.max(1) as f32;
    let n = concepts.len();
    // Each concept's frequency first, from counters: the sum of its forms' frequencies (an
    // upper bound of their union).
    let mut estimates: Vec<usize> = Vec::with_capacity(n);
    for concept in concepts {
        let mut sum = 0usize;
        for (alt, _) in &concept.alternatives {
            sum += match alt {
                Alternative::Term(t) => store.term_frequency(t)? as usize,
                Alternative::Actor(a) => store.actor_frequency(a)? as usize,
            };
        }
        estimates.push(sum);
    }
    // The rarest concepts' postings are read in full while their total stays within READ_MAX
    // (on a small store: all of them, and the result is exactly that of scoring every
    // posting). A commoner concept is then checked only for the candidates the rarer ones
    // found, and weighs by its estimate.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&ci| estimates[ci]);
    let mut read_in_full = vec![false; n];
    let mut df: Vec<f32> = estimates.iter().map(|e| (*e).max(1) as f32).collect();
    // Event key → (its segment, per-concept best match factor for the concepts read).
    let mut hits: HashMap<String, (u64, Vec<f32>), Fnv> = HashMap::default();
    let mut read = 0usize;
    for (i, &ci) in order.iter().enumerate() {
        if i > 0 && read + estimates[ci] > READ_MAX {
            break;
        }
        // The concept's document frequency is that of all its forms together: "Russia" with
        // Putin and the Kremlin is as common as their events combined.
        let mut matched = 0usize;
        let mut complete = true;
        for (alt, factor) in &concepts[ci].alternatives {
            // Newest first: when a common concept cannot be read whole, the latest reports are
            // the ones a news reader asks about.
            let (segments, all) = store.postings_newest(alt.posting(), READ_MAX)?;
            complete &= all;
            for (segment, keys) in segments {
                for key in keys {
                    let (_, slot) = hits.entry(key).or_insert_with(|| (segment, vec![0.0; n]));
                    if slot[ci] == 0.0 {
                        matched += 1;
                    }
                    slot[ci] = slot[ci].max(*factor);
                }
            }
        }
        read += matched;
        read_in_full[ci] = complete;
        if complete {
            df[ci] = matched.max(1) as f32;
        }
    }
    // Words the store never saw weigh like the rarest: a question about something absent
    // must not be carried by its common words.
    let weights: Vec<f32> = df.iter().map(|d| (1.0 + total_events / d).ln()).collect();
    let total_weight: f32 = weights.iter().sum();
    // What a candidate may still gain from the concepts not read in full.
    // Heaviest first: a candidate missing one of them is dropped soonest.
    let mut unread: Vec<usize> = (0..n).filter(|&ci| !read_in_full[ci]).collect();
    unread.sort_by(|a, b| weights[*b].total_cmp(&weights[*a]));
    let unread_weight: f32 = unread.iter().map(|&ci| weights[ci]).sum();
    // A concept read only in part is among the unread: it counts at its full weight here, and
    // its factor is checked per candidate below.
    let mut candidates: Vec<(String, u64, Vec<f32>, f32)> = hits
        .into_iter()
        .map(|(key, (segment, m))| {
            let known: f32 = (0..n)
                .filter(|&ci| read_in_full[ci])
                .map(|ci| m[ci] * weights[ci])
                .sum();
            (key, segment, m, (known + unread_weight) / total_weight)
        })
        .filter(|(_, _, _, upper)| *upper >= MIN_COVERAGE)
        .collect();
    // Best possible first, so that once the best `keep` are known the rest can be skipped.
    candidates.sort_by(|a, b| b.3.total_cmp(&a.3).then_with(|| a.0.cmp(&b.0)));
    let keep = if day.is_none() { limit * 4 } else { usize::MAX };
    let mut scored: Vec<(String, f32)> = Vec::new();
    let mut best: Vec<f32> = Vec::new();
    let mut lookups = Lookups::default();
    for (key, segment, mut m, upper) in candidates {
        let bar = |best: &Vec<f32>| {
            if best.len() >= keep {
                best[keep - 1]
            } else {
                MIN_COVERAGE
            }
        };
        if best.len() >= keep && upper < bar(&best) {
            break;
        }
        // Check the unread concepts, giving up on the candidate once even the rest could not
        // lift it to the bar.
        let mut still = upper * total_weight;
        let mut dropped = false;
        for &ci in &unread {
            m[ci] = concept_factor(store, (ci, &concepts[ci]), &key, segment, &mut lookups)?;
            still -= (1.0 - m[ci]) * weights[ci];
            if still / total_weight < bar(&best) {
                dropped = true;
                break;
            }
        }
        if dropped {
            continue;
        }
        // Summed in concept order, as when every concept is read in full.
        let got: f32 = m.iter().zip(&weights).map(|(f, w)| f * w).sum();
        let coverage = got / total_weight;
        if coverage >= MIN_COVERAGE {
            scored.push((key, coverage));
            let at = best.partition_point(|b| *b >= coverage);
            best.insert(at, coverage);
            best.truncate(keep);
        }
    }
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    // With a day asked about, every candidate is read so the day's events can rise; without,
    // the best few are enough.
    if day.is_none() {
        scored.truncate(limit * 4);
    }
    let mut out = Vec::new();
    for (key, coverage) in scored {
        if let Some(event) = store.event(&key)? {
            out.push(Scored { event, coverage });
        }
    }
    // Among near-equals, prefer what answers the kind of question: a dated fact for "when",
    // a number for "how many".
    let bonus = |e: &Event| -> f32 {
        let mut b = 0.0;
        if day.is_some() && e.date.as_ref().map(|d| d.date) == day {
            b += 0.5;
        }
        if e.date.is_some() {
            b += if kind == QuestionKind::When {
                0.08
            } else {
                0.02
            };
        }
        if e.modality == crate::event::Modality::Fact {
            b += if kind == QuestionKind::When {
                0.1
            } else {
                0.03
            };
        }
        if kind == QuestionKind::HowMany && e.clause.chars().any(|c| c.is_ascii_digit()) {
            b += 0.1;
        }
        if kind == QuestionKind::Why
            && (e.clause.contains("due to") || e.clause.contains("because"))
        {
            b += 0.05;
        }
        b
    };
    out.sort_by(|a, b| {
        (b.coverage + bonus(&b.event))
            .total_cmp(&(a.coverage + bonus(&a.event)))
            .then_with(|| a.event.key().cmp(&b.event.key()))
    });
    out.truncate(limit);
    Ok(out)
}

/// FNV-1a for the candidate map: event keys are short, and SipHash's DoS resistance buys
/// nothing for keys that come from the store.
type Fnv = std::hash::BuildHasherDefault<FnvHasher>;

#[derive(Default)]
struct FnvHasher(u64);

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Postings read in full per question; commoner concepts are checked per candidate (see
/// `retrieve`).
const READ_MAX: usize = 1_000;

/// What checking candidates has read: each (form, segment) posting, as a set of event keys.
#[derive(Default)]
struct Lookups {
    /// (concept index, form index, segment) → the keys that form's posting lists there.
    postings: HashMap<(usize, usize, u64), std::collections::HashSet<String, Fnv>, Fnv>,
}

/// How well the event `key` (in `segment`) says `concept`: the best factor among the forms
/// whose posting in that segment lists it (0 for none). A segment's posting is read once for
/// all the candidates it holds.
fn concept_factor(
    store: &Store,
    (ci, concept): (usize, &Concept),
    key: &str,
    segment: u64,
    lookups: &mut Lookups,
) -> Result<f32, StoreError> {
    let mut best = 0.0f32;
    for (ai, (alt, factor)) in concept.alternatives.iter().enumerate() {
        if *factor <= best {
            continue;
        }
        let id = (ci, ai, segment);
        if !lookups.postings.contains_key(&id) {
            let keys = store.posting_in_segment(alt.posting(), segment)?;
            lookups.postings.insert(id, keys.into_iter().collect());
        }
        if lookups.postings[&id].contains(key) {
            best = *factor;
        }
    }
    Ok(best)
}
