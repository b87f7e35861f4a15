//! A return file's timeline and messages: events written in the transaction of the change they
//! record, messages idempotent on the writer's `message_id`, each line's decision, and the fill of
//! the timeline of files made before schema v6.

use chrono::{DateTime, Utc};
use retour_domain::api::{Event, Message};
use retour_domain::decision::{LineDecision, RefusalReason};
use retour_domain::status::{DossierStatus, Outcome};
use retour_domain::timeline::{self, Actor, Author, EventKind};
use retour_domain::Money;

use super::values::{instant, parse_instant, parse_money, parse_outcome, parse_status};
use super::{Conn, DbError, DbResult, FromRow, Row};

/// The columns [`Message::from_row`] reads, over `dossier_messages m`.
const MESSAGE_COLUMNS: &str =
    "m.message_id, m.at AS message_at, m.author, m.author_name, m.text AS message_text, m.photos";

/// A message read from [`MESSAGE_COLUMNS`].
struct MessageRow(Message);

impl FromRow for MessageRow {
    fn from_row(row: &Row<'_>) -> DbResult<MessageRow> {
        let author: String = row.get("author")?;
        let photos: String = row.get("photos")?;
        Ok(MessageRow(Message {
            id: row.get("message_id")?,
            at: parse_instant(&row.get::<String>("message_at")?)?,
            author: Author::parse(&author)
                .ok_or_else(|| DbError::Corrupt(format!("author {author:?}")))?,
            author_name: row.get("author_name")?,
            text: row.get("message_text")?,
            photos: serde_json::from_str(&photos)
                .map_err(|_| DbError::Corrupt(format!("photos {photos:?}")))?,
        }))
    }
}

/// An event joined with its message, if any.
struct EventRow(Event);

impl FromRow for EventRow {
    fn from_row(row: &Row<'_>) -> DbResult<EventRow> {
        let kind: String = row.get("kind")?;
        let actor: String = row.get("actor")?;
        let message = match row.get::<Option<String>>("message_id")? {
            Some(_) => Some(MessageRow::from_row(row)?.0),
            None => None,
        };
        Ok(EventRow(Event {
            id: row.get::<i64>("id")?.unsigned_abs(),
            at: parse_instant(&row.get::<String>("at")?)?,
            kind: EventKind::parse(&kind)
                .ok_or_else(|| DbError::Corrupt(format!("event kind {kind:?}")))?,
            actor: Actor::parse(&actor)
                .ok_or_else(|| DbError::Corrupt(format!("actor {actor:?}")))?,
            text: row.get("text")?,
            status: row
                .get::<Option<String>>("status")?
                .as_deref()
                .map(parse_status)
                .transpose()?,
            message,
        }))
    }
}

/// A new message, as the handler has checked it.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// The writer's id for it.
    pub message_id: &'a str,
    /// When the server received it.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub author: Author,
    /// The writer's name.
    pub author_name: &'a str,
    /// The text, checked.
    pub text: &'a str,
    /// Photo ids.
    pub photos: &'a [String],
}

/// One history row of a file, for the fill of v6.
struct Step {
    status: DossierStatus,
    at: DateTime<Utc>,
}

impl FromRow for Step {
    fn from_row(row: &Row<'_>) -> DbResult<Step> {
        Ok(Step {
            status: parse_status(&row.get::<String>("status")?)?,
            at: parse_instant(&row.get::<String>("at")?)?,
        })
    }
}

