//! Requests → [`Reply`] values. The core answers; front-ends render.
//!
//! Every claim in a reply is an event from the store, with its date and a citation; the only
//! prose the core writes itself is framing ("Status: signed", "Not in my sources").

mod builder;
mod interval;
mod lexicon;
mod locale;
mod picture;
pub(crate) mod question;
mod reply;
mod request;
mod search;
mod span;
mod status;
mod subscriptions;
mod verdict;

pub use picture::{PictureFailure, PictureKind};
pub use question::QuestionKind;
pub use reply::{Action, Citation, Reply, ReplyItem, ReplyKind};
pub use request::{AsOf, MAX_MESSAGE_CHARS};
pub use status::{topic_status, StageStep, TopicStatus};

use std::sync::Arc;

use chrono::NaiveDate;

use crate::config::{Config, Topic};
use crate::event::format_day;
use crate::event::{Event, Modality, Precision};
use crate::extract::actors::ActorMatcher;
use crate::extract::time::{find_dates, TimeContext};
use crate::store::{Store, StoreError};
use crate::text;
use builder::{article_lead_per_article, article_leads, group_same_facts, ReplyBuilder};
use lexicon::{Language, Lexicon};
use verdict::{absence_day, Bound};

/// Who sends a request: front-ends map their own notion of a chat onto this.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subscriber {
    /// Telegram chat id (the terminal uses 0).
    pub chat_id: i64,
    /// Forum topic (message thread) id, if any.
    pub thread_id: Option<i32>,
}

impl Subscriber {
    /// The terminal's one local user.
    pub fn terminal() -> Subscriber {
        Subscriber {
            chat_id: 0,
            thread_id: None,
        }
    }
}

/// One parsed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Start,
    Help,
    Latest {
        topic: Option<String>,
    },
    Status {
        topic: Option<String>,
        as_of: Option<AsOf>,
    },
    Timeline {
        topic: Option<String>,
    },
    Topics,
    Sources,
    Subscribe {
        topic: Option<String>,
    },
    Unsubscribe {
        topic: Option<String>,
    },
    Subscriptions,
    /// A plain-language question.
    Ask(String),
    /// A `/command` the bot does not know.
    Unknown {
        command: String,
    },
    /// Nothing but white space.
    Empty,
}

/// Most articles `/sources` lists (the newest).
const SOURCES_MAX: usize = 50;

/// Most items a timeline shows (the newest ones when there are more).
const TIMELINE_MAX: usize = 40;

/// The question-answering core: config and store, no transport.
pub struct Engine {
    config: Arc<Config>,
    store: Arc<Store>,
    actors: ActorMatcher,
    lexicon: Lexicon,
    /// Canonical names of the gazetteer's countries and organisations: not people, for the
    /// direct answer to a "who" question.
    bodies: Vec<String>,
}

impl Engine {
    pub fn new(config: Arc<Config>, store: Arc<Store>) -> Engine {
        let actors = ActorMatcher::new(&config);
        let lexicon = Lexicon::new(&config);
        let bodies = config
            .actors
            .iter()
            .filter(|a| a.kind != "person")
            .map(|a| a.name.clone())
            .collect();
        Engine {
            config,
            store,
            actors,
            lexicon,
            bodies,
        }
    }

