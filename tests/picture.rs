//! The pictures (issue 14): the PNG decodes at the right size, stage spans sit at the columns
//! their days give, labels never overlap, a golden image holds within a tolerance, and the dev
//! corpus draws a timeline and a status card.
//!
//! The golden image is regenerated with `UPDATE_GOLDEN=1 cargo test --test picture`; look at it
//! before committing it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use proptest::prelude::*;
use storyline::answer::{Engine, PictureKind};
use storyline::config::Config;
use storyline::ingest::ingest_paths;
use storyline::picture::{
    place_in_lanes, status_card_png, timeline_png, CardStage, EventMark, Lang, StageMark,
    StatusCard, TimelineData, TimelineLayout, Tone,
};
use storyline::store::Store;
use tiny_skia::Pixmap;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real day")
}

fn decode(png: &[u8]) -> Pixmap {
    Pixmap::decode_png(png).expect("the picture decodes as PNG")
}

/// The colour at (x, y) (the pictures are opaque, so premultiplied is plain).
fn rgb(p: &Pixmap, x: u32, y: u32) -> (u8, u8, u8) {
    let c = p.pixel(x, y).expect("inside the picture");
    (c.red(), c.green(), c.blue())
}

fn tone_rgb(t: Tone) -> (u8, u8, u8) {
    let c = t.colour();
    (c.0, c.1, c.2)
}

/// Two stages (March 1, April 1), the as-of day May 15, a fact and an expectation.
fn known() -> TimelineData {
    TimelineData {
        title: "Minerals deal".into(),
        lang: Lang::English,
        as_of: day(2025, 5, 15),
        stages: vec![
            StageMark {
                name: "negotiating".into(),
                day: day(2025, 3, 1),
                tone: Tone::Forward(1),
            },
            StageMark {
                name: "signed".into(),
                day: day(2025, 4, 1),
                tone: Tone::Forward(4),
            },
        ],
        events: vec![
            EventMark {
                day: day(2025, 3, 1),
                text: "Talks open in Jeddah".into(),
                fact: true,
            },
            EventMark {
                day: day(2025, 4, 1),
                text: "The deal is signed in Washington".into(),
                fact: true,
            },
            EventMark {
                day: day(2025, 5, 10),
                text: "Parliament is expected to ratify it".into(),
                fact: false,
            },
        ],
    }
}

#[test]
fn the_timeline_decodes_at_its_width() {
    let p = decode(&timeline_png(&known()).expect("drawn"));
    assert_eq!(p.width(), 1200);
    // Title, band and axis (172 px), one lane of labels (the three are far apart), a legend row.
    assert_eq!(p.height(), 172 + 20 + 18 + 20 + 14);
}

#[test]
fn stage_spans_sit_at_the_columns_of_their_days() {
    let data = known();
    let p = decode(&timeline_png(&data).expect("drawn"));
    // The axis runs from March 1 to June 1 (92 days) over x 40..1160.
    let layout = TimelineLayout::of(&data);
    assert_eq!(
        (layout.start, layout.end),
        (day(2025, 3, 1), day(2025, 6, 1))
    );
    let x = |days: f32| 40.0 + days / 92.0 * 1120.0;
    let (april, may15) = (x(31.0), x(75.0)); // 417.4, 953.0
    assert!((layout.x_of(day(2025, 4, 1)) - april).abs() < 0.01);
    // Above the stage names, in the band.
    let y = (layout.band_top + 2.0) as u32;
    let negotiating = tone_rgb(Tone::Forward(1));
    let signed = tone_rgb(Tone::Forward(4));
    assert_eq!(
        rgb(&p, 42, y),
        negotiating,
        "the first span starts at March 1"
    );
    assert_eq!(rgb(&p, april as u32 - 3, y), negotiating);
    assert_eq!(
        rgb(&p, april as u32 + 3, y),
        signed,
        "signed starts at April 1"
    );
    assert_eq!(
        rgb(&p, may15 as u32 - 6, y),
        signed,
        "and runs to the as-of day"
    );
    assert_eq!(
        rgb(&p, may15 as u32 + 6, y),
        (255, 255, 255),
        "nothing after it"
    );
    assert_eq!(rgb(&p, 38, y), (255, 255, 255), "nothing before March 1");
}

#[test]
fn the_timeline_matches_its_golden_image() {
    let png = timeline_png(&known()).expect("drawn");
    let golden_path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pictures/timeline_golden.png");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden_path, &png).expect("golden written");
    }
    let golden = decode(&std::fs::read(&golden_path).expect("the golden image is committed"));
    let now = decode(&png);
    assert_eq!(
        (now.width(), now.height()),
        (golden.width(), golden.height())
    );
    // Anti-aliasing may move a little between versions of the rasterisers: up to 0.1% of the
    // pixels may differ a lot, and the picture as a whole only a little.
    let (mut sum, mut far) = (0u64, 0usize);
    for (a, b) in now.pixels().iter().zip(golden.pixels()) {
        let d = [
            a.red().abs_diff(b.red()),
            a.green().abs_diff(b.green()),
            a.blue().abs_diff(b.blue()),
        ];
        sum += d.iter().map(|&x| u64::from(x)).sum::<u64>();
        far += usize::from(d.iter().any(|&x| x > 64));
    }
    let pixels = now.pixels().len();
    let mean = sum as f64 / (pixels * 3) as f64;
    assert!(mean < 1.0, "mean channel difference {mean:.3}");
    assert!(
        far * 1000 < pixels,
        "{far} of {pixels} pixels differ by more than 64"
    );
}

