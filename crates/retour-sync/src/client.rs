//! The return API's HTTP client: one method per endpoint of `API.md`, typed with the domain's
//! wire types, and errors that say whether the server was reached and what it answered.
//!
//! It knows nothing of sessions or retries: the access token is a parameter, and
//! [`crate::session`] and [`crate::retry`] decide what to do with a 401 or a timeout.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, StatusCode};
use retour_domain::api::{
    Cart, CartOp, CartOpsPage, CartOpsRequest, CartOpsResponse, Credits, DeliveryNote,
    DeliveryNoteList, Deposits, DocumentInfo, Dossier, DossierList, EmailRequest, LoginRequest,
    Lookup, Message, MessageBody, NotificationsPage, PendingPickup, PhotoInfo, PickupConfirmation,
    Preferences, Problem, ReadNotifications, Reason, RefreshRequest, ResetRequest, ReturnReport,
    ReturnRequest, ReturnRequestBody, ServiceInfo, Session, StaffPickupBody, TokenRequest,
    WarrantyClaimBody,
};
use retour_domain::ErrorCode;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a request gave no usable answer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The server could not be reached, or did not answer in time, or the answer was cut.
    #[error("serveur injoignable : {0}")]
    Unreachable(String),
    /// The server answered with an error status and its problem document.
    #[error("{}", problem.detail)]
    Status {
        /// The HTTP status.
        status: u16,
        /// The problem document (made up from the status when the body was not one).
        problem: Box<Problem>,
        /// The `Retry-After` the server asked for.
        retry_after: Option<Duration>,
        /// Whether the body was a problem document (`false`: a proxy's page or an empty body,
        /// the problem above made up from the status).
        from_problem_document: bool,
    },
    /// The server answered 2xx with a body we cannot read.
    #[error("réponse du serveur illisible : {0}")]
    Decode(String),
    /// The device's own store failed while syncing (not the server's fault).
    #[error("base locale : {0}")]
    LocalStorage(String),
}

impl ApiError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The problem's stable code, when the server answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Status { problem, .. } => Some(&problem.code),
            _ => None,
        }
    }
}

/// How long to wait for the server.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// To open a connection.
    pub connect: Duration,
    /// For a whole request.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(20),
        }
    }
}

/// A client for one backend.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
}

/// A query for `GET /api/v1/dossiers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DossierQuery {
    /// `open` or `closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// A status code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// From 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// `return` or `warranty` (v1.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// At most 100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
}

impl ApiClient {
    /// A client for the backend at `base_url` (such as `http://127.0.0.1:8080`).
    pub fn new(base_url: &str, timeouts: Timeouts) -> Result<ApiClient, ApiError> {
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            .user_agent(concat!("retour/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Unreachable(e.to_string()))?;
        Ok(ApiClient {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
        })
    }

    /// The backend's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.http.request(method, format!("{}{}", self.base, path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    async fn send<T: DeserializeOwned>(builder: RequestBuilder) -> Result<T, ApiError> {
        let bytes = Self::send_raw(builder).await?.1;
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Decode(e.to_string()))
    }

    async fn send_raw(builder: RequestBuilder) -> Result<(HeaderMap, Vec<u8>), ApiError> {
        let response = builder.send().await.map_err(unreachable)?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(unreachable)?;
        if status.is_success() {
            return Ok((headers, bytes.to_vec()));
        }
        Err(status_error(status, &headers, &bytes))
    }

    /// `GET /healthz`.
    pub async fn health(&self) -> Result<(), ApiError> {
        Self::send_raw(self.request(Method::GET, "/healthz", None))
            .await
            .map(|_| ())
    }

    /// `GET /api/v1/service`.
    pub async fn service(&self) -> Result<ServiceInfo, ApiError> {
        Self::send(self.request(Method::GET, "/api/v1/service", None)).await
    }