    fn reader(&self) -> question::Reader<'_> {
        question::Reader {
            actors: &self.actors,
            lexicon: &self.lexicon,
        }
    }
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Parses and answers one message from `from`.
    pub fn handle(&self, from: &Subscriber, text: &str) -> Reply {
        self.answer(from, &Request::parse(text))
    }

    /// Answers a parsed request. A store failure becomes an apologetic error reply (and a log
    /// line), never a panic.
    pub fn answer(&self, from: &Subscriber, request: &Request) -> Reply {
        let result = match request {
            Request::Start | Request::Help => Ok(self.help(matches!(request, Request::Start))),
            Request::Latest { topic } => {
                self.with_topic(topic.as_deref(), true, |t| self.latest(t))
            }
            Request::Status { topic, as_of } => {
                self.status_request(topic.as_deref(), as_of.as_ref())
            }
            Request::Timeline { topic } => {
                self.with_topic(topic.as_deref(), false, |t| self.timeline(t))
            }
            Request::Topics => Ok(self.topics()),
            Request::Sources => self.sources(),
            Request::Subscribe { topic } => {
                Ok(subscriptions::subscribe(self, from, topic.as_deref()))
            }
            Request::Unsubscribe { topic } => {
                Ok(subscriptions::unsubscribe(self, from, topic.as_deref()))
            }
            Request::Subscriptions => Ok(subscriptions::subscriptions(self, from)),
            Request::Ask(q) => self.ask(q),
            Request::Unknown { command } => Ok(error_reply(
                format!("I don't know the command {command}."),
                "Send /help to see what I can do, or just ask a question.",
            )),
            Request::Empty => Ok(error_reply(
                "Send me a question about the story, or /help.".to_string(),
                "For example: is the minerals deal signed yet?",
            )),
        };
        result.unwrap_or_else(|e| {
            tracing::error!(error = %e, "answering failed");
            error_reply(
                "Sorry, I could not read my store just now.".to_string(),
                "Please try again in a moment.",
            )
        })
    }

    /// Resolves an optional topic argument, replying with the topic list when it is unknown.
    fn with_topic(
        &self,
        name: Option<&str>,
        optional: bool,
        f: impl FnOnce(Option<&Topic>) -> Result<Reply, StoreError>,
    ) -> Result<Reply, StoreError> {
        match name {
            None if optional => f(None),
            None => match self.config.topics.first() {
                Some(t) => f(Some(t)),
                None => Ok(error_reply("No topics are configured.".into(), "")),
            },
            Some(n) => match self.config.find_topic(n) {
                Some(t) => f(Some(t)),
                None => Ok(self.unknown_topic(n)),
            },
        }
    }

    fn unknown_topic(&self, name: &str) -> Reply {
        let mut reply = error_reply(
            format!("I don't follow a topic called \"{}\".", shorten(name, 60)),
            "Topics I follow:",
        );
        for t in &self.config.topics {
            reply.intro.push(format!("• {} ({})", t.name, t.id));
        }
        reply.actions = self.topic_actions("/status");
        reply
    }

    fn topic_actions(&self, command: &str) -> Vec<Action> {
        self.config
            .topics
            .iter()
            .map(|t| Action {
                label: t.name.clone(),
                command: format!("{command} {}", t.id),
            })
            .collect()
    }

    fn help(&self, start: bool) -> Reply {
        let mut intro = Vec::new();
        if start {
            intro.push(
                "Storyline follows a news story and answers with dated, cited answers: every claim \
                 carries the date it happened and the article and sentence that say it."
                    .to_string(),
            );
        }
        intro.extend(
            [
                "Commands:",
                "/latest [topic] — what happened most recently",
                "/status [topic] [YYYY-MM-DD] — where a topic stands (optionally as of a date)",
                "/timeline [topic] — dated events in order",
                "/topics — the topics I follow",
                "/sources — the articles I have read",
                "/subscribe [topic], /unsubscribe [topic], /subscriptions — updates when the story moves",
                "Or ask in plain words, for example:",
                "• Is the minerals deal signed yet?",
                "• When did the US pause military aid to Ukraine?",
                "• Who led the US delegation in Jeddah?",
                "Hedged, conditional and expected statements are marked as such; \
                 what my sources don't say, I say I don't know.",
            ]
            .map(String::from),
        );
        Reply {
            title: "Storyline: dated, cited answers about the news".to_string(),
            intro,
            kind: ReplyKind::Info,
            actions: vec![
                Action {
                    label: "Latest".into(),
                    command: "/latest".into(),
                },
                Action {
                    label: "Topics".into(),
                    command: "/topics".into(),
                },
            ],
            ..Reply::default()
        }
    }

    fn topics(&self) -> Reply {
        let mut intro = Vec::new();
        for t in &self.config.topics {
            let aliases: Vec<&str> = t.aliases.iter().take(4).map(String::as_str).collect();
            intro.push(format!(
                "• {} — /status {} (also: {})",
                t.name,
                t.id,
                aliases.join(", ")
            ));
        }
        Reply {
            title: "Topics I follow".to_string(),
            intro,
            kind: ReplyKind::Info,
            actions: self.topic_actions("/status"),
            ..Reply::default()
        }
    }

    fn sources(&self) -> Result<Reply, StoreError> {
        // The newest page only: a store of 100,000 articles is not one message.
        let total = self.store.article_count()?;
        let articles = self.store.newest_articles(SOURCES_MAX)?;
        if articles.is_empty() {
            return Ok(Reply {
                title: "I have not read any articles yet.".into(),
                kind: ReplyKind::NotInSources,
                ..Reply::default()
            });
        }
        let mut reply = Reply {
            title: format!("I have read {total} article(s), newest first"),
            kind: ReplyKind::Info,
            ..Reply::default()
        };
        if total > articles.len() as u64 {
            reply.intro.push(format!("The newest {}:", articles.len()));
        }
        reply.citations = articles.iter().map(Citation::of).collect();
        Ok(reply)
    }

    /// `/latest`: what happened most recently, by event date (not publication date). Only what
    /// had happened by the time it was reported: a prediction for next week is not news yet.
    fn latest(&self, topic: Option<&Topic>) -> Result<Reply, StoreError> {
        let n = self.config.latest_count.max(1);
        let candidates = self
            .store
            .latest_events(topic.map(|t| t.id.as_str()), n * 6 + 20)?;
        let mut happened: Vec<&Event> = candidates
            .iter()
            .filter(|e| {
                e.date
                    .as_ref()
                    .is_some_and(|d| d.date <= e.reported && d.precision != Precision::Before)
            })
            .collect();
        // Newest day first; within a day, the newest report and then the article's own order,
        // so a lead comes before the sentences that elaborate on it.
        happened.sort_by(|a, b| {
            let day = |e: &Event| e.date.as_ref().map(|d| d.date);
            day(b)
                .cmp(&day(a))
                .then(b.reported.cmp(&a.reported))
                .then(a.article.cmp(&b.article))
                .then(a.sentence_index.cmp(&b.sentence_index))
                .then(a.clause_index.cmp(&b.clause_index))
        });
        let title = match topic {
            Some(t) => format!("Latest on {}", t.name),
            None => "Latest events".to_string(),
        };
        // One item per development: an article's sentences stand behind its lead, and other
        // outlets' reports of the same fact fold into it.
        let leads = article_lead_per_article(&happened);
        let mut b = ReplyBuilder::new(&self.store, title);
        for group in group_same_facts(&leads).into_iter().take(n) {
            b.event_item(group[0], modality_label(group[0].modality), &group[1..])?;
        }
        if b.item_count() == 0 {
            return Ok(not_in_sources());
        }
        if let Some(t) = topic {
            b.reply_mut().actions = vec![
                Action {
                    label: "Status".into(),
                    command: format!("/status {}", t.id),
                },
                Action {
                    label: "Timeline".into(),
                    command: format!("/timeline {}", t.id),
                },
                Action {
                    label: "Subscribe".into(),
                    command: format!("/subscribe {}", t.id),
                },
            ];
        }
        Ok(b.finish())
    }

    /// `/timeline`: the topic's dated events in order; reports of the same fact folded.
    fn timeline(&self, topic: Option<&Topic>) -> Result<Reply, StoreError> {
        let Some(topic) = topic else {
            return Ok(not_in_sources());
        };
        // Only the newest days are read: reports of one fact share a day, so grouping whole days
        // gives the same groups as grouping everything. Read more days until the window holds
        // more groups than are shown, or the topic's dated events run out.
        let mut want = TIMELINE_MAX * 4;
        let (groups, complete) = loop {
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
            let groups = group_same_facts(&article_leads(&refs));
            if recent.complete || groups.len() > TIMELINE_MAX {
                let groups: Vec<Vec<Event>> = groups
                    .into_iter()
                    .map(|g| g.into_iter().cloned().collect())
                    .collect();
                break (groups, recent.complete);
            }
            want *= 4;
        };
        let skipped = groups.len().saturating_sub(TIMELINE_MAX);
        let mut b = ReplyBuilder::new(&self.store, format!("Timeline: {}", topic.name));
        if skipped > 0 && complete {
            b.intro(format!(
                "The {TIMELINE_MAX} most recent of {} dated events:",
                groups.len()
            ));
        } else if skipped > 0 {
            b.intro(format!(
                "The {TIMELINE_MAX} most recent of more than {} dated events:",
                groups.len()
            ));
        }
        for group in groups.iter().skip(skipped) {
            b.event_item(
                &group[0],
                modality_label(group[0].modality),
                &refs(&group[1..]),
            )?;
        }
        if b.item_count() == 0 {
            return Ok(not_in_sources());
        }
        b.reply_mut().actions = vec![Action {
            label: "Status".into(),
            command: format!("/status {}", topic.id),
        }];
        Ok(b.finish())
    }

    fn status_request(
        &self,
        topic: Option<&str>,
        as_of: Option<&AsOf>,
    ) -> Result<Reply, StoreError> {
        let as_of = match as_of {
            None => None,
            Some(AsOf::Date(d)) => Some(*d),
            Some(AsOf::Invalid(s)) => {
                return Ok(error_reply(
                    format!("\"{}\" is not a date I can read.", shorten(s, 20)),
                    "Write dates as YYYY-MM-DD, for example /status minerals 2025-04-01.",
                ))
            }
        };
        match topic {
            Some(name) => match self.config.find_topic(name) {
                Some(t) => self.status(t, as_of),
                None => Ok(self.unknown_topic(name)),
            },
            None => self.status_overview(as_of),
        }
    }

    /// `/status` without a topic: one line per topic that has a stage.
    fn status_overview(&self, as_of: Option<NaiveDate>) -> Result<Reply, StoreError> {
        let mut b = ReplyBuilder::new(&self.store, as_of_title("Where the story stands", as_of));
        for topic in &self.config.topics {
            let st = topic_status(&self.store, topic, as_of)?;
            if let Some(cur) = &st.current {
                let label = format!("{}: {}", topic.name, cur.stage_name);
                b.event_item(&cur.evidence[0], Some(label), &refs(&cur.evidence[1..]))?;
            }
        }
        if b.item_count() == 0 {
            return Ok(not_in_sources());
        }
        b.reply_mut().actions = self.topic_actions("/status");
        Ok(b.finish())
    }

    /// `/status topic [date]`: the stage, its evidence, the history and what is expected.
    pub fn status(&self, topic: &Topic, as_of: Option<NaiveDate>) -> Result<Reply, StoreError> {
        let st = topic_status(&self.store, topic, as_of)?;
        let Some(current) = &st.current else {
            let mut reply = not_in_sources();
            reply.title = as_of_title(
                &format!(
                    "I have no dated facts on the stage of the {} in my sources",
                    topic.name.to_lowercase()
                ),
                as_of,
            );
            return Ok(reply);
        };
        let title = format!(
            "{}: {} (as of {})",
            topic.name,
            current.stage_name,
            current
                .confirmed
                .map(format_day)
                .unwrap_or_else(|| "an unknown date".into())
        );
        let mut b = ReplyBuilder::new(&self.store, title);
        if let Some(d) = as_of {
            b.intro(format!(
                "As it stood on {}, from what had been reported by then.",
                format_day(d)
            ));
        }
        b.event_item(
            &current.evidence[0],
            Some(format!("Now: {}", current.stage_name)),
            &refs(&current.evidence[1..]),
        )?;
        for step in st
            .history
            .iter()
            .filter(|s| s.stage != current.stage || s.date != current.date)
        {
            b.event_item(
                &step.evidence[0],
                Some(format!("Stage: {}", step.stage_name)),
                &refs(&step.evidence[1..]),
            )?;
        }
        for (stage, e) in &st.expected {
            b.event_item(
                e,
                Some(format!("{}: {stage}", expected_label(e.modality))),
                &[],
            )?;
        }
        b.note("Only reported facts move the stage; hedged, conditional and future statements are listed as expected.");
        b.reply_mut().actions = vec![
            Action {
                label: "Timeline".into(),
                command: format!("/timeline {}", topic.id),
            },
            Action {
                label: "Subscribe".into(),
                command: format!("/subscribe {}", topic.id),
            },
        ];
        Ok(b.finish())
    }

    /// A plain-language question, as typed: read through the lexicon (shorthand, idioms,
    /// Ukrainian) and the index's vocabulary (typos), answered, and framed in the question's
    /// language.
    fn ask(&self, typed: &str) -> Result<Reply, StoreError> {
        let language = Language::of(typed);
        let rewritten = self.lexicon.rewrite(typed);
        let question = if language == Language::Ukrainian
            || rewritten
                .split(' ')
                .ne(text::words(typed).iter().map(String::as_str))
        {
            rewritten
        } else {
            typed.to_string()
        };
        let (question, corrected) = self.correct_typos(&question)?;
        let unknown = if language == Language::English {
            self.unknown_name(typed)?
        } else {
            None
        };
        let mut reply = self.answer_question(&question, unknown.as_deref(), language)?;
        if corrected && reply.kind == ReplyKind::Answer {
            reply.intro.insert(
                0,
                format!(
                    "Showing results for \"{}\"",
                    text::words(&question).join(" ")
                ),
            );
        }
        if language == Language::Ukrainian {
            locale::in_ukrainian(&mut reply);
        }
        Ok(reply)
    }

    /// Question words the store never saw, replaced by the nearest word of the index's
    /// vocabulary (one edit for words up to seven letters, two for longer ones), so "minerls"
    /// is read as "minerals". Returns the question and whether anything was corrected.
    fn correct_typos(&self, question: &str) -> Result<(String, bool), StoreError> {
        let mut out = question.to_string();
        let mut corrected = false;
        for w in text::words(question) {
            let letters = w.chars().count();
            if letters < 4
                || w.chars().any(|c| c.is_ascii_digit())
                || text::is_stopword(&w)
                || question::is_question_word(&w)
            {
                continue;
            }
            let s = text::stem(&w);
            if self.lexicon.knows(&s)
                || !self.actors.find(&w).is_empty()
                || self
                    .store
                    .nearest_terms(&s, 0)?
                    .iter()
                    .any(|(_, edits, _)| *edits == 0)
            {
                continue;
            }
            let max_edits = if letters >= 8 { 2 } else { 1 };
            let best = self
                .store
                .nearest_terms(&s, max_edits)?
                .into_iter()
                .min_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)));
            if let Some((term, _, _)) = best {
                if let Some(at) = out.to_lowercase().find(&w) {
                    out.replace_range(at..at + w.len(), &term);
                    corrected = true;
                }
            }
        }
        Ok((out, corrected))
    }

    /// A name in the question (a capitalised word past its first) that nothing in the store,
    /// the actors or the lexicon knows: "another country's deal" is not this one.
    fn unknown_name(&self, typed: &str) -> Result<Option<String>, StoreError> {
        for (i, w) in crate::text::word_spans(typed).iter().enumerate() {
            let folded = w.folded();
            if i == 0
                || !w.is_capitalised()
                || folded.chars().count() < 3
                || text::is_stopword(&folded)
                || question::is_question_word(&folded)
            {
                continue;
            }
            // "US-China" is two words to the index.
            let mut known = !self.actors.find(w.text).is_empty();
            for part in text::words(w.text) {
                let s = text::stem(&part);
                known = known
                    || self.lexicon.knows(&s)
                    || self
                        .store
                        .nearest_terms(&s, 1)?
                        .iter()
                        .any(|(_, edits, _)| *edits <= 1);
            }
            if !known {
                return Ok(Some(w.text.to_string()));
            }
        }
        // In a yes/no question, a longer word the sources never use, that no edit or synonym
        // brings to theirs ("did the us senate vote …"): what the verdict would turn on is not
        // in the store. (Elsewhere an unseen word may be a paraphrase: "amend the preamble".)
        if QuestionKind::of(typed) != QuestionKind::YesNo {
            return Ok(None);
        }
        for w in text::words(typed) {
            if w.chars().count() < 5
                || w.chars().any(|c| c.is_ascii_digit())
                || text::is_stopword(&w)
                || question::is_question_word(&w)
            {
                continue;
            }
            let s = text::stem(&w);
            let max_edits = if w.chars().count() >= 8 { 2 } else { 1 };
            if !self.lexicon.knows(&s)
                && self.actors.find(&w).is_empty()
                && self.store.nearest_terms(&s, max_edits)?.is_empty()
            {
                return Ok(Some(w));
            }
        }
        Ok(None)
    }

    /// A question in the reader's words. `unknown_name`: a name in it that nothing in the store
    /// knows, which keeps a stage verdict from answering a question about something else.
    fn answer_question(
        &self,
        question: &str,
        unknown_name: Option<&str>,
        language: Language,
    ) -> Result<Reply, StoreError> {
        let kind = QuestionKind::of(question);
        let topic = question::topic_in(&self.config.topics, question);
        if kind == QuestionKind::Latest {
            return self.latest(topic);
        }
        if let Some(about) = interval::as_planned(question) {
            if let Some(reply) = self.plan_answer(&about, language)? {
                return Ok(reply);
            }
        }
        if let Some(state) = interval::lasted(question) {
            if let Some(reply) = self.lasted_answer(&state, language)? {
                return Ok(reply);
            }
        }
        if let Some(sides) = interval::compared(question) {
            if let Some(reply) = self.compared_answer(&sides, language)? {
                return Ok(reply);
            }
        }
        if let Some(sides) = interval::parse(question) {
            if let Some(reply) = self.interval_answer(&sides, language)? {
                return Ok(reply);
            }
        }
        if let Some(t) = topic {
            if kind == QuestionKind::Status {
                return self.status(t, self.question_date(question)?);
            }
        }
        // A day named in the question ("what happened on March 11?") picks events by their
        // date; its words are not searched for in the text.
        let day = self.question_day(question)?;
        let words_only = match &day {
            Some((_, range)) => format!("{} {}", &question[..range.start], &question[range.end..]),
            None => question.to_string(),
        };
        let found = question::retrieve(
            &self.store,
            &self.reader(),
            &words_only,
            kind,
            day.as_ref().map(|d| d.0),
            4,
        )?;
        if let Some((d, _)) = day {
            if found.is_empty() {
                return self.on_day(d);
            }
        }
        if let Some(t) = topic {
            // "Is the deal signed?" is about the topic's stage, answered from its status so a
            // prediction never counts as a signing. "When did Zelensky sign the law ratifying
            // the deal?" names the stage's words too, but the event that answers it best
            // carries no stage of the topic: that one is answered from the events.
            // A yes/no question is about the stage when any answer found speaks of that stage
            // (a day named in the question lifts that day's events to the top, and an
            // unrelated sentence of that day must not decide it).
            let of_topic = |s: &search::Scored, only: Option<&str>| {
                s.event
                    .stages
                    .iter()
                    .any(|(tp, st)| *tp == t.id && only.is_none_or(|o| st == o))
            };
            let about_stage = |stage: &str| match kind {
                QuestionKind::YesNo => {
                    found.is_empty() || found.iter().any(|s| of_topic(s, Some(stage)))
                }
                _ => found.first().is_none_or(|s| of_topic(s, None)),
            };
            if let Some(stage) =
                question::stage_in(t, question, &self.lexicon).filter(|s| about_stage(&s.id))
            {
                if matches!(kind, QuestionKind::YesNo | QuestionKind::When) {
                    // "Has the Congo minerals deal been signed?" is not about this deal.
                    if let Some(name) = unknown_name {
                        return Ok(not_mentioned(name));
                    }
                    return self.stage_answer(t, &stage.id, kind, question);
                }
            }
        }
        if found.is_empty() {
            return Ok(not_in_sources());
        }
        if let Some(name) = unknown_name {
            return Ok(not_mentioned(name));
        }
        let mut found = found;
        // "Who's the prime minister now?": among answers that cover the question alike, the
        // newest report speaks for now.
        if text::words(question)
            .iter()
            .any(|w| matches!(w.as_str(), "now" | "currently" | "current" | "today"))
        {
            found.sort_by(|a, b| {
                let band = |c: f32| (c * 10.0).round() as i32;
                band(b.coverage)
                    .cmp(&band(a.coverage))
                    .then(b.event.reported.cmp(&a.event.reported))
            });
        }
        let best = found[0].coverage;
        let mut events: Vec<&Event> = found
            .iter()
            .filter(|s| s.coverage >= best * 0.75)
            .map(|s| &s.event)
            .collect();
        let direct = span::direct_answer(question, &mut events, &self.actors, &self.bodies);
        let mut b = ReplyBuilder::new(&self.store, "From my sources");
        if let Some(direct) = &direct {
            // The evidence the first line quotes is cited first, so it is [1].
            let n = b.cite(events[0])?;
            b.reply_mut().title = direct.line(n, language);
            b.reply_mut().title_quotes_sources = true;
        }
        for group in group_same_facts(&events).into_iter().take(3) {
            b.event_item(group[0], modality_label(group[0].modality), &group[1..])?;
        }
        if events.iter().any(|e| e.modality != Modality::Fact) {
            b.note("Hedged, conditional and expected statements are marked: they are not reports that it happened.");
        }
        Ok(b.finish())
    }

    /// "How long after X was Y?": both sides found as dated facts, both dates stated and the
    /// interval between them computed. `None` when either side is not a fact with a day.
    fn interval_answer(
        &self,
        sides: &interval::Interval,
        language: Language,
    ) -> Result<Option<Reply>, StoreError> {
        let (Some(from), Some(to)) = (self.dated_fact(&sides.from)?, self.dated_fact(&sides.to)?)
        else {
            return Ok(None);
        };
        if from.key() == to.key() {
            return Ok(None);
        }
        let day = |e: &Event| e.date.as_ref().map(|d| d.date);
        let (Some(from_day), Some(to_day)) = (day(&from), day(&to)) else {
            return Ok(None);
        };
        let mut b = ReplyBuilder::new(&self.store, "");
        let from_cite = b.cite(&from)?;
        let to_cite = b.cite(&to)?;
        // The sides in the reader's words label the items; a Ukrainian question's sides are
        // the lexicon's English reading of it, so there they are left out.
        let label = |side: &str| (language == Language::English).then(|| side.to_string());
        b.event_item(&from, label(&sides.from), &[])?;
        b.event_item(&to, label(&sides.to), &[])?;
        let reply = b.reply_mut();
        reply.title = interval::headline((from_day, from_cite), (to_day, to_cite), language);
        reply.title_quotes_sources = true;
        Ok(Some(b.finish()))
    }

    /// "What changed between A and B?": what the sources say of each, side by side (the two
    /// best statements about each, labelled with what they are about). `None` when either side
    /// finds nothing.
    fn compared_answer(
        &self,
        sides: &interval::Interval,
        language: Language,
    ) -> Result<Option<Reply>, StoreError> {
        // Each side: the stage it names when it names a reached one ("the signed deal"), then
        // the best statements about it, reports of one fact by several outlets counted once.
        let about = |side: &str| -> Result<Vec<Vec<Event>>, StoreError> {
            let mut events: Vec<Event> = self.stage_fact(side)?.into_iter().collect();
            events.extend(
                question::retrieve(
                    &self.store,
                    &self.reader(),
                    side,
                    QuestionKind::Other,
                    None,
                    6,
                )?
                .into_iter()
                .map(|s| s.event),
            );
            let refs: Vec<&Event> = events.iter().collect();
            Ok(group_same_facts(&refs)
                .into_iter()
                .take(2)
                .map(|g| g.into_iter().cloned().collect())
                .collect())
        };
        let (first, second) = (about(&sides.from)?, about(&sides.to)?);
        if first.is_empty() || second.is_empty() {
            return Ok(None);
        }
        let mut b = ReplyBuilder::new(&self.store, "");
        let first_cite = b.cite(&first[0][0])?;
        let second_cite = b.cite(&second[0][0])?;
        let label = |side: &str| (language == Language::English).then(|| side.to_string());
        for (side, groups) in [(&sides.from, &first), (&sides.to, &second)] {
            for g in groups {
                b.event_item(&g[0], label(side), &refs(&g[1..]))?;
            }
        }
        let when = |e: &Event| {
            e.date
                .as_ref()
                .map(crate::event::format_event_date)
                .map(|d| {
                    if language == Language::Ukrainian {
                        locale::iso_dates(&d)
                    } else {
                        d
                    }
                })
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        };
        let reply = b.reply_mut();
        reply.title = match language {
            Language::English => format!(
                "Side by side: {}{} [{first_cite}] and {}{} [{second_cite}]",
                sides.from,
                when(&first[0][0]),
                sides.to,
                when(&second[0][0])
            ),
            Language::Ukrainian => format!(
                "Поруч: {} [{first_cite}] і {} [{second_cite}]",
                when(&first[0][0]).trim(),
                when(&second[0][0]).trim()
            ),
        };
        reply.title_quotes_sources = true;
        Ok(Some(b.finish()))
    }

    /// "How long did the intelligence pause last?": a topic's stage named in the question,
    /// from the day it was reached to the day the next stage was, as an interval. `None` when
    /// the question names no reached stage or nothing followed it.
    fn lasted_answer(&self, state: &str, language: Language) -> Result<Option<Reply>, StoreError> {
        let Some(t) = question::topic_in(&self.config.topics, state) else {
            return Ok(None);
        };
        let Some(stage) = question::stage_in(t, state, &self.lexicon) else {
            return Ok(None);
        };
        let st = topic_status(&self.store, t, None)?;
        let Some(at) = st.history.iter().position(|s| s.stage == stage.id) else {
            return Ok(None);
        };
        let start = &st.history[at];
        // The state ends where a later stage is dated by its own words: a stage taken from
        // context ("has been the largest supplier since 2022", dated by the article) does not.
        let explicit = |e: &&Event| {
            e.date
                .as_ref()
                .is_some_and(|d| d.source == crate::event::DateSource::Explicit)
        };
        let Some((end, end_evidence)) = st.history[at + 1..].iter().find_map(|s| {
            (s.stage != start.stage && s.date > start.date)
                .then(|| s.evidence.iter().find(explicit).map(|e| (s, e)))
                .flatten()
        }) else {
            return Ok(None);
        };
        let (Some(from_day), Some(to_day)) = (start.date, end.date) else {
            return Ok(None);
        };
        let mut b = ReplyBuilder::new(&self.store, "");
        let from_cite = b.cite(&start.evidence[0])?;
        let to_cite = b.cite(end_evidence)?;
        b.event_item(
            &start.evidence[0],
            Some(format!("Stage: {}", start.stage_name)),
            &refs(&start.evidence[1..]),
        )?;
        b.event_item(
            end_evidence,
            Some(format!("Stage: {}", end.stage_name)),
            &[],
        )?;
        let reply = b.reply_mut();
        reply.title = interval::headline((from_day, from_cite), (to_day, to_cite), language);
        reply.title_quotes_sources = true;
        Ok(Some(b.finish()))
    }

    /// "Did the board meet in July as planned?": the plan (a dated statement that it would
    /// happen), then what happened (the fact, dated to the day), each cited, and whether the
    /// fact fell within the plan. `None` when either is missing from the store.
    fn plan_answer(&self, about: &str, language: Language) -> Result<Option<Reply>, StoreError> {
        let found = question::retrieve(
            &self.store,
            &self.reader(),
            about,
            QuestionKind::YesNo,
            None,
            12,
        )?;
        let Some(plan) = found.into_iter().map(|s| s.event).find(|e| {
            e.modality != Modality::Fact && e.modality != Modality::Negated && e.date.is_some()
        }) else {
            return Ok(None);
        };
        // What happened is looked for without the plan's date words ("in July").
        let now = self
            .store
            .newest_published()?
            .map(|p| p.date_naive())
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        let mut bare = about.to_string();
        for m in find_dates(about, &TimeContext { published: now })
            .iter()
            .rev()
        {
            bare.replace_range(m.start..m.end, " ");
        }
        let Some(happened) = self.dated_fact(&bare)? else {
            return Ok(None);
        };
        let (Some(plan_date), Some(day)) =
            (plan.date.clone(), happened.date.as_ref().map(|d| d.date))
        else {
            return Ok(None);
        };
        let mut b = ReplyBuilder::new(&self.store, "");
        let plan_cite = b.cite(&plan)?;
        let happened_cite = b.cite(&happened)?;
        let (planned_label, happened_label) = match language {
            Language::English => ("Planned", "What happened"),
            Language::Ukrainian => ("Очікувалося", "Що сталося"),
        };
        b.event_item(&plan, Some(planned_label.into()), &[])?;
        b.event_item(&happened, Some(happened_label.into()), &[])?;
        let reply = b.reply_mut();
        reply.title =
            interval::plan_headline((&plan_date, plan_cite), (day, happened_cite), language);
        reply.title_quotes_sources = true;
        Ok(Some(b.finish()))
    }

    /// The fact that reached the stage `side` names ("the deal signed" → the signing), when it
    /// names a topic and one of its stages and the topic has reached it: the first evidence of
    /// the step dated to the day, else its first evidence.
    fn stage_fact(&self, side: &str) -> Result<Option<Event>, StoreError> {
        let Some(t) = question::topic_in(&self.config.topics, side) else {
            return Ok(None);
        };
        let Some(stage) = question::stage_in(t, side, &self.lexicon) else {
            return Ok(None);
        };
        let st = topic_status(&self.store, t, None)?;
        Ok(st.reached(&stage.id).and_then(|step| {
            step.evidence
                .iter()
                .find(|e| {
                    e.date
                        .as_ref()
                        .is_some_and(|d| d.precision == Precision::Day)
                })
                .or(step.evidence.first())
                .cloned()
        }))
    }

    /// One side of a two-fact question as a fact dated to the day: the stage it names when it
    /// names a topic's stage and the topic has reached it ("the deal signed"), else the best
    /// such fact the search finds ("the Oval Office meeting").
    fn dated_fact(&self, side: &str) -> Result<Option<Event>, StoreError> {
        let on_day = |e: &Event| {
            e.modality == Modality::Fact
                && e.date
                    .as_ref()
                    .is_some_and(|d| d.precision == Precision::Day && d.date <= e.reported)
        };
        if let Some(e) = self.stage_fact(side)?.filter(on_day) {
            return Ok(Some(e));
        }
        let found = question::retrieve(
            &self.store,
            &self.reader(),
            side,
            QuestionKind::When,
            None,
            6,
        )?;
        Ok(found.into_iter().map(|s| s.event).find(on_day))
    }

    /// "Is the deal signed?", "When was the memorandum signed?", "Was it in force on May 13?":
    /// answered from the status machinery (see [`verdict`]), so only facts count as having
    /// happened, a date or bound in the question is applied, and the headline never comes from
    /// another stage.
    fn stage_answer(
        &self,
        topic: &Topic,
        stage: &str,
        kind: QuestionKind,
        question: &str,
    ) -> Result<Reply, StoreError> {
        let st = topic_status(&self.store, topic, None)?;
        let stage_name = topic
            .stages
            .iter()
            .find(|s| s.id == stage)
            .map_or(stage, |s| s.name.as_str());
        let bound = self.question_bound(question)?;
        let reached = st.reached(stage);
        // How things stood at the bound, for states ("still paused on March 20?").
        let status_then = match &bound {
            // By everything reported so far: a pause reported two days later still held then.
            Some(b) => Some(status::topic_status_known_by(
                &self.store,
                topic,
                Some(b.last_day()),
                None,
            )?),
            None => None,
        };
        // Statements that the stage had not been reached, newest first, up to the bound.
        let absent = self.stage_absence(topic, stage, bound.as_ref().map(Bound::last_day))?;
        let v = verdict::judge(&verdict::Case {
            kind,
            stage_name,
            topic_name: &topic.name,
            reached: reached.map(|r| r.date),
            bound: bound.as_ref(),
            // At the bound, or now when the question names no day.
            then_current: status_then
                .as_ref()
                .unwrap_or(&st)
                .current
                .as_ref()
                .map(|c| (c.stage == stage, c.stage_name, c.date)),
            absent_as_of: absent.first().map(absence_day),
            state: topic.stages.iter().any(|s| s.id == stage && s.state),
            pending_end: pending_end(status_then.as_ref().unwrap_or(&st), stage),
        });
        // Other outlets that date the same act to a nearby day: shown side by side, never
        // settled silently.
        let disputed = match reached {
            Some(step) => self.other_days(topic, step)?,
            None => Vec::new(),
        };
        let mut title = v.title;
        if !disputed.is_empty() && reached.is_some_and(|r| r.date.is_some()) {
            let days: Vec<String> = disputed
                .iter()
                .filter_map(|e| e.date.as_ref().map(|d| format_day(d.date)))
                .collect();
            title.push_str(&format!(
                " — sources differ: {} in other reports (see below)",
                days.join(", ")
            ));
        }
        let mut b = ReplyBuilder::new(&self.store, title);
        if let Some(step) = reached {
            b.event_item(
                &step.evidence[0],
                Some(format!("Stage: {}", step.stage_name)),
                &refs(&step.evidence[1..]),
            )?;
        }
        for e in &disputed {
            b.event_item(e, Some("Another report's day".to_string()), &[])?;
        }
        // Evidence that it had not happened, when that is what the answer rests on.
        if v.shows_absence {
            for e in absent.iter().take(2) {
                b.event_item(e, Some(format!("Not yet: {stage_name}")), &[])?;
            }
        }
        if let Some(cur) = status_then.as_ref().unwrap_or(&st).current.as_ref() {
            if reached.is_none_or(|r| r.stage != cur.stage) {
                b.event_item(
                    &cur.evidence[0],
                    Some(format!("Then: {}", cur.stage_name))
                        .filter(|_| bound.is_some())
                        .or(Some(format!("Now: {}", cur.stage_name))),
                    &refs(&cur.evidence[1..]),
                )?;
            }
        }
        // Statements that are not facts about this stage, from the stage index (the first three
        // in topic order), not from every event of the topic.
        // Once the stage is reached, predictions of it are history: shown only while it is not.
        let expected_events: Vec<Event> = if reached.is_some() {
            Vec::new()
        } else {
            self.store
                .stage_expectations_in_order(&topic.id, stage, 6)?
                .into_iter()
                .filter(|e| e.modality != Modality::Negated)
                .take(3)
                .collect()
        };
        for e in &expected_events {
            b.event_item(e, Some(expected_label(e.modality)), &[])?;
        }
        if reached.is_none() && expected_events.is_empty() && absent.is_empty() {
            // Nothing on that stage: show what the sources do say about the question, if anything.
            let found = question::retrieve(&self.store, &self.reader(), question, kind, None, 2)?;
            for s in &found {
                b.event_item(&s.event, modality_label(s.event.modality), &[])?;
            }
        }
        b.note("Only reported facts count as having happened; predictions and hedged statements are marked.");
        Ok(b.finish())
    }

    /// Facts that date `step`'s act to another day close to it (within [`DISPUTE_DAYS`]), each
    /// stated in so many words by its sentence: "signed on April 30" in Washington, "on May 1"
    /// in Kyiv. One per day, the first reported.
    fn other_days(&self, topic: &Topic, step: &StageStep<'_>) -> Result<Vec<Event>, StoreError> {
        use crate::event::DateSource;
        let Some(day) = step.date else {
            return Ok(Vec::new());
        };
        let mut out: Vec<Event> = Vec::new();
        for cell in self.store.stage_fact_cells(&topic.id, None, 3)? {
            if cell.stage != step.stage
                || cell.before
                || cell.day == day
                || (cell.day - day).num_days().abs() > DISPUTE_DAYS
            {
                continue;
            }
            for key in &cell.keys {
                let Some(e) = self.store.event(key)? else {
                    continue;
                };
                let explicit = e.date.as_ref().is_some_and(|d| {
                    d.source == DateSource::Explicit && d.precision == Precision::Day
                });
                if explicit && !out.iter().any(|o| o.date == e.date) {
                    out.push(e);
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The negated statements about `stage` of `topic` ("has yet to be ratified", "not yet in
    /// force"), newest first, counting only those made by `by` when given.
    fn stage_absence(
        &self,
        topic: &Topic,
        stage: &str,
        by: Option<NaiveDate>,
    ) -> Result<Vec<Event>, StoreError> {
        let mut absent: Vec<Event> = self
            .store
            .stage_expectations(&topic.id, &[stage], None, None, 20)?
            .into_iter()
            .map(|(_, e)| e)
            .filter(|e| e.modality == Modality::Negated)
            .filter(|e| by.is_none_or(|d| absence_day(e) <= d))
            .collect();
        absent.sort_by_key(|e| std::cmp::Reverse((absence_day(e), e.reported)));
        Ok(absent)
    }

    /// A date or bound named in a question ("on April 24", "by May 1", "before June", "in
    /// July"), resolved against the newest article: the story's own "now", not the clock.
    fn question_bound(&self, question: &str) -> Result<Option<Bound>, StoreError> {
        let now = self
            .store
            .newest_published()?
            .map(|p| p.date_naive())
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        Ok(Bound::find(question, now))
    }

    /// A day named in a question ("signed on April 24?"), with its place in the question,
    /// resolved against the newest article: the story's own "now", not the clock.
    fn question_day(
        &self,
        question: &str,
    ) -> Result<Option<(NaiveDate, std::ops::Range<usize>)>, StoreError> {
        // The newest article's own date: its publication time in its own offset (as
        // `Article::published_date`), read from one index key rather than every article.
        let now = self
            .store
            .newest_published()?
            .map(|p| p.date_naive())
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        Ok(find_dates(question, &TimeContext { published: now })
            .into_iter()
            .find(|m| m.precision == Precision::Day)
            .map(|m| (m.date, m.start..m.end)))
    }

    fn question_date(&self, question: &str) -> Result<Option<NaiveDate>, StoreError> {
        Ok(self.question_day(question)?.map(|(d, _)| d))
    }

    /// "What happened on March 11?": the events of that day, facts first.
    fn on_day(&self, day: NaiveDate) -> Result<Reply, StoreError> {
        let mut events = self.store.events_on(day, 200)?;
        events.retain(|e| {
            e.date
                .as_ref()
                .is_some_and(|d| d.precision == Precision::Day)
        });
        if events.is_empty() {
            let mut reply = not_in_sources();
            reply.title = format!(
                "I don't have anything dated {} in my sources.",
                format_day(day)
            );
            return Ok(reply);
        }
        events.sort_by_key(|e| (e.modality != Modality::Fact, e.reported, e.key()));
        let refs: Vec<&Event> = events.iter().collect();
        let mut b = ReplyBuilder::new(&self.store, format!("On {}", format_day(day)));
        for group in group_same_facts(&refs)
            .into_iter()
            .take(self.config.latest_count.max(1))
        {
            b.event_item(group[0], modality_label(group[0].modality), &group[1..])?;
        }
        Ok(b.finish())
    }
}

/// How far apart two reports may date one act and still be read as disputing its day (time
/// zones, a signing late at night), not as two acts.
const DISPUTE_DAYS: i64 = 2;

/// When `stage` is the status's current stage: the first expectation of a later stage reported
/// since it was reached ("pledged to lift the pause immediately"), as (report day, stage name).
fn pending_end<'s>(status: &'s TopicStatus<'_>, stage: &str) -> Option<(NaiveDate, &'s str)> {
    let current = status.current.as_ref().filter(|c| c.stage == stage)?;
    status
        .expected
        .iter()
        .filter(|(_, e)| matches!(e.modality, Modality::Future | Modality::Conditional))
        .filter(|(_, e)| current.date.is_none_or(|d| e.reported >= d))
        .min_by_key(|(_, e)| e.reported)
        .map(|(name, e)| (e.reported, name.as_str()))
}

fn refs(events: &[Event]) -> Vec<&Event> {
    events.iter().collect()
}

/// The label that marks a claim that is not a plain fact.
fn modality_label(m: Modality) -> Option<String> {
    match m {
        Modality::Fact => None,
        Modality::Hedged => Some("Hedged".into()),
        Modality::Conditional => Some("Conditional".into()),
        Modality::Future => Some("Expected".into()),
        // The sentence itself says "not": a label would only repeat it.
        Modality::Negated => None,
    }
}

/// "Expected", or "Expected (hedged)" when the statement is also hedged or conditional.
fn expected_label(m: Modality) -> String {
    match m {
        Modality::Fact | Modality::Future => "Expected".to_string(),
        Modality::Negated => "Not yet".to_string(),
        other => format!("Expected ({})", other.label()),
    }
}

fn as_of_title(title: &str, as_of: Option<NaiveDate>) -> String {
    match as_of {
        Some(d) => format!("{title} (as of {})", format_day(d)),
        None => title.to_string(),
    }
}

/// Not in my sources, naming what nothing in them mentions.
fn not_mentioned(name: &str) -> Reply {
    let mut reply = not_in_sources();
    reply
        .intro
        .insert(0, format!("Nothing in my sources mentions \"{name}\"."));
    reply
}

/// "I don't have that in my sources" beats a guess: no items, no citations.
pub fn not_in_sources() -> Reply {
    Reply {
        title: "I don't have that in my sources.".to_string(),
        intro: vec![
            "Try /topics to see what I follow, or /latest for the newest events.".to_string(),
        ],
        kind: ReplyKind::NotInSources,
        ..Reply::default()
    }
}

fn error_reply(title: String, hint: &str) -> Reply {
    Reply {
        title,
        intro: if hint.is_empty() {
            Vec::new()
        } else {
            vec![hint.to_string()]
        },
        kind: ReplyKind::Error,
        ..Reply::default()
    }
}

/// Cuts user text for echoing it back, at a char boundary.
fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max_chars).collect();
        s.push('…');
        s
    }
}
