//! `retour-server`: serve the return API, seed the demo data, or act as the returns staff.
#![forbid(unsafe_code)]

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use retour_domain::api::{
    AcceptedLine, CreditNoteBody, CreditNoteBodyLine, Disposition, DossierStatus, Outcome,
    RefusalReason, StaffEvent,
};
use retour_domain::webhook::WebhookBody;
use retour_domain::Money;
use retour_server::{demo, AppState, Config, Db};

/// The reference return backend of Retour.
///
/// Configuration comes from `--config FILE` (TOML) and the variables RETOUR_LISTEN, RETOUR_DB,
/// RETOUR_MAIL_SPOOL, RETOUR_SMTP_URL, RETOUR_SSO_SECRET, RETOUR_SCHEDULE,
/// RETOUR_RETURN_WINDOW_DAYS, RETOUR_DEPOSIT_DAYS, RETOUR_HEADER_TIMEOUT_SECS and RETOUR_MAX_CONNECTIONS (among
/// others), which override the file.
/// RETOUR_RETURN_WINDOW_DAYS, RETOUR_WARRANTY_MONTHS, RETOUR_PICKUP_SECRET,
/// RETOUR_HEADER_TIMEOUT_SECS and RETOUR_MAX_CONNECTIONS (among others), which override the file.
#[derive(Debug, Parser)]
#[command(name = "retour-server", version, about, long_about = None)]
struct Cli {
    /// A TOML configuration file (keys: listen, db, mail_spool, smtp_url, sso_secret, schedule,
    /// return_window_days, …).
    #[arg(long, global = true, env = "RETOUR_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API until Ctrl-C (or SIGTERM).
    Serve,
    /// Create the demo accounts, catalogue, BLs and files in RETOUR_DB (once).
    SeedDemo {
        /// The day to seed for (default: today in Paris).
        #[arg(long)]
        today: Option<NaiveDate>,
        /// Also add this many BLs for the benchmark.
        #[arg(long, default_value_t = 0, hide = true)]
        bulk_notes: usize,
        /// Also add this many files for the benchmark.
        #[arg(long, default_value_t = 0, hide = true)]
        bulk_dossiers: usize,
    },
    /// Returns-staff actions on RETOUR_DB.
    Staff {
        #[command(subcommand)]
        action: StaffAction,
    },
}

#[derive(Debug, Subcommand)]
enum StaffAction {
    /// Move a return file forward: received, inspecting, then closed with an outcome.
    Advance {
        /// The 8-digit tracking number.
        number: String,
        /// The new status.
        #[arg(long = "to", value_enum)]
        to: Target,
        /// The outcome, to close.
        #[arg(long, value_enum)]
        outcome: Option<OutcomeArg>,
        /// The credited amount HT when closing, e.g. 12.34 (default: computed from the lines).
        #[arg(long, value_parser = parse_money)]
        credited: Option<Money>,
        /// The credit note number, once invoicing has run.
        #[arg(long = "credit-note")]
        credit_note: Option<String>,
        /// Accepted units of a line, as LINE=QTY (repeatable).
        #[arg(long = "accept", value_parser = parse_accepted)]
        accept: Vec<AcceptedLine>,
    },
    /// Close a file with a decision per line; the outcome follows from the units accepted.
    Decide {
        /// The 8-digit tracking number.
        number: String,
        /// A line's decision, as LINE:ACCEPTED[:REFUSAL_REASON[:DISPOSITION[:COMMENT]]]
        /// (repeatable; lines not given accept none). Refusal reasons: out_of_window, fitted,
        /// packaging, not_matching, incomplete, no_fault_found, other; dispositions: returned
        /// (default), scrapped, held.
        #[arg(long = "line", value_parser = parse_line_decision, required = true)]
        lines: Vec<AcceptedLine>,
        /// The credit note number, once invoicing has run.
        #[arg(long = "credit-note")]
        credit_note: Option<String>,
    },
    /// Write to the garage on a file, as the returns service.
    Reply {
        /// The 8-digit tracking number.
        number: String,
        /// The message (1–2,000 characters).
        text: String,
    },
    /// A file's messages, oldest first.
    Messages {
        /// The 8-digit tracking number.
        number: String,
    },
    /// Record a credit note (idempotent on its number) and tell the garage by e-mail.
    CreditNote {
        /// The credit note's number, e.g. AV2026-0142.
        number: String,
        /// The garage's customer code, e.g. C00042.
        #[arg(long)]
        customer: String,
        /// The day it was issued (default: today in Paris).
        #[arg(long = "issued-on")]
        issued_on: Option<NaiveDate>,
        /// A line, as DOSSIER:LINE:AMOUNT, e.g. 10000004:3:17.27 (repeatable).
        #[arg(long = "line", value_parser = parse_credit_line, required = true)]
        lines: Vec<CreditNoteBodyLine>,
    },
    /// Confirm a driver's pickup: every file of the garage's QR code still waiting moves to
    /// "Prise en charge sur site", by the driver.
    Pickup {
        /// The token read from the garage's QR code (with or without "RETOUR-PICKUP:").
        #[arg(long)]
        token: String,
        /// The driver's name.
        #[arg(long)]
        driver: String,
        /// Parcels handed over (1–999).
        #[arg(long)]
        parcels: u32,
    },
    /// The webhooks: events posted to the distributor's systems.
    Webhooks {
        #[command(subcommand)]
        action: WebhookAction,
    },
}

