//! The values the pictures draw ([`crate::picture`]), from the same core values as the text
//! answers: the stage history of [`topic_status`], the dated events of `/timeline` (one per
//! article and day, reports of one fact folded, the newest [`TIMELINE_MAX`]), and the story's own "now" (the newest
//! article's day) as the as-of line. Front-ends only send the PNG bytes.

use chrono::NaiveDate;

use super::builder::{article_leads, group_same_facts};
use super::{expected_label, locale, topic_status, Engine, TIMELINE_MAX};
use crate::config::Topic;
use crate::event::{Event, Modality, Precision};
use crate::picture::{
    self, CardStage, EventMark, Lang, PictureError, StageMark, StatusCard, TimelineData, Tone,
};
use crate::store::StoreError;

/// Why no picture came out.
#[derive(Debug, thiserror::Error)]
pub enum PictureFailure {
    #[error("I don't follow a topic called \"{0}\"")]
    UnknownTopic(String),
    #[error("no topics are configured")]
    NoTopics,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Picture(#[from] PictureError),
}

/// Which picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureKind {
    Timeline,
    StatusCard,
}

impl Engine {
    /// The picture of `kind` for the topic named `topic` (the first topic when `None`), as PNG.
    pub fn picture_png(
        &self,
        kind: PictureKind,
        topic: Option<&str>,
        lang: Lang,
    ) -> Result<Vec<u8>, PictureFailure> {
        let topic = match topic {
            Some(name) => self
                .config
                .find_topic(name)
                .ok_or_else(|| PictureFailure::UnknownTopic(name.to_string()))?,
            None => self.config.topics.first().ok_or(PictureFailure::NoTopics)?,
        };
        Ok(match kind {
            PictureKind::Timeline => picture::timeline_png(&self.timeline_data(topic, lang)?)?,
            PictureKind::StatusCard => picture::status_card_png(&self.status_card(topic, lang)?)?,
        })
    }

    /// What the timeline picture of `topic` shows.
    pub fn timeline_data(&self, topic: &Topic, lang: Lang) -> Result<TimelineData, StoreError> {
        let st = topic_status(&self.store, topic, None)?;
        let stages = st
            .history
            .iter()
            .filter_map(|step| {
                Some(StageMark {
                    name: stage_name(step.stage_name, lang),
                    day: step.date?,
                    tone: tone(topic, step.stage),
                })
            })
            .collect();
        let events: Vec<EventMark> = self
            .timeline_leads(topic)?
            .iter()
            .filter_map(|e| {
                Some(EventMark {
                    day: e.date.as_ref()?.date,
                    text: if e.clause.trim().is_empty() {
                        e.sentence.clone()
                    } else {
                        e.clause.clone()
                    },
                    fact: matches!(e.modality, Modality::Fact | Modality::Negated),
                })
            })
            .collect();
        let as_of = match self.store.newest_published()? {
            Some(p) => p.date_naive(),
            None => events
                .iter()
                .map(|e| e.day)
                .max()
                .unwrap_or_else(|| chrono::Utc::now().date_naive()),
        };
        Ok(TimelineData {
            title: topic.name.clone(),
            lang,
            as_of,
            stages,
            events,
        })
    }

    /// The lead event of each of the newest [`TIMELINE_MAX`] facts of `topic`, oldest first:
    /// the items of `/timeline`.
    fn timeline_leads(&self, topic: &Topic) -> Result<Vec<Event>, StoreError> {
        // As `/timeline`: read more days until the window holds more groups than are shown.
        let mut want = TIMELINE_MAX * 4;
        loop {
            let recent = self.store.topic_recent_days(&topic.id, want)?;
            let mut dated: Vec<Event> = recent
                .events
                .into_iter()
                .filter(|e| {
                    e.date
                        .as_ref()
                        .is_some_and(|d| d.precision != Precision::Before)
                })
                .collect();
            dated.sort_by_key(|e| (e.date.as_ref().map(|d| d.date), e.reported, e.key()));
            let refs: Vec<&Event> = dated.iter().collect();
            // As `/timeline`: one item per article and day, then reports of one fact folded.
            let groups = group_same_facts(&article_leads(&refs));
            if recent.complete || groups.len() > TIMELINE_MAX {
                let skip = groups.len().saturating_sub(TIMELINE_MAX);
                return Ok(groups
                    .into_iter()
                    .skip(skip)
                    .map(|g| g[0].clone())
                    .collect());
            }
            want *= 4;
        }
    }

    /// What the status card of `topic` shows.
    pub fn status_card(&self, topic: &Topic, lang: Lang) -> Result<StatusCard, StoreError> {
        let st = topic_status(&self.store, topic, None)?;
        let stages = topic
            .stages
            .iter()
            .filter(|s| !s.setback)
            .map(|s| CardStage {
                name: stage_name(&s.name, lang),
                tone: tone(topic, &s.id),
                reached: st
                    .history
                    .iter()
                    .find(|h| h.stage == s.id)
                    .and_then(|h| h.date),
            })
            .collect();
        let lead_event = st.current.as_ref().and_then(|c| c.evidence.first());
        let source = match lead_event {
            Some(e) => self
                .store
                .article(&e.article)?
                .map(|a| format!("{}, {}", a.outlet, format_iso(a.published_date()))),
            None => None,
        };
        let expected = st
            .expected
            .iter()
            .map(|(stage, e)| {
                let label = format!("{}: {}", expected_label(e.modality), stage);
                let label = if lang == Lang::Ukrainian {
                    locale::translate(&label)
                } else {
                    label
                };
                format!("{label} — {}", e.sentence)
            })
            .collect();
        Ok(StatusCard {
            title: topic.name.clone(),
            lang,
            current: st
                .current
                .as_ref()
                .map(|c| (stage_name(c.stage_name, lang), tone(topic, c.stage))),
            as_of: st.current.as_ref().and_then(|c| c.confirmed),
            stages,
            lead: lead_event.map(|e| e.sentence.clone()),
            source,
            expected,
        })
    }
}

/// A stage's name in the picture's language (the locale's phrase, or as configured).
fn stage_name(name: &str, lang: Lang) -> String {
    match lang {
        Lang::English => name.to_string(),
        Lang::Ukrainian => locale::translate(name),
    }
}

/// The stage's colour: its place among the topic's forward stages, or among its setbacks.
fn tone(topic: &Topic, stage: &str) -> Tone {
    let Some(rank) = topic.stages.iter().position(|s| s.id == stage) else {
        return Tone::Forward(0);
    };
    let setback = topic.stages[rank].setback;
    let before = topic.stages[..rank]
        .iter()
        .filter(|s| s.setback == setback)
        .count();
    if setback {
        Tone::Setback(before)
    } else {
        Tone::Forward(before)
    }
}

fn format_iso(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}