    /// `POST /api/v1/auth/login`.
    pub async fn login(&self, body: &LoginRequest) -> Result<Session, ApiError> {
        Self::send(
            self.request(Method::POST, "/api/v1/auth/login", None)
                .json(body),
        )
        .await
    }

    /// `POST /api/v1/auth/sso`.
    pub async fn login_sso(&self, token: &str) -> Result<Session, ApiError> {
        let body = TokenRequest {
            token: token.to_owned(),
        };
        Self::send(
            self.request(Method::POST, "/api/v1/auth/sso", None)
                .json(&body),
        )
        .await
    }

    /// `POST /api/v1/auth/refresh`.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Session, ApiError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        Self::send(
            self.request(Method::POST, "/api/v1/auth/refresh", None)
                .json(&body),
        )
        .await
    }

    /// `POST /api/v1/auth/logout` with the access token, and the refresh token in the body so
    /// that a server which revokes by refresh token can do so even when the access token expired.
    pub async fn logout(&self, token: &str, refresh_token: &str) -> Result<(), ApiError> {
        let body = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        Self::send_raw(
            self.request(Method::POST, "/api/v1/auth/logout", Some(token))
                .json(&body),
        )
        .await
        .map(|_| ())
    }

    /// A POST that needs no session and answers no body (the e-mailed links' endpoints).
    async fn post_without_session(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<(), ApiError> {
        Self::send_raw(self.request(Method::POST, path, None).json(body))
            .await
            .map(|_| ())
    }

    /// `POST /api/v1/auth/password/forgot`: the server e-mails a reset link (202 whether or not
    /// the account exists).
    pub async fn forgot_password(&self, email: &str) -> Result<(), ApiError> {
        let body = EmailRequest {
            email: email.to_owned(),
        };
        self.post_without_session("/api/v1/auth/password/forgot", &body)
            .await
    }

    /// `POST /api/v1/auth/password/reset` with the e-mailed link's token.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> Result<(), ApiError> {
        let body = ResetRequest {
            token: token.to_owned(),
            new_password: new_password.to_owned(),
        };
        self.post_without_session("/api/v1/auth/password/reset", &body)
            .await
    }

    /// `POST /api/v1/auth/unlock/request`: the server e-mails an unlock link (202 always).
    pub async fn request_unlock(&self, email: &str) -> Result<(), ApiError> {
        let body = EmailRequest {
            email: email.to_owned(),
        };
        self.post_without_session("/api/v1/auth/unlock/request", &body)
            .await
    }

    /// `POST /api/v1/auth/unlock` with the e-mailed link's token.
    pub async fn unlock(&self, token: &str) -> Result<(), ApiError> {
        let body = TokenRequest {
            token: token.to_owned(),
        };
        self.post_without_session("/api/v1/auth/unlock", &body)
            .await
    }

    /// `GET /api/v1/reasons`.
    pub async fn reasons(&self, token: &str) -> Result<Vec<Reason>, ApiError> {
        Self::send(self.request(Method::GET, "/api/v1/reasons", Some(token))).await
    }

    /// `GET /api/v1/delivery-notes?days=N`.
    pub async fn delivery_notes(
        &self,
        token: &str,
        days: u32,
    ) -> Result<DeliveryNoteList, ApiError> {
        Self::send(
            self.request(Method::GET, "/api/v1/delivery-notes", Some(token))
                .query(&[("days", days)]),
        )
        .await
    }

    /// `GET /api/v1/delivery-notes/{number}`.
    pub async fn delivery_note(&self, token: &str, number: &str) -> Result<DeliveryNote, ApiError> {
        let path = format!("/api/v1/delivery-notes/{}", encode_segment(number));
        Self::send(self.request(Method::GET, &path, Some(token))).await
    }

    /// `GET /api/v1/lookup?code=`.
    pub async fn lookup(&self, token: &str, code: &str) -> Result<Lookup, ApiError> {
        Self::send(
            self.request(Method::GET, "/api/v1/lookup", Some(token))
                .query(&[("code", code)]),
        )
        .await
    }

    /// `GET /api/v1/cart`.
    pub async fn cart(&self, token: &str) -> Result<Cart, ApiError> {
        Self::send(self.request(Method::GET, "/api/v1/cart", Some(token))).await
    }

    /// `POST /api/v1/cart/ops`.
    pub async fn push_ops(&self, token: &str, ops: &[CartOp]) -> Result<CartOpsResponse, ApiError> {
        let body = CartOpsRequest { ops: ops.to_vec() };
        Self::send(
            self.request(Method::POST, "/api/v1/cart/ops", Some(token))
                .json(&body),
        )
        .await
    }

    /// `GET /api/v1/cart/ops?after=N`.
    pub async fn pull_ops(&self, token: &str, after: u64) -> Result<CartOpsPage, ApiError> {
        Self::send(
            self.request(Method::GET, "/api/v1/cart/ops", Some(token))
                .query(&[("after", after)]),
        )
        .await
    }

    /// `GET /api/v1/notifications?after=N&limit=L`.
    pub async fn notifications(
        &self,
        token: &str,
        after: u64,
        limit: u32,
    ) -> Result<NotificationsPage, ApiError> {
        Self::send(
            self.request(Method::GET, "/api/v1/notifications", Some(token))
                .query(&[("after", after), ("limit", u64::from(limit))]),
        )
        .await
    }

    /// `PUT /api/v1/photos/{sha256}`: a JPEG whose SHA-256 is `hash` (idempotent: `200` when the
    /// backend already has it, `201` when it stores it now).
    pub async fn put_photo(
        &self,
        token: &str,
        hash: &str,
        jpeg: Vec<u8>,
    ) -> Result<PhotoInfo, ApiError> {
        Self::send(
            self.request(
                Method::PUT,
                &format!("/api/v1/photos/{}", encode_segment(hash)),
                Some(token),
            )
            .header(reqwest::header::CONTENT_TYPE, "image/jpeg")
            .body(jpeg),
        )
        .await
    }

    /// `PUT /api/v1/documents/{sha256}`: a PDF whose SHA-256 is `hash` (idempotent: `200` when
    /// the backend already has it, `201` when it stores it now).
    pub async fn put_document(
        &self,
        token: &str,
        hash: &str,
        pdf: Vec<u8>,
    ) -> Result<DocumentInfo, ApiError> {
        Self::send(
            self.request(
                Method::PUT,
                &format!("/api/v1/documents/{}", encode_segment(hash)),
                Some(token),
            )
            .header(reqwest::header::CONTENT_TYPE, "application/pdf")
            .body(pdf),
        )
        .await
    }

    /// `POST /api/v1/notifications/read`: read up to `up_to`, inclusive.
    pub async fn read_notifications(&self, token: &str, up_to: u64) -> Result<(), ApiError> {
        Self::send_raw(
            self.request(Method::POST, "/api/v1/notifications/read", Some(token))
                .json(&ReadNotifications { up_to }),
        )
        .await
        .map(|_| ())
    }

    /// `GET /api/v1/me/preferences`.
    pub async fn preferences(&self, token: &str) -> Result<Preferences, ApiError> {
        Self::send(self.request(Method::GET, "/api/v1/me/preferences", Some(token))).await
    }

    /// `PUT /api/v1/me/preferences`.
    pub async fn save_preferences(
        &self,
        token: &str,
        preferences: &Preferences,
    ) -> Result<Preferences, ApiError> {
        Self::send(
            self.request(Method::PUT, "/api/v1/me/preferences", Some(token))
                .json(preferences),
        )
        .await
    }

    /// `GET /api/v1/photos/{id}`: the photo as the backend stores it (a JPEG).
    pub async fn photo(&self, token: &str, id: &str) -> Result<Vec<u8>, ApiError> {
        Ok(Self::send_raw(self.request(
            Method::GET,
            &format!("/api/v1/photos/{}", encode_segment(id)),
            Some(token),
        ))
        .await?
        .1)
    }

    /// `POST /api/v1/return-requests` with its `Idempotency-Key`.
    pub async fn send_return_request(
        &self,
        token: &str,
        idempotency_key: &str,
        body: &ReturnRequestBody,
    ) -> Result<ReturnRequest, ApiError> {
        Self::send(
            self.request(Method::POST, "/api/v1/return-requests", Some(token))
                .header("Idempotency-Key", idempotency_key)
                .json(body),
        )
        .await
    }

    /// `GET /api/v1/documents/{id}`: a PDF the customer uploaded, as the backend keeps it.
    pub async fn document(&self, token: &str, id: &str) -> Result<Vec<u8>, ApiError> {
        Ok(Self::send_raw(self.request(
            Method::GET,
            &format!("/api/v1/documents/{}", encode_segment(id)),
            Some(token),
        ))
        .await?
        .1)
    }

    /// `GET /api/v1/return-requests/{id}/preaccord.pdf`: the bytes and their media type.
    pub async fn preaccord_pdf(&self, token: &str, request_id: &str) -> Result<Vec<u8>, ApiError> {
        let path = format!(
            "/api/v1/return-requests/{}/preaccord.pdf",
            encode_segment(request_id)
        );
        Ok(
            Self::send_raw(self.request(Method::GET, &path, Some(token)))
                .await?
                .1,
        )
    }

    /// `GET /api/v1/dossiers`.
    pub async fn dossiers(
        &self,
        token: &str,
        query: &DossierQuery,
    ) -> Result<DossierList, ApiError> {
        Self::send(
            self.request(Method::GET, "/api/v1/dossiers", Some(token))
                .query(query),
        )
        .await
    }

    /// `GET /api/v1/dossiers/{number}`.
    pub async fn dossier(&self, token: &str, number: &str) -> Result<Dossier, ApiError> {
        let path = format!("/api/v1/dossiers/{}", encode_segment(number));
        Self::send(self.request(Method::GET, &path, Some(token))).await
    }

    /// `POST /api/v1/dossiers/{number}/messages` (v1.1): a replay of `message_id` answers the
    /// same message and adds nothing.
    pub async fn send_message(
        &self,
        token: &str,
        number: &str,
        body: &MessageBody,
    ) -> Result<Message, ApiError> {
        let path = format!("/api/v1/dossiers/{}/messages", encode_segment(number));
        Self::send(self.request(Method::POST, &path, Some(token)).json(body)).await
    }

    /// `POST /api/v1/warranty-claims` (v1.1), with its idempotency key.
    pub async fn send_warranty_claim(
        &self,
        token: &str,
        idempotency_key: &str,
        body: &WarrantyClaimBody,
    ) -> Result<Dossier, ApiError> {
        Self::send(
            self.request(Method::POST, "/api/v1/warranty-claims", Some(token))
                .header("Idempotency-Key", idempotency_key)
                .json(body),
        )
        .await
    }

    /// `GET /api/v1/pickups/pending` (v1.1): a new token over the files waiting for the driver.
    pub async fn pending_pickup(&self, token: &str) -> Result<PendingPickup, ApiError> {
        Self::send(self.request(Method::GET, "/api/v1/pickups/pending", Some(token))).await
    }

    /// `GET /api/v1/pickups/pending/manifest.pdf` (v1.1): the PDF's bytes.
    pub async fn pickup_manifest(&self, token: &str) -> Result<Vec<u8>, ApiError> {
        let path = "/api/v1/pickups/pending/manifest.pdf";
        Ok(Self::send_raw(self.request(Method::GET, path, Some(token)))
            .await?
            .1)
    }

    /// `POST /api/v1/staff/pickups` (v1.1, staff): the driver's confirmation.
    pub async fn confirm_pickup(
        &self,
        token: &str,
        body: &StaffPickupBody,
    ) -> Result<PickupConfirmation, ApiError> {
        Self::send(
            self.request(Method::POST, "/api/v1/staff/pickups", Some(token))
                .json(body),
        )
        .await
    }
}

