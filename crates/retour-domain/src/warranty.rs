//! Warranty claims (v1.1, "Garantie"): the VIN, the French registration plate, the dates and
//! mileages in order, the warranty window in months and the quantity left to claim, each refusal
//! with its field, its stable code and its French message.
//!
//! The app checks a claim as the user types and the server again before it records it; both call
//! [`check_claim`]. No clock: `now` is a parameter, and "today" is its Paris date.

use chrono::{DateTime, Months, NaiveDate, Utc};
use unicode_normalization::UnicodeNormalization;

use crate::error_code::ErrorCode;
use crate::hours::paris_today;

/// The warranty window when `RETOUR_WARRANTY_MONTHS` is not set.
pub const DEFAULT_WARRANTY_MONTHS: u32 = 24;
/// Fewest characters of a symptom.
pub const MIN_SYMPTOM_CHARS: usize = 10;
/// Most characters of a symptom.
pub const MAX_SYMPTOM_CHARS: usize = 2000;
/// Most characters of the vehicle's description.
pub const MAX_VEHICLE_CHARS: usize = 100;
/// Most photos of a claim.
pub const MAX_PHOTOS: usize = 10;
/// Most documents (the fitting invoice…) of a claim.
pub const MAX_DOCUMENTS: usize = 5;
/// The largest document upload (a PDF fitting invoice): 8 MiB, as a photo.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;
/// The highest mileage taken, in km.
pub const MAX_KM: u32 = 9_999_999;

/// One refusal (or warning) on one field of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    /// The body's field, such as `vin` or `failed_on`.
    pub field: &'static str,
    /// The stable code.
    pub code: ErrorCode,
    /// The French message, ready to show under the field.
    pub message: String,
}

impl FieldIssue {
    /// A refusal or warning on `field`.
    pub fn new(field: &'static str, code: ErrorCode, message: impl Into<String>) -> FieldIssue {
        FieldIssue {
            field,
            code,
            message: message.into(),
        }
    }
}

// ----- VIN -----

/// A vehicle identification number: 17 characters among digits and capitals without I, O, Q.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vin(String);

/// What the check digit (9th character) of a well-formed VIN says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VinCheckDigit {
    /// The 9th character is the check digit the other 16 give.
    Verified,
    /// It is not, on a VIN from outside North America, where makers need not use it: a warning.
    Unverified,
}

/// The check digit's weight for each position.
const VIN_WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// A VIN character's value in the check-digit sum (ISO 3779 / 49 CFR 565 transliteration).
fn vin_value(c: u8) -> Option<u32> {
    Some(match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A' | b'J' => 1,
        b'B' | b'K' | b'S' => 2,
        b'C' | b'L' | b'T' => 3,
        b'D' | b'M' | b'U' => 4,
        b'E' | b'N' | b'V' => 5,
        b'F' | b'W' => 6,
        b'G' | b'P' | b'X' => 7,
        b'H' | b'Y' => 8,
        b'R' | b'Z' => 9,
        _ => return None,
    })
}

const VIN_FORMAT: &str = "VIN invalide : il compte 17 caractères, chiffres et lettres majuscules \
                          sans I, O ni Q (voir la carte grise, case E).";

