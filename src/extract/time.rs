//! The temporal tagger: finds date expressions in running text and resolves them against the
//! article's publication date (in the article's own time zone).
//!
//! Design: the sentence is cut once into words (alphanumeric runs with byte offsets); at each
//! word a few hand-written patterns are tried, longest first. A mention is
//! `[prep] [early|mid|late|earlier|later [on|in]] CORE`, where `prep` is one of "on", "in",
//! "around", "during", "as of" (kept in the expression) or "before" (gives [`Precision::Before`]),
//! and CORE is one of: a weekday (with "last/next/this", a time of day, a possessive, or an
//! explicit date right after: "next Thursday, April 24" is ONE mention dated April 24); a
//! month-day date ("March 5", "Feb. 28", "5 March", "the 5th of March", with optional year); a
//! month with a year; a month or year alone after a cue word ("in March", "since 2014"); a
//! relative word ("yesterday", "last week", "this month", "three days ago").
//!
//! "since", "until", "by" and "after" are left out of the expression (callers read them from the
//! words before it). Weekdays: in the past, the latest such day on or before publication; in the
//! future, the first on or after it; "last X" is strictly before, "next X" strictly after,
//! "this X" is the coming one unless the sentence is past. Weeks start on Monday; "last week"
//! is the week before publication's week; a weekend is dated by the week it falls in.
//!
//! Tense: weekdays and dates without a year depend on whether the sentence speaks of the
//! future. [`is_future_context`] looks for the nearest tense cue before the mention (within the
//! clause), then after it; the default is past, as news mostly reports what happened.
//!
//! Year inference for dates without a year: the publication year, unless in a past context the
//! date would be more than [`PAST_SLACK_DAYS`] after publication (then the year before), or in a
//! future context more than [`FUTURE_SLACK_DAYS`] before it (then the year after).

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::event::Precision;

/// What relative expressions resolve against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeContext {
    /// The publication date in the article's own time zone.
    pub published: NaiveDate,
}

/// One date expression found in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeMention {
    /// Byte range of the expression in the sentence.
    pub start: usize,
    pub end: usize,
    /// The day, or the first day of the week/month/year; for `Before`, the bound.
    pub date: NaiveDate,
    pub precision: Precision,
}

impl TimeMention {
    /// The words of `sentence` that gave the date ("on Monday evening").
    pub fn expression<'a>(&self, sentence: &'a str) -> &'a str {
        sentence.get(self.start..self.end).unwrap_or("")
    }
}

/// A past-tense date may lie this far after publication (scheduled events told in the present
/// tense, tense cues missed) before it is taken to be last year's.
pub const PAST_SLACK_DAYS: i64 = 61;
/// A future-tense date more than this far before publication is next year's. Six months rather
/// than ten: a plan "for March" in a November article is next March.
pub const FUTURE_SLACK_DAYS: i64 = 183;

/// How far (in words) the tense cue search looks on each side of a mention.
const CUE_WINDOW: usize = 20;

/// Finds and resolves the date expressions of one sentence, in order of appearance.
pub fn find_dates(sentence: &str, ctx: &TimeContext) -> Vec<TimeMention> {
    let toks = tokenize(sentence);
    let sc = Scan {
        s: sentence,
        t: &toks,
        p: ctx.published,
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !sc.may_start(i) {
            i += 1;
            continue;
        }
        match sc.mention_at(i) {
            Some((m, next)) => {
                out.push(m);
                i = next.max(i + 1);
            }
            None => i += 1,
        }
    }
    if sentence.bytes().any(|b| b >= 0xD0) {
        // Cyrillic letters start with 0xD0..0xD3 in UTF-8: only then look for Ukrainian dates.
        out.extend(sc.ukrainian_mentions());
        out.sort_by_key(|m| m.start);
    }
    let anchored = sc.anchored_offsets(&out);
    if !anchored.is_empty() {
        out.extend(anchored);
        out.sort_by_key(|m| m.start);
    }
    out
}

/// Whether the words around byte offset `mention_start` speak of the future ("will", "would",
/// "is scheduled to", "plans to", "to meet" ...). The nearest cue before the mention in its
/// clause wins; without one, the first cue after it; without any, `false`.
pub fn is_future_context(sentence: &str, mention_start: usize) -> bool {
    let toks = tokenize(sentence);
    let sc = Scan {
        s: sentence,
        t: &toks,
        p: NaiveDate::MIN,
    };
    let a = toks
        .iter()
        .position(|t| t.start >= mention_start)
        .unwrap_or(toks.len());
    sc.future(a, a)
}

#[derive(Debug, Clone, Copy)]
struct Tok {
    start: usize,
    end: usize,
}

/// Alphanumeric runs with byte offsets: "Friday's" → "Friday", "s"; "mid-May" → "mid", "May".
fn tokenize(s: &str) -> Vec<Tok> {
    // About one token per six bytes of English: reserve once instead of growing.
    let mut toks = Vec::with_capacity(s.len() / 6 + 1);
    let mut start = None;
    for (i, c) in s.char_indices() {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(st) = start.take() {
            toks.push(Tok { start: st, end: i });
        }
    }
    if let Some(st) = start {
        toks.push(Tok {
            start: st,
            end: s.len(),
        });
    }
    toks
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const MONTH_ABBR: &[(&str, u32)] = &[
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];
const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];
const TIMES_OF_DAY: &[&str] = &["morning", "afternoon", "evening", "night"];
/// Words after which a bare month name ("in March", "mid-May") is a month, not a verb or name.
const MONTH_CUES: &[&str] = &[
    "in", "on", "early", "late", "mid", "since", "until", "till", "by", "from", "through",
    "during", "of", "before", "after", "around", "between",
];
/// Ukrainian month names after a day ("8 травня") and after "у/в" ("у травні").
const UK_MONTHS_GENITIVE: [&str; 12] = [
    "січня",
    "лютого",
    "березня",
    "квітня",
    "травня",
    "червня",
    "липня",
    "серпня",
    "вересня",
    "жовтня",
    "листопада",
    "грудня",
];
const UK_MONTHS_LOCATIVE: [&str; 12] = [
    "січні",
    "лютому",
    "березні",
    "квітні",
    "травні",
    "червні",
    "липні",
    "серпні",
    "вересні",
    "жовтні",
    "листопаді",
    "грудні",
];
/// Ukrainian weekdays as they follow "у/в" ("у четвер"); Friday is split by its apostrophe.
const UK_WEEKDAYS: [(&str, Weekday); 6] = [
    ("понеділок", Weekday::Mon),
    ("вівторок", Weekday::Tue),
    ("середу", Weekday::Wed),
    ("четвер", Weekday::Thu),
    ("суботу", Weekday::Sat),
    ("неділю", Weekday::Sun),
];
/// Words that put a Ukrainian sentence in the future: its undated days lie ahead.
const UK_FUTURE: &[&str] = &[
    "буде",
    "будуть",
    "відбудеться",
    "відбудуться",
    "планує",
    "планують",
    "очікується",
    "наступного",
    "завтра",
    "має",
    "мають",
    "збирається",
];

fn uk_month(word: &str, names: &[&str; 12]) -> Option<u32> {
    names.iter().position(|n| *n == word).map(|k| k as u32 + 1)
}

/// Words after which a bare four-digit number is a year.
const YEAR_CUES: &[&str] = &[
    "in", "since", "until", "till", "by", "from", "through", "during", "of", "before", "after",
    "early", "late", "mid", "around", "between", "year",
];
/// Words before a date that make it a deadline or the end of a period.
const DEADLINE_WORDS: &[&str] = &["by", "until", "till", "through"];
/// Newspapers named after weekdays.
const WEEKDAY_TITLES: &[&str] = &["times", "telegraph", "express", "mirror", "post", "herald"];
const NUMBER_WORDS: &[&str] = &[
    "a", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve",
];

