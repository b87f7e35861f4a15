//! The return API client and the sync engine.
//!
//! - [`cart_sync`]: the cart's push and pull as a state machine (sans-IO);
//! - [`client`]: one typed method per endpoint of `API.md`;
//! - [`retry`]: which failures are retried, with exponential backoff and jitter (sans-IO);
//! - [`session`]: tokens in the OS keychain, one refresh on a 401;
//! - [`engine`]: pushes the outbox, pulls ops, BLs, reasons and the schedule, sends return
//!   requests with their idempotency key and messages with their `message_id` until a definitive
//!   answer, and reports its state.

#![forbid(unsafe_code)]

pub mod cart_sync;
pub mod client;
pub mod engine;
pub mod retry;
pub mod session;

pub use client::{ApiClient, ApiError, DossierQuery, Timeouts};
pub use engine::{CartSyncReport, MessageOutcome, SendOutcome, SyncEngine, SyncState};
pub use retry::Backoff;
pub use session::{KeychainError, LoginResult, SessionKeeper, TokenStore};