impl Vin {
    /// Reads a VIN as typed or scanned: NFKC, spaces removed, upper-cased; never corrected (an I,
    /// O or Q is refused, not read as 1 or 0). A North-American VIN (first character 1–5) must
    /// carry its check digit; elsewhere a wrong one is only a warning ([`VinCheckDigit`]).
    pub fn parse(text: &str) -> Result<(Vin, VinCheckDigit), FieldIssue> {
        let vin: String = text
            .nfkc()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
        if vin.is_empty() {
            return Err(FieldIssue::new(
                "vin",
                ErrorCode::InvalidVin,
                "Veuillez saisir le VIN du véhicule (17 caractères, carte grise case E).",
            ));
        }
        let well_formed = vin.len() == 17
            && vin
                .bytes()
                .all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"IOQ".contains(&b)));
        if !well_formed {
            let count = vin.chars().count();
            let message = if vin.chars().any(|c| matches!(c, 'I' | 'O' | 'Q')) {
                "VIN invalide : les lettres I, O et Q n'existent pas dans un VIN (lisez 1 ou 0)."
                    .to_owned()
            } else if count != 17 {
                format!("{VIN_FORMAT} Vous en avez saisi {count}.")
            } else {
                VIN_FORMAT.to_owned()
            };
            return Err(FieldIssue::new("vin", ErrorCode::InvalidVin, message));
        }
        let bytes = vin.as_bytes();
        let sum: u32 = bytes
            .iter()
            .zip(VIN_WEIGHTS)
            .map(|(&b, w)| vin_value(b).unwrap_or(0) * w)
            .sum();
        let expected = match sum % 11 {
            10 => b'X',
            d => b'0' + u8::try_from(d).unwrap_or(0),
        };
        let north_american = (b'1'..=b'5').contains(&bytes[0]);
        let check = if bytes[8] == expected {
            VinCheckDigit::Verified
        } else if north_american {
            return Err(FieldIssue::new(
                "vin",
                ErrorCode::InvalidVin,
                "VIN invalide : son 9e caractère (la clé de contrôle) ne correspond pas aux \
                 autres. Vérifiez chaque caractère sur la carte grise.",
            ));
        } else {
            VinCheckDigit::Unverified
        };
        Ok((Vin(vin), check))
    }

    /// The VIN, 17 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The warning a VIN whose check digit is not verified gets (field `vin`).
    pub fn unverified_warning() -> FieldIssue {
        FieldIssue::new(
            "vin",
            ErrorCode::VinCheckDigit,
            "Le 9e caractère de ce VIN n'est pas une clé de contrôle : vérifiez la saisie (de \
             nombreux constructeurs hors d'Amérique du Nord ne l'utilisent pas).",
        )
    }
}

/// Most characters of a scanned code quoted in "Ce code n'est pas un VIN : …".
const QUOTED_SCAN_CHARS: usize = 40;

/// Reads the VIN out of a code scanned from the windscreen's or the door pillar's label (Code 39
/// or Data Matrix), as the field takes it: NFKC, upper-cased, spaces, hyphens and the Code 39
/// start/stop `*` dropped, and the leading `I` that North-American labels print before the VIN
/// (the "imported" marker, 18 characters in all) taken off. The result is 17 characters among
/// digits and capitals without I, O, Q; its check digit is left to [`Vin::parse`], which the
/// field runs as for a typed VIN. Anything else (a part's EAN, a BL number, a QR code) is
/// `not_a_vin`, its French message quoting what was read, and the field is not touched.
pub fn vin_from_scan(text: &str) -> Result<String, FieldIssue> {
    let compact: String = text
        .nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(*c, '-' | '*' | '\u{2010}'..='\u{2015}'))
        .flat_map(char::to_uppercase)
        .collect();
    let vin_char = |b: u8| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"IOQ".contains(&b));
    let vin = match compact.as_bytes() {
        [b'I', rest @ ..] if rest.len() == 17 && rest.iter().all(|&b| vin_char(b)) => &compact[1..],
        all if all.len() == 17 && all.iter().all(|&b| vin_char(b)) => compact.as_str(),
        _ => {
            let shown: String = text.trim().chars().filter(|c| !c.is_control()).collect();
            let quoted: String = shown.chars().take(QUOTED_SCAN_CHARS).collect();
            let ellipsis = if shown.chars().count() > QUOTED_SCAN_CHARS {
                "…"
            } else {
                ""
            };
            return Err(FieldIssue::new(
                "vin",
                ErrorCode::NotAVin,
                format!("Ce code n'est pas un VIN : {quoted}{ellipsis}"),
            ));
        }
    };
    Ok(vin.to_owned())
}

// ----- registration plates -----

/// A French registration plate, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Registration {
    /// SIV (since 2009): `AB-123-CD`.
    Siv(String),
    /// FNI (before 2009): `123 ABC 45` (department `2A`/`2B` for Corsica, 971–976 overseas).
    Fni(String),
}

