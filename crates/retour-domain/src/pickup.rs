//! The driver's handover (v1.1, "Enlèvement"): what a pickup token says (its id, the garage, the
//! files it covers with their pieces, its expiry), how it is written, and when it is valid.
//!
//! A token is `<payload>.<signature>`: the payload is plain text (`v1.<id>.<customer>.<expiry
//! unix seconds>.<number>:<pieces>,…`), so that the driver's app can show the files and pieces
//! offline, and the signature is 64 hex digits of an HMAC-SHA256 over the payload, made and
//! checked by the server with its secret (the crypto is IO-free but lives with the key, in the
//! server; this module takes the check as a function). The QR code carries
//! [`QR_PREFIX`] + token. No clock: `now` is a parameter.

use chrono::{DateTime, Duration, Utc};

use crate::error_code::ErrorCode;

/// What the QR code's text starts with.
pub const QR_PREFIX: &str = "RETOUR-PICKUP:";
/// How long a token is valid.
pub const TOKEN_LIFETIME_HOURS: i64 = 24;
/// Most files one token covers (the QR code stays readable).
pub const MAX_FILES: usize = 100;
/// Most characters of a driver's name.
pub const MAX_DRIVER_NAME_CHARS: usize = 80;
/// Most parcels of one pickup.
pub const MAX_PARCELS: u32 = 999;

/// A file a token covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupFile {
    /// The 8-digit tracking number.
    pub number: String,
    /// Its pieces.
    pub pieces: u32,
}

/// What a pickup token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickupToken {
    /// The token's id (32 lowercase hex digits): used once.
    pub id: String,
    /// The garage's customer code.
    pub customer: String,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
    /// The files, in the order listed.
    pub files: Vec<PickupFile>,
}

/// Why a token is refused. Every case answers `invalid_token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PickupError {
    /// Not a token this server writes.
    #[error("Ce QR code n'est pas un bon d'enlèvement Retour : scannez le QR code affiché par le garage.")]
    Malformed,
    /// Its signature does not match its content.
    #[error("Ce QR code d'enlèvement n'est pas authentique : demandez au garage d'afficher celui de l'application.")]
    Forged,
    /// Past its expiry.
    #[error("Ce QR code d'enlèvement a expiré : demandez au garage d'en afficher un nouveau.")]
    Expired,
    /// Already used for a pickup with another driver or parcel count.
    #[error("Ce QR code d'enlèvement a déjà servi pour une autre prise en charge : demandez au garage d'en afficher un nouveau.")]
    UsedWithAnotherBody,
}

impl PickupError {
    /// The stable code.
    pub fn code(self) -> ErrorCode {
        ErrorCode::InvalidToken
    }