// Tense cues.
const FUTURE_WORDS: &[&str] = &[
    "will",
    "shall",
    "would",
    "could",
    "might",
    "should",
    "upcoming",
    "tomorrow",
    "forthcoming",
];
/// "scheduled to", "due to", "expected to" ...: future unless after "was/were/had/been".
const PLAN_WORDS: &[&str] = &[
    "scheduled",
    "slated",
    "planned",
    "expected",
    "due",
    "set",
    "poised",
    "plans",
    "plan",
    "aims",
    "intends",
];
/// "to meet", "to start": an infinitive of a typical scheduled act.
const INF_VERBS: &[&str] = &[
    "meet", "start", "begin", "sign", "hold", "visit", "travel", "attend", "resume", "vote",
    "speak", "talk", "launch", "arrive", "host", "discuss", "decide", "finish", "deliver",
    "announce", "return", "open", "enter", "take", "address", "testify", "present", "unveil",
];
const PAST_WORDS: &[&str] = &[
    "was",
    "were",
    "had",
    "did",
    "said",
    "told",
    "met",
    "made",
    "took",
    "gave",
    "came",
    "went",
    "left",
    "held",
    "spoke",
    "wrote",
    "sent",
    "began",
    "broke",
    "brought",
    "fell",
    "found",
    "got",
    "knew",
    "led",
    "saw",
    "thought",
    "won",
    "became",
    "paid",
    "ran",
    "sat",
    "stood",
    "struck",
    "flew",
    "lost",
    "meant",
    "rose",
    "sold",
    "sought",
    "fought",
    "drew",
    "chose",
    "grew",
    "threw",
    "understood",
    "kept",
    "spent",
    "felt",
    "heard",
    "hung",
    "laid",
    "bought",
    "built",
    "caught",
    "taught",
    "shook",
    "swore",
    "tore",
    "froze",
    "hid",
    "dealt",
    "fled",
    "stole",
    "woke",
    "ago",
];
/// Words ending in "-ed" that are not past-tense verbs in news prose.
const NOT_PAST_ED: &[&str] = &[
    "need",
    "indeed",
    "speed",
    "feed",
    "seed",
    "proceed",
    "succeed",
    "exceed",
    "breed",
    "embed",
    "shed",
    "bed",
    "red",
    "hundred",
    "armed",
    "based",
    "called",
    "united",
    "limited",
    "related",
    "alleged",
    "proposed",
    "detailed",
    "advanced",
    "concerned",
    "interested",
    "involved",
    "unprecedented",
    "unexpected",
    "sacred",
    "naked",
    "wicked",
    "beloved",
    "unnamed",
    "so",
    "supposed",
    "embattled",
    "sustained",
    "elected",
    "planned",
    "expected",
    "scheduled",
    "slated",
];
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "its", "his", "her", "their", "our", "this", "that", "these", "those",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Early,
    Mid,
    Late,
    /// "earlier"/"later": narrows nothing we can date.
    Vague,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Modifier {
    Last,
    Next,
    This,
    Coming,
}

/// A date as written, before year inference.
#[derive(Debug, Clone, Copy)]
enum Written {
    Day { m: u32, d: u32, y: Option<i32> },
    Month { m: u32, y: Option<i32> },
}

struct Scan<'a> {
    s: &'a str,
    t: &'a [Tok],
    p: NaiveDate,
}

impl<'a> Scan<'a> {
    /// A cheap gate: only digits and the words a mention can begin with are worth trying.
    fn may_start(&self, i: usize) -> bool {
        let w = self.word(i);
        if w.as_bytes().first().is_some_and(u8::is_ascii_digit) {
            return true;
        }
        let mut buf = [0u8; 24];
        matches!(
            lower(w, &mut buf),
            "on" | "in"
                | "around"
                | "during"
                | "as"
                | "before"
                | "early"
                | "mid"
                | "late"
                | "earlier"
                | "later"
                | "yesterday"
                | "today"
                | "tonight"
                | "tomorrow"
                | "last"
                | "next"
                | "this"
                | "coming"
                | "the"
                | "a"
                | "one"
                | "two"
                | "three"
                | "four"
                | "five"
                | "six"
                | "seven"
                | "eight"
                | "nine"
                | "ten"
                | "eleven"
                | "twelve"
                | "january"
                | "february"
                | "march"
                | "april"
                | "may"
                | "june"
                | "july"
                | "august"
                | "september"
                | "october"
                | "november"
                | "december"
                | "jan"
                | "feb"
                | "mar"
                | "apr"
                | "jun"
                | "jul"
                | "aug"
                | "sep"
                | "sept"
                | "oct"
                | "nov"
                | "dec"
                | "monday"
                | "tuesday"
                | "wednesday"
                | "thursday"
                | "friday"
                | "saturday"
                | "sunday"
        )
    }

    fn n(&self) -> usize {
        self.t.len()
    }

