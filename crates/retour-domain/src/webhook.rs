//! Webhooks (API v1.1): the event types a distributor's system can subscribe to, the check of a
//! new hook (address, types, secret), the wire shapes of the staff API, and the retry schedule of
//! a delivery (growing waits with jitter, the first retry within 60 s, given up after 24 h).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;

/// What an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EventType {
    /// A garage sent a return request.
    #[serde(rename = "return_request.created")]
    ReturnRequestCreated,
    /// A file's status changed.
    #[serde(rename = "dossier.status_changed")]
    DossierStatusChanged,
    /// A file was closed with its decisions.
    #[serde(rename = "dossier.closed")]
    DossierClosed,
    /// A message was written on a file (by the garage or the returns service).
    #[serde(rename = "dossier.message")]
    DossierMessage,
    /// A credit note was issued.
    #[serde(rename = "credit_note.issued")]
    CreditNoteIssued,
    /// A pickup was confirmed by the driver.
    #[serde(rename = "pickup.confirmed")]
    PickupConfirmed,
    /// A garage sent a warranty claim.
    #[serde(rename = "warranty_claim.created")]
    WarrantyClaimCreated,
}

impl EventType {
    /// Every type, in the order of API.md.
    pub const ALL: [EventType; 7] = [
        EventType::ReturnRequestCreated,
        EventType::DossierStatusChanged,
        EventType::DossierClosed,
        EventType::DossierMessage,
        EventType::CreditNoteIssued,
        EventType::PickupConfirmed,
        EventType::WarrantyClaimCreated,
    ];

    /// The type on the wire and in storage, such as `dossier.closed`.
    pub fn code(self) -> &'static str {
        match self {
            EventType::ReturnRequestCreated => "return_request.created",
            EventType::DossierStatusChanged => "dossier.status_changed",
            EventType::DossierClosed => "dossier.closed",
            EventType::DossierMessage => "dossier.message",
            EventType::CreditNoteIssued => "credit_note.issued",
            EventType::PickupConfirmed => "pickup.confirmed",
            EventType::WarrantyClaimCreated => "warranty_claim.created",
        }
    }

    /// Parses a type.
    pub fn parse(code: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.code() == code)
    }
}

/// The shortest secret accepted.
pub const MIN_SECRET_CHARS: usize = 16;
/// The longest secret accepted.
pub const MAX_SECRET_CHARS: usize = 256;
/// The longest address accepted.
pub const MAX_URL_CHARS: usize = 2048;

/// `POST /api/v1/staff/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookBody {
    /// Where events are posted: an `http://` or `https://` address.
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2048, example = "https://erp.example.fr/retour/events")
    )]
    pub url: String,
    /// The event types wanted (at least one): `return_request.created`, `dossier.status_changed`,
    /// `dossier.closed`, `dossier.message`, `credit_note.issued`, `pickup.confirmed`,
    /// `warranty_claim.created`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<EventType>, min_items = 1))]
    pub events: Vec<String>,
    /// The signing secret, 16–256 characters; never given back.
    #[cfg_attr(feature = "openapi", schema(min_length = 16, max_length = 256))]
    pub secret: String,
}

/// A registered hook, as the staff API shows it (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    /// Its id.
    pub id: String,
    /// Where events are posted.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<EventType>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// `GET /api/v1/staff/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookList {
    /// Every hook, oldest first.
    pub items: Vec<Webhook>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not delivered yet: waiting for its next try.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after 24 h of failed tries.
    Failed,
}

impl DeliveryState {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Pending,
            DeliveryState::Delivered,
            DeliveryState::Failed,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// One try of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryAttempt {
    /// When it started.
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Why it failed without an answer (connection refused, timeout…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

/// One event sent (or to send) to one hook, with its tries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// The event's id (the `id` of the body posted, the same at every try).
    pub event_id: String,
    /// The event's type.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When the event happened.
    pub at: DateTime<Utc>,
    /// Where the delivery stands.
    pub state: DeliveryState,
    /// The next try, while pending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The tries so far, oldest first.
    pub attempts: Vec<DeliveryAttempt>,
}

/// `GET /api/v1/staff/webhooks/{id}/deliveries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryList {
    /// The hook's latest deliveries (at most 100), newest first.
    pub items: Vec<Delivery>,
}