impl Registration {
    /// Reads a plate as loosely typed ("ab123cd", "AB 123 CD", "123-abc-45"): NFKC, upper-cased,
    /// spaces, hyphens and dots ignored, then written in its format's form.
    pub fn parse(text: &str) -> Result<Registration, FieldIssue> {
        let refused = || {
            FieldIssue::new(
                "registration",
                ErrorCode::InvalidRegistration,
                "Immatriculation invalide : saisissez-la au format AB-123-CD (ou 123 ABC 45 pour \
                 une ancienne plaque).",
            )
        };
        let mut compact = String::new();
        for c in text.nfkc().flat_map(char::to_uppercase) {
            match c {
                c if c.is_ascii_alphanumeric() => compact.push(c),
                ' ' | '-' | '.' | '_' | '\u{a0}' | '\u{202f}' | '\t' => {}
                _ => return Err(refused()),
            }
        }
        let runs = runs(&compact);
        let letters = |s: &str, excluded: &[u8]| {
            s.bytes()
                .all(|b| b.is_ascii_uppercase() && !excluded.contains(&b))
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        match runs.as_slice() {
            [a, n, b]
                if a.len() == 2
                    && n.len() == 3
                    && b.len() == 2
                    && letters(a, b"IOU")
                    && letters(b, b"IOU")
                    && digits(n)
                    && *n != "000" =>
            {
                Ok(Registration::Siv(format!("{a}-{n}-{b}")))
            }
            [n, l, rest @ ..]
                if (1..=4).contains(&n.len())
                    && digits(n)
                    && n.bytes().any(|b| b != b'0')
                    && (1..=3).contains(&l.len())
                    && letters(l, b"") =>
            {
                let department = match rest {
                    [d] if digits(d) => Some((*d).to_owned()),
                    [two, ab] if *two == "2" && (*ab == "A" || *ab == "B") => {
                        Some(format!("2{ab}"))
                    }
                    _ => None,
                }
                .filter(|d| valid_department(d))
                .ok_or_else(refused)?;
                Ok(Registration::Fni(format!("{n} {l} {department}")))
            }
            _ => Err(refused()),
        }
    }

    /// The plate as written: `AB-123-CD` or `123 ABC 45`.
    pub fn as_str(&self) -> &str {
        match self {
            Registration::Siv(s) | Registration::Fni(s) => s,
        }
    }
}

/// A department code of the FNI: 01–95 (but 20, split into 2A and 2B), 2A, 2B, 971–976.
fn valid_department(d: &str) -> bool {
    match d {
        "2A" | "2B" => true,
        _ => match (d.len(), d.parse::<u32>()) {
            (2, Ok(n)) => (1..=95).contains(&n) && n != 20,
            (3, Ok(n)) => (971..=976).contains(&n),
            _ => false,
        },
    }
}

/// The maximal runs of digits and of letters of an ASCII alphanumeric string.
fn runs(text: &str) -> Vec<&str> {
    let mut runs = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for i in 1..=bytes.len() {
        if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
            if start < i {
                runs.push(&text[start..i]);
            }
            start = i;
        }
    }
    runs
}

// ----- the claim -----

/// A claim as the user gave it.
#[derive(Debug, Clone, Copy)]
pub struct ClaimInput<'a> {
    /// Units claimed.
    pub qty: u32,
    /// The VIN as typed or scanned.
    pub vin: &'a str,
    /// The registration plate, if given.
    pub registration: Option<&'a str>,
    /// The vehicle, free text ("Peugeot 308 1.6 HDi"), if given.
    pub vehicle: Option<&'a str>,
    /// The day the part was fitted.
    pub fitted_on: NaiveDate,
    /// The mileage then.
    pub fitted_km: u32,
    /// The day it failed.
    pub failed_on: NaiveDate,
    /// The mileage then.
    pub failed_km: u32,
    /// What went wrong.
    pub symptom: &'a str,
    /// Photo ids of the part and its label (at least one).
    pub photos: &'a [String],
    /// Document ids (the fitting invoice), if any.
    pub documents: &'a [String],
}

/// What a claim is checked against: its BL line and the warranty window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimLine {
    /// The BL's delivery day.
    pub delivered_on: NaiveDate,
    /// Units delivered.
    pub delivered: u32,
    /// Units already in return files or warranty claims (open or closed).
    pub taken: u32,
    /// The warranty window, in months from delivery.
    pub warranty_months: u32,
}

impl ClaimLine {
    /// Units that can still be claimed: delivered − returned − already claimed (the return window
    /// does not apply).
    pub fn qty_left(&self) -> u32 {
        self.delivered.saturating_sub(self.taken)
    }

    /// The last day of the warranty: delivery + the window in months, on the month's last day
    /// when the day does not exist (delivered 29 February, 24 months: 28 February).
    pub fn warranty_ends_on(&self) -> NaiveDate {
        warranty_ends_on(self.delivered_on, self.warranty_months)
    }
}

