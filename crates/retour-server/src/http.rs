//! The HTTP side: the router with its limits and layers (1 MiB bodies, a request timeout,
//! problem documents for every error, panics caught) and [`serve`], which runs it on a listener
//! until shutdown.

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;

use crate::problem::{self, ApiError};
use crate::routes;
use crate::state::AppState;

/// The largest request body accepted (1 MiB); larger ones answer `413`.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole HTTP API, with its limits: 1 MiB bodies, a request timeout, problem documents for
/// every error, panics caught.
pub fn router(state: AppState) -> Router {
    let timeout = state.config().request_timeout;
    routes::routes()
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::for_status(StatusCode::METHOD_NOT_ALLOWED)
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Inside the problem layer, so that its bodiless `408` becomes a problem document too.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(middleware::from_fn(problem_for_every_error))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("handler panicked").into_response()
        }))
        .with_state(state)
}

/// Turns any error response that is not already a problem document (timeouts, 405s, plain-text
/// rejections) into one.
async fn problem_for_every_error(request: axum::extract::Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(problem::PROBLEM_JSON.as_bytes()));
    if (status.is_client_error() || status.is_server_error()) && !is_problem {
        let mut problem = ApiError::for_status(status).into_response();
        if let Some(allow) = response.headers().get(header::ALLOW) {
            problem.headers_mut().insert(header::ALLOW, allow.clone());
        }
        return problem;
    }
    response
}

/// Serves the API on `listener` until `shutdown` completes, then finishes the requests in flight.
/// Logs the address once it accepts connections.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "retour-server listening on http://{addr}");
    let purge = tokio::spawn(purge_expired_rows(state.clone()));
    let sender = tokio::spawn(crate::mail::run_sender(state.clone()));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    purge.abort();
    sender.abort();
    served
}

/// How often expired rows are purged.
pub const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Deletes expired tokens, links, SSO ids, idempotency answers and old failure counts now, then
/// every [`PURGE_EVERY`], while the server runs.
async fn purge_expired_rows(state: AppState) {
    let mut every = tokio::time::interval(PURGE_EVERY);
    loop {
        every.tick().await;
        let now = state.now();
        match state.write(move |c| Ok(c.purge_expired(now)?)).await {
            Ok(purged) => tracing::debug!(?purged, "expired rows purged"),
            Err(error) => tracing::warn!(%error, "cannot purge expired rows"),
        }
    }
}
