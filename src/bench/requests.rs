//! The benchmark's fixed request mix: 1,000 messages, a quarter each of `/latest`, `/status`,
//! `/timeline` and free-text questions, built from the generator's vocabulary so that the
//! questions name actors and stories the corpus really holds. Deterministic from the seed.

use super::gen_corpus::Vocabulary;
use super::rng::Rng;
use crate::config::Config;

/// What a request measures: the four latency groups of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RequestKind {
    Latest,
    Status,
    Timeline,
    Question,
}

impl RequestKind {
    pub const ALL: [RequestKind; 4] = [
        RequestKind::Latest,
        RequestKind::Status,
        RequestKind::Timeline,
        RequestKind::Question,
    ];

    /// The `"request"` value of the JSON lines.
    pub fn name(self) -> &'static str {
        match self {
            RequestKind::Latest => "latest",
            RequestKind::Status => "status",
            RequestKind::Timeline => "timeline",
            RequestKind::Question => "question",
        }
    }
}

/// Requests in the mix.
pub const MIX_SIZE: usize = 1000;

/// The mix, shuffled so that kinds interleave as they would in a chat. The questions are
/// `questions` in turn when some are given (`bench --questions FILE`), else generated.
pub fn request_mix(
    config: &Config,
    vocab: &Vocabulary,
    seed: u64,
    questions: &[String],
) -> Vec<(RequestKind, String)> {
    let mut rng = Rng::for_item(seed ^ 0x5E_ED0F_BE4C, 0);
    let topics: Vec<&str> = config.topics.iter().map(|t| t.id.as_str()).collect();
    let topic = |rng: &mut Rng| -> String {
        if topics.is_empty() {
            String::new()
        } else {
            format!(" {}", rng.pick(&topics))
        }
    };
    let per_kind = MIX_SIZE / 4;
    let mut out = Vec::with_capacity(MIX_SIZE);
    for i in 0..per_kind {
        let latest = if i % 3 == 0 {
            "/latest".to_string()
        } else {
            format!("/latest{}", topic(&mut rng))
        };
        out.push((RequestKind::Latest, latest));
        let status = match i % 4 {
            0 => "/status".to_string(),
            1 => {
                let year = rng.between(2021, 2026);
                let month = rng.between(1, 12);
                format!(
                    "/status{} {year}-{month:02}-{:02}",
                    topic(&mut rng),
                    rng.between(1, 28)
                )
            }
            _ => format!("/status{}", topic(&mut rng)),
        };
        out.push((RequestKind::Status, status));
        let timeline = if i % 5 == 0 {
            "/timeline".to_string()
        } else {
            format!("/timeline{}", topic(&mut rng))
        };
        out.push((RequestKind::Timeline, timeline));
        let generated = question(config, vocab, &mut rng);
        let asked = match questions {
            [] => generated,
            given => given[i % given.len()].clone(),
        };
        out.push((RequestKind::Question, asked));
    }
    rng.shuffle(&mut out);
    out
}

/// A question in the words the corpus uses.
fn question(config: &Config, vocab: &Vocabulary, rng: &mut Rng) -> String {
    let story = &rng.pick(&vocab.stories).name;
    let person = &rng.pick(&vocab.people).name;
    let body = rng.pick(&vocab.bodies);
    let (past, base) = *rng.pick(vocab.verbs());
    match rng.below(9) {
        0 => format!("When did {person} {base} the {story}?"),
        1 => format!("Who {past} the {story}?"),
        2 => format!("What did {person} say about the {story}?"),
        3 => format!("How much is the {story} worth?"),
        4 => format!("Why was the {story} {past}?"),
        5 => format!("Did {body} {base} the {story}?"),
        6 | 7 if !config.topics.is_empty() => {
            // A stage question about a configured topic ("Is the minerals deal ratified yet?").
            let t = rng.pick(&config.topics);
            let stage = t
                .stages
                .get(rng.below(t.stages.len().max(1)))
                .map_or("signed", |s| s.name.as_str());
            let name = t.aliases.first().unwrap_or(&t.name);
            if rng.chance(0.5) {
                format!("Is the {name} {stage} yet?")
            } else {
                format!("When was the {name} {stage}?")
            }
        }
        _ => format!(
            "What happened with the {story} in {}?",
            rng.pick(&vocab.cities)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_fixed_and_balanced() {
        let config = Config::builtin();
        let vocab = Vocabulary::new(&config);
        let a = request_mix(&config, &vocab, 42, &[]);
        assert_eq!(a, request_mix(&config, &vocab, 42, &[]));
        assert_eq!(a.len(), MIX_SIZE);
        for kind in RequestKind::ALL {
            assert_eq!(a.iter().filter(|(k, _)| *k == kind).count(), MIX_SIZE / 4);
        }
        // Given questions replace the generated ones, in turn; the rest stays.
        let given = vec!["Who signed the deal?".to_string(), "Why?".to_string()];
        let b = request_mix(&config, &vocab, 42, &given);
        let asked: Vec<&String> = b
            .iter()
            .filter(|(k, _)| *k == RequestKind::Question)
            .map(|(_, q)| q)
            .collect();
        assert_eq!(asked.len(), MIX_SIZE / 4);
        assert!(asked.iter().all(|q| given.contains(q)));
        assert_eq!(
            b.iter().filter(|(k, _)| *k == RequestKind::Latest).count(),
            MIX_SIZE / 4
        );
    }
}
