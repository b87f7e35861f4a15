//! The server's API tests: real HTTP on 127.0.0.1:0 against a temporary SQLite file seeded with
//! the demo data — or, with `RETOUR_TEST_POSTGRES` set (`cargo xtask test` runs the suite a second
//! time so), a schema of its own in that PostgreSQL database — no mocks. One test binary, one
//! module per area.

mod auth;
mod cart;
mod catalog;
mod common;
mod connections;
mod documents;
mod dossiers;
mod foreign_ids;
mod instances;
mod limits;
mod money;
mod notifications;
mod numbers;
mod pdf;
mod photos;
mod pickups;
mod requests;
mod storage;
mod timeline;
mod warranty;
mod webhooks;
