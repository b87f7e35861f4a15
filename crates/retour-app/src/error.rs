//! The one error type every front end sees: `{code, message}`, the message in French, ready to
//! show, the code stable for programs (and for the CLI's exit code).

use retour_sync::ApiError;
use serde::{Deserialize, Serialize};

/// An error as the UI and the CLI see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// A stable machine code (`unreachable`, `not_signed_in`, `invalid_format`,
    /// `quantity_exceeded`, `service_closed`, …).
    pub code: String,
    /// The French message.
    pub message: String,
}

/// Codes meaning "the server could not be reached" (the CLI exits with 2 on them).
pub const UNREACHABLE_CODES: [&str; 2] = ["unreachable", "send_pending"];

impl AppError {
    /// An error with a code and a French message.
    pub fn new(code: &str, message: impl Into<String>) -> AppError {
        AppError {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// Whether the failure is the server being out of reach (not a refusal).
    pub fn is_unreachable(&self) -> bool {
        UNREACHABLE_CODES.contains(&self.code.as_str())
    }

    /// No account is signed in on this device.
    pub fn not_signed_in() -> AppError {
        AppError::new(
            "not_signed_in",
            "Vous n'êtes pas connecté : veuillez vous connecter.",
        )
    }

    pub(crate) fn local(error: impl std::fmt::Display) -> AppError {
        AppError::new(
            "local_storage",
            format!("Erreur de la base locale de l'appareil : {error}"),
        )
    }
}

impl From<ApiError> for AppError {
    fn from(error: ApiError) -> AppError {
        match error {
            ApiError::Unreachable(_) => AppError::new(
                "unreachable",
                "Serveur injoignable : vérifiez votre connexion. Votre panier est conservé sur \
                 l'appareil et sera synchronisé dès que possible.",
            ),
            ApiError::Status { problem, .. } => {
                let mut message = if problem.detail.is_empty() {
                    problem.title.clone()
                } else {
                    problem.detail.clone()
                };
                for field in &problem.errors {
                    if !message.contains(&field.message) {
                        message.push_str(&format!("\n– {}", field.message));
                    }
                }
                AppError {
                    code: problem.code.clone(),
                    message,
                }
            }
            ApiError::Decode(detail) => AppError::new(
                "server_error",
                format!("Réponse inattendue du serveur : {detail}"),
            ),
        }
    }
}

impl From<retour_store::StoreError> for AppError {
    fn from(error: retour_store::StoreError) -> AppError {
        AppError::local(error)
    }
}

impl From<retour_domain::BlError> for AppError {
    fn from(error: retour_domain::BlError) -> AppError {
        AppError::new(error.code(), error.message())
    }
}

/// The façade's result type.
pub type AppResult<T> = Result<T, AppError>;