impl ApiClient {
    /// `GET /api/v1/credits` (v1.1): "Où est mon avoir ?", every decided line and its money.
    pub async fn credits(&self, token: &str) -> Result<Credits, ApiError> {
        Self::send(self.request(Method::GET, "/api/v1/credits", Some(token))).await
    }

    /// `GET /api/v1/credits.csv` (v1.1): the same for French spreadsheet software, as bytes.
    pub async fn credits_csv(&self, token: &str) -> Result<Vec<u8>, ApiError> {
        Ok(
            Self::send_raw(self.request(Method::GET, "/api/v1/credits.csv", Some(token)))
                .await?
                .1,
        )
    }

    /// `GET /api/v1/deposits` (v1.1): "Mes consignes", by due date.
    pub async fn deposits(&self, token: &str) -> Result<Deposits, ApiError> {
        Self::send(self.request(Method::GET, "/api/v1/deposits", Some(token))).await
    }

    /// `GET /api/v1/reports/returns?from=&to=` (v1.1): "Mon bilan" over a period (Paris dates).
    pub async fn returns_report(
        &self,
        token: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<ReturnReport, ApiError> {
        Self::send(
            self.request(Method::GET, "/api/v1/reports/returns", Some(token))
                .query(&[("from", from.to_string()), ("to", to.to_string())]),
        )
        .await
    }
}

/// Percent-encodes a path segment (numbers are digits, but the user may type anything).
fn encode_segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn unreachable(error: reqwest::Error) -> ApiError {
    // reqwest's errors name the URL but never the headers, so no token leaks here.
    let kind = if error.is_timeout() {
        "délai dépassé"
    } else if error.is_connect() {
        "connexion impossible"
    } else {
        "échange interrompu"
    };
    ApiError::Unreachable(kind.to_owned())
}

fn status_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ApiError {
    let parsed = serde_json::from_slice::<Problem>(body).ok();
    let from_problem_document = parsed.is_some();
    let problem = parsed.unwrap_or_else(|| {
        // Not a problem document (a proxy's page…): the server's own code for that status.
        let code = ErrorCode::for_status(status.as_u16());
        Problem::new(status.as_u16(), code.as_str(), code.french())
    });
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| retry_after(v, chrono::Utc::now()));
    ApiError::Status {
        status: status.as_u16(),
        problem: Box::new(problem),
        retry_after,
        from_problem_document,
    }
}

