//! The terminal chat: one message per line in, the plain-text reply out. Works with piped stdin
//! (no prompt when stdin is not a terminal).

use std::io::{BufRead, IsTerminal, Write};

use crate::answer::{Engine, Subscriber};
use crate::render::plain_text;

/// Runs the chat until end of input or `/quit`.
pub fn chat(engine: &Engine, input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
    let interactive = std::io::stdin().is_terminal();
    let me = Subscriber::terminal();
    if interactive {
        writeln!(
            output,
            "Storyline chat. Ask about the story, or /help. /quit or Ctrl-D ends."
        )?;
    }
    let prompt = |out: &mut dyn Write| -> std::io::Result<()> {
        if interactive {
            write!(out, "> ")?;
            out.flush()?;
        }
        Ok(())
    };
    prompt(&mut output)?;
    for line in input.lines() {
        // A line that is not UTF-8 must not end the chat: answer it as an odd message.
        let line = line.unwrap_or_default();
        let text = line.trim();
        if matches!(text, "/quit" | "/exit") {
            break;
        }
        if !text.is_empty() {
            if !interactive {
                writeln!(output, "> {text}")?;
            }
            let reply = engine.handle(&me, text);
            writeln!(output, "{}", plain_text(&reply))?;
        }
        prompt(&mut output)?;
    }
    Ok(())
}
