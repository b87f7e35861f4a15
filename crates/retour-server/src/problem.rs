//! Errors as RFC 9457 problem documents: the one error type of the handlers, and the mapping of
//! axum's own rejections (bad JSON, wrong types, bad query, bad path, huge bodies) to problems.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use retour_domain::api::{FieldError, Problem};

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answered to the client as a problem document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError(pub Box<Problem>);

impl ApiError {
    /// A problem with an HTTP status, a stable code and a French detail.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> ApiError {
        ApiError(Box::new(Problem::new(status.as_u16(), code, detail)))
    }

    /// Adds per-field errors.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> ApiError {
        self.0.errors = errors;
        self
    }

    /// Adds the end of an account lock.
    pub fn with_locked_until(mut self, until: DateTime<Utc>) -> ApiError {
        self.0.locked_until = Some(until);
        self
    }

    /// Adds when the service opens again.
    pub fn with_next_change(mut self, next: Option<DateTime<Utc>>) -> ApiError {
        self.0.next_change = next;
        self
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.0.code
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// `404 not_found`, the same for a missing resource and another customer's.
    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "Ressource introuvable")
    }

    /// `401 unauthorized`: no valid access token.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentification requise : veuillez vous connecter",
        )
    }

    /// `403 forbidden`: the account's role may not do this.
    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Vous n'avez pas accès à cette fonction",
        )
    }

    /// `400` for a malformed query string or body.
    pub fn bad_request(code: &str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// `422` for a well-formed request that breaks a rule.
    pub fn unprocessable(code: &str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    /// `500`: logs the cause and tells the client nothing about it.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Erreur interne du serveur, veuillez réessayer plus tard",
        )
    }

    /// The generic problem for an HTTP status produced outside the handlers (timeouts, 405, …).
    pub fn for_status(status: StatusCode) -> ApiError {
        let (code, detail) = match status.as_u16() {
            400 => ("bad_request", "Requête invalide"),
            401 => (
                "unauthorized",
                "Authentification requise : veuillez vous connecter",
            ),
            403 => ("forbidden", "Vous n'avez pas accès à cette fonction"),
            404 => ("not_found", "Ressource introuvable"),
            405 => (
                "method_not_allowed",
                "Méthode non autorisée pour cette adresse",
            ),
            408 => (
                "request_timeout",
                "La requête a pris trop de temps, veuillez réessayer",
            ),
            411 => (
                "length_required",
                "La longueur du corps de la requête est requise",
            ),
            413 => (
                "payload_too_large",
                "Le corps de la requête dépasse la taille maximale (1 Mio)",
            ),
            415 => (
                "unsupported_media_type",
                "Le corps de la requête doit être du JSON (application/json)",
            ),
            429 => (
                "too_many_requests",
                "Trop de requêtes, veuillez patienter avant de réessayer",
            ),
            503 => (
                "service_unavailable",
                "Service momentanément indisponible, veuillez réessayer",
            ),
            s if s >= 500 => (
                "internal_error",
                "Erreur interne du serveur, veuillez réessayer plus tard",
            ),
            _ => ("bad_request", "Requête invalide"),
        };
        ApiError::new(status, code, detail)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.0.status, self.0.code, self.0.detail)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&*self.0).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(error: crate::db::DbError) -> ApiError {
        ApiError::internal(error)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
            }
            JsonRejection::BytesRejection(inner) => {
                let status = inner.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::for_status(status)
                } else {
                    ApiError::bad_request("invalid_body", "Le corps de la requête est illisible")
                }
            }
            JsonRejection::JsonSyntaxError(inner) => ApiError::bad_request(
                "invalid_json",
                format!(
                    "Le corps de la requête n'est pas du JSON valide : {}",
                    clean(&inner.body_text())
                ),
            ),
            JsonRejection::JsonDataError(inner) => ApiError::bad_request(
                "invalid_body",
                format!(
                    "Le corps de la requête ne respecte pas le format attendu : {}",
                    clean(&inner.body_text())
                ),
            ),
            other => ApiError::bad_request(
                "invalid_body",
                format!(
                    "Le corps de la requête est invalide : {}",
                    clean(&other.body_text())
                ),
            ),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::bad_request(
            "invalid_query",
            format!(
                "Paramètres de requête invalides : {}",
                clean(&rejection.body_text())
            ),
        )
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> ApiError {
        match rejection {
            PathRejection::FailedToDeserializePathParams(_) => ApiError::not_found(),
            other => ApiError::internal(other.body_text()),
        }
    }
}

/// Keeps a rejection's text short and free of control characters, so that echoed input stays
/// harmless.
fn clean(text: &str) -> String {
    let text: String = text.chars().filter(|c| !c.is_control()).take(300).collect();
    text.replace(
        "Failed to deserialize the JSON body into the target type: ",
        "",
    )
    .replace("Failed to parse the request body as JSON: ", "")
    .replace("Failed to deserialize query string: ", "")
}

/// A per-field error.
pub fn field_error(field: impl Into<String>, code: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        code: code.to_owned(),
        message: message.into(),
    }
}