#[derive(Debug, Subcommand)]
enum WebhookAction {
    /// Register a hook; prints it (its id) without the secret.
    Add {
        /// Where events are posted (http:// or https://).
        #[arg(long)]
        url: String,
        /// An event type wanted (repeatable): return_request.created, dossier.status_changed,
        /// dossier.closed, dossier.message, credit_note.issued, pickup.confirmed,
        /// warranty_claim.created.
        #[arg(long = "event", required = true)]
        events: Vec<String>,
        /// The signing secret (16–256 characters).
        #[arg(long, env = "RETOUR_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
    },
    /// Every hook, oldest first.
    List,
    /// Delete a hook, its queue and its log.
    Delete {
        /// The hook's id.
        id: String,
    },
    /// A hook's latest deliveries, newest first, with their tries.
    Deliveries {
        /// The hook's id.
        id: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Target {
    Received,
    Inspecting,
    Closed,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutcomeArg {
    Accepted,
    Partial,
    Refused,
}

fn parse_money(text: &str) -> Result<Money, String> {
    Money::parse(text).map_err(|e| e.to_string())
}

fn parse_accepted(text: &str) -> Result<AcceptedLine, String> {
    let (line, qty) = text.split_once('=').ok_or("expected LINE=QTY")?;
    Ok(AcceptedLine {
        line_no: line.trim().parse().map_err(|_| "bad line number")?,
        accepted_qty: qty.trim().parse().map_err(|_| "bad quantity")?,
        refusal_reason: None,
        disposition: None,
        comment: None,
    })
}

fn parse_credit_line(text: &str) -> Result<CreditNoteBodyLine, String> {
    let mut parts = text.splitn(3, ':').map(str::trim);
    let (Some(dossier), Some(line), Some(amount)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err("expected DOSSIER:LINE:AMOUNT".to_owned());
    };
    Ok(CreditNoteBodyLine {
        dossier: dossier.to_owned(),
        line_no: line.parse().map_err(|_| "bad line number")?,
        amount_ht: parse_money(amount)?,
    })
}

fn parse_line_decision(text: &str) -> Result<AcceptedLine, String> {
    let mut parts = text.splitn(5, ':');
    let mut next = || parts.next().map(str::trim).filter(|p| !p.is_empty());
    let line_no = next()
        .ok_or("expected LINE:ACCEPTED")?
        .parse()
        .map_err(|_| "bad line number")?;
    let accepted_qty = next()
        .ok_or("expected LINE:ACCEPTED")?
        .parse()
        .map_err(|_| "bad quantity")?;
    let refusal_reason = next()
        .map(|r| RefusalReason::parse(r).ok_or(format!("unknown refusal reason {r:?}")))
        .transpose()?;
    let disposition = next()
        .map(|d| Disposition::parse(d).ok_or(format!("unknown disposition {d:?}")))
        .transpose()?;
    let comment = next().map(str::to_owned);
    Ok(AcceptedLine {
        line_no,
        accepted_qty,
        refusal_reason,
        disposition,
        comment,
    })
}

fn open_db(config: &Config) -> Result<Db> {
    Db::open(&config.db)
        .with_context(|| format!("opening {}", retour_server::db::Location::parse(&config.db)))
}

fn staff_failure(e: retour_server::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{} ({})", e.0.detail, e.code())
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref()).context("configuration")?;
    match cli.command {
        Command::Serve => serve(config),
        Command::SeedDemo {
            today,
            bulk_notes,
            bulk_dossiers,
        } => {
            let db = Db::open(&config.db).with_context(|| {
                format!("opening {}", retour_server::db::Location::parse(&config.db))
            })?;
            let today = today.unwrap_or_else(retour_server::paris_today_now);
            let seeded = demo::seed(&db, today).context("seeding the demo")?;
            if seeded.created {
                println!(
                    "demo seeded for {today}: {} BLs, {} return files; log in as {} / {} (or {}), staff {} / {}",
                    seeded.delivery_notes,
                    seeded.dossiers,
                    demo::CUSTOMER_A,
                    demo::CUSTOMER_PASSWORD,
                    demo::CUSTOMER_B,
                    demo::STAFF,
                    demo::STAFF_PASSWORD
                );
            } else {
                println!(
                    "{} already holds accounts: nothing seeded",
                    retour_server::db::Location::parse(&config.db)
                );
            }
            if bulk_notes > 0 {
                let bulk =
                    demo::seed_bulk(&db, today, bulk_notes, bulk_dossiers).context("bulk seed")?;
                println!(
                    "bulk: {} BLs, {} return files",
                    bulk.delivery_notes, bulk.dossiers
                );
            }
            Ok(())
        }
        Command::Staff {
            action:
                StaffAction::Advance {
                    number,
                    to,
                    outcome,
                    credited,
                    credit_note,
                    accept,
                },
        } => {
            let db = Db::open(&config.db).with_context(|| {
                format!("opening {}", retour_server::db::Location::parse(&config.db))
            })?;
            let event = StaffEvent {
                status: match to {
                    Target::Received => DossierStatus::Received,
                    Target::Inspecting => DossierStatus::Inspecting,
                    Target::Closed => DossierStatus::Closed,
                },
                outcome: outcome.map(|o| match o {
                    OutcomeArg::Accepted => Outcome::Accepted,
                    OutcomeArg::Partial => Outcome::Partial,
                    OutcomeArg::Refused => Outcome::Refused,
                }),
                credited_ht: credited,
                credit_note_number: credit_note,
                lines: (!accept.is_empty()).then_some(accept),
            };
            let dossier = retour_server::staff_advance(&db, &number, &event, Utc::now())
                .map_err(|e| anyhow::anyhow!("{} ({})", e.0.detail, e.code()))?;
            println!("{}", serde_json::to_string_pretty(&dossier)?);
            Ok(())
        }
        Command::Staff {
            action:
                StaffAction::Decide {
                    number,
                    lines,
                    credit_note,
                },
        } => {
            let db = open_db(&config)?;
            let dossier = retour_server::staff_decide(&db, &number, lines, credit_note, Utc::now())
                .map_err(staff_failure)?;
            println!("{}", serde_json::to_string_pretty(&dossier)?);
            Ok(())
        }
        Command::Staff {
            action: StaffAction::Reply { number, text },
        } => {
            let db = open_db(&config)?;
            let message = retour_server::staff_reply(&db, &number, &text, Utc::now())
                .map_err(staff_failure)?;
            println!("{}", serde_json::to_string_pretty(&message)?);
            Ok(())
        }
        Command::Staff {
            action: StaffAction::Webhooks { action },
        } => webhooks(&config, action),
        Command::Staff {
            action:
                StaffAction::Pickup {
                    token,
                    driver,
                    parcels,
                },
        } => {
            let db = open_db(&config)?;
            let key =
                retour_server::pickup::PickupKey::load(&db, &config).context("the pickup key")?;
            let body = retour_domain::api::StaffPickupBody {
                token,
                driver_name: driver,
                parcels,
                scanned_at: None,
            };
            let done =
                retour_server::staff_pickup(&db, &key, &body, Utc::now()).map_err(staff_failure)?;
            println!("{}", serde_json::to_string_pretty(&done)?);
            Ok(())
        }
        Command::Staff {
            action: StaffAction::Messages { number },
        } => {
            let db = open_db(&config)?;
            let messages = retour_server::staff_messages(&db, &number).map_err(staff_failure)?;
            println!("{}", serde_json::to_string_pretty(&messages)?);
            Ok(())
        }
        Command::Staff {
            action:
                StaffAction::CreditNote {
                    number,
                    customer,
                    issued_on,
                    lines,
                },
        } => {
            let db = open_db(&config)?;
            let body = CreditNoteBody {
                number,
                customer_code: customer,
                issued_on: issued_on.unwrap_or_else(retour_server::paris_today_now),
                lines,
            };
            let note = retour_server::staff_credit_note_now(&db, &body, Utc::now())
                .map_err(staff_failure)?;
            println!("{}", serde_json::to_string_pretty(&note)?);
            Ok(())
        }
    }
}

fn webhooks(config: &Config, action: WebhookAction) -> Result<()> {
    let db = open_db(config)?;
    let shown = match action {
        WebhookAction::Add {
            url,
            events,
            secret,
        } => {
            let body = WebhookBody {
                url,
                events,
                secret,
            };
            let hook =
                retour_server::staff_webhook_add(&db, &body, Utc::now()).map_err(staff_failure)?;
            serde_json::to_string_pretty(&hook)?
        }
        WebhookAction::List => serde_json::to_string_pretty(
            &retour_server::staff_webhooks(&db).map_err(staff_failure)?,
        )?,
        WebhookAction::Delete { id } => {
            retour_server::staff_webhook_delete(&db, &id).map_err(staff_failure)?;
            format!("webhook {id} deleted")
        }
        WebhookAction::Deliveries { id } => serde_json::to_string_pretty(
            &retour_server::staff_webhook_deliveries(&db, &id).map_err(staff_failure)?,
        )?,
    };
    println!("{shown}");
    Ok(())
}

fn serve(config: Config) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let state = AppState::new(config).context("starting")?;
        // The address actually bound, for an operator who asked for port 0 (and for the tests
        // that start this binary so).
        println!("listening on http://{}", listener.local_addr()?);
        retour_server::serve(listener, state, shutdown_signal())
            .await
            .context("serving")
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
