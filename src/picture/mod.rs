//! The story at a glance: a topic's timeline as a picture and its status as a card, both PNG.
//!
//! Pure drawing: the values here ([`TimelineData`], [`StatusCard`]) are filled by the answer
//! layer from the store (`answer::picture`), and the front-ends only send the bytes. Nothing
//! here knows Telegram or the store. The fonts are bundled (assets/fonts), so a picture looks
//! the same on any machine.

mod canvas;
mod card;
mod timeline;

use chrono::NaiveDate;

pub use canvas::Rgb;
pub use card::status_card_png;
pub use timeline::{place_in_lanes, timeline_png, TimelineLayout, LABEL_LANES_MAX};

/// Why a picture could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("a {width}×{height} picture is too large or empty")]
    Size { width: u32, height: u32 },
    #[error("the bundled font could not be read")]
    Font,
    #[error("PNG encoding failed: {0}")]
    Encode(String),
    #[error("nothing to draw: {0}")]
    Empty(&'static str),
}

/// The language of the picture's own words (month names, "as of", the legend). Stage names and
/// event labels come translated, or as the sources wrote them, in the values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    English,
    Ukrainian,
}

impl Lang {
    /// "uk" (or "uk-UA", as Telegram gives a user's language) is Ukrainian; anything else English.
    pub fn from_code(code: &str) -> Lang {
        if code.eq_ignore_ascii_case("uk") || code.to_ascii_lowercase().starts_with("uk-") {
            Lang::Ukrainian
        } else {
            Lang::English
        }
    }
}

/// How a stage is coloured: forward stages in deepening blue-green by their place among the
/// topic's forward stages, setbacks in oranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// The n-th forward stage of the topic (0 = the first).
    Forward(usize),
    /// The n-th setback stage of the topic.
    Setback(usize),
}

impl Tone {
    pub fn colour(self) -> Rgb {
        const FORWARD: [Rgb; 8] = [
            Rgb(198, 219, 239),
            Rgb(158, 202, 225),
            Rgb(107, 174, 214),
            Rgb(66, 146, 198),
            Rgb(33, 113, 181),
            Rgb(35, 139, 69),
            Rgb(0, 109, 44),
            Rgb(0, 68, 27),
        ];
        const SETBACK: [Rgb; 3] = [Rgb(253, 141, 60), Rgb(230, 85, 13), Rgb(166, 54, 3)];
        match self {
            Tone::Forward(n) => FORWARD[n.min(FORWARD.len() - 1)],
            Tone::Setback(n) => SETBACK[n % SETBACK.len()],
        }
    }
}

/// One stage the topic reached, from `day` until the next stage (or the as-of day).
#[derive(Debug, Clone, PartialEq)]
pub struct StageMark {
    pub name: String,
    pub day: NaiveDate,
    pub tone: Tone,
}

/// One dated event: a fact (a filled dot) or an expected, hedged or conditional statement (a
/// hollow one).
#[derive(Debug, Clone, PartialEq)]
pub struct EventMark {
    pub day: NaiveDate,
    /// A short label (the source's sentence, cut to fit by the drawing).
    pub text: String,
    pub fact: bool,
}

/// What the timeline picture shows: the same values as the text timeline and status.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineData {
    /// The topic's name ("Minerals deal").
    pub title: String,
    pub lang: Lang,
    /// The story's "now": the as-of line.
    pub as_of: NaiveDate,
    /// Stages reached, oldest first.
    pub stages: Vec<StageMark>,
    /// Dated events, oldest first.
    pub events: Vec<EventMark>,
}

/// One of the topic's forward stages on the status card's progress row.
#[derive(Debug, Clone, PartialEq)]
pub struct CardStage {
    pub name: String,
    pub tone: Tone,
    /// When it was reached, if it was.
    pub reached: Option<NaiveDate>,
}

/// What the status card shows: the topic, its stage as of a day, the progress through its
/// stages, the lead evidence and what is expected.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusCard {
    pub title: String,
    pub lang: Lang,
    /// The current stage's name and tone; `None` when no dated fact gives one.
    pub current: Option<(String, Tone)>,
    /// The latest day a fact still reported the current stage.
    pub as_of: Option<NaiveDate>,
    /// The topic's forward stages in order.
    pub stages: Vec<CardStage>,
    /// The sentence that reports the current stage.
    pub lead: Option<String>,
    /// Who reported it and when ("Reuters, 2025-05-01").
    pub source: Option<String>,
    /// Expected stages with their statement ("Expected: in force — …").
    pub expected: Vec<String>,
}

/// Month names and fixed words in the picture's language.
pub(crate) struct Words {
    pub as_of: &'static str,
    pub fact: &'static str,
    pub expected: &'static str,
    pub timeline: &'static str,
    pub status: &'static str,
    pub no_stage: &'static str,
    pub events: &'static str,
    pub more_labels: &'static str,
    months: [&'static str; 12],
    lang: Lang,
}

impl Words {
    pub fn of(lang: Lang) -> Words {
        match lang {
            Lang::English => Words {
                as_of: "as of",
                fact: "fact",
                expected: "expected, hedged or conditional",
                timeline: "Timeline",
                status: "Status",
                no_stage: "no dated stage in my sources",
                events: "events",
                more_labels: "more events without a label",
                months: [
                    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                    "Dec",
                ],
                lang,
            },
            Lang::Ukrainian => Words {
                as_of: "станом на",
                fact: "факт",
                expected: "очікується, непевно чи за умови",
                timeline: "Хронологія",
                status: "Стан",
                no_stage: "у моїх джерелах немає датованого етапу",
                events: "подій",
                more_labels: "подій без підпису",
                months: [
                    "січ.",
                    "лют.",
                    "бер.",
                    "квіт.",
                    "трав.",
                    "черв.",
                    "лип.",
                    "серп.",
                    "вер.",
                    "жовт.",
                    "лист.",
                    "груд.",
                ],
                lang,
            },
        }
    }

    pub fn month(&self, month0: u32) -> &'static str {
        self.months[(month0 as usize).min(11)]
    }

    /// "Mar 4" / "4 бер.".
    pub fn day_month(&self, day: NaiveDate) -> String {
        use chrono::Datelike;
        match self.lang {
            Lang::English => format!("{} {}", self.month(day.month0()), day.day()),
            Lang::Ukrainian => format!("{} {}", day.day(), self.month(day.month0())),
        }
    }

    /// "Mar 4, 2025" / "4 бер. 2025".
    pub fn full_day(&self, day: NaiveDate) -> String {
        use chrono::Datelike;
        match self.lang {
            Lang::English => format!("{}, {}", self.day_month(day), day.year()),
            Lang::Ukrainian => format!("{} {}", self.day_month(day), day.year()),
        }
    }
}
