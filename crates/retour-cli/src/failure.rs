//! A command's failure: the French message, the stable code and the exit code (0 ok, 1 refused,
//! 2 server unreachable).

use retour_app::AppError;

use crate::print::Output;

/// A failure and its exit code.
pub struct Failure {
    /// The French message.
    pub message: String,
    /// The stable code.
    pub code: String,
    /// The process's exit code.
    pub exit: u8,
    /// What the command had to show before it failed (the files `scan` could read).
    pub shown: Option<Box<Output>>,
}

impl Failure {
    /// A refusal (exit code 1).
    pub fn refused(code: impl Into<String>, message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: code.into(),
            exit: 1,
            shown: None,
        }
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Failure {
        Failure {
            exit: e.exit_code(),
            message: e.message,
            code: e.code.into(),
            shown: None,
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::refused("error", format!("{e:#}"))
    }
}