/// Why a new hook is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookRefusal {
    /// Not an `http://` or `https://` address with a host.
    #[error("Adresse du webhook invalide : indiquez une adresse http:// ou https:// complète (2 048 caractères au plus).")]
    InvalidUrl,
    /// No type, or a type that does not exist.
    #[error("{0} Types possibles : return_request.created, dossier.status_changed, dossier.closed, dossier.message, credit_note.issued, pickup.confirmed, warranty_claim.created.")]
    InvalidEventType(String),
    /// A secret too short or too long.
    #[error("Le secret du webhook doit compter de 16 à 256 caractères.")]
    InvalidSecret,
}

impl WebhookRefusal {
    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            WebhookRefusal::InvalidUrl => ErrorCode::InvalidWebhookUrl,
            WebhookRefusal::InvalidEventType(_) => ErrorCode::InvalidEventType,
            WebhookRefusal::InvalidSecret => ErrorCode::InvalidWebhookSecret,
        }
    }

    /// The field of the body it is about.
    pub fn field(&self) -> &'static str {
        match self {
            WebhookRefusal::InvalidUrl => "url",
            WebhookRefusal::InvalidEventType(_) => "events",
            WebhookRefusal::InvalidSecret => "secret",
        }
    }
}

/// A new hook as checked: the address trimmed, the types without duplicates in the order of
/// API.md, the secret as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedWebhook {
    /// The address.
    pub url: String,
    /// The types.
    pub events: Vec<EventType>,
    /// The secret.
    pub secret: String,
}

/// Checks a new hook: an `http://` or `https://` address with a host, without spaces or control
/// characters, at most 2,048 characters; at least one type, each a known one; a secret of 16–256
/// characters.
pub fn check_webhook(body: &WebhookBody) -> Result<CheckedWebhook, WebhookRefusal> {
    let url = body.url.trim();
    if !valid_url(url) {
        return Err(WebhookRefusal::InvalidUrl);
    }
    if body.events.is_empty() {
        return Err(WebhookRefusal::InvalidEventType(
            "Indiquez au moins un type d'événement.".to_owned(),
        ));
    }
    let mut wanted = Vec::new();
    for code in &body.events {
        let kind = EventType::parse(code).ok_or_else(|| {
            let shown: String = code.chars().take(60).collect();
            WebhookRefusal::InvalidEventType(format!("Type d'événement inconnu : « {shown} »."))
        })?;
        wanted.push(kind);
    }
    let events = EventType::ALL
        .into_iter()
        .filter(|t| wanted.contains(t))
        .collect();
    let secret_chars = body.secret.chars().count();
    if !(MIN_SECRET_CHARS..=MAX_SECRET_CHARS).contains(&secret_chars) {
        return Err(WebhookRefusal::InvalidSecret);
    }
    Ok(CheckedWebhook {
        url: url.to_owned(),
        events,
        secret: body.secret.clone(),
    })
}

fn valid_url(url: &str) -> bool {
    if url.chars().count() > MAX_URL_CHARS
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return false;
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    !host.is_empty() && !authority.contains('@')
}

/// How long deliveries are retried: past this since the event, a failed try gives it up.
pub const RETRY_FOR: Duration = Duration::hours(24);

