//! The error every command returns to the window: `{code, message}`, the message in French,
//! exactly as the façade made it.

use serde::Serialize;

/// An error as the UI receives it.
#[derive(Debug, Serialize)]
pub struct CommandError {
    /// A stable machine code.
    pub code: String,
    /// The French message, ready to show.
    pub message: String,
}

impl From<retour_app::AppError> for CommandError {
    fn from(error: retour_app::AppError) -> CommandError {
        CommandError {
            code: error.code.into(),
            message: error.message,
        }
    }
}

/// The result type of every command.
pub type CommandResult<T> = Result<T, CommandError>;
