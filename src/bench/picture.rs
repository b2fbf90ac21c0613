//! `storyline bench --picture`: how long drawing a 40-event timeline (and a status card) takes,
//! from plain values, so the figure is the drawing and PNG encoding alone (issue 14's target:
//! under 50 ms in a release build).

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};

use crate::picture::{
    status_card_png, timeline_png, CardStage, EventMark, Lang, StageMark, StatusCard, TimelineData,
    Tone,
};

/// A timeline of `events` events over four months, with six stages: events cluster on some
/// days, as a real story's do, so labels fill several lanes.
pub fn sample_timeline(events: usize) -> TimelineData {
    let start = NaiveDate::from_ymd_opt(2025, 2, 1).unwrap_or_default();
    let on = |d: u64| start.checked_add_days(Days::new(d)).unwrap_or(start);
    let names = [
        "proposed",
        "negotiating",
        "memorandum signed",
        "signed",
        "ratified",
        "in force",
    ];
    let stages = names
        .iter()
        .enumerate()
        .map(|(i, name)| StageMark {
            name: name.to_string(),
            day: on(i as u64 * 18),
            tone: Tone::Forward(i),
        })
        .collect();
    let events = (0..events)
        .map(|i| EventMark {
            day: on((i as u64 * 37) % 120 / 3 * 3),
            text: format!(
                "Event {i}: officials said the agreement on the joint investment fund moved on"
            ),
            fact: i % 5 != 0,
        })
        .collect::<Vec<_>>();
    let mut events = events;
    events.sort_by_key(|e| e.day);
    TimelineData {
        title: "Minerals deal".into(),
        lang: Lang::English,
        as_of: on(110),
        stages,
        events,
    }
}

fn sample_card() -> StatusCard {
    let data = sample_timeline(0);
    StatusCard {
        title: data.title,
        lang: Lang::English,
        current: Some(("ratified".into(), Tone::Forward(4))),
        as_of: Some(data.as_of),
        stages: data
            .stages
            .iter()
            .map(|s| CardStage {
                name: s.name.clone(),
                tone: s.tone,
                reached: Some(s.day),
            })
            .collect(),
        lead: Some("Ukraine's parliament on Thursday ratified the agreement with the United States that sets up a joint fund to invest in the country's natural resources.".into()),
        source: Some("Reuters, 2025-05-08".into()),
        expected: vec!["Expected: in force — the agreement is due to enter into force once notes are exchanged".into()],
    }
}

/// Draws each picture `runs` times and prints the median, 95th percentile and worst time.
pub fn picture_command(runs: usize) -> anyhow::Result<()> {
    let runs = runs.max(1);
    let timeline = sample_timeline(40);
    let card = sample_card();
    let mut sizes = (0, 0);
    let measure = |f: &mut dyn FnMut() -> anyhow::Result<usize>| -> anyhow::Result<Vec<Duration>> {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            f()?;
            times.push(started.elapsed());
        }
        times.sort();
        Ok(times)
    };
    let t = measure(&mut || {
        let png = timeline_png(&timeline)?;
        sizes.0 = png.len();
        Ok(png.len())
    })?;
    let c = measure(&mut || {
        let png = status_card_png(&card)?;
        sizes.1 = png.len();
        Ok(png.len())
    })?;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let line = |name: &str, times: &[Duration], bytes: usize| {
        let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
        println!(
            "{name:<22} median {:>6.1} ms   p95 {:>6.1} ms   worst {:>6.1} ms   PNG {:>6} bytes   ({} runs)",
            ms(times[times.len() / 2]),
            ms(p95),
            ms(times[times.len() - 1]),
            bytes,
            times.len()
        );
    };
    line("timeline (40 events)", &t, sizes.0);
    line("status card", &c, sizes.1);
    Ok(())
}