#[test]
fn a_changed_picture_fails_the_golden_tolerance() {
    // The tolerance is not so loose that a moved span passes: shift the second stage by a week.
    let mut moved = known();
    moved.stages[1].day = day(2025, 4, 8);
    let a = decode(&timeline_png(&known()).expect("drawn"));
    let b = decode(&timeline_png(&moved).expect("drawn"));
    let far = a
        .pixels()
        .iter()
        .zip(b.pixels())
        .filter(|(x, y)| x.red().abs_diff(y.red()) > 64 || x.green().abs_diff(y.green()) > 64)
        .count();
    assert!(far * 1000 >= a.pixels().len(), "only {far} pixels moved");
}

#[test]
fn forty_events_on_one_day_keep_their_labels_apart_or_drop_them() {
    let mut data = known();
    data.events = (0..40)
        .map(|i| EventMark {
            day: day(2025, 4, 1 + (i % 3)),
            text: format!("event number {i} with a long sentence that will be cut"),
            fact: i % 4 != 0,
        })
        .collect();
    let p = decode(&timeline_png(&data).expect("drawn"));
    // At most 18 lanes of 20 pixels below the axis, then the legend.
    assert!(p.height() <= 172 + 18 * 20 + 60, "height {}", p.height());
}

proptest! {
    #[test]
    fn labels_in_one_lane_never_overlap(
        spans in proptest::collection::vec((0f32..1100.0, 10f32..260.0), 0..60)
    ) {
        let mut spans: Vec<(f32, f32)> = spans.into_iter().map(|(s, w)| (s, s + w)).collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let lanes = place_in_lanes(&spans, 18, 8.0);
        prop_assert_eq!(lanes.len(), spans.len());
        for i in 0..spans.len() {
            for j in i + 1..spans.len() {
                if let (Some(a), Some(b)) = (lanes[i], lanes[j]) {
                    if a == b {
                        let (x, y) = (spans[i], spans[j]);
                        prop_assert!(x.1 + 8.0 <= y.0 || y.1 + 8.0 <= x.0, "{:?} and {:?} overlap in lane {}", x, y, a);
                    }
                }
            }
        }
        // A label is dropped only when every lane is taken.
        if lanes.iter().any(Option::is_none) {
            prop_assert_eq!(lanes.iter().flatten().max().copied(), Some(17));
        }
    }
}

#[test]
fn the_status_card_decodes_and_names_no_stage_when_there_is_none() {
    let card = StatusCard {
        title: "Мінеральна угода".into(),
        lang: Lang::Ukrainian,
        current: None,
        as_of: None,
        stages: vec![CardStage {
            name: "підписано".into(),
            tone: Tone::Forward(0),
            reached: None,
        }],
        lead: None,
        source: None,
        expected: vec![],
    };
    let p = decode(&status_card_png(&card).expect("drawn"));
    assert_eq!(p.width(), 800);
    // Cyrillic glyphs were drawn: the title row holds dark pixels.
    let dark = (20..48)
        .flat_map(|y| (32..300).map(move |x| (x, y)))
        .filter(|&(x, y)| rgb(&p, x, y).0 < 100)
        .count();
    assert!(dark > 200, "only {dark} dark pixels in the Cyrillic title");
}

/// An engine over a fresh store holding the dev corpus.
fn dev_engine() -> (tempfile::TempDir, Engine) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Arc::new(Config::builtin());
    let store = Arc::new(Store::open(&dir.path().join("data")).expect("store"));
    let dev = root.join("tests/data/dev");
    let report = ingest_paths(&store, &config, &[dev.as_path() as &Path]).expect("ingest");
    assert_eq!(report.failed(), 0);
    (dir, Engine::new(config, store))
}

#[test]
fn the_dev_corpus_draws_its_stages_and_events() {
    let (_dir, engine) = dev_engine();
    let topic = engine
        .config()
        .find_topic("minerals")
        .expect("topic")
        .clone();
    let data = engine.timeline_data(&topic, Lang::English).expect("data");
    let stages: Vec<(&str, NaiveDate)> = data
        .stages
        .iter()
        .map(|s| (s.name.as_str(), s.day))
        .collect();
    assert!(stages.contains(&("signed", day(2025, 4, 30))), "{stages:?}");
    assert!(
        stages.contains(&("ratified", day(2025, 5, 8))),
        "{stages:?}"
    );
    assert_eq!(data.as_of, day(2025, 5, 9), "the newest article's day");
    assert!(data.events.len() >= 10 && data.events.len() <= 40);
    assert!(
        data.events.iter().any(|e| !e.fact),
        "an expected item is drawn hollow"
    );
    let uk = engine.timeline_data(&topic, Lang::Ukrainian).expect("data");
    assert!(
        uk.stages.iter().any(|s| s.name == "підписано"),
        "{:?}",
        uk.stages
    );
    // The longer phrase wins over the "signed" it holds.
    assert!(
        uk.stages.iter().any(|s| s.name == "меморандум підписано"),
        "{:?}",
        uk.stages
    );
    for kind in [PictureKind::Timeline, PictureKind::StatusCard] {
        let p = decode(
            &engine
                .picture_png(kind, Some("minerals"), Lang::English)
                .expect("png"),
        );
        assert!(p.width() >= 800 && p.height() >= 200);
    }
    let card = engine.status_card(&topic, Lang::English).expect("card");
    assert_eq!(
        card.current.as_ref().map(|c| c.0.as_str()),
        Some("ratified")
    );
    assert!(engine
        .picture_png(PictureKind::Timeline, Some("weather"), Lang::English)
        .is_err());
}
