//! `cargo xtask schemathesis`: fuzzes the served API against its own OpenAPI document.
//!
//! Installs schemathesis (PyPI, pinned) in a venv under `target/schemathesis-venv`, seeds a demo
//! database under `target/schemathesis/`, serves `retour-server` (release; the debug build in
//! `cargo xtask test`, which CI runs), signs in as customer A and runs `schemathesis run` on
//! `/api/v1/openapi.json` with every check (`--checks all`), then again on the staff routes as
//! the demo's returns staff. What is left out, and why, is in
//! [`EXCLUDED_PATHS`] and [`EXCLUDED_CHECKS`]; where a schema-valid request may still be refused
//! for a business reason, [`BUSINESS_REFUSALS`] says which status and why. Extra arguments go to schemathesis, e.g.
//! `cargo xtask schemathesis --max-examples 200`.

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::server::{
    login, login_as, start_built_server, wait_ready, Profile, STAFF_EMAIL, STAFF_PASSWORD,
};

const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Schemathesis's hooks module, written beside its config.
const HOOKS_MODULE: &str = "retour_hooks";

/// What schemathesis needs told: a fitting invoice's body (`PUT /documents/{id}`) is raw bytes
/// like a photo's, which it has no serializer for under `application/pdf`.
const HOOKS: &str = "import schemathesis\n\
                     schemathesis.serializer.alias(\"application/pdf\", \"application/octet-stream\")\n";

/// The staff's routes: fuzzed with a staff account, the others with a garage's.
const STAFF_PATHS: &str = "^/api/v1/staff/";

/// Paths schemathesis does not call, each with its reason.
const EXCLUDED_PATHS: &[(&str, &str)] = &[
    (
        "/api/v1/auth/logout",
        "it revokes the fuzzer's own session, and every later call would be a 401",
    ),
    (
        "/api/v1/auth/refresh",
        "a refresh token used once is spent (reuse detection revokes the whole session), so \
         a fuzzed refresh ends the fuzzer's session too",
    ),
];

/// Checks left out, each with its reason.
const EXCLUDED_CHECKS: &[(&str, &str)] = &[];

/// Operations where `positive_data_acceptance` (a request the schema allows must not be refused)
/// also accepts a business refusal, each with the statuses and the reason: what decides the
/// answer there is data the fuzzer cannot know or rules richer than a schema can say.
const BUSINESS_REFUSALS: &[(&str, &[u16], &str)] = &[
    (
        "/api/v1/return-requests",
        &[422],
        "a well-formed line is refused (422 unknown_line, quantity_exceeded…) unless it is one \
         of the customer's BL lines, still eligible: the fuzzer cannot know which",
    ),
    (
        "/api/v1/dossiers/{number}/messages",
        &[422],
        "a text of blanks only is message_empty (the rule trims, a schema's length cannot), and \
         photo ids are refused (422 photo_missing) unless uploaded by the customer first",
    ),
    (
        "/api/v1/warranty-claims",
        &[422],
        "a claim is for one of the customer's BL lines, still under warranty, with a VIN whose \
         check digit holds, dates and mileages in order and photos uploaded first: the fuzzer \
         can know none of it",
    ),
    (
        "/api/v1/me/preferences",
        &[422],
        "the pré-accord address must be a mailbox the mail server can take (one @, a dotted \
         domain of letters, digits and hyphens): richer than a schema's `format: email`, so a \
         string the schema allows may be 422 invalid_email",
    ),
    (
        "/api/v1/reports/returns",
        &[400],
        "two well-formed dates are refused (400 invalid_period) when `from` is after `to` or the \
         period is longer than 366 days: a relation between two parameters no schema can say",
    ),
    (
        "/api/v1/photos/{id}",
        &[400, 422],
        "an upload's address must be the SHA-256 of its body (400 hash_mismatch) and the body a \
         real JPEG or PNG (422 invalid_image): a fuzzed body is neither",
    ),
    (
        "/api/v1/documents/{id}",
        &[400, 422],
        "an upload's address must be the SHA-256 of its body (400 hash_mismatch) and the body a \
         whole readable PDF with a page (422 invalid_document): a fuzzed body is neither",
    ),
    (
        "/api/v1/staff/credit-notes",
        &[422],
        "a credit note's lines name closed files of the customer given, each amount above zero \
         (a decimal string, which a schema cannot bound): 422 invalid_credit_note otherwise",
    ),
    (
        "/api/v1/staff/pickups",
        &[400, 422],
        "the token is the one signed by this server for a garage's QR code (400 invalid_token, \
         as API.md says), which the fuzzer cannot forge; the driver's name is a person's, \
         without control characters (422 invalid_driver_name)",
    ),
    (
        "/api/v1/staff/webhooks",
        &[422],
        "the address must be an http:// or https:// one with a host, without spaces, control \
         characters or user info (422 invalid_webhook_url): richer than a schema's string",
    ),
    (
        "/api/v1/auth/unlock",
        &[400],
        "the token is a secret sent by e-mail; any other answers 400 invalid_token, as API.md says",
    ),
    (
        "/api/v1/auth/login",
        &[423],
        "the fuzzer's hundreds of wrong passwords from one address are what the lockout exists \
         for: after 5 failures from a source the answer is 423 account_locked, for any e-mail \
         (API.md, Failed logins)",
    ),
    (
        "/api/v1/auth/password/reset",
        &[400],
        "the token is a secret sent by e-mail (400 invalid_token), and the password rule (letters \
         and a digit or symbol) is richer than the schema's length (400 weak_password)",
    ),
];