    /// The French message.
    pub fn message(self) -> String {
        self.to_string()
    }
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_code(text: &str) -> bool {
    (1..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl PickupToken {
    /// A new token for `files`, valid [`TOKEN_LIFETIME_HOURS`] from `now`; `id` is 32 hex digits
    /// the caller drew at random.
    pub fn new(id: String, customer: String, files: Vec<PickupFile>, now: DateTime<Utc>) -> Self {
        PickupToken {
            id,
            customer,
            expires_at: now + Duration::hours(TOKEN_LIFETIME_HOURS),
            files,
        }
    }

    /// Pieces over all its files.
    pub fn pieces(&self) -> u32 {
        self.files.iter().map(|f| f.pieces).sum()
    }

    /// The text the signature covers.
    pub fn payload(&self) -> String {
        let files: Vec<String> = self
            .files
            .iter()
            .map(|f| format!("{}:{}", f.number, f.pieces))
            .collect();
        format!(
            "v1.{}.{}.{}.{}",
            self.id,
            self.customer,
            self.expires_at.timestamp(),
            files.join(",")
        )
    }

    /// The token: the payload and its signature (64 hex digits).
    pub fn token(&self, signature_hex: &str) -> String {
        format!("{}.{signature_hex}", self.payload())
    }

    /// What a payload says; `Malformed` when it is not one [`PickupToken::payload`] writes.
    pub fn parse_payload(payload: &str) -> Result<PickupToken, PickupError> {
        let mut parts = payload.split('.');
        let (Some("v1"), Some(id), Some(customer), Some(expiry), Some(files), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(PickupError::Malformed);
        };
        if !is_hex(id, 32) || !is_code(customer) || expiry.len() > 12 {
            return Err(PickupError::Malformed);
        }
        let expires_at = expiry
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or(PickupError::Malformed)?;
        let files = files
            .split(',')
            .map(|f| {
                let (number, pieces) = f.split_once(':')?;
                let ok = number.len() == 8 && number.bytes().all(|b| b.is_ascii_digit());
                let pieces = pieces
                    .parse::<u32>()
                    .ok()
                    .filter(|p| pieces.len() <= 6 && *p > 0);
                Some(PickupFile {
                    number: number.to_owned(),
                    pieces: pieces.filter(|_| ok)?,
                })
            })
            .collect::<Option<Vec<_>>>()
            .filter(|f| !f.is_empty() && f.len() <= MAX_FILES)
            .ok_or(PickupError::Malformed)?;
        Ok(PickupToken {
            id: id.to_owned(),
            customer: customer.to_owned(),
            expires_at,
            files,
        })
    }

    /// Checks a token as received (with or without [`QR_PREFIX`]): well formed, its signature
    /// accepted by `signed(payload, signature_hex)` (the server's constant-time HMAC check), and
    /// not expired at `now` (valid strictly before `expires_at`).
    pub fn check(
        token: &str,
        signed: impl FnOnce(&str, &str) -> bool,
        now: DateTime<Utc>,
    ) -> Result<PickupToken, PickupError> {
        let token = PickupToken::authentic(token, signed)?;
        match token.use_at(None, now)? {
            TokenUse::First => Ok(token),
            TokenUse::Replay => Err(PickupError::UsedWithAnotherBody),
        }
    }

    /// What a use of this (authentic) token at `now` is, given whether it was used before and
    /// with the same body (`Some(true)`), another (`Some(false)`), or never (`None`). A replay of
    /// the same body stays valid after expiry (a driver's app confirming late gets the first
    /// answer again); a first use must come before `expires_at`.
    pub fn use_at(
        &self,
        used_before: Option<bool>,
        now: DateTime<Utc>,
    ) -> Result<TokenUse, PickupError> {
        match used_before {
            Some(true) => Ok(TokenUse::Replay),
            Some(false) => Err(PickupError::UsedWithAnotherBody),
            None if now >= self.expires_at => Err(PickupError::Expired),
            None => Ok(TokenUse::First),
        }
    }

    /// A token as received (with or without [`QR_PREFIX`]), well formed and with a signature
    /// `signed(payload, signature_hex)` accepts; its expiry is not looked at
    /// ([`PickupToken::use_at`] does).
    pub fn authentic(
        token: &str,
        signed: impl FnOnce(&str, &str) -> bool,
    ) -> Result<PickupToken, PickupError> {
        let token = token.trim();
        let token = token.strip_prefix(QR_PREFIX).unwrap_or(token);
        if token.len() > 4096 {
            return Err(PickupError::Malformed);
        }
        let (payload, signature) = token.rsplit_once('.').ok_or(PickupError::Malformed)?;
        if !is_hex(signature, 64) {
            return Err(PickupError::Malformed);
        }
        let parsed = PickupToken::parse_payload(payload)?;
        if !signed(payload, signature) {
            return Err(PickupError::Forged);
        }
        Ok(parsed)
    }
}

/// What a valid use of a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    /// The first: the files move.
    First,
    /// The same body again: the first answer, nothing moves.
    Replay,
}

/// How long after a scan made offline its confirmation may still say the scan's time.
pub const MAX_OFFLINE_DAYS: i64 = 7;

impl PickupToken {
    /// When the token was made.
    pub fn issued_at(&self) -> DateTime<Utc> {
        self.expires_at - Duration::hours(TOKEN_LIFETIME_HOURS)
    }

    /// The time a handover is recorded at: the driver's scan time when the confirmation says it
    /// (made offline, sent on reconnection), kept within the token's life and never after `now`
    /// (a device clock ahead counts as now, one behind as the token's making); a scan older than
    /// [`MAX_OFFLINE_DAYS`] is not believed, and `now` counts. Without one, `now`.
    pub fn handover_at(
        &self,
        scanned_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> DateTime<Utc> {
        match scanned_at {
            Some(at) if now - at <= Duration::days(MAX_OFFLINE_DAYS) => {
                at.min(now).max(self.issued_at().min(now))
            }
            _ => now,
        }
    }
}

/// Why the driver's name or parcels are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HandoverError {
    /// A blank, too long or multi-line name.
    #[error("Indiquez le nom du chauffeur (80 caractères au plus).")]
    DriverName,
    /// No parcel, or more than 999.
    #[error("Indiquez le nombre de colis remis (de 1 à 999).")]
    Parcels,
}

impl HandoverError {
    /// The stable code.
    pub fn code(self) -> ErrorCode {
        match self {
            HandoverError::DriverName => ErrorCode::InvalidDriverName,
            HandoverError::Parcels => ErrorCode::InvalidParcels,
        }
    }

    /// The body's field.
    pub fn field(self) -> &'static str {
        match self {
            HandoverError::DriverName => "driver_name",
            HandoverError::Parcels => "parcels",
        }
    }
}

/// The driver's name, trimmed with inner runs of spaces made one: 1–80 characters, one line.
pub fn driver_name(text: &str) -> Result<String, HandoverError> {
    if text.chars().any(char::is_control) {
        return Err(HandoverError::DriverName);
    }
    let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > MAX_DRIVER_NAME_CHARS {
        return Err(HandoverError::DriverName);
    }
    Ok(name)
}

/// Parcels handed over: 1–999.
pub fn parcels(n: u32) -> Result<u32, HandoverError> {
    if (1..=MAX_PARCELS).contains(&n) {
        Ok(n)
    } else {
        Err(HandoverError::Parcels)
    }
}

/// The sentence of a file's pickup event: "Prise en charge sur site par le chauffeur Paul
/// Martin — 3 colis remis".
pub fn event_text(driver: &str, parcels: u32) -> String {
    format!("Prise en charge sur site par le chauffeur {driver} — {parcels} colis remis")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_reads_back() {
        let now: DateTime<Utc> = "2026-12-02T10:00:00Z".parse().unwrap();
        let token = PickupToken::new(
            "0123456789abcdef0123456789abcdef".into(),
            "C00042".into(),
            vec![
                PickupFile {
                    number: "10000001".into(),
                    pieces: 2,
                },
                PickupFile {
                    number: "10000002".into(),
                    pieces: 1,
                },
            ],
            now,
        );
        assert_eq!(
            token.payload(),
            "v1.0123456789abcdef0123456789abcdef.C00042.1796292000.10000001:2,10000002:1"
        );
        assert_eq!(PickupToken::parse_payload(&token.payload()), Ok(token));
    }

    #[test]
    fn a_handover_is_recorded_at_its_scan_within_the_tokens_life() {
        let made: DateTime<Utc> = "2026-12-02T10:00:00Z".parse().unwrap();
        let token = PickupToken::new("0".repeat(32), "C00042".into(), vec![], made);
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        let now = at("2026-12-03T12:00:00Z");
        assert_eq!(token.handover_at(None, now), now);
        let scan = at("2026-12-03T09:30:00Z");
        assert_eq!(token.handover_at(Some(scan), now), scan);
        // A clock ahead is now; a clock behind is the token's making.
        assert_eq!(
            token.handover_at(Some(at("2026-12-04T00:00:00Z")), now),
            now
        );
        assert_eq!(
            token.handover_at(Some(at("2026-12-01T00:00:00Z")), now),
            made
        );
        // A scan told more than a week later is not believed.
        let late = at("2026-12-12T00:00:00Z");
        assert_eq!(token.handover_at(Some(scan), late), late);
    }
}
