//! `retour`: the command-line client for counter PCs, scripts and support, built on the
//! `retour-app` façade (the same core as the app).
//!
//! Every command takes `--json` and then prints the API's shapes; otherwise French text.
//! Exit codes: 0 ok, 1 refused (message on stderr), 2 server unreachable. `cart …` works with the
//! server down: edits are committed on the device and synced later.
//!
//! The library holds the whole client so that the test package can build it as its own binary;
//! `src/main.rs` only calls [`main`].

#![forbid(unsafe_code)]

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use retour_app::{App, AppError, CartEdit, CartLineRef, CartView, Config, DossiersArgs, LoginArgs};
use retour_domain::api::{Dossier, ReturnRequest};
use serde::Serialize;

/// Retour — déclarer, envoyer et suivre les retours de pièces.
#[derive(Debug, Parser)]
#[command(name = "retour", version, about)]
struct Cli {
    /// The return backend's URL.
    #[arg(long, env = "RETOUR_SERVER", global = true)]
    server: Option<String>,
    /// Where the local data lives (default: the OS's application data folder).
    #[arg(long, env = "RETOUR_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Print the API's JSON shapes instead of French text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign in (password from RETOUR_PASSWORD or standard input); the session is kept in the OS
    /// keychain.
    Login {
        /// The account's e-mail.
        email: String,
        /// Do not keep the session (it then lasts for this command only).
        #[arg(long)]
        no_remember: bool,
    },
    /// Sign out and forget the session.
    Logout,
    /// Account, service hours and sync state.
    Status,
    /// Delivery notes (BL).
    #[command(subcommand)]
    Bl(BlCommand),
    /// Resolve a scanned or typed code (BL, product code, supplier reference).
    Lookup {
        /// The code.
        code: String,
    },
    /// The return cart (works offline).
    #[command(subcommand)]
    Cart(CartCommand),
    /// Sync now: pending requests, cart, BLs, reasons, schedule.
    Sync,
    /// Send the cart as a return request.
    Send,
    /// List return files ("EN COURS" by default).
    Track {
        /// The closed files instead.
        #[arg(long)]
        closed: bool,
        /// Only files with this status (sent, received, inspecting, closed).
        #[arg(long)]
        status: Option<String>,
        /// The page, from 1.
        #[arg(long)]
        page: Option<u32>,
    },
    /// One return file with its history.
    Dossier {
        /// The tracking number.
        number: String,
    },
    /// Read the barcodes in image files.
    Scan {
        /// PNG, JPEG or GIF files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum BlCommand {
    /// The recent delivery notes.
    List {
        /// How many days back (1–31).
        #[arg(long, default_value_t = 7)]
        days: u32,
    },
    /// One delivery note with its lines.
    Show {
        /// The BL number.
        number: String,
    },
}

#[derive(Debug, Args)]
struct LineArgs {
    /// The BL number.
    bl: String,
    /// The line number.
    line: u32,
    /// The quantity.
    #[arg(long)]
    qty: Option<u32>,
    /// The reason code (order_error, new_part, defective, late_delivery,
    /// customer_cancellation, deposit).
    #[arg(long)]
    reason: Option<String>,
}

#[derive(Debug, Subcommand)]
enum CartCommand {
    /// Show the cart.
    Show,
    /// Add a BL line (or update it).
    Add(LineArgs),
    /// Change a line's quantity or reason.
    Set(LineArgs),
    /// Remove a line.
    Rm {
        /// The BL number.
        bl: String,
        /// The line number.
        line: u32,
    },
}

/// A failure and its exit code.
struct Failure {
    message: String,
    code: String,
    exit: u8,
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Failure {
        Failure {
            exit: e.exit_code(),
            message: e.message,
            code: e.code.into(),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure {
            message: format!("{e:#}"),
            code: "error".into(),
            exit: 1,
        }
    }
}

/// Parses the command line, runs the command, and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("retour : {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if json {
                let body = serde_json::json!({"code": failure.code, "message": failure.message});
                eprintln!("{body}");
            } else {
                eprintln!("{}", failure.message);
            }
            ExitCode::from(failure.exit)
        }
    }
}

fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(anyhow::Error::from)?;
    println!("{text}");
    Ok(())
}

fn open_app(cli: &Cli) -> Result<App, Failure> {
    let server = cli
        .server
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Failure {
            message: "Aucun serveur configuré : indiquez --server URL ou RETOUR_SERVER.".into(),
            code: "no_server".into(),
            exit: 1,
        })?;
    let data_dir = cli
        .data_dir
        .clone()
        .unwrap_or_else(retour_app::default_data_dir);
    Ok(App::open(Config::new(server, data_dir))?)
}

