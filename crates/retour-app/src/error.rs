//! The one error type every front end sees: `{code, message}`, the message in French, ready to
//! show, the code one of the stable [`ErrorCode`]s (and the CLI's exit code follows from it).

pub use retour_domain::ErrorCode;
use retour_sync::ApiError;
use serde::{Deserialize, Serialize};

/// An error as the UI and the CLI see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// The stable machine code (`unreachable`, `not_signed_in`, `invalid_format`,
    /// `quantity_exceeded`, `service_closed`, `local_storage`, …); serialised as its string.
    pub code: ErrorCode,
    /// The French message.
    pub message: String,
}

impl AppError {
    /// An error with a code (an [`ErrorCode`], or its wire string) and a French message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
        }
    }

    /// An error with a code and that code's French text.
    pub fn of(code: ErrorCode) -> AppError {
        let message = code.french();
        AppError::new(code, message)
    }

    /// Whether the failure is the server being out of reach (not a refusal).
    pub fn is_unreachable(&self) -> bool {
        self.code.is_unreachable()
    }

    /// The exit code of a command line that failed with this error: 2 when the server was out
    /// of reach (try again later), 1 when the operation was refused.
    pub fn exit_code(&self) -> u8 {
        if self.is_unreachable() {
            2
        } else {
            1
        }
    }

    /// No account is signed in on this device.
    pub fn not_signed_in() -> AppError {
        AppError::of(ErrorCode::NotSignedIn)
    }

    /// The device's own storage failed: the French text, then the cause for support.
    pub(crate) fn local(error: impl std::fmt::Display) -> AppError {
        AppError::new(
            ErrorCode::LocalStorage,
            format!("{} ({error})", ErrorCode::LocalStorage.french()),
        )
    }
}

impl From<ApiError> for AppError {
    fn from(error: ApiError) -> AppError {
        match error {
            ApiError::Unreachable(_) => AppError::of(ErrorCode::Unreachable),
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
                    code: problem.error_code(),
                    message,
                }
            }
            ApiError::Decode(detail) => AppError::new(
                ErrorCode::UnexpectedResponse,
                format!("{} : {detail}", ErrorCode::UnexpectedResponse.french()),
            ),
            ApiError::LocalStorage(detail) => AppError::local(detail),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_french_message() {
        let json = serde_json::to_string(&AppError::of(ErrorCode::NotSignedIn)).unwrap();
        assert_eq!(
            json,
            r#"{"code":"not_signed_in","message":"Vous n'êtes pas connecté : veuillez vous connecter."}"#
        );
        let back: AppError =
            serde_json::from_str(r#"{"code":"photo_too_blurry","message":"Photo floue"}"#).unwrap();
        assert_eq!(back.code, ErrorCode::Other("photo_too_blurry".into()));
    }

    #[test]
    fn exit_codes_tell_refused_from_unreachable() {
        assert_eq!(AppError::of(ErrorCode::Unreachable).exit_code(), 2);
        assert_eq!(AppError::of(ErrorCode::SendPending).exit_code(), 2);
        assert_eq!(AppError::of(ErrorCode::QuantityExceeded).exit_code(), 1);
        assert_eq!(AppError::of(ErrorCode::LocalStorage).exit_code(), 1);
        assert_eq!(AppError::new(ErrorCode::parse("other"), "?").exit_code(), 1);
    }

    #[test]
    fn a_store_failure_while_syncing_is_local_not_the_server() {
        let e = AppError::from(ApiError::LocalStorage("disk I/O error".into()));
        assert_eq!(e.code, ErrorCode::LocalStorage);
        assert!(
            e.message.starts_with("Erreur de la base locale"),
            "{}",
            e.message
        );
        let e = AppError::from(ApiError::Decode("expected value".into()));
        assert_eq!(e.code, "unexpected_response");
    }
}
