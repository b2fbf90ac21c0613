//! The `storyline` command: parses arguments, sets up logging, and hands over to the library.
//! Exit codes: 0 success, 1 error, 2 some article files failed (the rest were ingested).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use storyline::answer::Engine;
use storyline::cli::{self, StoreCommand};
use storyline::config::Config;
use storyline::store::Store;

#[derive(Parser)]
#[command(
    name = "storyline",
    version,
    about = "Follows a news story; answers with dated, cited answers"
)]
struct Cli {
    /// Config file (default: config/storyline.toml if present, else built-in defaults).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Store directory (overrides the config and STORYLINE_DATA).
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    /// Article folder (repeatable; overrides the config's article_dirs).
    #[arg(long = "articles", global = true)]
    articles: Vec<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest articles (files or folders) into the store; no PATH: the configured folders.
    /// With --feed URL: fetch that feed once and ingest its items (paths too, if given).
    Ingest {
        paths: Vec<PathBuf>,
        /// A feed (RSS, Atom or JSON Feed) to fetch once; repeatable. A configured feed keeps
        /// its settings (outlet, topics, …), and a disabled one is enabled again on success.
        #[arg(long = "feed", value_name = "URL")]
        feeds: Vec<String>,
    },
    /// The configured feeds: last fetch, last error, items seen, disabled or not.
    Feeds {
        #[arg(long)]
        json: bool,
    },
    /// Answer one message (a /command or a question) and print the plain-text reply.
    Ask {
        /// The message; several words are joined with spaces.
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Chat in the terminal (ingests the configured folders first); reads one message a line.
    Chat,
    /// Run the Telegram bot (token from TELOXIDE_TOKEN; Bot API address from TELOXIDE_API_URL).
    /// Watches the article folders and polls the configured feeds; stops on SIGINT or SIGTERM.
    Serve {
        /// Public HTTPS URL for webhook mode (needs --listen); default: long polling.
        #[arg(long, requires = "listen")]
        webhook_url: Option<String>,
        /// Address the webhook server listens on, e.g. 127.0.0.1:8080 behind a TLS proxy.
        #[arg(long, requires = "webhook_url")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Show the events extracted from article files, without storing them (for checking
    /// what Storyline reads from an article).
    Extract {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// For each topic and stage of the config: the sentences that reach it, those that speak
    /// of it without reaching it, and the near misses (a trigger vetoed by a negation, its form,
    /// a later stage or `unless`), over the configured article folders or --articles. Reads the
    /// articles without storing anything.
    ExplainConfig {
        /// Cut quoted clauses to this many characters (0: whole clauses).
        #[arg(long, default_value_t = 110)]
        width: usize,
    },
    /// What the store holds.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// A topic's dated events in order; with --png, the timeline picture written to FILE.
    Timeline {
        /// The topic (default: the first configured).
        topic: Option<String>,
        #[arg(long, value_name = "FILE")]
        png: Option<PathBuf>,
        /// The picture's language: en or uk.
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Where a topic stands; with --png, the status card written to FILE.
    Status {
        /// The topic (default: the first configured).
        topic: Option<String>,
        #[arg(long, value_name = "FILE")]
        png: Option<PathBuf>,
        /// The picture's language: en or uk.
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Rebuild the full-text index from the stored events (it is derived: this loses nothing).
    Reindex,
    /// Write a deterministic synthetic corpus for benchmarks: gen-corpus --articles N --out DIR
    /// [--seed S] (here the global --articles is the number of articles to write).
    GenCorpus(storyline::bench::GenCorpusArgs),
    /// Benchmark ingest and answers on generated corpora (default sizes 1k, 10k, 100k articles).
    Bench(storyline::bench::BenchArgs),
}

/// sled clones and frees whole tree nodes on every write; under glibc's allocator that spent
/// about 40% of a 100k-article ingest in malloc's free-list upkeep (perf: `_int_malloc`,
/// `unlink_chunk`, `malloc_consolidate`). mimalloc halved ingest CPU time (10k articles: 9.0 s
/// → 5.4 s of user time; 100k: 174 s → 82 s of wall time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("storyline=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref())?;
    // Benchmarks make their own corpora and stores; they never open the configured store.
    match &cli.command {
        Command::GenCorpus(args) => {
            return storyline::bench::gen_corpus_command(&config, &cli.articles, args)
        }
        Command::Bench(args) => {
            return storyline::bench::bench_command(&config, cli.config.as_deref(), args)
        }
        _ => {}
    }
    if let Some(d) = cli.data {
        config.data_dir = d;
    }
    if !cli.articles.is_empty() {
        config.article_dirs = cli.articles;
    }
    let config = Arc::new(config);
    if let Command::Extract { paths } = &cli.command {
        return extract(&config, paths);
    }
    if let Command::ExplainConfig { width } = &cli.command {
        let report = storyline::explain::explain_dirs(&config, &config.article_dirs);
        let width = if *width == 0 { usize::MAX } else { *width };
        print!("{}", storyline::explain::render(&report, width));
        return Ok(if report.unreadable.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        });
    }
    if let Some(command) = store_command(&cli.command) {
        return run_store_command(command, config);
    }
    let store = open_store(&config)?;
    match cli.command {
        Command::Ingest { .. }
        | Command::Feeds { .. }
        | Command::Ask { .. }
        | Command::Stats { .. }
        | Command::Timeline { .. }
        | Command::Status { .. } => {
            unreachable!("run by run_store_command")
        }
        Command::Serve {
            webhook_url,
            listen,
        } => {
            // No ingest here: the folder watch's first scan ingests what arrived while the bot
            // was down, and pushes it to subscribers.
            let engine = Arc::new(Engine::new(config.clone(), store.clone()));
            let options = storyline::frontend::telegram::ServeOptions {
                webhook_url,
                listen,
            };
            tokio::runtime::Runtime::new()?.block_on(async move {
                let mut term =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
                let shutdown = async move {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                };
                storyline::frontend::telegram::serve_with_feeds(
                    engine, store, config, options, shutdown,
                )
                .await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Chat => {
            cli::ingest(
                &store,
                &config,
                &config.article_dirs.clone(),
                &mut std::io::stderr(),
            )?;
            let engine = Engine::new(config, store);
            storyline::frontend::terminal::chat(
                &engine,
                std::io::stdin().lock(),
                std::io::stdout().lock(),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Reindex => {
            let started = std::time::Instant::now();
            let events = store.reindex()?;
            println!(
                "full-text index rebuilt: {events} events in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Extract { .. } | Command::ExplainConfig { .. } => {
            unreachable!("handled before the store is opened")
        }
        Command::GenCorpus(_) | Command::Bench(_) => {
            unreachable!("handled before the store is opened")
        }
    }
}

/// The commands that only need the store, as the library runs them.
fn store_command(command: &Command) -> Option<StoreCommand> {
    Some(match command {
        Command::Ingest { paths, feeds } => StoreCommand::Ingest {
            paths: paths.clone(),
            feeds: feeds.clone(),
        },
        Command::Feeds { json } => StoreCommand::Feeds { json: *json },
        Command::Ask { text } => StoreCommand::Ask { text: text.clone() },
        Command::Stats { json } => StoreCommand::Stats { json: *json },
        Command::Timeline { topic, png, lang } => StoreCommand::Timeline {
            topic: topic.clone(),
            png: png.clone(),
            lang: lang.clone(),
        },
        Command::Status { topic, png, lang } => StoreCommand::Status {
            topic: topic.clone(),
            png: png.clone(),
            lang: lang.clone(),
        },
        _ => return None,
    })
}

/// Runs a store command in the `serve` that holds the store, if one runs (through its control
/// socket), else here; the output and exit code are the same either way.
fn run_store_command(command: StoreCommand, config: Arc<Config>) -> anyhow::Result<ExitCode> {
    let command = command.absolute(&std::env::current_dir()?);
    if let Some(answer) = storyline::control::run_in_serve(&config.data_dir, &command)? {
        print!("{}", answer.stdout);
        eprint!("{}", answer.stderr);
        return Ok(ExitCode::from(answer.code));
    }
    let ctx = cli::StoreContext::new(open_store(&config)?, config);
    let code = cli::run_store_command(
        &command,
        &ctx,
        &mut |_| {},
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    );
    Ok(ExitCode::from(code))
}

fn open_store(config: &Config) -> anyhow::Result<Arc<Store>> {
    Ok(Arc::new(Store::open(&config.data_dir).with_context(
        || format!("opening the store in {}", config.data_dir.display()),
    )?))
}

/// Prints each article's events: sentence.clause, date, modality, topics and stages, actors,
/// attribution, and the clause.
fn extract(config: &Config, paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let extractor = storyline::extract::Extractor::new(config);
    let mut failed = false;
    for path in paths {
        match storyline::article::read_article(path, config) {
            Ok(Some(article)) => {
                println!(
                    "# {} — {} ({})",
                    article.outlet, article.title, article.published
                );
                for e in extractor.events(&article) {
                    let date = e
                        .date
                        .as_ref()
                        .map_or("-".to_string(), storyline::render::format_event_date);
                    let stages: Vec<String> =
                        e.stages.iter().map(|(t, s)| format!("{t}:{s}")).collect();
                    println!(
                        "{}.{} | {} | {} | topics {:?} stages {:?} | actors {:?} | by {:?}\n    {}",
                        e.sentence_index + 1,
                        e.clause_index,
                        date,
                        e.modality.label(),
                        e.topics,
                        stages,
                        e.actors,
                        e.attribution.as_deref().unwrap_or("-"),
                        e.clause
                    );
                }
            }
            Ok(None) => println!("# {}: not an article", path.display()),
            Err(e) => {
                eprintln!("skipped: {e}");
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
