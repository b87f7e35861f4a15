//! Printing, the one place where `--json` is decided: a command answers an [`Output`] (the API's
//! JSON shape and the French text, plus notes for stderr), or a failure; this prints the one or
//! the other and gives the exit code.

use std::process::ExitCode;

use serde::Serialize;

use crate::failure::Failure;

/// What a command shows.
pub struct Output {
    /// The API's shape, pretty JSON (fields in their declared order), printed with `--json`.
    json: String,
    /// The French text, printed otherwise.
    text: String,
    /// Warnings and per-item errors, printed on stderr either way, before the answer.
    notes: Vec<String>,
}

impl Output {
    /// An answer shown as `json` (with `--json`) or as `text`.
    pub fn new(json: &impl Serialize, text: String) -> Result<Output, Failure> {
        Ok(Output {
            json: serde_json::to_string_pretty(json).map_err(anyhow::Error::from)?,
            text,
            notes: Vec::new(),
        })
    }

    /// The same answer with a note for stderr.
    pub fn note(mut self, note: impl Into<String>) -> Output {
        self.notes.push(note.into());
        self
    }

    fn print(&self, json: bool) {
        for note in &self.notes {
            eprintln!("{note}");
        }
        if json {
            println!("{}", self.json);
        } else {
            print!("{}", self.text);
        }
    }
}

/// Prints a command's answer (stdout) or failure (stderr, as `{code, message}` with `--json`)
/// and returns the exit code.
pub fn finish(result: Result<Output, Failure>, json: bool) -> ExitCode {
    match result {
        Ok(output) => {
            output.print(json);
            ExitCode::SUCCESS
        }
        Err(failure) => {
            if let Some(shown) = &failure.shown {
                shown.print(json);
            }
            if json {
                let body = serde_json::json!({"code": failure.code, "message": failure.message});
                eprintln!("{body}");
            } else {
                eprintln!("{}", failure.message);
            }
            ExitCode::from(failure.exit)
        }
    }
}
