//! The command line: global options (`--server`, `--data-dir`, `--json`) and every command with
//! its arguments, as clap parses them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use retour_app::CartEdit;

/// Retour — déclarer, envoyer et suivre les retours de pièces.
#[derive(Debug, Parser)]
#[command(name = "retour", version, about)]
pub struct Cli {
    /// The return backend's URL.
    #[arg(long, env = "RETOUR_SERVER", global = true)]
    pub server: Option<String>,
    /// Where the local data lives (default: the OS's application data folder).
    #[arg(long, env = "RETOUR_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Print the API's JSON shapes instead of French text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
    /// The refusals a sync brought (requests refused, cart edits rejected) with what to do;
    /// once printed they count as seen.
    Refusals,
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
    /// One return file with its timeline, each line's decision and its messages.
    Dossier {
        /// The tracking number.
        number: String,
    },
    /// Write to the returns service about a file (waits on the device when offline).
    Message {
        /// The tracking number.
        number: String,
        /// The message, 1–2,000 characters.
        text: String,
        /// A photo to join (a JPEG or PNG file; up to 5): stripped of its metadata on this
        /// device, uploaded before the message.
        #[arg(long = "photo")]
        photos: Vec<std::path::PathBuf>,
    },
    /// A warranty claim ("Garantie") on a BL line: the form, its photos, sending.
    #[command(subcommand)]
    Warranty(WarrantyCommand),
    /// The driver's handover: the pending pickup's QR code and manifest (garage), the driver's
    /// confirmation (staff, offline first).
    #[command(subcommand)]
    Pickup(PickupCommand),
    /// "Où est mon avoir ?": expected, credited, awaiting and short totals, and every decided
    /// line with its state, those waiting longest first.
    Credits {
        /// Also write the CSV for the accountant (BOM, `;`, decimal commas) and print its path.
        #[arg(long)]
        csv: bool,
        /// "Réclamer": write the prefilled message about this line (`DOSSIER:LINE`) to the
        /// returns service (waits on the device when offline).
        #[arg(long, value_name = "DOSSIER:LINE")]
        claim: Option<String>,
    },
    /// "Mes consignes": the deposits of exchange parts not yet back, by due date.
    Deposits,
    /// "Mon bilan": the returns over a period (by default the twelve months up to today).
    Report {
        /// The first day (YYYY-MM-DD).
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// The last day (YYYY-MM-DD), at most 366 days after the first.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Also write the CSV (BOM, `;`, decimal commas) and print its path.
        #[arg(long)]
        csv: bool,
    },
    /// Read the barcodes in image files.
    Scan {
        /// PNG, JPEG or GIF files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BlCommand {
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
pub struct LineArgs {
    /// The BL number.
    pub bl: String,
    /// The line number.
    pub line: u32,
    /// The quantity.
    #[arg(long)]
    pub qty: Option<u32>,
    /// The reason code (order_error, new_part, defective, late_delivery,
    /// customer_cancellation, deposit).
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CartCommand {
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
    /// Add a photo (a JPEG or PNG file) to a line: stripped of its metadata on this device,
    /// uploaded by the next sync.
    Photo {
        /// The BL number.
        bl: String,
        /// The line number.
        line: u32,
        /// The picture file.
        file: std::path::PathBuf,
    },
}

impl LineArgs {
    /// The façade's edit of this line.
    pub fn edit(&self) -> CartEdit {
        CartEdit {
            delivery_note: self.bl.clone(),
            line_no: self.line,
            qty: self.qty,
            reason: self.reason.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum WarrantyCommand {
    /// The claim's form of a BL line (the draft kept on this device) and what is to correct.
    Show {
        /// The BL number.
        bl: String,
        /// The line number.
        line: u32,
    },
    /// Change fields of the draft (saved on this device) and check it.
    Set(WarrantySetArgs),
    /// Add a photo of the part (or, with --invoice, the fitting invoice: a photo or a PDF).
    Photo {
        /// The BL number.
        bl: String,
        /// The line number.
        line: u32,
        /// The picture file (JPEG or PNG; with --invoice, a PDF too).
        file: PathBuf,
        /// The fitting invoice (a photo or a PDF).
        #[arg(long)]
        invoice: bool,
    },
    /// Send the claim (waits on the device when offline).
    Send {
        /// The BL number.
        bl: String,
        /// The line number.
        line: u32,
    },
}

#[derive(Debug, Args)]
pub struct WarrantySetArgs {
    /// The BL number.
    pub bl: String,
    /// The line number.
    pub line: u32,
    /// Units claimed.
    #[arg(long)]
    pub qty: Option<u32>,
    /// The VIN (17 characters).
    #[arg(long)]
    pub vin: Option<String>,
    /// The registration plate (AB-123-CD or 123 ABC 45).
    #[arg(long)]
    pub registration: Option<String>,
    /// The vehicle.
    #[arg(long)]
    pub vehicle: Option<String>,
    /// The fitting day (YYYY-MM-DD).
    #[arg(long)]
    pub fitted_on: Option<String>,
    /// The mileage at fitting.
    #[arg(long)]
    pub fitted_km: Option<String>,
    /// The failure day (YYYY-MM-DD).
    #[arg(long)]
    pub failed_on: Option<String>,
    /// The mileage at failure.
    #[arg(long)]
    pub failed_km: Option<String>,
    /// What went wrong (10–2,000 characters).
    #[arg(long)]
    pub symptom: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum PickupCommand {
    /// The files waiting for the driver and the QR code's validity.
    Show {
        /// Write the QR code as an SVG file.
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Write the manifest PDF.
        #[arg(long)]
        manifest: Option<PathBuf>,
    },
    /// The driver confirms a handover (staff account): the QR code's text or a picture of it.
    Confirm {
        /// The QR code's text (RETOUR-PICKUP:…).
        code: Option<String>,
        /// A picture of the QR code instead.
        #[arg(long)]
        image: Option<PathBuf>,
        /// The driver's name.
        #[arg(long)]
        driver: String,
        /// Parcels handed over.
        #[arg(long)]
        parcels: u32,
    },
}