/// The wait after the `failed`-th failed try (1 for the first): 30 s, 1 min, 2 min, … doubling up
/// to 1 h, each stretched or shortened by up to a fifth by `jitter` (from −1 to 1), so that the
/// first retry comes within 24–36 s and hooks failing together do not retry together.
pub fn retry_wait(failed: u32, jitter: f64) -> Duration {
    let base_ms: i64 = (30_000i64 << failed.saturating_sub(1).min(7)).min(3_600_000);
    let factor = 1.0 + 0.2 * jitter.clamp(-1.0, 1.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    let ms = (base_ms as f64 * factor) as i64;
    Duration::milliseconds(ms)
}

/// When to try again after the `failed`-th failed try at `now` of an event that happened at
/// `event_at`; `None` when 24 h have passed and the delivery is given up. The last try is made
/// at the end of the 24 h even when the wait would go past it.
pub fn next_attempt(
    event_at: DateTime<Utc>,
    failed: u32,
    now: DateTime<Utc>,
    jitter: f64,
) -> Option<DateTime<Utc>> {
    let deadline = event_at + RETRY_FOR;
    if now >= deadline {
        return None;
    }
    Some((now + retry_wait(failed, jitter)).min(deadline))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(url: &str, events: &[&str], secret: &str) -> WebhookBody {
        WebhookBody {
            url: url.to_owned(),
            events: events.iter().map(|e| (*e).to_owned()).collect(),
            secret: secret.to_owned(),
        }
    }

    const SECRET: &str = "0123456789abcdef";

    #[test]
    fn a_hook_needs_an_http_address_known_types_and_a_long_enough_secret() {
        let ok = check_webhook(&body(
            " https://erp.example.fr:8443/hooks?x=1 ",
            &["dossier.closed", "return_request.created", "dossier.closed"],
            SECRET,
        ))
        .unwrap();
        assert_eq!(ok.url, "https://erp.example.fr:8443/hooks?x=1");
        assert_eq!(
            ok.events,
            [EventType::ReturnRequestCreated, EventType::DossierClosed]
        );
        assert!(check_webhook(&body("http://[::1]:9/x", &["dossier.message"], SECRET)).is_ok());
        for url in [
            "ftp://erp.example.fr/",
            "https://",
            "http:///path",
            "erp.example.fr",
            "https://erp example.fr/",
            "https://user@erp.example.fr/",
            "javascript:alert(1)",
            "",
        ] {
            let refusal = check_webhook(&body(url, &["dossier.closed"], SECRET)).unwrap_err();
            assert_eq!(refusal.code(), ErrorCode::InvalidWebhookUrl, "{url}");
        }
        let refusal =
            check_webhook(&body("https://a.fr", &["dossier.opened"], SECRET)).unwrap_err();
        assert_eq!(refusal.code(), ErrorCode::InvalidEventType);
        assert!(refusal.to_string().contains("« dossier.opened »"));
        let refusal = check_webhook(&body("https://a.fr", &[], SECRET)).unwrap_err();
        assert_eq!(refusal.field(), "events");
        let refusal =
            check_webhook(&body("https://a.fr", &["dossier.closed"], "short")).unwrap_err();
        assert_eq!(refusal.code(), ErrorCode::InvalidWebhookSecret);
    }

    #[test]
    fn every_type_reads_back_from_its_code() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.code()), Some(t));
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::Value::String(t.code().to_owned())
            );
        }
    }

    #[test]
    fn retries_start_within_a_minute_grow_and_stop_after_a_day() {
        for jitter in [-1.0, 0.0, 1.0] {
            assert!(retry_wait(1, jitter) <= Duration::seconds(60));
            assert!(retry_wait(1, jitter) >= Duration::seconds(20));
        }
        assert!(retry_wait(2, 0.0) > retry_wait(1, 0.0));
        assert_eq!(retry_wait(30, 0.0), Duration::hours(1));
        assert_eq!(retry_wait(u32::MAX, 1.0), Duration::minutes(72));
        let at = DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            next_attempt(at, 1, at, 0.0),
            Some(at + Duration::seconds(30))
        );
        let late = at + Duration::hours(23) + Duration::minutes(50);
        assert_eq!(next_attempt(at, 20, late, 0.0), Some(at + RETRY_FOR));
        assert_eq!(next_attempt(at, 21, at + RETRY_FOR, 0.0), None);
        // A whole day of failures: a few dozen tries, never more than an hour apart.
        let (mut now, mut failed, mut tries) = (at, 0, 0);
        loop {
            tries += 1;
            failed += 1;
            match next_attempt(at, failed, now, 0.0) {
                Some(next) => {
                    assert!(next - now <= Duration::hours(1));
                    now = next;
                }
                None => break,
            }
        }
        assert!((25..=40).contains(&tries), "{tries}");
    }
}