    fn word(&self, i: usize) -> &'a str {
        self.t.get(i).map_or("", |t| &self.s[t.start..t.end])
    }

    fn is(&self, i: usize, w: &str) -> bool {
        i < self.n() && self.word(i).eq_ignore_ascii_case(w)
    }

    fn is_any(&self, i: usize, ws: &[&str]) -> bool {
        i < self.n() && ws.iter().any(|w| self.word(i).eq_ignore_ascii_case(w))
    }

    fn cap(&self, i: usize) -> bool {
        self.word(i).chars().next().is_some_and(char::is_uppercase)
    }

    /// Text between word `i` and word `i + 1` (or the end).
    fn gap(&self, i: usize) -> &'a str {
        let Some(t) = self.t.get(i) else { return "" };
        let end = self.t.get(i + 1).map_or(self.s.len(), |n| n.start);
        &self.s[t.end..end]
    }

    /// Word `i` and word `i + 1` are separated by plain spaces.
    fn spaced(&self, i: usize) -> bool {
        i + 1 < self.n() && {
            let g = self.gap(i);
            !g.is_empty() && g.chars().all(char::is_whitespace)
        }
    }

    /// The char right before word `i`, if any.
    fn char_before(&self, i: usize) -> Option<char> {
        self.t
            .get(i)
            .and_then(|t| self.s[..t.start].chars().next_back())
    }

    fn month(&self, i: usize) -> Option<(u32, bool)> {
        if !self.cap(i) {
            return None;
        }
        let w = self.word(i);
        if let Some(k) = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(w)) {
            return Some((k as u32 + 1, false));
        }
        MONTH_ABBR
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(w))
            .map(|&(_, m)| (m, true))
    }

    fn weekday(&self, i: usize) -> Option<Weekday> {
        if !self.cap(i) {
            return None;
        }
        let w = self.word(i);
        WEEKDAYS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(w))
            .map(|&(_, d)| d)
    }

    /// A day of month: "5", "28", "5th", "1st" — not "30-day", "5%" or "5,000".
    fn day(&self, i: usize) -> Option<u32> {
        let w = self.word(i);
        let digits = w.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 2 {
            return None;
        }
        let suffix = &w[digits..];
        if !(suffix.is_empty()
            || ["st", "nd", "rd", "th"]
                .iter()
                .any(|s| s.eq_ignore_ascii_case(suffix)))
        {
            return None;
        }
        let d: u32 = w[..digits].parse().ok()?;
        if !(1..=31).contains(&d) || !self.number_ends_cleanly(i) {
            return None;
        }
        Some(d)
    }

    /// A year, 1900–2100, not a sum of money or part of a larger number.
    fn year(&self, i: usize) -> Option<i32> {
        let w = self.word(i);
        if w.len() != 4 || !w.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let y: i32 = w.parse().ok()?;
        if !(1900..=2100).contains(&y) || !self.number_ends_cleanly(i) {
            return None;
        }
        if matches!(self.char_before(i), Some('$' | '€' | '£' | '.' | ',' | '#')) {
            return None;
        }
        Some(y)
    }

    /// The number at `i` is not followed by "%", a unit after a hyphen ("30-day"), or more
    /// digits after a separator ("5,000", "2.5", "5:30").
    fn number_ends_cleanly(&self, i: usize) -> bool {
        let g = self.gap(i);
        let next_alnum = i + 1 < self.n();
        let mut cs = g.chars();
        let (c0, single) = (cs.next(), cs.next().is_none());
        match c0 {
            Some('%') => false,
            Some('-' | '–') if single => {
                next_alnum && self.word(i + 1).bytes().all(|b| b.is_ascii_digit())
            }
            Some(',' | '.' | ':' | '/') if single && next_alnum => false,
            _ => true,
        }
    }

    /// Tries a mention starting at word `i`; returns it and the index of the word after it.
    fn mention_at(&self, i: usize) -> Option<(TimeMention, usize)> {
        let mut j = i;
        let mut before = false;
        if self.is(j, "as") && self.spaced(j) && self.is(j + 1, "of") && self.spaced(j + 1) {
            j += 2;
        } else if self.is_any(j, &["on", "in", "around", "during"]) && self.spaced(j) {
            j += 1;
        } else if self.is(j, "before") && self.spaced(j) {
            before = true;
            j += 1;
        }
        let mut part = None;
        let mut buf = [0u8; 24];
        let p = match lower(self.word(j), &mut buf) {
            "early" => Some(Part::Early),
            "mid" => Some(Part::Mid),
            "late" => Some(Part::Late),
            "earlier" | "later" => Some(Part::Vague),
            _ => None,
        };
        if let Some(p) = p {
            let g = self.gap(j);
            if self.spaced(j) || (g == "-" && j + 1 < self.n()) {
                part = Some(p);
                j += 1;
                if self.is_any(j, &["on", "in"]) && self.spaced(j) {
                    j += 1;
                }
            }
        }
        let (date, precision, end) = self.core(j, i, part)?;
        let (date, precision) = if before {
            (date, Precision::Before)
        } else {
            (date, precision)
        };
        let m = TimeMention {
            start: self.t[i].start,
            end: self.t[end - 1].end,
            date,
            precision,
        };
        Some((m, end))
    }

    /// The date expression proper at word `j`; `first` is where the whole mention starts (for
    /// the tense search). Returns the date, its precision and the index of the word after it.
    fn core(
        &self,
        j: usize,
        first: usize,
        part: Option<Part>,
    ) -> Option<(NaiveDate, Precision, usize)> {
        if j >= self.n() {
            return None;
        }
        let p = self.p;
        let mut buf = [0u8; 24];
        let w = lower(self.word(j), &mut buf);
        // yesterday / today / tonight / tomorrow [morning ...]
        let rel = match w {
            "yesterday" => Some(-1),
            "today" | "tonight" => Some(0),
            "tomorrow" => Some(1),
            _ => None,
        };
        if let Some(delta) = rel {
            // "USA Today" is a newspaper.
            if w == "today" && j > 0 && self.is(j - 1, "usa") {
                return None;
            }
            let mut end = j + 1;
            if w != "tonight" && self.spaced(j) && self.is_any(j + 1, TIMES_OF_DAY) {
                end += 1;
            }
            return Some((add_days(p, delta)?, Precision::Day, end));
        }
        // "three days ago", "a week ago"
        if let Some(r) = self.ago(j) {
            return Some(r);
        }
        // last / next / this / coming + ...
        let modifier = match w {
            "last" => Some(Modifier::Last),
            "next" => Some(Modifier::Next),
            "this" => Some(Modifier::This),
            "coming" => Some(Modifier::Coming),
            _ => None,
        };
        if let Some(md) = modifier {
            // "the last week of March", "the next month": spans, not calendar units.
            let after_article = j > 0 && self.is_any(j - 1, &["the", "a"]);
            if self.spaced(j) && !after_article {
                if let Some(r) = self.relative(j + 1, md, first, part) {
                    return Some(r);
                }
            }
            return None;
        }
        if self.weekday(j).is_some() {
            return self.weekday_at(j, None, first);
        }
        // the 5th of March
        if w == "the" && self.spaced(j) {
            if let Some((wr, end)) = self.day_first(j + 1) {
                return self.resolve(wr, end, first, part);
            }
            return None;
        }
        if let Some((wr, end)) = self.month_first(j).or_else(|| self.day_first(j)) {
            return self.resolve(wr, end, first, part);
        }
        if let Some(r) = self.iso(j) {
            return Some(r);
        }
        if let Some(y) = self.year(j) {
            if j > 0 && self.is_any(j - 1, YEAR_CUES) && self.year_gap_ok(j - 1) {
                return Some((ymd(y, 1, 1)?, Precision::Year, j + 1));
            }
        }
        None
    }

    fn year_gap_ok(&self, i: usize) -> bool {
        self.spaced(i) || self.gap(i) == "-"
    }

    /// Offsets from a day the sentence has already named: "the next day", "the following day",
    /// "two days later", "a week earlier", "the day before" (at a clause's end). They count from
    /// the nearest day-precise mention before them, not from the publication day; without one
    /// they are left unresolved (an event as anchor, "the day after the row", is not a date).
    fn anchored_offsets(&self, found: &[TimeMention]) -> Vec<TimeMention> {
        let mut out = Vec::new();
        let mut buf = [0u8; 24];
        let mut i = 0;
        while i < self.t.len() {
            let anchor = found
                .iter()
                .filter(|m| m.end <= self.t[i].start && m.precision == Precision::Day)
                .max_by_key(|m| m.end);
            let Some(anchor) = anchor else {
                i += 1;
                continue;
            };
            let Some((days, last)) = self.offset_at(i, &mut buf) else {
                i += 1;
                continue;
            };
            if let Some(date) = add_days(anchor.date, days) {
                out.push(TimeMention {
                    start: self.t[i].start,
                    end: self.t[last].end,
                    date,
                    precision: Precision::Day,
                });
            }
            i = last + 1;
        }
        out
    }

    /// The offset in days of an anchored expression starting at word `i`, and its last word.
    fn offset_at(&self, i: usize, buf: &mut [u8; 24]) -> Option<(i64, usize)> {
        let w = lower(self.word(i), buf).to_string();
        // "the next/following/previous day (morning …)", "the day before/after" + clause end.
        if w == "the" {
            let next = lower(self.word(i + 1), buf).to_string();
            let sign = match next.as_str() {
                "next" | "following" => 1,
                "previous" => -1,
                "day" => {
                    let dir = lower(self.word(i + 2), buf).to_string();
                    let sign = match dir.as_str() {
                        "after" => 1,
                        "before" => -1,
                        _ => return None,
                    };
                    // Followed by words, the anchor is an event ("the day after the row").
                    let ends = self.t.get(i + 3).is_none_or(|t| {
                        let gap = &self.s[self.t[i + 2].end..t.start];
                        gap.contains([',', ';', '.', '—', '–', ')'])
                    });
                    return ends.then_some((sign, i + 2));
                }
                _ => return None,
            };
            let unit = lower(self.word(i + 2), buf).to_string();
            return match unit.as_str() {
                "day" | "morning" | "afternoon" | "evening" => Some((sign, i + 2)),
                "week" => Some((7 * sign, i + 2)),
                _ => None,
            };
        }
        // "a day later", "two days later", "a week earlier".
        let n: i64 = match NUMBER_WORDS.iter().position(|x| *x == w) {
            Some(k) => k.max(1) as i64,
            None if w.len() <= 2 && w.bytes().all(|b| b.is_ascii_digit()) => w.parse().ok()?,
            None => return None,
        };
        let unit = lower(self.word(i + 1), buf).to_string();
        let days = match unit.trim_end_matches('s') {
            "day" => n,
            "week" => 7 * n,
            _ => return None,
        };
        match lower(self.word(i + 2), buf) {
            "later" => Some((days, i + 2)),
            "earlier" => Some((-days, i + 2)),
            _ => None,
        }
    }

    /// Ukrainian date expressions: "8 травня", "30 квітня 2025 року", "у травні", "у четвер",
    /// "вчора", "сьогодні", "минулого тижня", "наступного тижня". A weekday or a day without a
    /// year reads as past unless the sentence speaks of the future ([`UK_FUTURE`]).
    fn ukrainian_mentions(&self) -> Vec<TimeMention> {
        let low: Vec<String> = (0..self.n()).map(|i| self.word(i).to_lowercase()).collect();
        let future = low.iter().any(|w| UK_FUTURE.contains(&w.as_str()));
        let p = self.p;
        let mut out = Vec::new();
        let mut push = |i: usize, last: usize, date: Option<NaiveDate>, precision| {
            if let Some(date) = date {
                out.push(TimeMention {
                    start: self.t[i].start,
                    end: self.t[last].end,
                    date,
                    precision,
                });
            }
        };
        let mut i = 0;
        while i < low.len() {
            let w = low[i].as_str();
            let next = low.get(i + 1).map_or("", String::as_str);
            // "8 травня", "8 травня 2025 року".
            if let (Ok(d @ 1..=31), Some(m)) =
                (w.parse::<u32>(), uk_month(next, &UK_MONTHS_GENITIVE))
            {
                let year = low
                    .get(i + 2)
                    .and_then(|y| (y.len() == 4).then(|| y.parse::<i32>().ok()).flatten());
                let (date, last) = match year {
                    Some(y) => (ymd(y, m, d), i + 2),
                    None => (infer_year(p, m, d, future), i + 1),
                };
                let last = if low.get(last + 1).is_some_and(|r| r == "року" || r == "р") {
                    last + 1
                } else {
                    last
                };
                push(i, last, date, Precision::Day);
                i = last + 1;
                continue;
            }
            let preposition = w == "у" || w == "в";
            // "у травні": that month (of this year, or last year's if it is still ahead).
            if let Some(m) = uk_month(next, &UK_MONTHS_LOCATIVE).filter(|_| preposition) {
                let y = if m > p.month() && !future {
                    p.year() - 1
                } else {
                    p.year()
                };
                push(i, i + 1, ymd(y, m, 1), Precision::Month);
                i += 2;
                continue;
            }
            // "у четвер", "у п'ятницю" (the apostrophe splits the word).
            let (weekday, last) = match (next, low.get(i + 2).map(String::as_str)) {
                ("п", Some("ятницю")) => (Some(Weekday::Fri), i + 2),
                (n, _) => (
                    UK_WEEKDAYS.iter().find(|(f, _)| *f == n).map(|(_, d)| *d),
                    i + 1,
                ),
            };
            if let Some(wd) = weekday.filter(|_| preposition) {
                let back = (p.weekday().num_days_from_monday() as i64
                    - wd.num_days_from_monday() as i64)
                    .rem_euclid(7);
                let delta = if future { (7 - back) % 7 } else { -back };
                push(i, last, add_days(p, delta), Precision::Day);
                i = last + 1;
                continue;
            }
            let (date, precision, last) = match (w, next) {
                ("вчора", _) => (add_days(p, -1), Precision::Day, i),
                ("сьогодні", _) => (Some(p), Precision::Day, i),
                ("завтра", _) => (add_days(p, 1), Precision::Day, i),
                ("минулого", "тижня") => {
                    (add_days(monday_of(p), -7), Precision::Week, i + 1)
                }
                ("наступного", "тижня") => {
                    (add_days(monday_of(p), 7), Precision::Week, i + 1)
                }
                _ => (None, Precision::Day, i),
            };
            push(i, last, date, precision);
            i = last + 1;
        }
        out
    }

    /// "N days/weeks/months/years ago".
    fn ago(&self, j: usize) -> Option<(NaiveDate, Precision, usize)> {
        if !(self.spaced(j) && self.spaced(j + 1) && self.is(j + 2, "ago")) {
            return None;
        }
        let w = self.word(j);
        let n: i64 = match NUMBER_WORDS.iter().position(|x| x.eq_ignore_ascii_case(w)) {
            Some(k) => k.max(1) as i64,
            None if w.len() <= 3 && w.bytes().all(|b| b.is_ascii_digit()) => w.parse().ok()?,
            None => return None,
        };
        let mut buf = [0u8; 24];
        let unit = lower(self.word(j + 1), &mut buf);
        let p = self.p;
        let r = match unit.trim_end_matches('s') {
            "day" => (add_days(p, -n)?, Precision::Day),
            "week" => (monday_of(add_days(p, -7 * n)?), Precision::Week),
            "month" => (month_start(p, -n)?, Precision::Month),
            "year" => (ymd(p.year() - n as i32, 1, 1)?, Precision::Year),
            _ => return None,
        };
        Some((r.0, r.1, j + 3))
    }

    /// What follows "last/next/this/coming" at word `k`.
    fn relative(
        &self,
        k: usize,
        md: Modifier,
        first: usize,
        part: Option<Part>,
    ) -> Option<(NaiveDate, Precision, usize)> {
        let p = self.p;
        if self.weekday(k).is_some() {
            return self.weekday_at(k, Some(md), first);
        }
        let step = match md {
            Modifier::Last => -1,
            Modifier::This => 0,
            Modifier::Next | Modifier::Coming => 1,
        };
        let mut buf = [0u8; 24];
        let r = match lower(self.word(k), &mut buf) {
            // Week and weekend: the Monday-based week (a weekend is in its week).
            "week" | "weekend" => (add_days(monday_of(p), 7 * step)?, Precision::Week),
            "month" => (month_start(p, step)?, Precision::Month),
            "year" => (ymd(p.year() + step as i32, 1, 1)?, Precision::Year),
            "night" | "evening" if md == Modifier::Last => (add_days(p, -1)?, Precision::Day),
            "morning" | "afternoon" | "evening" if md == Modifier::This => (p, Precision::Day),
            _ => {
                let (m, abbr) = self.month(k)?;
                if abbr {
                    return None;
                }
                let y = match md {
                    Modifier::Last if m < p.month() => p.year(),
                    Modifier::Last => p.year() - 1,
                    Modifier::Next | Modifier::Coming if m > p.month() => p.year(),
                    Modifier::Next | Modifier::Coming => p.year() + 1,
                    Modifier::This => p.year(),
                };
                (ymd(y, m, part_day(part))?, Precision::Month)
            }
        };
        Some((r.0, r.1, k + 1))
    }

    /// A weekday at `k`, with its modifier, time of day or possessive, or an explicit date right
    /// after it ("Thursday, April 24"), which wins.
    fn weekday_at(
        &self,
        k: usize,
        md: Option<Modifier>,
        first: usize,
    ) -> Option<(NaiveDate, Precision, usize)> {
        let wd = self.weekday(k)?;
        if self.spaced(k) && self.is_any(k + 1, WEEKDAY_TITLES) && self.cap(k + 1) {
            return None;
        }
        let mut end = k + 1;
        // "Tuesday night", "Friday's meeting"
        let time_of_day = self.spaced(k) && self.is_any(k + 1, TIMES_OF_DAY);
        let possessive = matches!(self.gap(k), "'" | "’") && self.is(k + 1, "s");
        if time_of_day || possessive {
            end += 1;
        }
        // "next Thursday, April 24", "Thursday (April 24)"
        let g = self.gap(end - 1).trim();
        if end < self.n() && matches!(g, "" | "," | "(") && !self.gap(end - 1).is_empty() {
            if let Some((wr @ Written::Day { .. }, e)) =
                self.month_first(end).or_else(|| self.day_first(end))
            {
                return self.resolve(wr, e, first, None);
            }
        }
        let p = self.p;
        let back = (p.weekday().num_days_from_monday() as i64 - wd.num_days_from_monday() as i64)
            .rem_euclid(7);
        let fwd = (7 - back) % 7;
        let delta = match md {
            Some(Modifier::Last) => -(if back == 0 { 7 } else { back }),
            Some(Modifier::Next) => {
                if fwd == 0 {
                    7
                } else {
                    fwd
                }
            }
            Some(Modifier::Coming) => fwd,
            // "this Friday" is the coming one unless the sentence speaks of the past.
            Some(Modifier::This) if self.tense(first, end).unwrap_or(true) => fwd,
            Some(Modifier::This) => -back,
            None => {
                // "take effect by Wednesday": a deadline is ahead unless the sentence is past.
                let ahead = self
                    .tense(first, end)
                    .unwrap_or_else(|| self.after_deadline_word(first));
                if ahead {
                    fwd
                } else {
                    -back
                }
            }
        };
        Some((add_days(p, delta)?, Precision::Day, end))
    }

    /// "March 5", "Feb. 28", "March 5th, 2025", "February 2022", or a bare month after a cue.
    fn month_first(&self, j: usize) -> Option<(Written, usize)> {
        let (m, abbr) = self.month(j)?;
        let g = self.gap(j);
        let g_ok = self.spaced(j)
            || (abbr
                && j + 1 < self.n()
                && g.starts_with('.')
                && g[1..].chars().all(char::is_whitespace));
        if g_ok {
            if let Some(d) = self.day(j + 1) {
                let y = self.year_after(j + 1);
                let end = if y.is_some() { j + 3 } else { j + 2 };
                return Some((Written::Day { m, d, y }, end));
            }
            if let Some(y) = self.year(j + 1) {
                return Some((Written::Month { m, y: Some(y) }, j + 2));
            }
        }
        // A bare month name only after a cue: "in March", "mid-May" — not "Trump may", "May said".
        if !abbr
            && j > 0
            && self.is_any(j - 1, MONTH_CUES)
            && (self.spaced(j - 1) || self.gap(j - 1) == "-")
        {
            return Some((Written::Month { m, y: None }, j + 1));
        }
        None
    }

    /// "5 March", "5th of March 2025" (from the day at `j`).
    fn day_first(&self, j: usize) -> Option<(Written, usize)> {
        let d = self.day(j)?;
        if !self.spaced(j) {
            return None;
        }
        let mut k = j + 1;
        if self.is(k, "of") && self.spaced(k) {
            k += 1;
        }
        let (m, abbr) = self.month(k)?;
        let mut y = None;
        let mut end = k + 1;
        let g = self.gap(k);
        if self.spaced(k)
            || (abbr
                && g.starts_with('.')
                && g[1..].chars().all(char::is_whitespace)
                && !g[1..].is_empty())
        {
            if let Some(yy) = self.year(k + 1) {
                y = Some(yy);
                end = k + 2;
            }
        }
        Some((Written::Day { m, d, y }, end))
    }

    /// A year after a day: "5, 2025" or "5 2025".
    fn year_after(&self, k: usize) -> Option<i32> {
        let g = self.gap(k);
        let ok = self.spaced(k)
            || (g.starts_with(',') && g.len() > 1 && g[1..].chars().all(char::is_whitespace));
        if ok {
            self.year(k + 1)
        } else {
            None
        }
    }

    /// "2025-03-05".
    fn iso(&self, j: usize) -> Option<(NaiveDate, Precision, usize)> {
        let y = self.year(j).or_else(|| {
            // `year` refuses a number followed by "-digits"; an ISO date is exactly that.
            let w = self.word(j);
            (w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()))
                .then(|| w.parse().ok())
                .flatten()
        })?;
        if self.gap(j) != "-" || self.gap(j + 1) != "-" || j + 2 >= self.n() {
            return None;
        }
        let (mw, dw) = (self.word(j + 1), self.word(j + 2));
        if mw.len() != 2 || dw.len() != 2 {
            return None;
        }
        let date = ymd(y, mw.parse().ok()?, dw.parse().ok()?)?;
        Some((date, Precision::Day, j + 3))
    }

    /// Whether the mention starting at word `first` follows "by", "until", "till" or
    /// "through": the end of a period or a deadline, which often lies after the act that set it
    /// ("extended the truce until November 10").
    fn after_deadline_word(&self, first: usize) -> bool {
        first > 0 && self.spaced(first - 1) && self.is_any(first - 1, DEADLINE_WORDS)
    }

    /// The year of a date written without one: [`infer_year`] by tense, except for a deadline or
    /// the end of a period, which often lies after the act that set it. After a past verb
    /// ("extended the truce until November 10") it may lie up to [`FUTURE_SLACK_DAYS`] after
    /// publication before it is taken to be last year's; with no tense cue at all ("runs until
    /// November 10") it is the occurrence nearest to publication.
    fn year_for(&self, m: u32, d: u32, first: usize, end: usize) -> Option<NaiveDate> {
        let tense = self.tense(first, end);
        if tense != Some(true) && self.after_deadline_word(first) {
            return match tense {
                None => nearest_occurrence(self.p, m, d),
                Some(_) => {
                    let this_year = ymd(self.p.year(), m, d);
                    match this_year {
                        Some(c) if (c - self.p).num_days() <= FUTURE_SLACK_DAYS => Some(c),
                        _ => infer_year(self.p, m, d, false),
                    }
                }
            };
        }
        infer_year(self.p, m, d, tense.unwrap_or(false))
    }

    /// Resolves a written date (inferring a missing year from tense).
    fn resolve(
        &self,
        wr: Written,
        end: usize,
        first: usize,
        part: Option<Part>,
    ) -> Option<(NaiveDate, Precision, usize)> {
        match wr {
            Written::Day { m, d, y: Some(y) } => Some((ymd(y, m, d)?, Precision::Day, end)),
            Written::Day { m, d, y: None } => {
                Some((self.year_for(m, d, first, end)?, Precision::Day, end))
            }
            Written::Month { m, y: Some(y) } => {
                Some((ymd(y, m, part_day(part))?, Precision::Month, end))
            }
            Written::Month { m, y: None } => {
                let d = part_day(part);
                Some((self.year_for(m, d, first, end)?, Precision::Month, end))
            }
        }
    }

    /// Tense around words `a..b`, defaulting to the past (see [`Scan::tense`]).
    fn future(&self, a: usize, b: usize) -> bool {
        self.tense(a, b).unwrap_or(false)
    }

    /// Tense around words `a..b`: the nearest cue before `a` in the clause, else the first cue
    /// from `b` on; `Some(true)` for the future, `None` without any cue.
    fn tense(&self, a: usize, b: usize) -> Option<bool> {
        let mut k = a.min(self.n());
        let mut seen = 0;
        while k > 0 && seen < CUE_WINDOW {
            k -= 1;
            seen += 1;
            if clause_break(self.gap(k)) {
                break;
            }
            if let Some(f) = self.cue(k) {
                return Some(f);
            }
        }
        let mut k = b;
        let mut seen = 0;
        while k < self.n() && seen < CUE_WINDOW {
            if k > b && clause_break(self.gap(k - 1)) {
                break;
            }
            if let Some(f) = self.cue(k) {
                return Some(f);
            }
            k += 1;
            seen += 1;
        }
        None
    }

    /// Whether word `k` marks the future (`Some(true)`), the past (`Some(false)`) or neither.
    fn cue(&self, k: usize) -> Option<bool> {
        let w = self.word(k);
        if !w.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        let mut buf = [0u8; 24];
        let l = lower(w, &mut buf);
        let apostrophe_before = matches!(self.char_before(k), Some('\'' | '’'));
        if l == "ll" && apostrophe_before {
            return Some(true);
        }
        if l == "won" && matches!(self.gap(k), "'" | "’") && self.is(k + 1, "t") {
            return Some(true);
        }
        // "may" the modal, not the month.
        if l == "may" && !self.cap(k) {
            return Some(true);
        }
        if FUTURE_WORDS.contains(&l) {
            return Some(true);
        }
        if l == "going" && self.is(k + 1, "to") {
            return Some(true);
        }
        if l == "to" && self.is_any(k + 1, INF_VERBS) {
            // "was scheduled to take place": the plan word decides.
            if k > 0 && self.is_any(k - 1, PLAN_WORDS) {
                return self.cue(k - 1);
            }
            return Some(true);
        }
        // "due to" also means "because of": only "is due to/in" is a plan.
        if l == "due" {
            return match () {
                _ if k > 0 && self.is_any(k - 1, &["is", "are", "be", "s"]) => Some(true),
                _ if k > 0 && self.is_any(k - 1, &["was", "were"]) => Some(false),
                _ => None,
            };
        }
        if PLAN_WORDS.contains(&l) && self.is_any(k + 1, &["to", "for", "in", "on"]) {
            let was = k > 0 && self.is_any(k - 1, &["was", "were", "had", "been"]);
            return Some(!was);
        }
        // Present perfect reports the past; "has to" is an obligation.
        if (l == "has" || l == "have") && !self.is(k + 1, "to") {
            return Some(false);
        }
        let past = PAST_WORDS.contains(&l)
            || (l.len() >= 4
                && l.ends_with("ed")
                && !self.cap(k)
                && !NOT_PAST_ED.contains(&l)
                && !(k > 0 && self.is_any(k - 1, DETERMINERS)));
        // A passive participle ("will be held", "had been paused") takes the tense of its
        // auxiliary, further back.
        if past && !(k > 0 && self.is_any(k - 1, &["be", "been", "being"])) {
            return Some(false);
        }
        None
    }
}

