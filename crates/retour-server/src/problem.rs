//! Errors as RFC 9457 problem documents: the one error type of the handlers, and the mapping of
//! axum's own rejections (bad JSON, wrong types, bad query, bad path, huge bodies) to problems.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use retour_domain::api::{FieldError, Problem};
use retour_domain::ErrorCode;

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answered to the client as a problem document, with the seconds of its `Retry-After`
/// header when it has one (`429`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError(pub Box<Problem>, Option<u64>);

impl ApiError {
    /// A problem with an HTTP status, a stable code and a French detail.
    pub fn new(status: StatusCode, code: ErrorCode, detail: impl Into<String>) -> ApiError {
        ApiError(
            Box::new(Problem::new(status.as_u16(), code.as_str(), detail)),
            None,
        )
    }

    /// The problem of a code with its own status and French text.
    pub fn of(code: ErrorCode) -> ApiError {
        let status = code
            .http_status()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::BAD_REQUEST);
        let detail = code.french();
        ApiError::new(status, code, detail)
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

    /// `429 too_many_requests`, to try again after `retry_after` (sent as `Retry-After`).
    pub fn too_many_requests(retry_after: crate::throttle::RetryAfter) -> ApiError {
        let mut error = ApiError::of(ErrorCode::TooManyRequests);
        error.1 = Some(retry_after.0);
        error
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.0.code
    }

    /// The stable code as the shared vocabulary.
    pub fn error_code(&self) -> ErrorCode {
        self.0.error_code()
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// `404 not_found`, the same for a missing resource and another customer's.
    pub fn not_found() -> ApiError {
        ApiError::of(ErrorCode::NotFound)
    }

    /// `401 unauthorized`: no valid access token.
    pub fn unauthorized() -> ApiError {
        ApiError::of(ErrorCode::Unauthorized)
    }

    /// `403 forbidden`: the account's role may not do this.
    pub fn forbidden() -> ApiError {
        ApiError::of(ErrorCode::Forbidden)
    }

    /// `400` for a malformed query string or body.
    pub fn bad_request(code: ErrorCode, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// `422` for a well-formed request that breaks a rule.
    pub fn unprocessable(code: ErrorCode, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    /// `500`: logs the cause and tells the client nothing about it.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::of(ErrorCode::InternalError)
    }

    /// The generic problem for an HTTP status produced outside the handlers (timeouts, 405, …).
    pub fn for_status(status: StatusCode) -> ApiError {
        let code = ErrorCode::for_status(status.as_u16());
        let detail = code.french();
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
        if let Some(seconds) = self.1 {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(error: crate::db::DbError) -> ApiError {
        if error.is_conflict() {
            // `Db::write` runs the transaction again; it logs the conflicts it gives up on.
            tracing::debug!(%error, "serialisation conflict");
            return ApiError::of(ErrorCode::InternalError);
        }
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
                    ApiError::of(ErrorCode::InvalidBody)
                }
            }
            JsonRejection::JsonSyntaxError(inner) => ApiError::bad_request(
                ErrorCode::InvalidJson,
                format!(
                    "Le corps de la requête n'est pas du JSON valide : {}",
                    clean(&inner.body_text())
                ),
            ),
            JsonRejection::JsonDataError(inner) => ApiError::bad_request(
                ErrorCode::InvalidBody,
                format!(
                    "Le corps de la requête ne respecte pas le format attendu : {}",
                    clean(&inner.body_text())
                ),
            ),
            other => ApiError::bad_request(
                ErrorCode::InvalidBody,
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
            ErrorCode::InvalidQuery,
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
pub fn field_error(
    field: impl Into<String>,
    code: ErrorCode,
    message: impl Into<String>,
) -> FieldError {
    FieldError {
        field: field.into(),
        code: code.as_str().to_owned(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_problems_keep_their_exact_documents() {
        let json = |e: ApiError| serde_json::to_string(&*e.0).unwrap();
        assert_eq!(
            json(ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE)),
            r#"{"type":"https://retour.example/problems/payload_too_large","title":"payload too large","status":413,"code":"payload_too_large","detail":"Le corps de la requête dépasse la taille maximale (1 Mio)"}"#
        );
        assert_eq!(
            json(ApiError::for_status(StatusCode::BAD_GATEWAY)),
            r#"{"type":"https://retour.example/problems/internal_error","title":"internal error","status":502,"code":"internal_error","detail":"Erreur interne du serveur, veuillez réessayer plus tard"}"#
        );
        assert_eq!(
            json(ApiError::not_found()),
            r#"{"type":"https://retour.example/problems/not_found","title":"not found","status":404,"code":"not_found","detail":"Ressource introuvable"}"#
        );
        assert_eq!(
            json(ApiError::unauthorized()),
            r#"{"type":"https://retour.example/problems/unauthorized","title":"unauthorized","status":401,"code":"unauthorized","detail":"Authentification requise : veuillez vous connecter"}"#
        );
        assert_eq!(
            json(ApiError::internal("disque plein")),
            r#"{"type":"https://retour.example/problems/internal_error","title":"internal error","status":500,"code":"internal_error","detail":"Erreur interne du serveur, veuillez réessayer plus tard"}"#
        );
        assert_eq!(ApiError::forbidden().error_code(), ErrorCode::Forbidden);
        assert_eq!(ApiError::forbidden().status(), StatusCode::FORBIDDEN);
    }

    #[test]
    fn every_status_the_server_answers_has_its_code_and_text() {
        for status in [400, 401, 403, 404, 405, 408, 411, 413, 415, 429, 500, 503] {
            let problem = ApiError::for_status(StatusCode::from_u16(status).unwrap());
            let code = problem.error_code();
            assert_eq!(code.http_status(), Some(status), "{code}");
            assert_eq!(problem.0.detail, code.french());
        }
    }
}
