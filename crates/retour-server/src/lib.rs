//! The reference return backend: the return API v1 of `API.md` over axum and SQLite, enforcing
//! every rule of the product (through `retour-domain`), with e-mail, the pré-accord PDF, the staff
//! flow and demo data.
//!
//! ```no_run
//! # async fn run() -> anyhow::Result<()> {
//! let dir = std::path::Path::new("/tmp/retour");
//! let state = retour_server::AppState::for_dir(dir)?; // always open, SQLite under `dir`
//! retour_server::demo::seed(state.db(), retour_server::paris_today_now())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! tokio::spawn(retour_server::serve(listener, state, std::future::pending()));
//! # let _ = addr; Ok(()) }
//! ```
//!
//! Inside: `state` (what handlers share, built from the configuration), `throttle` (attempts per
//! minute, per address and account), `session_cache` (checked
//! access tokens), `idempotency` (keys being processed), `http` (router, limits, `serve`), `routes`
//! (one module per area of the API), `db` (all the SQL, one module per area), `mail` and
//! `webhook` (the senders of the durable outboxes), `reminders` (the deposit reminders, run by
//! the server's periodic task), `reencode` (uploaded photos decoded with limits and written
//! again as JPEG without metadata), `scrub_pdf` (uploaded PDFs parsed and written again without
//! their metadata).
#![forbid(unsafe_code)]

pub mod auth;
pub mod config;
mod convert;
pub mod db;
pub mod demo;
mod demo_photo;
mod http;
mod idempotency;
pub mod mail;
pub mod openapi;
pub mod pdf;
pub mod pickup;
pub mod problem;
pub mod reencode;
pub mod reminders;
mod routes;
pub mod running;
pub mod scrub_pdf;
mod session_cache;
mod state;
pub mod throttle;
pub mod webhook;

pub use config::Config;
pub use db::Db;
pub use http::{router, serve, MAX_BODY_BYTES};
pub use idempotency::InFlight;
pub use problem::ApiError;
pub use routes::{
    staff_advance, staff_credit_note_now, staff_decide, staff_messages, staff_pickup, staff_reply,
    staff_webhook_add, staff_webhook_delete, staff_webhook_deliveries, staff_webhooks,
};
pub use state::{paris_today_now, AppState, Clock, StartError};