/// `w` in ASCII lowercase, copied into `buf` (no allocation); "" when too long or not ASCII,
/// which matches no keyword.
fn lower<'b>(w: &str, buf: &'b mut [u8; 24]) -> &'b str {
    if w.len() > buf.len() || !w.is_ascii() {
        return "";
    }
    let b = &mut buf[..w.len()];
    b.copy_from_slice(w.as_bytes());
    b.make_ascii_lowercase();
    std::str::from_utf8(b).unwrap_or("")
}

fn clause_break(gap: &str) -> bool {
    gap.contains([';', '—', '–'])
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn add_days(d: NaiveDate, n: i64) -> Option<NaiveDate> {
    d.checked_add_signed(Duration::try_days(n)?)
}

fn monday_of(d: NaiveDate) -> NaiveDate {
    add_days(d, -(d.weekday().num_days_from_monday() as i64)).unwrap_or(d)
}

/// The first day of the month `delta` months from `d`'s month.
fn month_start(d: NaiveDate, delta: i64) -> Option<NaiveDate> {
    let idx = d.year() as i64 * 12 + d.month0() as i64 + delta;
    ymd(
        i32::try_from(idx.div_euclid(12)).ok()?,
        idx.rem_euclid(12) as u32 + 1,
        1,
    )
}

/// The representative day of a month part: early → 1st, mid → 11th, late → 21st.
fn part_day(part: Option<Part>) -> u32 {
    match part {
        Some(Part::Mid) => 11,
        Some(Part::Late) => 21,
        _ => 1,
    }
}

/// The day `m`/`d` nearest to `p`: in `p`'s year, the year before or the year after.
fn nearest_occurrence(p: NaiveDate, m: u32, d: u32) -> Option<NaiveDate> {
    [p.year(), p.year() - 1, p.year() + 1]
        .into_iter()
        .filter_map(|y| ymd(y, m, d))
        .min_by_key(|c| (*c - p).num_days().abs())
}

/// The year of a date written without one (see the module docs).
fn infer_year(p: NaiveDate, m: u32, d: u32, future: bool) -> Option<NaiveDate> {
    let y = p.year();
    let year = match ymd(y, m, d) {
        Some(c) => {
            let diff = (c - p).num_days();
            if !future && diff > PAST_SLACK_DAYS {
                y - 1
            } else if future && diff < -FUTURE_SLACK_DAYS {
                y + 1
            } else {
                y
            }
        }
        // February 29 of a common year: the nearest leap year in the tense's direction.
        None => (1..=4)
            .map(|k| if future { y + k } else { y - k })
            .find(|yy| ymd(*yy, m, d).is_some())?,
    };
    ymd(year, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn find(sentence: &str, published: &str) -> Vec<TimeMention> {
        find_dates(
            sentence,
            &TimeContext {
                published: date(published),
            },
        )
    }

    use Precision::*;

    /// (sentence, published, expected expression, expected date, precision).
    #[rustfmt::skip]
    const ROWS: &[(&str, &str, &str, &str, Precision)] = &[
        // A1, published Tue 2025-03-04
        ("The United States has suspended military aid to Ukraine, a White House official said on Monday evening, sharply escalating President Donald Trump's pressure on Kyiv three days after his meeting with Ukrainian President Volodymyr Zelensky ended in acrimony.", "2025-03-04", "on Monday evening", "2025-03-03", Day),
        ("The decision follows Friday's Oval Office meeting, in which Trump and Vice President JD Vance accused Zelensky, in front of television cameras, of being ungrateful for American support.", "2025-03-04", "Friday's", "2025-02-28", Day),
        ("Treasury Secretary Scott Bessent told CBS on Sunday that the minerals deal was not on the table for the time being.", "2025-03-04", "on Sunday", "2025-03-02", Day),
        ("Trump is scheduled to address a joint session of Congress on Tuesday night, and the war in Ukraine could feature in his remarks.", "2025-03-04", "on Tuesday night", "2025-03-04", Day),
        ("The United States has been Ukraine's largest single supplier of weapons since Russia launched its full-scale invasion in February 2022.", "2025-03-04", "in February 2022", "2022-02-01", Month),
        // A2, published Wed 2025-03-12
        ("JEDDAH, Saudi Arabia — Ukraine said on Tuesday that it was ready to accept a US proposal for an immediate 30-day ceasefire with Russia.", "2025-03-12", "on Tuesday", "2025-03-11", Day),
        ("Speaking at the White House on Tuesday, Trump said he would talk to Russian President Vladimir Putin and hoped he would agree.", "2025-03-12", "on Tuesday", "2025-03-11", Day),
        ("the Kremlin had not publicly responded to the proposal as of Wednesday morning.", "2025-03-12", "as of Wednesday morning", "2025-03-12", Day),
        ("the first formal negotiations between the two governments since the February 28 confrontation in the Oval Office.", "2025-03-12", "February 28", "2025-02-28", Day),
        ("the United States agreed in return to restart the military aid and intelligence sharing it had cut off last week.", "2025-03-12", "last week", "2025-03-03", Week),
        ("The United States halted weapons deliveries on March 3, and more.", "2025-03-12", "on March 3", "2025-03-03", Day),
        ("CIA Director John Ratcliffe confirmed on March 5 that intelligence sharing had also been paused.", "2025-03-12", "on March 5", "2025-03-05", Day),
        // A3, published Wed 2025-03-19
        ("Russian President Vladimir Putin agreed on Tuesday to stop attacks on Ukraine's energy infrastructure for 30 days.", "2025-03-19", "on Tuesday", "2025-03-18", Day),
        ("Putin also told Trump that Russia and Ukraine would exchange 175 prisoners each on Wednesday, and that Moscow would additionally hand over 23 severely wounded Ukrainian soldiers.", "2025-03-19", "on Wednesday", "2025-03-19", Day),
        ("Envoy Steve Witkoff told Fox News that US officials would meet in Saudi Arabia on Sunday to work through the details.", "2025-03-19", "on Sunday", "2025-03-23", Day),
        ("Ukrainian President Volodymyr Zelensky, speaking to reporters by video from Finland on Tuesday, said Kyiv would support a halt to energy strikes.", "2025-03-19", "on Tuesday", "2025-03-18", Day),
        ("The call came a week after Ukraine, at talks with US officials in Jeddah on March 11, said it was ready to accept a 30-day ceasefire.", "2025-03-19", "on March 11", "2025-03-11", Day),
        // A4, published Fri 2025-04-18
        ("Ukraine and the United States signed a memorandum of intent on Thursday, a preliminary step toward an economic partnership agreement.", "2025-04-18", "on Thursday", "2025-04-17", Day),
        ("Svyrydenko signed in Kyiv and Treasury Secretary Scott Bessent in Washington, completing the document remotely on April 17.", "2025-04-18", "on April 17", "2025-04-17", Day),
        ("Separately on Thursday, speaking in the Oval Office alongside Italian Prime Minister Giorgia Meloni, President Donald Trump predicted that the broader minerals agreement would be signed next week.", "2025-04-18", "on Thursday", "2025-04-17", Day),
        ("President Donald Trump predicted that the broader minerals agreement would be signed next Thursday, April 24.", "2025-04-18", "next Thursday, April 24", "2025-04-24", Day),
        ("Bessent said the two sides were still working out the details and were aiming to finish around April 26.", "2025-04-18", "around April 26", "2025-04-26", Day),
        ("President Volodymyr Zelensky had said earlier on Thursday that the American side had proposed signing the memorandum online that day.", "2025-04-18", "earlier on Thursday", "2025-04-17", Day),
        ("A framework version of the deal was meant to be signed during Zelensky's February 28 visit to the White House.", "2025-04-18", "February 28", "2025-02-28", Day),
        ("In late March, Washington sent Kyiv a much broader draft.", "2025-04-18", "In late March", "2025-03-21", Month),
        // A5, published Thu 2025-05-01 (Kyiv)
        ("KYIV — Ukraine and the United States signed an agreement on Wednesday in Washington setting up a jointly owned investment fund that will be financed partly by revenue from Ukraine's natural resources.", "2025-05-01", "on Wednesday", "2025-04-30", Day),
        ("Svyrydenko and Bessent signed the document late on April 30, Washington time, when it was already Thursday in Kyiv.", "2025-05-01", "late on April 30", "2025-04-30", Day),
        ("A framework version was supposed to be signed in Washington on February 28 but was shelved.", "2025-05-01", "on February 28", "2025-02-28", Day),
        ("the two sides signed a memorandum of intent on April 17.", "2025-05-01", "on April 17", "2025-04-17", Day),
        // A6, published Fri 2025-05-09
        ("KYIV — Ukraine's parliament on Thursday ratified the agreement with the United States.", "2025-05-09", "on Thursday", "2025-05-08", Day),
        ("The parliament's foreign policy committee had recommended ratification on Tuesday.", "2025-05-09", "on Tuesday", "2025-05-06", Day),
        ("Svyrydenko and Bessent signed the agreement in Washington on April 30, after a first attempt fell apart during Zelensky's February 28 visit.", "2025-05-09", "on April 30", "2025-04-30", Day),
        // Seed, published Wed 2025-03-05
        ("Andriy Yermak said on March 5, following discussions with U.S. National Security Advisor Mike Waltz.", "2025-03-05", "on March 5", "2025-03-05", Day),
        ("In his evening address, Zelensky said that the first results of ongoing negotiations would be announced next week.", "2025-03-05", "next week", "2025-03-10", Week),
        ("Today, our Ukrainian and U.S. teams have started working on a meeting.", "2025-03-05", "Today", "2025-03-05", Day),
        ("a clash in the Oval Office exchange on Feb. 28 between Zelensky and U.S. President Donald Trump.", "2025-03-05", "on Feb. 28", "2025-02-28", Day),
        ("the deal remains stalled as Trump seeks a \"bigger, better deal,\" CBS News reported on March 4.", "2025-03-05", "on March 4", "2025-03-04", Day),
        ("On March 4, Zelensky called the White House clash \"regrettable.\"", "2025-03-05", "On March 4", "2025-03-04", Day),
        // Formats
        ("They met on Feb 28.", "2025-03-05", "on Feb 28", "2025-02-28", Day),
        ("They met on 5 March.", "2025-03-10", "on 5 March", "2025-03-05", Day),
        ("The deal was signed on April 30, 2025, in Washington.", "2026-01-10", "on April 30, 2025", "2025-04-30", Day),
        ("The deal was signed March 5, 2024.", "2025-03-10", "March 5, 2024", "2024-03-05", Day),
        ("Talks resume on Sept. 3.", "2025-08-20", "on Sept. 3", "2025-09-03", Day),
        ("He arrived on March 5th.", "2025-03-10", "on March 5th", "2025-03-05", Day),
        ("He arrived on the 5th of March.", "2025-03-10", "on the 5th of March", "2025-03-05", Day),
        ("It was signed on 12 December 2024.", "2025-03-10", "on 12 December 2024", "2024-12-12", Day),
        ("The report came out 2025-03-05.", "2025-03-10", "2025-03-05", "2025-03-05", Day),
        // Months and years
        ("Talks were held in March.", "2025-03-20", "in March", "2025-03-01", Month),
        ("Talks will resume in early April.", "2025-03-20", "in early April", "2025-04-01", Month),
        ("The vote is planned for mid-May.", "2025-03-20", "mid-May", "2025-05-11", Month),
        ("Elections were held in 2024.", "2025-03-20", "in 2024", "2024-01-01", Year),
        ("Talks collapsed in December.", "2025-01-10", "in December", "2024-12-01", Month),
        ("Elections will be held in March.", "2025-11-20", "in March", "2026-03-01", Month),
        ("The fund will open on January 5.", "2025-12-20", "on January 5", "2026-01-05", Day),
        ("The talks stalled last month.", "2025-03-20", "last month", "2025-02-01", Month),
        ("Prices fell earlier this month.", "2025-03-20", "earlier this month", "2025-03-01", Month),
        ("Prices rose this month.", "2025-01-20", "this month", "2025-01-01", Month),
        ("Elections are due next year.", "2025-01-20", "next year", "2026-01-01", Year),
        ("Fighting has raged since last March.", "2025-01-20", "last March", "2024-03-01", Month),
        ("Aid stopped before March 5.", "2025-03-20", "before March 5", "2025-03-05", Before),
        // Weekdays and relative days
        ("He spoke on Tuesday.", "2025-03-19", "on Tuesday", "2025-03-18", Day),
        ("He will speak on Tuesday.", "2025-03-19", "on Tuesday", "2025-03-25", Day),
        ("He will speak on Wednesday.", "2025-03-19", "on Wednesday", "2025-03-19", Day),
        ("They met last Friday.", "2025-03-19", "last Friday", "2025-03-14", Day),
        ("They met last Friday.", "2025-03-21", "last Friday", "2025-03-14", Day),
        ("It would be signed next Thursday.", "2025-04-18", "next Thursday", "2025-04-24", Day),
        ("It will be signed next Thursday.", "2025-04-17", "next Thursday", "2025-04-24", Day),
        ("They meet this Friday.", "2025-03-19", "this Friday", "2025-03-21", Day),
        ("On Sunday, US officials will meet in Riyadh.", "2025-03-19", "On Sunday", "2025-03-23", Day),
        ("Tuesday night was quiet.", "2025-03-19", "Tuesday night", "2025-03-18", Day),
        ("Zelensky is expected to travel to Washington on Friday.", "2025-03-19", "on Friday", "2025-03-21", Day),
        ("He plans to visit Kyiv on Monday.", "2025-03-19", "on Monday", "2025-03-24", Day),
        ("Trump said on Monday that he will meet Putin.", "2025-03-19", "on Monday", "2025-03-17", Day),
        ("He said yesterday that talks failed.", "2025-03-19", "yesterday", "2025-03-18", Day),
        ("Drones hit Kyiv last night.", "2025-03-19", "last night", "2025-03-18", Day),
        ("He will speak tonight.", "2025-03-19", "tonight", "2025-03-19", Day),
        ("He spoke this morning.", "2025-03-19", "this morning", "2025-03-19", Day),
        ("They meet tomorrow.", "2025-03-19", "tomorrow", "2025-03-20", Day),
        ("Talks resume this week.", "2025-03-19", "this week", "2025-03-17", Week),
        ("He said earlier this week that talks failed.", "2025-03-19", "earlier this week", "2025-03-17", Week),
        ("Talks resume next week.", "2025-03-19", "next week", "2025-03-24", Week),
        ("The deal would be signed on Friday.", "2025-03-19", "on Friday", "2025-03-21", Day),
        ("Aid had been paused on Friday.", "2025-03-19", "on Friday", "2025-03-14", Day),
        ("The law has been signed on Monday.", "2025-03-19", "on Monday", "2025-03-17", Day),
        ("Flights were grounded due to fog on Friday.", "2025-03-19", "on Friday", "2025-03-14", Day),
        ("The law is due to enter into force on Friday.", "2025-03-19", "on Friday", "2025-03-21", Day),
        ("On Tuesday, March 11, Ukraine said it was ready.", "2025-03-19", "On Tuesday, March 11", "2025-03-11", Day),
        ("The vote was held Thursday (April 17) in Kyiv.", "2025-04-18", "Thursday (April 17", "2025-04-17", Day),
        ("It was signed on Jan. 20, 2025, in Washington.", "2025-03-19", "on Jan. 20, 2025", "2025-01-20", Day),
        ("Russia invaded on Feb 24, 2022.", "2025-03-19", "on Feb 24, 2022", "2022-02-24", Day),
        ("The truce runs until May 9.", "2025-03-19", "May 9", "2025-05-09", Day),
        ("Aid was cut by the end of March.", "2025-04-19", "March", "2025-03-01", Month),
        // Deadlines and the ends of periods ("by", "until") lie ahead unless the sentence is past;
        // a yearless one is the occurrence nearest to publication even after a past verb.
        ("Both reductions take effect by Wednesday.", "2025-05-12", "Wednesday", "2025-05-14", Day),
        ("The talks lasted until Friday.", "2025-05-12", "Friday", "2025-05-09", Day),
        ("Trump extended the truce until November 10.", "2025-08-12", "November 10", "2025-11-10", Day),
        ("The pause on higher tariffs now runs until November 10.", "2025-08-12", "November 10", "2025-11-10", Day),
        ("By March 3 the aid had stopped.", "2025-11-20", "March 3", "2025-03-03", Day),
        ("The ceasefire held until December 28.", "2025-01-10", "December 28", "2024-12-28", Day),
        ("The vote must happen by January 15.", "2025-12-20", "January 15", "2026-01-15", Day),
        ("Ukraine has fought since 2014.", "2025-04-19", "2014", "2014-01-01", Year),
        ("Prices rose in 2024-2025.", "2025-04-19", "in 2024", "2024-01-01", Year),
        ("Growth slowed late last year.", "2025-04-19", "late last year", "2024-01-01", Year),
        ("Elections are planned for March 2026.", "2025-04-19", "March 2026", "2026-03-01", Month),
        ("He arrived early Wednesday morning.", "2025-04-19", "early Wednesday morning", "2025-04-16", Day),
        ("Talks resume this weekend.", "2025-04-16", "this weekend", "2025-04-14", Week),
        ("Drones struck last weekend.", "2025-04-14", "last weekend", "2025-04-07", Week),
        ("The truce ended a week ago.", "2025-04-16", "a week ago", "2025-04-07", Week),
        ("He resigned three days ago.", "2025-03-19", "three days ago", "2025-03-16", Day),
    ];

    /// Ukrainian dates, resolved like the English ones against the publication day.
    #[test]
    fn ukrainian_dates() {
        #[rustfmt::skip]
        let rows: &[(&str, &str, &str, Precision)] = &[
            ("Верховна Рада ратифікувала угоду 8 травня.", "8 травня", "2025-05-08", Day),
            ("Угоду підписали у Вашингтоні 30 квітня 2025 року.", "30 квітня 2025 року", "2025-04-30", Day),
            ("Рада фонду вперше зібралася у вівторок.", "у вівторок", "2025-09-02", Day),
            ("Засідання відбудеться у п'ятницю.", "у п'ятницю", "2025-09-05", Day),
            ("Уряд схвалив конкурс вчора.", "вчора", "2025-09-02", Day),
            ("Депутати голосували минулого тижня.", "минулого тижня", "2025-08-25", Week),
            ("Закон набув чинності у травні.", "у травні", "2025-05-01", Month),
        ];
        for (sentence, expr, day, precision) in rows {
            // Published on Wednesday, September 3, 2025.
            let found = find(sentence, "2025-09-03");
            let m = found
                .first()
                .unwrap_or_else(|| panic!("no date in {sentence:?}"));
            assert_eq!(m.expression(sentence), *expr, "{sentence}");
            assert_eq!((m.date, m.precision), (date(day), *precision), "{sentence}");
        }
        assert!(find("Угода про надра важлива для обох країн.", "2025-09-03").is_empty());
    }

    /// Offsets count from the day named before them in the sentence; without a named day, or
    /// with an event as anchor, they stay unresolved.
    #[test]
    fn anchored_offsets_count_from_the_day_named_before() {
        #[rustfmt::skip]
        let rows: &[(&str, Option<(&str, &str)>)] = &[
            ("The talks collapsed on 28 February; the next day a loan was signed in London.", Some(("the next day", "2025-03-01"))),
            ("Aid was halted on March 3, and two days later the director confirmed the intelligence pause.", Some(("two days later", "2025-03-05"))),
            ("The board met on June 10 and a week later named its chair.", Some(("a week later", "2025-06-17"))),
            ("The vote came on May 8, the committee having approved it two days earlier.", Some(("two days earlier", "2025-05-06"))),
            ("They landed on Sunday, April 27, and signed the following day.", Some(("the following day", "2025-04-28"))),
            ("The law was signed on May 12; the note had been sent the day before.", Some(("the day before", "2025-05-11"))),
            // An event, not a day, is the anchor: nothing to resolve.
            ("A loan was signed the day after the Oval Office row.", None),
            // No day named before the offset.
            ("Two days later, the director confirmed it.", None),
        ];
        for (sentence, expected) in rows {
            let found = find(sentence, "2025-06-20");
            let anchored = found.iter().find(|m| {
                let e = m.expression(sentence).to_lowercase();
                e.contains("later") || e.contains("earlier") || e.starts_with("the ")
            });
            match expected {
                Some((expr, day)) => {
                    let m =
                        anchored.unwrap_or_else(|| panic!("no offset in {sentence:?}: {found:?}"));
                    assert_eq!(m.expression(sentence).to_lowercase(), *expr, "{sentence}");
                    assert_eq!(m.date, date(day), "{sentence}");
                }
                None => assert!(anchored.is_none(), "{sentence}: {found:?}"),
            }
        }
    }

    #[test]
    fn table() {
        let mut failures = Vec::new();
        for &(sentence, published, expr, want, precision) in ROWS {
            let got = find(sentence, published);
            let hit = got.iter().find(|m| m.expression(sentence) == expr);
            match hit {
                Some(m) if m.date == date(want) && m.precision == precision => {}
                _ => failures.push(format!(
                    "{sentence:?} @ {published}: want {expr:?} {want} {precision:?}, got {:?}",
                    got.iter()
                        .map(|m| (m.expression(sentence), m.date, m.precision))
                        .collect::<Vec<_>>()
                )),
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(ROWS.len() >= 40);
    }

    #[test]
    fn negatives() {
        for s in [
            "Ukraine is ready to accept an immediate 30-day ceasefire.",
            "The Rada approved it with 338 votes in favor.",
            "Ukraine will pay 50% of the revenue into the fund.",
            "The weapons were worth roughly $1 billion.",
            "Russia and Ukraine will exchange 175 prisoners each.",
            "The conversation lasted more than 90 minutes.",
            "For the first 10 years, profits are to be reinvested.",
            "Waltz suggested that Trump may lift the pause on military assistance.",
            "May we go? Trump may. March on, the crowd said.",
            "The fund will be owned 50/50 and covers 57 minerals.",
            "It cost $2025 and 1,900 people came; 2.5 hours later it ended.",
            "The Sunday Times reported it.",
            "He met Theresa May.",
            "The late President spoke.",
            "The 1990s were hard and the 2022 invasion changed it.",
            "Trump and May met; March organizers said so.",
            "In the next day or two, the last week of talks began.",
            "",
        ] {
            let got = find(s, "2025-03-19");
            assert!(
                got.is_empty(),
                "{s:?}: {:?}",
                got.iter().map(|m| m.expression(s)).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn several_mentions_in_order() {
        let s = "Separately on Thursday, Trump predicted that it would be signed next Thursday, April 24, and Bessent aimed for around April 26.";
        let got = find(s, "2025-04-18");
        let exprs: Vec<_> = got
            .iter()
            .map(|m| (m.expression(s), m.date.to_string()))
            .collect();
        assert_eq!(
            exprs,
            vec![
                ("on Thursday", "2025-04-17".to_string()),
                ("next Thursday, April 24", "2025-04-24".to_string()),
                ("around April 26", "2025-04-26".to_string()),
            ]
        );
        let s = "It was already Thursday in Kyiv.";
        assert_eq!(find(s, "2025-05-01")[0].date, date("2025-05-01"));
    }

    #[test]
    fn future_context_cues() {
        let s = "US officials would meet in Saudi Arabia on Sunday.";
        assert!(is_future_context(s, s.find("on Sunday").unwrap()));
        let s = "Speaking on Tuesday, Trump said he would talk to Putin.";
        assert!(!is_future_context(s, s.find("on Tuesday").unwrap()));
        let s = "On Friday, Zelensky is to meet Trump.";
        assert!(is_future_context(s, 0));
        let s = "The meeting was scheduled to take place on Friday.";
        assert!(!is_future_context(s, s.find("on Friday").unwrap()));
        assert!(!is_future_context("", 0));
        assert!(!is_future_context("é", 1));
    }

    #[test]
    fn year_inference() {
        let p = date("2025-01-10");
        assert_eq!(infer_year(p, 12, 20, false), Some(date("2024-12-20")));
        assert_eq!(infer_year(p, 3, 1, false), Some(date("2025-03-01")));
        assert_eq!(
            infer_year(date("2025-12-20"), 1, 5, true),
            Some(date("2026-01-05"))
        );
        assert_eq!(
            infer_year(date("2025-03-10"), 2, 29, false),
            Some(date("2024-02-29"))
        );
    }

    #[test]
    fn never_panics_and_ranges_are_char_boundaries() {
        let inputs = [
            "Зеленський сказав on Tuesday — «May 5» ’s",
            "on",
            "in late",
            "next",
            "the",
            "the 5th of",
            "March",
            "Feb.",
            "2025-",
            "2025-03-",
            "mid-",
            "’s Friday’s Friday’",
            "May 31st, 9999 and 0001-01-01",
            "Feb 29",
            "on Feb. 30",
            "3 days ago",
            "999 years ago",
            "last",
            "Thursday,",
            "Thursday, April",
            "日本 Monday 月曜日",
        ];
        let dates = ["2025-03-19", "0001-01-01", "9999-12-31", "2024-02-29"];
        for s in inputs {
            for d in dates {
                for m in find(s, d) {
                    assert!(
                        s.is_char_boundary(m.start) && s.is_char_boundary(m.end) && m.start < m.end
                    );
                }
                for (i, _) in s.char_indices() {
                    let _ = find(&s[i..], d);
                    let _ = is_future_context(s, i);
                }
            }
        }
        let extreme = NaiveDate::MAX;
        let _ = find_dates(
            "yesterday today tomorrow next week next year last month 3 years ago",
            &TimeContext { published: extreme },
        );
        let _ = find_dates(
            "yesterday today tomorrow next week next year last month 3 years ago",
            &TimeContext {
                published: NaiveDate::MIN,
            },
        );
    }

    #[test]
    fn random_word_salad_never_panics() {
        const PIECES: &[&str] = &[
            "May", " ", "5", ".", "U.S.", "’", "\"", "Thursday", ",", "é", "日", "on", "late", "-",
            "…", "\n", "2025", "last", "week", "?", "the", "of", "ago", "three", "days", "mid",
            "Feb", "31st", "(", "will", "s", "'", "0229", "as", "before", "this", "next", "—",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut text = String::new();
        for round in 0..5000 {
            text.clear();
            for _ in 0..(round % 17 + 1) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                text.push_str(PIECES[(x % PIECES.len() as u64) as usize]);
            }
            let published = ["2025-03-19", "2024-02-29", "2025-12-31"][round % 3];
            for m in find(&text, published) {
                assert!(m.start < m.end && m.end <= text.len(), "{text:?}");
                assert!(text.is_char_boundary(m.start) && text.is_char_boundary(m.end));
            }
            let _ = is_future_context(&text, round % (text.len() + 1));
        }
    }

    /// (expression, date) pairs, in order.
    type Expected = &'static [(&'static str, &'static str)];

    /// Every mention found in the seed and dev articles (split by the real splitter), checked
    /// against FACTS.md: exactly these, no more.
    #[test]
    fn whole_articles() {
        #[rustfmt::skip]
        let cases: &[(&str, &str, Expected)] = &[
            ("seeds/000_586a47ec60a85a45.txt", "2025-03-05", &[
                ("on March 5", "2025-03-05"), ("next week", "2025-03-10"), ("Today", "2025-03-05"),
                ("on Feb. 28", "2025-02-28"), ("on March 4", "2025-03-04"), ("On March 4", "2025-03-04"),
                ("on March 5", "2025-03-05")]),
            ("tests/data/dev/a1-2025-03-04-us-pauses-military-aid.txt", "2025-03-04", &[
                ("on Monday evening", "2025-03-03"), ("Friday's", "2025-02-28"), ("on Sunday", "2025-03-02"),
                ("on Tuesday night", "2025-03-04"), ("in February 2022", "2022-02-01")]),
            ("tests/data/dev/a2-2025-03-12-jeddah-talks-ceasefire.txt", "2025-03-12", &[
                ("on Tuesday", "2025-03-11"), ("last week", "2025-03-03"), ("February 28", "2025-02-28"),
                ("on Tuesday", "2025-03-11"), ("as of Wednesday morning", "2025-03-12"),
                ("on March 3", "2025-03-03"), ("on March 5", "2025-03-05")]),
            ("tests/data/dev/a3-2025-03-19-trump-putin-call.txt", "2025-03-19", &[
                ("on Tuesday", "2025-03-18"), ("on Wednesday", "2025-03-19"), ("on Sunday", "2025-03-23"),
                ("on Tuesday", "2025-03-18"), ("on March 11", "2025-03-11")]),
            ("tests/data/dev/a4-2025-04-18-memorandum-of-intent.txt", "2025-04-18", &[
                ("on Thursday", "2025-04-17"), ("on April 17", "2025-04-17"), ("on Thursday", "2025-04-17"),
                ("next Thursday, April 24", "2025-04-24"), ("around April 26", "2025-04-26"),
                ("earlier on Thursday", "2025-04-17"), ("February 28", "2025-02-28"),
                ("In late March", "2025-03-21")]),
            ("tests/data/dev/a5-2025-05-01-minerals-deal-signed.txt", "2025-05-01", &[
                ("on Wednesday", "2025-04-30"), ("late on April 30", "2025-04-30"), ("Thursday", "2025-05-01"),
                ("on February 28", "2025-02-28"), ("on April 17", "2025-04-17")]),
            ("tests/data/dev/a6-2025-05-09-rada-ratifies-deal.txt", "2025-05-09", &[
                ("on Thursday", "2025-05-08"), ("on Tuesday", "2025-05-06"), ("on April 30", "2025-04-30"),
                ("February 28", "2025-02-28")]),
        ];
        for (path, published, want) in cases {
            let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
            let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{path}: {e}"));
            let body = match text.strip_prefix("---\n") {
                Some(rest) => rest
                    .split_once("\n---\n")
                    .map(|(_, b)| b.to_string())
                    .unwrap(),
                None => text,
            };
            let mut got = Vec::new();
            for line in body.lines() {
                for s in crate::extract::sentences::split_sentences(line) {
                    for m in find(s, published) {
                        got.push((m.expression(s).to_string(), m.date.to_string()));
                    }
                }
            }
            let want: Vec<(String, String)> = want
                .iter()
                .map(|(e, d)| (e.to_string(), d.to_string()))
                .collect();
            assert_eq!(got, want, "{path}");
        }
    }
}