fn read_password() -> Result<String, Failure> {
    if let Ok(password) = std::env::var("RETOUR_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Mot de passe : ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(anyhow::Error::from)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let json = cli.json;
    if let Command::Scan { files } = &cli.command {
        return scan(files, json);
    }
    let app = open_app(&cli)?;
    match &cli.command {
        Command::Login { email, no_remember } => {
            let password = read_password()?;
            let view = app
                .login(&LoginArgs {
                    email: email.clone(),
                    password,
                    remember: !no_remember,
                })
                .await?;
            if let Some(warning) = &view.warning {
                eprintln!("{warning}");
            }
            if json {
                print_json(&view)?;
            } else {
                let user = view.user.as_ref();
                let name = user.map(|u| u.name.clone()).unwrap_or_default();
                let garage = user
                    .and_then(|u| u.customer.as_ref())
                    .map(|c| format!(" — {} ({})", c.name, c.code))
                    .unwrap_or_default();
                println!(
                    "Connecté : {name} <{}>{garage}",
                    view.email.unwrap_or_default()
                );
            }
        }
        Command::Logout => {
            app.logout().await?;
            if json {
                print_json(&serde_json::json!({"signed_in": false}))?;
            } else {
                println!("Déconnecté.");
            }
        }
        Command::Status => status(&app, json).await?,
        Command::Bl(BlCommand::List { days }) => {
            let view = app.delivery_notes(*days).await?;
            if json {
                print_json(&serde_json::json!({"items": view.items}))?;
            } else {
                if view.from_cache {
                    println!("(hors ligne : dernières données connues)");
                }
                if view.items.is_empty() {
                    println!("Aucun bon de livraison sur les {days} derniers jours.");
                }
                for item in &view.items {
                    println!(
                        "{}  livré le {}  {} HT",
                        item.number,
                        item.delivered_on.format("%d/%m/%Y"),
                        item.total_ht.format_fr()
                    );
                }
            }
        }
        Command::Bl(BlCommand::Show { number }) => {
            let view = app.delivery_note(number).await?;
            if json {
                print_json(&view.note)?;
            } else {
                let note = &view.note;
                println!(
                    "BL {} — livré le {} — {} HT{}",
                    note.number,
                    note.delivered_on.format("%d/%m/%Y"),
                    note.total_ht.format_fr(),
                    if view.from_cache { " (hors ligne)" } else { "" }
                );
                for line in &note.lines {
                    println!(
                        "  {:>3}  {} {} — {}  Quantité éligible : {} ({} déjà retournée)  {} HT",
                        line.line_no,
                        line.brand,
                        line.reference,
                        line.designation,
                        line.eligible_qty,
                        line.returned_qty,
                        line.unit_price_ht.format_fr(),
                    );
                }
            }
        }
        Command::Lookup { code } => {
            let view = app.lookup(code).await?;
            if json {
                print_json(&retour_domain::api::Lookup {
                    kind: view.kind,
                    normalized: view.normalized.clone(),
                    matches: view.matches.clone(),
                })?;
            } else {
                if let Some(number) = &view.open_delivery_note {
                    println!("BL {number}");
                } else if view.matches.is_empty() {
                    println!("Aucun BL récent ne contient {}.", view.normalized);
                } else {
                    println!("Les BL associés à la référence {} :", view.normalized);
                }
                for m in &view.matches {
                    let lines: Vec<String> = m.line_nos.iter().map(u32::to_string).collect();
                    println!(
                        "  {}  livré le {}  lignes {}",
                        m.number,
                        m.delivered_on.format("%d/%m/%Y"),
                        lines.join(", ")
                    );
                }
            }
        }
        Command::Cart(command) => {
            let view = match command {
                CartCommand::Show => app.cart()?,
                CartCommand::Add(args) => app.cart_add(&edit(args)).await?,
                CartCommand::Set(args) => app.cart_set(&edit(args))?,
                CartCommand::Rm { bl, line } => app.cart_remove(&CartLineRef {
                    delivery_note: bl.clone(),
                    line_no: *line,
                })?,
            };
            if json {
                print_json(&app.cart_api()?)?;
            } else {
                print_cart(&view);
            }
        }
        Command::Sync => {
            let state = app.sync_now().await?;
            if json {
                print_json(&state)?;
            } else {
                println!(
                    "Synchronisé. Modifications en attente : {} ; demandes en attente : {}.",
                    state.pending_ops, state.pending_sends
                );
            }
        }
        Command::Send => {
            let request = app.send().await?;
            if json {
                print_json(&request)?;
            } else {
                print_request(&request);
            }
        }
        Command::Track {
            closed,
            status,
            page,
        } => {
            let view = app
                .dossiers(&DossiersArgs {
                    state: Some(if *closed { "closed" } else { "open" }.to_owned()),
                    status: status.clone(),
                    page: *page,
                })
                .await?;
            if json {
                print_json(&view.list)?;
            } else {
                println!(
                    "EN COURS ({}) — CLÔTURÉS ({}){}",
                    view.list.counts.open,
                    view.list.counts.closed,
                    if view.from_cache { " (hors ligne)" } else { "" }
                );
                if view.list.items.is_empty() {
                    println!("Aucun dossier.");
                }
                for dossier in &view.list.items {
                    print_dossier(dossier, false);
                }
            }
        }
        Command::Dossier { number } => {
            let dossier = app.dossier(number).await?;
            if json {
                print_json(&dossier)?;
            } else {
                print_dossier(&dossier, true);
            }
        }
        Command::Scan { .. } => unreachable!("handled above"),
    }
    Ok(())
}

fn edit(args: &LineArgs) -> CartEdit {
    CartEdit {
        delivery_note: args.bl.clone(),
        line_no: args.line,
        qty: args.qty,
        reason: args.reason.clone(),
    }
}

/// `17.27` → `17,27`.
async fn status(app: &App, json: bool) -> Result<(), Failure> {
    let session = app.session();
    let service = app.service().await;
    let sync = app.sync_state();
    if json {
        return print_json(&serde_json::json!({
            "server": app.config().server_url,
            "session": session,
            "service": service.as_ref().ok(),
            "sync": sync,
        }));
    }
    println!("Serveur : {}", app.config().server_url);
    match (&session.email, session.signed_in) {
        (Some(email), true) => println!("Compte : {email} (connecté)"),
        (Some(email), false) => println!("Compte : {email} (non connecté : retour login)"),
        (None, _) => println!("Compte : aucun (retour login EMAIL)"),
    }
    if let Some(warning) = &session.warning {
        println!("{warning}");
    }
    match service {
        Ok(view) => {
            if view.info.open {
                println!("Service : ouvert");
            } else {
                println!("Service : Désolé — LE SERVICE EST ACTUELLEMENT FERMÉ");
            }
            for row in &view.rows {
                println!("  {:<9} {}", row.label, row.hours);
            }
        }
        Err(e) => println!("Service : {}", e.message),
    }
    println!(
        "Synchronisation : {} modification(s) et {} demande(s) en attente ; dernière : {}",
        sync.pending_ops,
        sync.pending_sends,
        sync.last_sync
            .map(|t| t.format("%d/%m/%Y %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| "jamais".into())
    );
    Ok(())
}

fn print_cart(view: &CartView) {
    println!("VOTRE PANIER RETOUR");
    println!(
        "Nombre d'articles : {}   Avoir estimé HT : {}",
        view.count,
        view.estimated_total_ht.format_fr()
    );
    for line in &view.lines {
        let l = &line.line;
        println!(
            "  BL {} ligne {} — {} {} — quantité {} / {} — motif : {} — {}",
            l.delivery_note,
            l.line_no,
            l.reference,
            l.designation,
            l.qty,
            l.eligible_qty,
            line.reason_label.as_deref().unwrap_or("à choisir"),
            l.estimated_credit_ht
                .map(|m| m.format_fr())
                .unwrap_or_else(|| "-".into()),
        );
    }
    if view.pending_ops > 0 {
        println!("({} modification(s) à synchroniser)", view.pending_ops);
    }
}

fn print_request(request: &ReturnRequest) {
    println!("VOTRE DEMANDE DE RETOUR EST ENREGISTRÉE !");
    println!(
        "Avoir estimé : {} HT, sous réserve de la validation de notre contrôle qualité.",
        request.estimated_total_ht.format_fr()
    );
    for dossier in &request.dossiers {
        print_dossier(dossier, false);
    }
}

fn print_dossier(dossier: &Dossier, history: bool) {
    println!(
        "Numéro de suivi {} — BL {} (vente du {}) — {} — {} pièce(s) — avoir estimé {} HT",
        dossier.number,
        dossier.delivery_note,
        dossier.sale_date.format("%d/%m/%Y"),
        dossier.status_label,
        dossier.piece_count,
        dossier.estimated_credit_ht.format_fr()
    );
    for line in &dossier.lines {
        println!(
            "    {} {} × {} ({})",
            line.reference, line.designation, line.qty, line.reason
        );
    }
    if let Some(closed) = &dossier.closed {
        println!(
            "    Validé le {} — Avoir n° {} — {} HT crédités",
            closed.validated_on.format("%d/%m/%Y"),
            closed.credit_note_number.as_deref().unwrap_or(""),
            closed.credited_ht.format_fr()
        );
    }
    if history {
        for entry in dossier.history.iter().flatten() {
            println!(
                "    {} — {}",
                entry.at.format("%d/%m/%Y %H:%M"),
                entry.status.label()
            );
        }
    }
}

fn scan(files: &[PathBuf], json: bool) -> Result<(), Failure> {
    let mut out = Vec::new();
    let mut failed = None;
    for file in files {
        match retour_app::scan_file(file) {
            Ok(reads) => {
                if !json {
                    if reads.is_empty() {
                        println!("{} : aucun code", file.display());
                    }
                    for read in &reads {
                        println!("{} : {}", file.display(), read.describe());
                    }
                }
                out.push(serde_json::json!({"file": file, "reads": reads}));
            }
            Err(e) => {
                eprintln!("{} : {}", file.display(), e.message);
                out.push(serde_json::json!({"file": file, "error": e}));
                failed = Some(e);
            }
        }
    }
    if json {
        print_json(&out)?;
    }
    match failed {
        Some(e) => Err(Failure {
            message: "Certains fichiers n'ont pas pu être lus.".into(),
            code: e.code.into(),
            exit: 1,
        }),
        None => Ok(()),
    }
}
