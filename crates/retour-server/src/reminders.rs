//! Deposit reminders (v1.1): 14 and 3 days before a deposit's due date, once each per BL line,
//! even across restarts — the thresholds done are recorded (`deposit_reminders`) in the
//! transaction that queues the e-mail in the durable outbox. [`send_due`] is one pass at the
//! state's clock; [`run`] makes one now and then every [`EVERY`] while the server serves.

use std::time::Duration;

use chrono::Days;
use retour_domain::deposits::{self, DepositItem, REMINDER_DAYS};
use retour_domain::eligibility::deposit_due_on;
use retour_domain::hours::paris_today;
use retour_domain::notification::{self, NotificationKind};

use crate::mail::OutgoingMail;
use crate::problem::ApiError;
use crate::routes::money::deposit_lines;
use crate::AppState;

/// How often the reminders are looked for.
pub const EVERY: Duration = Duration::from_secs(600);

/// Queues the reminders due now (one e-mail per garage listing its lines) and records them;
/// returns how many BL lines were reminded. Blocking; idempotent: a second pass on the same day
/// sends nothing.
pub fn send_due(state: &AppState) -> Result<usize, ApiError> {
    let now = state.now();
    let today = paris_today(now);
    let days = state.config().deposit_days;
    let longest = REMINDER_DAYS.iter().copied().max().unwrap_or(0);
    // Lines due from today to `longest` days ahead.
    let from = today - Days::new(u64::from(days));
    let to = from + Days::new(u64::from(longest));
    let customers = state
        .db()
        .read(|c| Ok::<_, ApiError>(c.customers_with_deposits(from, to)?))?;
    let mut reminded = 0;
    for customer in customers {
        reminded += state.db().write(|c| {
            let lines = deposit_lines(c, customer, today, days, to)?;
            let mut due: Vec<DepositItem> = Vec::new();
            for line in lines
                .iter()
                .filter(|l| deposit_due_on(l.delivered_on, days) >= today)
            {
                let item = deposits::item(line, today, days);
                let already = c.reminders_recorded(&item.delivery_note, item.line_no)?;
                let Some(reminder) = deposits::reminder_due(&item, &already) else {
                    continue;
                };
                for threshold in &reminder.covers {
                    c.record_reminder(
                        &item.delivery_note,
                        item.line_no,
                        *threshold,
                        *threshold == reminder.days_before,
                        now,
                    )?;
                }
                due.push(item);
            }
            if due.is_empty() {
                return Ok::<usize, ApiError>(0);
            }
            let name = c.customer_name(customer)?.unwrap_or_default();
            let (subject, text) = deposits::reminder_mail(&name, &due);
            for item in &due {
                let text = notification::deposit_due(
                    &item.reference,
                    &item.delivery_note,
                    item.due_on,
                    item.days_left.unwrap_or(0),
                    item.at_stake_ht,
                );
                c.record_notification(customer, NotificationKind::DepositDue, None, &text, now)?;
            }
            for to in c.addresses_wanting(customer, NotificationKind::DepositDue)? {
                let mail = OutgoingMail::Notice {
                    to,
                    subject: subject.clone(),
                    text: text.clone(),
                };
                c.enqueue_mail(&mail.to_json()?, now)?;
            }
            Ok(due.len())
        })?;
    }
    if reminded > 0 {
        state.wake_mail();
    }
    Ok(reminded)
}

/// Looks for reminders now, then every [`EVERY`], while the server serves.
pub async fn run(state: AppState) {
    let mut every = tokio::time::interval(EVERY);
    loop {
        every.tick().await;
        let pass = state.clone();
        match state.blocking(move || send_due(&pass)).await {
            Ok(Ok(n)) => tracing::debug!(reminded = n, "deposit reminders"),
            Ok(Err(error)) => tracing::warn!(?error, "cannot send the deposit reminders"),
            Err(error) => tracing::warn!(%error, "cannot send the deposit reminders"),
        }
    }
}
