//! The timeline picture: a horizontal time axis from the first day of the month of the earliest
//! date to the first day of the month after the latest (the as-of day included); the stages as
//! coloured spans in a band above it, each from its day to the next stage (the last to the as-of
//! day); events as dots with short labels placed greedily in lanes below, so no two labels
//! overlap; the as-of day as a dashed red line; a legend of the stages and the marks.

use chrono::{Datelike, Months, NaiveDate};

use super::canvas::{Canvas, Face, Rgb};
use super::{PictureError, TimelineData, Words};

/// The picture's width in pixels; its height grows with the label lanes used.
pub const WIDTH: u32 = 1200;
const LEFT: f32 = 40.0;
const RIGHT: f32 = WIDTH as f32 - 40.0;
const BAND_TOP: f32 = 78.0;
const BAND_HEIGHT: f32 = 30.0;
const AXIS_Y: f32 = 134.0;
const LANES_TOP: f32 = 172.0;
const LANE_HEIGHT: f32 = 20.0;
/// Most label lanes below the axis; events beyond them keep their dot on the axis only.
pub const LABEL_LANES_MAX: usize = 18;
/// Longest event label in pixels (a longer sentence is cut with "…").
const LABEL_MAX_WIDTH: f32 = 240.0;
const LABEL_SIZE: f32 = 12.5;
/// Room between two labels in one lane.
const LABEL_GAP: f32 = 8.0;
const DOT_RADIUS: f32 = 4.5;

/// Where days fall on the picture (see the module comment for the axis' range).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimelineLayout {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub left: f32,
    pub right: f32,
    /// The stage band's top and bottom rows.
    pub band_top: f32,
    pub band_bottom: f32,
}

impl TimelineLayout {
    pub fn of(data: &TimelineData) -> TimelineLayout {
        let days = data
            .stages
            .iter()
            .map(|s| s.day)
            .chain(data.events.iter().map(|e| e.day))
            .chain(std::iter::once(data.as_of));
        let (first, last) = days.fold((data.as_of, data.as_of), |(lo, hi), d| {
            (lo.min(d), hi.max(d))
        });
        let start = first.with_day(1).unwrap_or(first);
        let end = last
            .with_day(1)
            .and_then(|d| d.checked_add_months(Months::new(1)))
            .unwrap_or(last);
        TimelineLayout {
            start,
            end,
            left: LEFT,
            right: RIGHT,
            band_top: BAND_TOP,
            band_bottom: BAND_TOP + BAND_HEIGHT,
        }
    }

    /// The x of the start of `day`.
    pub fn x_of(&self, day: NaiveDate) -> f32 {
        let span = (self.end - self.start).num_days().max(1) as f32;
        let offset = (day - self.start).num_days() as f32;
        self.left + offset / span * (self.right - self.left)
    }

    /// The first day of each month on the axis, the axis' start included.
    fn month_starts(&self) -> Vec<NaiveDate> {
        let mut out = Vec::new();
        let mut d = self.start;
        while d <= self.end {
            out.push(d);
            match d.checked_add_months(Months::new(1)) {
                Some(next) => d = next,
                None => break,
            }
        }
        out
    }
}

/// Places labels spanning `spans` (start, end in pixels; in drawing order) in lanes: each goes
/// to the first lane whose labels all end `gap` before it starts, a new lane when none does,
/// and nowhere (`None`) when `max_lanes` are full. Labels in one lane never overlap.
pub fn place_in_lanes(spans: &[(f32, f32)], max_lanes: usize, gap: f32) -> Vec<Option<usize>> {
    let mut lane_ends: Vec<f32> = Vec::new();
    spans
        .iter()
        .map(|&(start, end)| {
            let free = lane_ends.iter().position(|&e| e + gap <= start);
            let lane = match free {
                Some(l) => l,
                None if lane_ends.len() < max_lanes => {
                    lane_ends.push(f32::NEG_INFINITY);
                    lane_ends.len() - 1
                }
                None => return None,
            };
            lane_ends[lane] = lane_ends[lane].max(end);
            Some(lane)
        })
        .collect()
}

/// One event's label, placed: the text, where it starts, and its lane.
struct Label {
    text: String,
    x: f32,
    lane: Option<usize>,
}

