//! The HTTP side: the router with its limits and layers (1 MiB bodies, a request timeout,
//! problem documents for every error, panics caught) and [`serve`], which runs it on a listener
//! until shutdown, with a header-read timeout and a bound on open connections.

use std::future::Future;
use std::net::SocketAddr;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::{Service, ServiceExt};
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
///
/// HTTP/1.1 by hand over hyper rather than `axum::serve`, for two limits a slow or hostile client
/// would otherwise get around: a connection must send a whole request head within
/// [`Config::header_timeout`](crate::Config::header_timeout) (hyper's header-read timeout, off
/// under `axum::serve`; it also ends kept-alive connections idle that long), and at most
/// [`Config::max_connections`](crate::Config::max_connections) connections are served at a time:
/// the next one is accepted only when one closes, and waits in the listen queue until then.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "retour-server listening on http://{addr}");
    let config = state.config().clone();
    let purge = tokio::spawn(purge_expired_rows(state.clone()));
    let sender = tokio::spawn(crate::mail::run_sender(state.clone()));
    let hooks = tokio::spawn(crate::webhook::run_sender(state.clone()));
    let reminders = tokio::spawn(crate::reminders::run(state.clone()));
    let mut app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout);
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = accept(&listener, &slots) => accepted,
        };
        let Some((stream, remote, slot)) = accepted else {
            continue;
        };
        let service = match app.call(remote).await {
            Ok(service) => service,
            Err(never) => match never {},
        };
        let service = TowerToHyperService::new(
            service.map_request(|request: hyper::Request<Incoming>| request.map(Body::new)),
        );
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%remote, %error, "connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    // The background tasks end (their futures dropped, awaited), then what they left running on
    // the blocking pool: once `serve` returns, nothing of this server holds the database.
    for task in [purge, sender, hooks, reminders] {
        task.abort();
        let _ = task.await;
    }
    state.settle().await;
    Ok(())
}

/// Waits for a free connection slot, then for a connection; `None` when accepting failed (the
/// error is logged, and after a short pause, as when the process is out of file descriptors).
async fn accept(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
) -> Option<(TcpStream, SocketAddr, OwnedSemaphorePermit)> {
    let slot = slots.clone().acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, remote)) => {
            let _ = stream.set_nodelay(true);
            Some((stream, remote, slot))
        }
        Err(error) => {
            tracing::warn!(%error, "cannot accept a connection");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            None
        }
    }
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