/// The last day of the warranty of a part delivered on `delivered_on`: delivery + `months`, on
/// the month's last day when the day does not exist (delivered 29 February, 24 months: 28
/// February).
pub fn warranty_ends_on(delivered_on: NaiveDate, months: u32) -> NaiveDate {
    delivered_on
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Whether a part delivered on `delivered_on` is still under its `months` of warranty on
/// `today` (its last day included): the lines a scan of the part offers "Garantie" on.
pub fn under_warranty(delivered_on: NaiveDate, months: u32, today: NaiveDate) -> bool {
    today <= warranty_ends_on(delivered_on, months)
}

/// A claim that passed every check, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedClaim {
    /// The VIN.
    pub vin: Vin,
    /// The plate, normalised.
    pub registration: Option<Registration>,
    /// The vehicle, trimmed (absent when blank).
    pub vehicle: Option<String>,
    /// The symptom, trimmed.
    pub symptom: String,
    /// Warnings that do not refuse the claim (a VIN check digit not verified).
    pub warnings: Vec<FieldIssue>,
}

fn fr(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// Whether a string is a photo or document id: the SHA-256 of its bytes, 64 lowercase hex digits.
pub fn is_photo_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether bytes look like a PDF: its `%PDF-` header within the first 1,024 bytes, as readers
/// accept it. Only a first sort (a photo or a PDF); the backend parses the whole file.
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    bytes
        .get(..bytes.len().min(1024))
        .is_some_and(|head| head.windows(5).any(|w| w == b"%PDF-"))
}

