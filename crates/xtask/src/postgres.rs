//! The PostgreSQL the server's API suite (and `bench-server`) runs on besides SQLite: Debian's
//! `postgresql` package, its cluster started and a role `retour` (password `retour`, may create
//! databases) made when missing — as root, which CI is — and a fresh database for each run.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// The server as the role `retour` sees it; a database's URL is this, `/`, its name.
pub const SERVER_URL: &str = "postgres://retour:retour@127.0.0.1:5432";

/// Starts the clusters that are down and makes the role when missing (as root); elsewhere only
/// checks that the server answers, and says what to do when it does not.
pub fn ensure_running() -> Result<()> {
    if answers() {
        return Ok(());
    }
    if !crate::setup::is_root() {
        bail!(
            "PostgreSQL does not answer on 127.0.0.1:5432 as retour/retour: start it, then\n  \
             sudo -u postgres psql -c \"CREATE ROLE retour LOGIN CREATEDB PASSWORD 'retour'\""
        );
    }
    let clusters = Command::new("pg_lsclusters")
        .arg("--no-header")
        .output()
        .context("pg_lsclusters (is Debian's postgresql package installed?)")?;
    let clusters = String::from_utf8_lossy(&clusters.stdout).into_owned();
    if clusters.trim().is_empty() {
        bail!("no PostgreSQL cluster (pg_lsclusters lists none)");
    }
    for cluster in clusters.lines() {
        let fields: Vec<&str> = cluster.split_whitespace().collect();
        if let [version, name, _port, status, ..] = fields[..] {
            if status == "down" {
                crate::run("pg_ctlcluster", &[version, name, "start"])?;
            }
        }
    }
    crate::run(
        "runuser",
        &[
            "-u",
            "postgres",
            "--",
            "psql",
            "-qc",
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'retour') THEN \
             CREATE ROLE retour LOGIN CREATEDB PASSWORD 'retour'; END IF; END $$",
        ],
    )?;
    if !answers() {
        bail!("PostgreSQL still does not answer on 127.0.0.1:5432 as retour/retour");
    }
    Ok(())
}

/// Drops the database `name` if it exists, makes it again with the `citext` extension (which the
/// server's schema uses for e-mails), and returns its URL.
pub fn fresh_database(name: &str) -> Result<String> {
    psql(
        "postgres",
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )?;
    psql("postgres", &format!("CREATE DATABASE {name}"))?;
    psql(name, "CREATE EXTENSION citext")?;
    Ok(format!("{SERVER_URL}/{name}"))
}

fn answers() -> bool {
    psql_command("postgres", "SELECT 1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn psql(database: &str, sql: &str) -> Result<()> {
    let output = psql_command(database, sql)
        .output()
        .context("psql (is Debian's postgresql-client installed?)")?;
    if !output.status.success() {
        bail!(
            "psql {database} -c {sql:?}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

fn psql_command(database: &str, sql: &str) -> Command {
    let mut command = Command::new("psql");
    command
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "retour",
            "-d",
            database,
            "-qtAc",
            sql,
        ])
        .env("PGPASSWORD", "retour");
    command
}