/// A `Retry-After` value: delay-seconds or an HTTP date (a date in the past means now).
fn retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            retry_after("Wed, 02 Dec 2026 10:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Wed, 02 Dec 2026 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn a_non_problem_error_body_gets_a_french_problem_and_retry_after() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "7".parse().unwrap());
        let error = status_error(StatusCode::SERVICE_UNAVAILABLE, &headers, b"<html>");
        match error {
            ApiError::Status {
                status,
                problem,
                retry_after,
                from_problem_document,
            } => {
                assert!(!from_problem_document);
                assert_eq!(status, 503);
                assert_eq!(problem.code, "service_unavailable");
                assert_eq!(retry_after, Some(Duration::from_secs(7)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_non_problem_error_body_gets_the_servers_code_for_its_status() {
        for (status, code) in [
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
            (StatusCode::BAD_GATEWAY, "internal_error"),
            (StatusCode::UNAUTHORIZED, "unauthorized"),
            (StatusCode::CONFLICT, "bad_request"),
        ] {
            match status_error(status, &HeaderMap::new(), b"<html>") {
                ApiError::Status { problem, .. } => {
                    assert_eq!(problem.code, code, "{status}");
                    assert_eq!(problem.detail, problem.error_code().french());
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_segment("250001106"), "250001106");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
    }
}