/// Draws `data` as a PNG (see the module comment).
pub fn timeline_png(data: &TimelineData) -> Result<Vec<u8>, PictureError> {
    if data.stages.is_empty() && data.events.is_empty() {
        return Err(PictureError::Empty("no stages and no dated events"));
    }
    let words = Words::of(data.lang);
    let layout = TimelineLayout::of(data);
    // Labels are measured on a scratch canvas, so the real one can be as tall as they need.
    let labels = place_labels(&Canvas::new(1, 1)?, data, &layout, &words);
    let lanes = labels
        .iter()
        .filter_map(|l| l.lane)
        .max()
        .map_or(0, |l| l + 1);
    let lanes_bottom = LANES_TOP + lanes as f32 * LANE_HEIGHT;
    let legend_top = lanes_bottom + 18.0;
    let scratch = Canvas::new(1, 1)?;
    let legend_rows = legend_entries(&scratch, data, &words).1;
    let height = legend_top + legend_rows as f32 * 20.0 + 14.0;
    let mut canvas = Canvas::new(WIDTH, height.ceil() as u32)?;
    draw_axis(&mut canvas, &layout, lanes_bottom, &words);
    draw_stages(&mut canvas, data, &layout);
    draw_events(&mut canvas, data, &layout, &labels);
    draw_as_of(&mut canvas, data, &layout, lanes_bottom, &words);
    draw_heading(&mut canvas, data, &labels, &words);
    draw_legend(&mut canvas, data, legend_top, &words);
    canvas.into_png()
}

fn place_labels(
    canvas: &Canvas,
    data: &TimelineData,
    layout: &TimelineLayout,
    words: &Words,
) -> Vec<Label> {
    let mut texts = Vec::with_capacity(data.events.len());
    let mut spans = Vec::with_capacity(data.events.len());
    for e in &data.events {
        let x = layout.x_of(e.day);
        let full = format!("{} · {}", words.day_month(e.day), e.text);
        let text = canvas.fit(&full, Face::Regular, LABEL_SIZE, LABEL_MAX_WIDTH);
        let w = canvas.text_width(&text, Face::Regular, LABEL_SIZE);
        // Right of the dot, or left of it when it would run off the picture.
        let start = if x + DOT_RADIUS + 4.0 + w > WIDTH as f32 - 8.0 {
            x - DOT_RADIUS - 4.0 - w
        } else {
            x + DOT_RADIUS + 4.0
        };
        spans.push((start.min(x - DOT_RADIUS), (start + w).max(x + DOT_RADIUS)));
        texts.push((text, start));
    }
    place_in_lanes(&spans, LABEL_LANES_MAX, LABEL_GAP)
        .into_iter()
        .zip(texts)
        .map(|(lane, (text, x))| Label { text, x, lane })
        .collect()
}

fn lane_centre(lane: usize) -> f32 {
    LANES_TOP + lane as f32 * LANE_HEIGHT + LANE_HEIGHT / 2.0
}

fn draw_axis(canvas: &mut Canvas, layout: &TimelineLayout, lanes_bottom: f32, words: &Words) {
    canvas.line(
        (layout.left, AXIS_Y),
        (layout.right, AXIS_Y),
        1.5,
        Rgb::GREY,
        None,
    );
    let months = layout.month_starts();
    // With many months, label every second or third so the names do not run together.
    let every = months.len().div_ceil(14).max(1);
    for (i, m) in months.iter().enumerate() {
        let x = layout.x_of(*m).round() + 0.5;
        canvas.line(
            (x, layout.band_bottom + 4.0),
            (x, lanes_bottom.max(LANES_TOP)),
            1.0,
            Rgb::RULE,
            None,
        );
        canvas.line((x, AXIS_Y - 5.0), (x, AXIS_Y + 5.0), 1.0, Rgb::GREY, None);
        if i % every != 0 || *m >= layout.end {
            continue;
        }
        let name = if i == 0 || m.month() == 1 {
            format!("{} {}", words.month(m.month0()), m.year())
        } else {
            words.month(m.month0()).to_string()
        };
        canvas.text(
            &name,
            x + 4.0,
            AXIS_Y + 20.0,
            Face::Regular,
            12.0,
            Rgb::GREY,
        );
    }
}

fn draw_stages(canvas: &mut Canvas, data: &TimelineData, layout: &TimelineLayout) {
    for (i, stage) in data.stages.iter().enumerate() {
        let until = data
            .stages
            .get(i + 1)
            .map_or(data.as_of.max(stage.day), |next| next.day);
        let x0 = layout.x_of(stage.day).round();
        let x1 = layout.x_of(until).round().max(x0 + 2.0);
        let colour = stage.tone.colour();
        canvas.fill_rect(x0, layout.band_top, x1 - x0, BAND_HEIGHT, colour);
        let name = canvas.fit(&stage.name, Face::Bold, 12.5, x1 - x0 - 8.0);
        // A name cut to a stub ("s…") says nothing in a narrow span: the legend names it.
        if name.chars().count() > 3 || name == stage.name {
            canvas.text(
                &name,
                x0 + 4.0,
                layout.band_top + 20.0,
                Face::Bold,
                12.5,
                colour.text_on(),
            );
        }
    }
}