impl Conn<'_> {
    /// Appends an event to a file's timeline; returns its id.
    pub fn insert_event(
        &self,
        number: &str,
        at: DateTime<Utc>,
        kind: EventKind,
        actor: Actor,
        text: &str,
        status: Option<DossierStatus>,
    ) -> DbResult<i64> {
        self.insert_event_row(number, at, kind, actor, text, status, None)
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_event_row(
        &self,
        number: &str,
        at: DateTime<Utc>,
        kind: EventKind,
        actor: Actor,
        text: &str,
        status: Option<DossierStatus>,
        message: Option<i64>,
    ) -> DbResult<i64> {
        self.value(
            "INSERT INTO dossier_events (dossier, at, kind, actor, text, status, message)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            &[
                &number,
                &instant(at),
                &kind.code(),
                &actor.code(),
                &text,
                &status.map(DossierStatus::code),
                &message,
            ],
        )
    }

    /// A file's timeline, oldest first.
    pub fn events(&self, number: &str) -> DbResult<Vec<Event>> {
        let sql = format!(
            "SELECT e.id, e.at, e.kind, e.actor, e.text, e.status, {MESSAGE_COLUMNS}
               FROM dossier_events e LEFT JOIN dossier_messages m ON m.id = e.message
              WHERE e.dossier = ?1 ORDER BY e.at, e.id"
        );
        let rows: Vec<EventRow> = self.query(&sql, &[&number])?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Records a message and its timeline event, once: a `message_id` the file already has
    /// answers the message recorded then (`false`: nothing added).
    pub fn insert_message(&self, number: &str, new: &NewMessage<'_>) -> DbResult<(Message, bool)> {
        if let Some(existing) = self.message(number, new.message_id)? {
            return Ok((existing, false));
        }
        let photos = serde_json::to_string(new.photos)
            .map_err(|e| DbError::Corrupt(format!("photos: {e}")))?;
        let id: i64 = self.value(
            "INSERT INTO dossier_messages (dossier, message_id, at, author, author_name, text, photos)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            &[
                &number,
                &new.message_id,
                &instant(new.at),
                &new.author.actor().code(),
                &new.author_name,
                &new.text,
                &photos,
            ],
        )?;
        self.insert_event_row(
            number,
            new.at,
            EventKind::Message,
            new.author.actor(),
            &timeline::message_text(new.author),
            None,
            Some(id),
        )?;
        let message = self
            .message(number, new.message_id)?
            .ok_or_else(|| DbError::Corrupt("message just written".to_owned()))?;
        Ok((message, true))
    }

    /// A file's message by its writer's id.
    pub fn message(&self, number: &str, message_id: &str) -> DbResult<Option<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM dossier_messages m WHERE m.dossier = ?1 AND m.message_id = ?2"
        );
        let row: Option<MessageRow> = self.query_first(&sql, &[&number, &message_id])?;
        Ok(row.map(|r| r.0))
    }

    /// A file's messages, oldest first.
    pub fn messages(&self, number: &str) -> DbResult<Vec<Message>> {
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM dossier_messages m WHERE m.dossier = ?1 ORDER BY m.at, m.id"
        );
        let rows: Vec<MessageRow> = self.query(&sql, &[&number])?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// An account's display name.
    pub fn account_name(&self, account_id: i64) -> DbResult<Option<String>> {
        self.value_opt("SELECT name FROM accounts WHERE id = ?1", &[&account_id])
    }

    /// Records each line's decision.
    pub fn record_decisions(&self, number: &str, decisions: &[LineDecision]) -> DbResult<()> {
        for d in decisions {
            self.execute(
                "UPDATE dossier_lines SET accepted_qty = ?3, refused_qty = ?4, refusal_reason = ?5,
                    disposition = ?6, decision_comment = ?7, credited = ?8
                  WHERE dossier = ?1 AND line_no = ?2",
                &[
                    &number,
                    &d.line_no,
                    &d.accepted_qty,
                    &d.refused_qty,
                    &d.refusal_reason.map(RefusalReason::code),
                    &d.disposition.map(|x| x.code()),
                    &d.comment,
                    &d.credited_ht.to_string(),
                ],
            )?;
        }
        Ok(())
    }

    /// The fill of schema v6: every file made before gets its timeline from its history (the
    /// first event `sent` by the customer, at its creation when the history lacks it), and a
    /// closed file the sentence of its decision.
    pub(super) fn fill_timelines(&self) -> DbResult<()> {
        let numbers: Vec<(String, String)> = self.query(
            "SELECT number, created_at FROM dossiers ORDER BY created_at, number",
            &[],
        )?;
        for (number, created_at) in numbers {
            let steps: Vec<Step> = self.query(
                "SELECT status, at FROM dossier_history WHERE dossier = ?1 ORDER BY seq",
                &[&number],
            )?;
            if steps
                .first()
                .is_none_or(|s| s.status != DossierStatus::Sent)
            {
                let at = parse_instant(&created_at)?;
                self.insert_event(
                    &number,
                    at,
                    EventKind::Status,
                    Actor::Customer,
                    &timeline::status_text(DossierStatus::Sent),
                    Some(DossierStatus::Sent),
                )?;
            }
            for step in &steps {
                self.insert_status_event(&number, step.status, step.at)?;
            }
            self.fill_decision(&number, steps.last().map(|s| s.at))?;
        }
        Ok(())
    }

    /// The decision event of a file closed before v6, from its closure and its lines.
    fn fill_decision(&self, number: &str, closed_at: Option<DateTime<Utc>>) -> DbResult<()> {
        let closure: Option<(Option<String>, Option<String>)> = self.query_first(
            "SELECT outcome, credited FROM dossiers WHERE number = ?1",
            &[&number],
        )?;
        let (Some((Some(outcome), Some(credited))), Some(at)) = (closure, closed_at) else {
            return Ok(());
        };
        let outcome = parse_outcome(&outcome)?;
        let credited: Money = parse_money(&credited)?;
        let lines: Vec<(u32, u32, Option<u32>)> = self.query(
            "SELECT line_no, qty, accepted_qty FROM dossier_lines WHERE dossier = ?1",
            &[&number],
        )?;
        let decided: Vec<LineDecision> = lines
            .into_iter()
            .map(|(line_no, qty, accepted)| {
                let accepted_qty = accepted
                    .unwrap_or(if outcome == Outcome::Refused { 0 } else { qty })
                    .min(qty);
                LineDecision {
                    line_no,
                    accepted_qty,
                    refused_qty: qty - accepted_qty,
                    credited_ht: Money::ZERO,
                    refusal_reason: None,
                    disposition: None,
                    comment: None,
                }
            })
            .collect();
        self.insert_event(
            number,
            at,
            EventKind::Decision,
            Actor::Staff,
            &timeline::decision_text(outcome, &decided, credited),
            None,
        )?;
        Ok(())
    }

    /// The `photo` event of a file sent with photos (none: nothing recorded), by the customer.
    pub fn insert_photos_event(
        &self,
        number: &str,
        at: DateTime<Utc>,
        count: usize,
    ) -> DbResult<()> {
        if count > 0 {
            self.insert_event(
                number,
                at,
                EventKind::Photo,
                Actor::Customer,
                &timeline::photos_text(count),
                None,
            )?;
        }
        Ok(())
    }

    /// The event of a status change: `sent` is the customer's, the others the staff's.
    pub fn insert_status_event(
        &self,
        number: &str,
        status: DossierStatus,
        at: DateTime<Utc>,
    ) -> DbResult<()> {
        let actor = if status == DossierStatus::Sent {
            Actor::Customer
        } else {
            Actor::Staff
        };
        self.insert_event(
            number,
            at,
            EventKind::Status,
            actor,
            &timeline::status_text(status),
            Some(status),
        )?;
        Ok(())
    }
}
