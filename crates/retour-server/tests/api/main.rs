//! The server's API tests: real HTTP on 127.0.0.1:0 against a temporary SQLite file seeded with
//! the demo data, no mocks. One test binary, one module per area.

mod auth;
mod cart;
mod catalog;
mod common;
mod connections;
mod documents;
mod dossiers;
mod foreign_ids;
mod limits;
mod money;
mod notifications;
mod numbers;
mod pdf;
mod photos;
mod pickups;
mod requests;
mod timeline;
mod warranty;
mod webhooks;
