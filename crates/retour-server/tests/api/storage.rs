//! The storage's schema on the database the suite runs on (SQLite, or PostgreSQL in the
//! suite's second run): a database left by an earlier version of the server is brought up to
//! date when the server opens it, step by step, and then serves. (The SQLite tests of the
//! `db` module also carry data across the steps that move it.)

use retour_server::db::{Db, SCHEMA_VERSION};
use retour_server::running::RunningServer;
use retour_server::AppState;

use crate::common::test_config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_any_earlier_schema_is_brought_up_to_date_and_serves() {
    for version in [1, SCHEMA_VERSION / 2, SCHEMA_VERSION - 1] {
        let dir = tempfile::tempdir().unwrap();
        let config = test_config(dir.path());
        let location = config.db.clone();
        // The blocking opening runs off the test's async threads, as the server's calls do.
        tokio::task::spawn_blocking(move || {
            let older = Db::open_at_schema(&location, version).expect("an older schema");
            drop(older);
            Db::open(&location).expect("brought up to date");
        })
        .await
        .unwrap();
        let state = AppState::new(config).unwrap();
        let running = RunningServer::start_demo(state).await.unwrap();
        let client = reqwest::Client::new();
        let login = client
            .post(format!("{}/api/v1/auth/login", running.url()))
            .json(&serde_json::json!({
                "email": retour_server::demo::CUSTOMER_A,
                "password": retour_server::demo::CUSTOMER_PASSWORD,
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200, "from version {version}");
    }
}
