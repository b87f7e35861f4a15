//! The HTTP routes of API v1 and the extractors they share (authentication, JSON bodies and
//! queries that answer problem documents).

pub(crate) mod account;
pub(crate) mod cart;
pub(crate) mod catalog;
pub(crate) mod documents;
pub(crate) mod dossiers;
pub(crate) mod messages;
pub(crate) mod money;
pub(crate) mod notifications;
pub(crate) mod photos;
pub(crate) mod pickups;
pub(crate) mod requests;
pub(crate) mod warranty;
pub(crate) mod webhooks;

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::routing::{delete, get, post, put};
use axum::Router;
use retour_domain::api::Role;

use crate::db::Principal;
use crate::problem::ApiError;
use crate::AppState;

pub use dossiers::{staff_advance, staff_decide};
pub use messages::{staff_messages, staff_reply};
pub use money::staff_credit_note_now;
pub use pickups::staff_pickup;
pub use webhooks::{
    staff_webhook_add, staff_webhook_delete, staff_webhook_deliveries, staff_webhooks,
};

/// Every route of the API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(catalog::health))
        .route("/api/v1/openapi.json", get(crate::openapi::serve_document))
        .route("/api/v1/service", get(catalog::service))
        .route("/api/v1/auth/login", post(account::login))
        .route("/api/v1/auth/refresh", post(account::refresh))
        .route("/api/v1/auth/logout", post(account::logout))
        .route("/api/v1/auth/password/forgot", post(account::forgot))
        .route("/api/v1/auth/password/reset", post(account::reset))
        .route("/api/v1/auth/unlock/request", post(account::unlock_request))
        .route("/api/v1/auth/unlock", post(account::unlock))
        .route("/api/v1/auth/sso", post(account::sso))
        .route("/api/v1/reasons", get(catalog::reasons))
        .route("/api/v1/refusal-reasons", get(catalog::refusal_reasons))
        .route("/api/v1/delivery-notes", get(catalog::delivery_notes))
        .route(
            "/api/v1/delivery-notes/{number}",
            get(catalog::delivery_note),
        )
        .route("/api/v1/lookup", get(catalog::lookup))
        .route("/api/v1/cart", get(cart::get_cart))
        .route("/api/v1/cart/ops", post(cart::post_ops).get(cart::get_ops))
        .route("/api/v1/return-requests", post(requests::submit))
        .route(
            "/api/v1/return-requests/{id}/preaccord.pdf",
            get(requests::preaccord),
        )
        .route("/api/v1/dossiers", get(dossiers::list))
        .route("/api/v1/dossiers/{number}", get(dossiers::one))
        .route(
            "/api/v1/dossiers/{number}/messages",
            post(messages::customer_message),
        )
        .route("/api/v1/notifications", get(notifications::list))
        .route("/api/v1/notifications/read", post(notifications::read))
        .route(
            "/api/v1/me/preferences",
            get(notifications::get_preferences).put(notifications::put_preferences),
        )
        .route(
            "/api/v1/photos/{id}",
            put(photos::put_photo).get(photos::get_photo),
        )
        .route(
            "/api/v1/documents/{id}",
            put(documents::put_document).get(documents::get_document),
        )
        .route(
            "/api/v1/staff/dossiers/{number}/events",
            post(dossiers::staff_event),
        )
        .route(
            "/api/v1/staff/dossiers/{number}/messages",
            post(messages::staff_message),
        )
        .route(
            "/api/v1/staff/webhooks",
            post(webhooks::create).get(webhooks::list),
        )
        .route("/api/v1/staff/webhooks/{id}", delete(webhooks::delete))
        .route(
            "/api/v1/staff/webhooks/{id}/deliveries",
            get(webhooks::deliveries),
        )
        .route("/api/v1/staff/credit-notes", post(money::staff_credit_note))
        .route("/api/v1/credit-notes", get(money::credit_notes))
        .route("/api/v1/credit-notes/{number}", get(money::credit_note))
        .route("/api/v1/credits", get(money::credits))
        .route("/api/v1/credits.csv", get(money::credits_csv_file))
        .route("/api/v1/deposits", get(money::deposits))
        .route("/api/v1/reports/returns", get(money::returns_report))
        .route("/api/v1/warranty-claims", post(warranty::submit))
        .route("/api/v1/pickups/pending", get(pickups::pending_pickup))
        .route(
            "/api/v1/pickups/pending/manifest.pdf",
            get(pickups::manifest),
        )
        .route("/api/v1/staff/pickups", post(pickups::staff_pickup_route))
}

/// A JSON body whose rejections are problem documents.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// A query string whose rejections are problem documents.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// A path parameter whose rejections are problem documents.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// The signed-in account, from `Authorization: Bearer …`.
pub struct Auth(pub Principal);

/// The bearer token of a request, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty() && t.len() <= 200)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(ApiError::unauthorized)?;
        let hash = crate::auth::token_hash(token);
        let now = state.now();
        let principal = state.authenticate(&hash, now).await?;
        principal.map(Auth).ok_or_else(ApiError::unauthorized)
    }
}

/// A signed-in customer account: its principal and its customer id.
pub struct Customer(pub Principal, pub i64);

impl FromRequestParts<AppState> for Customer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Auth(principal) = Auth::from_request_parts(parts, state).await?;
        match principal.customer_id {
            Some(customer) if principal.role == Role::Customer => Ok(Customer(principal, customer)),
            _ => Err(ApiError::forbidden()),
        }
    }
}

/// A signed-in staff account.
pub struct Staff(pub Principal);

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Auth(principal) = Auth::from_request_parts(parts, state).await?;
        if principal.role == Role::Staff {
            Ok(Staff(principal))
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// The client's address, when the server knows it.
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ))
    }
}
