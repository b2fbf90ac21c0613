//! The status card: a compact picture of where a topic stands, made for forwarding. The topic,
//! its current stage in the stage's colour and as of when, a row of the topic's forward stages
//! (reached ones filled, with their day), the sentence that reports the stage and its source,
//! and what is expected.

use super::canvas::{Canvas, Face, Rgb};
use super::{PictureError, StatusCard, Words};

/// The card's width in pixels; its height follows the text.
pub const CARD_WIDTH: u32 = 800;
const PAD: f32 = 32.0;
const LINE: f32 = 21.0;

/// Draws `card` as a PNG (see the module comment).
pub fn status_card_png(card: &StatusCard) -> Result<Vec<u8>, PictureError> {
    let words = Words::of(card.lang);
    let scratch = Canvas::new(1, 1)?;
    let inner = CARD_WIDTH as f32 - 2.0 * PAD;
    let lead = card
        .lead
        .as_deref()
        .map(|l| scratch.wrap(&format!("“{l}”"), Face::Regular, 15.0, inner, 3))
        .unwrap_or_default();
    let expected: Vec<String> = card
        .expected
        .iter()
        .take(2)
        .map(|e| scratch.fit(e, Face::Regular, 13.0, inner))
        .collect();
    let chips_top = 128.0;
    let mut height = chips_top + 52.0;
    height += lead.len() as f32 * LINE + if card.source.is_some() { 22.0 } else { 0.0 };
    height += expected.len() as f32 * 19.0 + 26.0;
    let mut canvas = Canvas::new(CARD_WIDTH, height.ceil() as u32)?;
    // A frame, for a card that stands out in a chat.
    let (w, h) = (CARD_WIDTH as f32, height.ceil());
    canvas.stroke_rect(1.0, 1.0, w - 2.0, h - 2.0, 2.0, Rgb::RULE);
    canvas.text(&card.title, PAD, 42.0, Face::Bold, 22.0, Rgb::INK);
    canvas.text_right("Storyline", w - PAD, 42.0, Face::Regular, 13.0, Rgb::GREY);
    match &card.current {
        Some((name, tone)) => {
            let stage = canvas.fit(name, Face::Bold, 34.0, inner * 0.6);
            canvas.text(&stage, PAD, 92.0, Face::Bold, 34.0, tone.colour().darker());
            let x = PAD + canvas.text_width(&stage, Face::Bold, 34.0) + 14.0;
            if let Some(day) = card.as_of {
                let text = format!("{} {}", words.as_of, words.full_day(day));
                canvas.text(&text, x, 92.0, Face::Regular, 16.0, Rgb::GREY);
            }
        }
        None => canvas.text(
            &format!("{}: {}", words.status, words.no_stage),
            PAD,
            92.0,
            Face::Regular,
            18.0,
            Rgb::GREY,
        ),
    }
    draw_chips(&mut canvas, card, chips_top, inner, &words);
    let mut y = chips_top + 52.0 + 16.0;
    for line in &lead {
        canvas.text(line, PAD, y, Face::Regular, 15.0, Rgb::INK);
        y += LINE;
    }
    if let Some(source) = &card.source {
        let source = canvas.fit(&format!("— {source}"), Face::Regular, 13.0, inner);
        canvas.text(&source, PAD, y, Face::Regular, 13.0, Rgb::GREY);
        y += 22.0;
    }
    for e in &expected {
        y += 4.0;
        canvas.text(e, PAD, y, Face::Regular, 13.0, Rgb::GREY);
        y += 15.0;
    }
    canvas.into_png()
}

/// The forward stages as a row of chips: reached ones filled in their colour with their day
/// below, the rest outlined.
fn draw_chips(canvas: &mut Canvas, card: &StatusCard, top: f32, inner: f32, words: &Words) {
    let n = card.stages.len().max(1) as f32;
    let gap = 6.0;
    let chip = (inner - gap * (n - 1.0)) / n;
    for (i, stage) in card.stages.iter().enumerate() {
        let x = PAD + i as f32 * (chip + gap);
        let colour = stage.tone.colour();
        let (fill, ink) = match stage.reached {
            Some(_) => (colour, colour.text_on()),
            None => (Rgb(241, 243, 245), Rgb::GREY),
        };
        canvas.fill_rect(x, top, chip, 26.0, fill);
        if stage.reached.is_none() {
            canvas.stroke_rect(x + 0.5, top + 0.5, chip - 1.0, 25.0, 1.0, Rgb::RULE);
        }
        let name = canvas.fit(&stage.name, Face::Bold, 11.5, chip - 8.0);
        canvas.text(&name, x + 4.0, top + 17.5, Face::Bold, 11.5, ink);
        if let Some(day) = stage.reached {
            canvas.text(
                &words.full_day(day),
                x + 2.0,
                top + 42.0,
                Face::Regular,
                11.0,
                Rgb::GREY,
            );
        }
    }
}