/// The schemathesis configuration that carries [`BUSINESS_REFUSALS`].
fn config() -> String {
    let mut toml = String::new();
    for (path, statuses, _) in BUSINESS_REFUSALS {
        let statuses: Vec<String> = [
            "\"2xx\"".to_owned(),
            "401".into(),
            "403".into(),
            "404".into(),
            "409".into(),
            "429".into(),
        ]
        .into_iter()
        .chain(statuses.iter().map(u16::to_string))
        .collect();
        toml.push_str(&format!(
            "[[operations]]\ninclude-path = \"{path}\"\nchecks.positive_data_acceptance.expected-statuses = [{}]\n\n",
            statuses.join(", ")
        ));
    }
    toml
}

/// `cargo xtask schemathesis [--debug] [ARGS]`: the release server, or the debug one.
pub fn run(args: &[String]) -> Result<()> {
    let debug = args.iter().any(|a| a == "--debug");
    let rest: Vec<String> = args.iter().filter(|a| *a != "--debug").cloned().collect();
    fuzz(
        if debug {
            Profile::Debug
        } else {
            Profile::Release
        },
        &rest,
    )
}

/// The run `cargo xtask test` makes: the debug server the tests have just built, a budget of
/// examples that keeps CI short.
pub fn run_in_ci() -> Result<()> {
    fuzz(Profile::Debug, &[])
}

fn fuzz(profile: Profile, args: &[String]) -> Result<()> {
    let root = crate::root();
    let venv = root.join("target/schemathesis-venv");
    let st = venv.join("bin/schemathesis");
    if !st.exists() {
        crate::run("python3", &["-m", "venv", &venv.display().to_string()])?;
        crate::run(
            &venv.join("bin/pip").display().to_string(),
            &["install", "-q", SCHEMATHESIS],
        )?;
    }
    let dir = root.join("target/schemathesis");
    let (_server, port) = start_built_server(profile, &dir, &[], 100_000)?;
    wait_ready(port)?;
    let base = format!("http://127.0.0.1:{port}");
    let config_file = dir.join("schemathesis.toml");
    std::fs::write(&config_file, config())?;
    std::fs::write(dir.join(format!("{HOOKS_MODULE}.py")), HOOKS)?;
    // Two passes on one server: a garage's account on everything but the staff routes, then the
    // returns staff's account on those.
    let customer = login(port)?;
    let staff = login_as(port, STAFF_EMAIL, STAFF_PASSWORD)?;
    let mut failed = Vec::new();
    for (who, token, paths) in [
        ("customer", customer, "--exclude-path-regex"),
        ("staff", staff, "--include-path-regex"),
    ] {
        let mut command = Command::new(&st);
        command
            .current_dir(&dir)
            .env("PYTHONPATH", &dir)
            .env("SCHEMATHESIS_HOOKS", HOOKS_MODULE)
            .arg("--config-file")
            .arg(&config_file)
            .arg("run")
            .arg(format!("{base}/api/v1/openapi.json"))
            .args(["--url", &base])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["--checks", "all"])
            .args([paths, STAFF_PATHS])
            .args(
                EXCLUDED_PATHS
                    .iter()
                    .flat_map(|(path, _)| ["--exclude-path", path]),
            )
            .args(
                EXCLUDED_CHECKS
                    .iter()
                    .flat_map(|(check, _)| ["--exclude-checks", check]),
            )
            .args(["--max-examples", "40", "--workers", "1", "--seed", "2026"])
            .args([
                "--report",
                "junit",
                "--report-dir",
                &dir.join(format!("report-{who}")).display().to_string(),
            ])
            .args(args);
        eprintln!("$ schemathesis run {base}/api/v1/openapi.json … (as {who})");
        let status = command.status().context("running schemathesis")?;
        if !status.success() {
            failed.push(format!("as {who}: {status}"));
        }
    }
    if !failed.is_empty() {
        bail!(
            "schemathesis found problems ({}); server log: {}",
            failed.join(", "),
            dir.join("server.log").display()
        );
    }
    Ok(())
}
