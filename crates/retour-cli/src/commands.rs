//! What each command does through the `retour-app` façade, and what it answers: the API's shape
//! for `--json` and the French text (see [`print`](crate::print), which chooses).

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use retour_app::{App, CartLineRef, Config, DossiersArgs, LoginArgs, ReportArgs};

use crate::args::{BlCommand, CartCommand, Cli, Command};
use crate::failure::Failure;
use crate::print::Output;
use crate::text::{self, line};

/// Runs the command line's command.
pub async fn run(cli: Cli) -> Result<Output, Failure> {
    if let Command::Scan { files } = &cli.command {
        return scan(files);
    }
    let app = open_app(&cli)?;
    match &cli.command {
        Command::Login { email, no_remember } => login(&app, email, !no_remember).await,
        Command::Logout => {
            app.logout().await?;
            Output::new(&serde_json::json!({"signed_in": false}), text::signed_out())
        }
        Command::Status => status(&app).await,
        Command::Bl(BlCommand::List { days }) => delivery_notes(&app, *days).await,
        Command::Bl(BlCommand::Show { number }) => delivery_note(&app, number).await,
        Command::Lookup { code } => lookup(&app, code).await,
        Command::Cart(command) => cart(&app, command).await,
        Command::Sync => {
            let state = app.sync_now().await?;
            let unseen = app.unseen_refusals()?.len();
            let shown = text::synced(&state) + &text::refusals_waiting(unseen);
            Output::new(&state, shown)
        }
        Command::Refusals => {
            let refusals = app.unseen_refusals()?;
            let output = Output::new(&refusals, text::refusals(&refusals))?;
            let ids: Vec<String> = refusals.iter().map(|r| r.id.clone()).collect();
            app.acknowledge_refusals(&ids)?;
            Ok(output)
        }
        Command::Send => {
            let request = app.send().await?;
            Output::new(&request, text::request(&request))
        }
        Command::Track {
            closed,
            status,
            page,
        } => {
            let args = DossiersArgs {
                state: Some(if *closed { "closed" } else { "open" }.to_owned()),
                status: status.clone(),
                page: *page,
                kind: None,
            };
            track(&app, &args).await
        }
        Command::Dossier { number } => {
            let view = app.dossier(number).await?;
            Output::new(&view, text::dossier_detail(&view))
        }
        Command::Message {
            number,
            text: message,
            photos,
        } => {
            let photos = photos
                .iter()
                .map(read_picture)
                .collect::<Result<Vec<_>, _>>()?;
            let view = app.send_message(number, message, &photos).await?;
            Output::new(&view, text::message_written(&view))
        }
        Command::Warranty(command) => crate::warranty_pickup::warranty(&app, command).await,
        Command::Pickup(command) => crate::warranty_pickup::pickup(&app, command).await,
        Command::Credits { csv, claim } => {
            crate::money::credits(&app, *csv, claim.as_deref()).await
        }
        Command::Deposits => crate::money::deposits(&app).await,
        Command::Report { from, to, csv } => {
            let args = ReportArgs {
                from: *from,
                to: *to,
            };
            crate::money::report(&app, &args, *csv).await
        }
        Command::Scan { files } => scan(files),
    }
}

/// A picture file's bytes, or why it cannot be read.
fn read_picture(file: &std::path::PathBuf) -> Result<Vec<u8>, Failure> {
    std::fs::read(file)
        .map_err(|e| Failure::refused("invalid_image", format!("{} : {e}", file.display())))
}

async fn login(app: &App, email: &str, remember: bool) -> Result<Output, Failure> {
    let password = read_password()?;
    let view = app
        .login(&LoginArgs {
            email: email.to_owned(),
            password,
            remember,
        })
        .await?;
    let output = Output::new(&view, text::login(&view))?;
    Ok(match &view.warning {
        Some(warning) => output.note(warning.clone()),
        None => output,
    })
}

async fn delivery_notes(app: &App, days: u32) -> Result<Output, Failure> {
    let view = app.delivery_notes(days).await?;
    let text = text::delivery_notes(&view, days);
    Output::new(&serde_json::json!({"items": view.items}), text)
}

async fn delivery_note(app: &App, number: &str) -> Result<Output, Failure> {
    let view = app.delivery_note(number).await?;
    let (note, text) = (&view.note, text::delivery_note(&view));
    Output::new(note, text)
}

async fn lookup(app: &App, code: &str) -> Result<Output, Failure> {
    let view = app.lookup(code).await?;
    let text = text::lookup(&view);
    let lookup = retour_domain::api::Lookup {
        kind: view.kind,
        normalized: view.normalized.clone(),
        matches: view.matches.clone(),
    };
    Output::new(&lookup, text)
}

async fn cart(app: &App, command: &CartCommand) -> Result<Output, Failure> {
    let view = match command {
        CartCommand::Show => app.cart()?,
        CartCommand::Add(args) => app.cart_add(&args.edit()).await?,
        CartCommand::Set(args) => app.cart_set(&args.edit())?,
        CartCommand::Rm { bl, line } => app.cart_remove(&CartLineRef {
            delivery_note: bl.clone(),
            line_no: *line,
        })?,
        CartCommand::Photo { bl, line, file } => {
            app.add_line_photo(bl, *line, &read_picture(file)?)?
        }
    };
    Output::new(&app.cart_api()?, text::cart(&view))
}

async fn track(app: &App, args: &DossiersArgs) -> Result<Output, Failure> {
    let view = app.dossiers(args).await?;
    let text = text::dossiers(&view);
    Output::new(&view.list, text)
}

fn open_app(cli: &Cli) -> Result<App, Failure> {
    let server = cli
        .server
        .clone()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Failure::refused(
                "no_server",
                "Aucun serveur configuré : indiquez --server URL ou RETOUR_SERVER.",
            )
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

async fn status(app: &App) -> Result<Output, Failure> {
    let session = app.session();
    let service = app.service().await;
    let sync = app.sync_state();
    let unseen = app.unseen_refusals().map(|r| r.len()).unwrap_or(0);
    let text = text::status(&app.config().server_url, &session, &service, &sync)
        + &text::refusals_waiting(unseen);
    let json = serde_json::json!({
        "server": app.config().server_url,
        "session": session,
        "service": service.as_ref().ok(),
        "sync": sync,
    });
    Output::new(&json, text)
}

fn scan(files: &[PathBuf]) -> Result<Output, Failure> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut notes = Vec::new();
    let mut failed = None;
    for file in files {
        match retour_app::scan_file(file) {
            Ok(reads) => {
                if reads.is_empty() {
                    line!(text, "{} : aucun code", file.display());
                }
                for read in &reads {
                    line!(text, "{} : {}", file.display(), read.describe());
                }
                out.push(serde_json::json!({"file": file, "reads": reads}));
            }
            Err(e) => {
                notes.push(format!("{} : {}", file.display(), e.message));
                out.push(serde_json::json!({"file": file, "error": e}));
                failed = Some(e);
            }
        }
    }
    let output = notes
        .into_iter()
        .fold(Output::new(&out, text)?, Output::note);
    match failed {
        Some(e) => Err(Failure {
            shown: Some(Box::new(output)),
            ..Failure::refused(e.code, "Certains fichiers n'ont pas pu être lus.")
        }),
        None => Ok(output),
    }
}