/// Checks a whole claim; every refusal is returned, in the order of the form's fields. `line` is
/// `None` while the BL line is not known (the app, offline): the checks against it are left out.
pub fn check_claim(
    input: &ClaimInput<'_>,
    line: Option<&ClaimLine>,
    now: DateTime<Utc>,
) -> Result<CheckedClaim, Vec<FieldIssue>> {
    let today = paris_today(now);
    let mut issues = Vec::new();
    let mut warnings = Vec::new();

    if input.qty == 0 {
        issues.push(FieldIssue::new(
            "qty",
            ErrorCode::InvalidQuantity,
            "La quantité doit être d'au moins 1.",
        ));
    } else if let Some(line) = line.filter(|l| input.qty > l.qty_left()) {
        let left = line.qty_left();
        let message = if left == 0 {
            "Plus aucune pièce de cette ligne ne peut faire l'objet d'une garantie (toutes sont \
             déjà retournées ou en garantie)."
                .to_owned()
        } else {
            format!("Quantité trop élevée : {left} au plus pour cette ligne.")
        };
        issues.push(FieldIssue::new("qty", ErrorCode::QuantityExceeded, message));
    }

    let vin = match Vin::parse(input.vin) {
        Ok((vin, check)) => {
            if check == VinCheckDigit::Unverified {
                warnings.push(Vin::unverified_warning());
            }
            Some(vin)
        }
        Err(issue) => {
            issues.push(issue);
            None
        }
    };

    let registration = match input.registration.map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(text) => match Registration::parse(text) {
            Ok(r) => Some(r),
            Err(issue) => {
                issues.push(issue);
                None
            }
        },
    };

    let vehicle = input
        .vehicle
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    if vehicle
        .as_ref()
        .is_some_and(|v| v.chars().count() > MAX_VEHICLE_CHARS || v.chars().any(char::is_control))
    {
        issues.push(FieldIssue::new(
            "vehicle",
            ErrorCode::InvalidVehicle,
            format!("Véhicule : {MAX_VEHICLE_CHARS} caractères au plus, sur une ligne."),
        ));
    }

    // Dates: delivered ≤ fitted ≤ failed ≤ today, each refusal on the later date's field.
    if let Some(line) = line.filter(|l| input.fitted_on < l.delivered_on) {
        issues.push(FieldIssue::new(
            "fitted_on",
            ErrorCode::DateOrder,
            format!(
                "La date de montage ne peut pas précéder la livraison de la pièce ({}).",
                fr(line.delivered_on)
            ),
        ));
    } else if input.fitted_on > today {
        issues.push(FieldIssue::new(
            "fitted_on",
            ErrorCode::DateOrder,
            "La date de montage ne peut pas être dans le futur.",
        ));
    }
    if input.failed_on < input.fitted_on {
        issues.push(FieldIssue::new(
            "failed_on",
            ErrorCode::DateOrder,
            format!(
                "La date de la panne ne peut pas précéder la date de montage ({}).",
                fr(input.fitted_on)
            ),
        ));
    } else if input.failed_on > today {
        issues.push(FieldIssue::new(
            "failed_on",
            ErrorCode::DateOrder,
            "La date de la panne ne peut pas être dans le futur.",
        ));
    } else if let Some(line) = line.filter(|l| input.failed_on > l.warranty_ends_on()) {
        issues.push(FieldIssue::new(
            "failed_on",
            ErrorCode::WarrantyExpired,
            format!(
                "Garantie expirée : la pièce livrée le {} était garantie {} mois, jusqu'au {} \
                 inclus.",
                fr(line.delivered_on),
                line.warranty_months,
                fr(line.warranty_ends_on())
            ),
        ));
    }

    if input.fitted_km > MAX_KM {
        issues.push(FieldIssue::new(
            "fitted_km",
            ErrorCode::KmOrder,
            "Kilométrage au montage invalide.",
        ));
    }
    if input.failed_km > MAX_KM {
        issues.push(FieldIssue::new(
            "failed_km",
            ErrorCode::KmOrder,
            "Kilométrage à la panne invalide.",
        ));
    } else if input.failed_km < input.fitted_km {
        issues.push(FieldIssue::new(
            "failed_km",
            ErrorCode::KmOrder,
            format!(
                "Le kilométrage à la panne ne peut pas être inférieur au kilométrage au montage \
                 ({} km).",
                group_thousands(input.fitted_km)
            ),
        ));
    }

    let symptom = input.symptom.trim().to_owned();
    let chars = symptom.chars().count();
    if !(MIN_SYMPTOM_CHARS..=MAX_SYMPTOM_CHARS).contains(&chars) {
        let message = if chars < MIN_SYMPTOM_CHARS {
            format!("Décrivez la panne en {MIN_SYMPTOM_CHARS} caractères au moins.")
        } else {
            format!("La description de la panne dépasse {MAX_SYMPTOM_CHARS} caractères.")
        };
        issues.push(FieldIssue::new(
            "symptom",
            ErrorCode::InvalidSymptom,
            message,
        ));
    }

    if input.photos.is_empty() {
        issues.push(FieldIssue::new(
            "photos",
            ErrorCode::PhotoRequired,
            "Ajoutez au moins une photo de la pièce et de son étiquette.",
        ));
    } else if input.photos.len() > MAX_PHOTOS {
        issues.push(FieldIssue::new(
            "photos",
            ErrorCode::TooManyPhotos,
            format!("{MAX_PHOTOS} photos au plus."),
        ));
    } else if !input.photos.iter().all(|p| is_photo_id(p)) {
        issues.push(FieldIssue::new(
            "photos",
            ErrorCode::PhotoMissing,
            "Photo introuvable : envoyez-la de nouveau.",
        ));
    }
    if input.documents.len() > MAX_DOCUMENTS {
        issues.push(FieldIssue::new(
            "documents",
            ErrorCode::TooManyPhotos,
            format!("{MAX_DOCUMENTS} documents au plus."),
        ));
    } else if !input.documents.iter().all(|p| is_photo_id(p)) {
        issues.push(FieldIssue::new(
            "documents",
            ErrorCode::PhotoMissing,
            "Document introuvable : envoyez-le de nouveau.",
        ));
    }

    match vin {
        Some(vin) if issues.is_empty() => Ok(CheckedClaim {
            vin,
            registration,
            vehicle,
            symptom,
            warnings,
        }),
        _ => Err(issues),
    }
}

/// `123456` as "123 456" (narrow no-break space), as French writes mileages.
fn group_thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// The French sentence of a claim's first timeline event.
pub fn claim_text(vin: &str) -> String {
    format!("Demande de garantie envoyée (VIN {vin})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(7), "7");
        assert_eq!(group_thousands(123_456), "123\u{202f}456");
        assert_eq!(group_thousands(1_234_567), "1\u{202f}234\u{202f}567");
    }

    #[test]
    fn runs_split_digits_from_letters() {
        assert_eq!(runs("AB123CD"), ["AB", "123", "CD"]);
        assert_eq!(runs("456AB2A"), ["456", "AB", "2", "A"]);
        assert!(runs("").is_empty());
    }

    #[test]
    fn window_end_clamps_to_the_months_last_day() {
        let line = ClaimLine {
            delivered_on: date("2024-02-29"),
            delivered: 1,
            taken: 0,
            warranty_months: 24,
        };
        assert_eq!(line.warranty_ends_on(), date("2026-02-28"));
    }
}