fn draw_events(
    canvas: &mut Canvas,
    data: &TimelineData,
    layout: &TimelineLayout,
    labels: &[Label],
) {
    for (e, label) in data.events.iter().zip(labels) {
        let x = layout.x_of(e.day);
        let colour = if e.fact { Rgb::INK } else { Rgb::GREY };
        canvas.line((x, AXIS_Y - 4.0), (x, AXIS_Y + 4.0), 2.0, colour, None);
        let Some(lane) = label.lane else {
            canvas.dot(x, AXIS_Y, DOT_RADIUS - 1.0, colour, e.fact);
            continue;
        };
        let y = lane_centre(lane);
        canvas.dot(x, y, DOT_RADIUS, colour, e.fact);
        canvas.text(
            &label.text,
            label.x,
            y + 4.5,
            Face::Regular,
            LABEL_SIZE,
            colour,
        );
    }
}

fn draw_as_of(
    canvas: &mut Canvas,
    data: &TimelineData,
    layout: &TimelineLayout,
    lanes_bottom: f32,
    words: &Words,
) {
    let x = layout.x_of(data.as_of).round() + 0.5;
    canvas.line(
        (x, layout.band_top - 8.0),
        (x, lanes_bottom.max(AXIS_Y + 10.0)),
        1.5,
        Rgb::AS_OF,
        Some((5.0, 4.0)),
    );
    let text = format!("{} {}", words.as_of, words.full_day(data.as_of));
    let w = canvas.text_width(&text, Face::Regular, 12.0);
    let baseline = layout.band_top - 10.0;
    if x - 4.0 - w >= LEFT {
        canvas.text_right(&text, x - 4.0, baseline, Face::Regular, 12.0, Rgb::AS_OF);
    } else {
        canvas.text(&text, x + 4.0, baseline, Face::Regular, 12.0, Rgb::AS_OF);
    }
}

fn draw_heading(canvas: &mut Canvas, data: &TimelineData, labels: &[Label], words: &Words) {
    canvas.text(&data.title, LEFT, 32.0, Face::Bold, 22.0, Rgb::INK);
    let unlabelled = labels.iter().filter(|l| l.lane.is_none()).count();
    let mut sub = format!(
        "{} · {} {}",
        words.timeline,
        data.events.len(),
        words.events
    );
    if unlabelled > 0 {
        sub.push_str(&format!(" · {unlabelled} {}", words.more_labels));
    }
    canvas.text(&sub, LEFT, 52.0, Face::Regular, 13.0, Rgb::GREY);
}

/// The legend's entries (stage swatches, then the two marks), each with its row, and the
/// number of rows.
fn legend_entries(
    canvas: &Canvas,
    data: &TimelineData,
    words: &Words,
) -> (Vec<(String, f32, usize)>, usize) {
    let mut texts: Vec<String> = data
        .stages
        .iter()
        .map(|s| format!("{} ({})", s.name, words.day_month(s.day)))
        .collect();
    texts.push(words.fact.to_string());
    texts.push(words.expected.to_string());
    let mut out = Vec::new();
    let (mut x, mut row) = (LEFT, 0);
    for text in texts {
        let w = 18.0 + canvas.text_width(&text, Face::Regular, 12.0) + 16.0;
        if x + w > RIGHT && x > LEFT {
            x = LEFT;
            row += 1;
        }
        out.push((text, x, row));
        x += w;
    }
    (out, row + 1)
}

fn draw_legend(canvas: &mut Canvas, data: &TimelineData, top: f32, words: &Words) {
    let (entries, _) = legend_entries(canvas, data, words);
    let stages = data.stages.len();
    for (i, (text, x, row)) in entries.iter().enumerate() {
        let y = top + *row as f32 * 20.0;
        if i < stages {
            canvas.fill_rect(*x, y - 10.0, 12.0, 12.0, data.stages[i].tone.colour());
        } else {
            let fact = i == stages;
            let colour = if fact { Rgb::INK } else { Rgb::GREY };
            canvas.dot(x + 6.0, y - 4.0, DOT_RADIUS, colour, fact);
        }
        canvas.text(text, x + 18.0, y, Face::Regular, 12.0, Rgb::INK);
    }
}
