//! "Mes consignes" (v1.1): the deposits paid on exchange parts whose old part has not come back —
//! each line's due date (`RETOUR_DEPOSIT_DAYS` after delivery), days left in Paris calendar days,
//! state, the money at stake and what is due soon — and the reminder rule: 14 and 3 days before
//! the due date, once each.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::eligibility::{days_left, deposit_due_on};
use crate::money::Money;
use rust_decimal::Decimal;

/// An open deposit due within this many days counts in `due_soon_ht`.
pub const DUE_SOON_DAYS: u32 = 14;
/// Reminders go out this many days before the due date, once each.
pub const REMINDER_DAYS: [u32; 2] = [14, 3];
/// Lines whose deposit expired more than this many days ago are no longer listed.
pub const EXPIRED_SHOWN_DAYS: u32 = 30;

/// Where a deposit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DepositState {
    /// Old parts still to bring back, before the due date.
    Open,
    /// Every old part not yet back is in a return file not yet closed.
    InReturn,
    /// Every old part came back.
    Refunded,
    /// The due date has passed with old parts not back.
    Expired,
}

impl DepositState {
    /// Every state.
    pub const ALL: [DepositState; 4] = [
        DepositState::Open,
        DepositState::InReturn,
        DepositState::Refunded,
        DepositState::Expired,
    ];
}

/// `GET /api/v1/deposits`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deposits {
    /// Σ `at_stake_ht` of the open items.
    pub at_stake_ht: Money,
    /// Σ `at_stake_ht` of the open items due within 14 days.
    pub due_soon_ht: Money,
    /// By due date.
    pub items: Vec<DepositItem>,
}

/// A delivered line with a deposit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepositItem {
    /// The BL.
    pub delivery_note: String,
    /// The line number.
    pub line_no: u32,
    /// The supplier reference.
    pub reference: String,
    /// The designation.
    pub designation: String,
    /// The delivery day.
    pub delivered_on: NaiveDate,
    /// Units delivered.
    pub qty: u32,
    /// Old parts neither back nor in a return file.
    pub open_qty: u32,
    /// The deposit per unit.
    pub deposit_ht: Money,
    /// `deposit_ht` × `open_qty`.
    pub at_stake_ht: Money,
    /// The last day the old parts can come back.
    pub due_on: NaiveDate,
    /// Paris calendar days left until `due_on`; absent once it has passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_left: Option<u32>,
    /// Where it stands.
    pub state: DepositState,
}

/// What is known of a delivered line with a deposit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositLine {
    /// The BL.
    pub delivery_note: String,
    /// The line number.
    pub line_no: u32,
    /// The supplier reference.
    pub reference: String,
    /// The designation.
    pub designation: String,
    /// The delivery day.
    pub delivered_on: NaiveDate,
    /// Units delivered.
    pub delivered: u32,
    /// Units back: returned before this system or in closed return files.
    pub returned: u32,
    /// Units in return files not yet closed.
    pub in_return: u32,
    /// The deposit per unit.
    pub deposit: Money,
}

/// The first delivery day whose deposit lines are listed on `today`: those due at most
/// [`EXPIRED_SHOWN_DAYS`] ago.
pub fn listed_since(today: NaiveDate, deposit_days: u32) -> NaiveDate {
    today - chrono::Days::new(u64::from(deposit_days) + u64::from(EXPIRED_SHOWN_DAYS))
}

/// One line's deposit on `today` (Paris).
pub fn item(line: &DepositLine, today: NaiveDate, deposit_days: u32) -> DepositItem {
    let due_on = deposit_due_on(line.delivered_on, deposit_days);
    let open_qty = line
        .delivered
        .saturating_sub(line.returned)
        .saturating_sub(line.in_return);
    let state = if open_qty > 0 {
        if today > due_on {
            DepositState::Expired
        } else {
            DepositState::Open
        }
    } else if line.in_return > 0 && line.returned < line.delivered {
        DepositState::InReturn
    } else {
        DepositState::Refunded
    };
    DepositItem {
        delivery_note: line.delivery_note.clone(),
        line_no: line.line_no,
        reference: line.reference.clone(),
        designation: line.designation.clone(),
        delivered_on: line.delivered_on,
        qty: line.delivered,
        open_qty,
        deposit_ht: line.deposit,
        at_stake_ht: line.deposit.times(open_qty, Decimal::ONE),
        due_on,
        days_left: days_left(due_on, today),
        state,
    }
}

/// The deposits wallet on `today`: the items by due date, the totals as sums of the open items.
pub fn wallet(lines: &[DepositLine], today: NaiveDate, deposit_days: u32) -> Deposits {
    let mut items: Vec<DepositItem> = lines.iter().map(|l| item(l, today, deposit_days)).collect();
    items.sort_by(|a, b| {
        (a.due_on, &a.delivery_note, a.line_no).cmp(&(b.due_on, &b.delivery_note, b.line_no))
    });
    let open = || items.iter().filter(|i| i.state == DepositState::Open);
    Deposits {
        at_stake_ht: open().map(|i| i.at_stake_ht).sum(),
        due_soon_ht: open()
            .filter(|i| i.days_left.is_some_and(|d| d <= DUE_SOON_DAYS))
            .map(|i| i.at_stake_ht)
            .sum(),
        items,
    }
}

/// A reminder to send for one open deposit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// The reminder sent: the smallest of the thresholds reached (14 or 3 days before).
    pub days_before: u32,
    /// Every threshold this reminder stands for (a server down for days sends one reminder,
    /// the most urgent, and records the earlier one as done).
    pub covers: Vec<u32>,
}

/// The reminder due today for an item, given the thresholds already recorded for its line:
/// only open items, from 14 days before the due date to the day itself; each threshold once.
pub fn reminder_due(item: &DepositItem, already: &[u32]) -> Option<Reminder> {
    if item.state != DepositState::Open {
        return None;
    }
    let left = item.days_left?;
    let covers: Vec<u32> = REMINDER_DAYS
        .iter()
        .copied()
        .filter(|t| left <= *t && !already.contains(t))
        .collect();
    let days_before = covers.iter().copied().min()?;
    Some(Reminder {
        days_before,
        covers,
    })
}

/// The reminder e-mail for a garage's deposits due soon: its subject and text.
pub fn reminder_mail(customer_name: &str, items: &[DepositItem]) -> (String, String) {
    let total: Money = items.iter().map(|i| i.at_stake_ht).sum();
    let soonest = items.iter().filter_map(|i| i.days_left).min().unwrap_or(0);
    let subject = format!(
        "Consignes à rapporter : {} en jeu (J-{soonest})",
        total.format_fr()
    );
    let mut body = format!(
        "Bonjour,\n\nLes pièces usagées de ces échanges standard ne sont pas encore revenues ({customer_name}). \
         Rapportez-les avant la date indiquée pour récupérer la consigne :\n\n"
    );
    for i in items {
        body.push_str(&format!(
            "- BL {}, ligne {} — {} ({}) : {} × {} = {}, avant le {} (J-{})\n",
            i.delivery_note,
            i.line_no,
            i.designation,
            i.reference,
            i.open_qty,
            i.deposit_ht.format_fr(),
            i.at_stake_ht.format_fr(),
            i.due_on.format("%d/%m/%Y"),
            i.days_left.unwrap_or(0)
        ));
    }
    body.push_str(
        "\nDans l'application Retour, « Mes consignes » les met au panier avec le motif Consigne en un geste.\n",
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn line(delivered_on: NaiveDate, delivered: u32, returned: u32, in_return: u32) -> DepositLine {
        DepositLine {
            delivery_note: "250001105".into(),
            line_no: 2,
            reference: "0986041850".into(),
            designation: "ALTERNATEUR REMAN 90A".into(),
            delivered_on,
            delivered,
            returned,
            in_return,
            deposit: Money::parse("45.00").unwrap(),
        }
    }

    #[test]
    fn states_and_money_at_stake() {
        let today = day(2026, 12, 2);
        let delivered = day(2026, 9, 5); // due 2026-12-04: J-2
        let open = item(&line(delivered, 2, 0, 0), today, 90);
        assert_eq!(open.due_on, day(2026, 12, 4));
        assert_eq!(open.days_left, Some(2));
        assert_eq!(open.state, DepositState::Open);
        assert_eq!(open.at_stake_ht.to_string(), "90.00");
        let part = item(&line(delivered, 2, 0, 1), today, 90);
        assert_eq!((part.state, part.open_qty), (DepositState::Open, 1));
        let in_return = item(&line(delivered, 2, 1, 1), today, 90);
        assert_eq!(
            (in_return.state, in_return.open_qty),
            (DepositState::InReturn, 0)
        );
        let refunded = item(&line(delivered, 2, 2, 0), today, 90);
        assert_eq!(refunded.state, DepositState::Refunded);
        assert_eq!(refunded.at_stake_ht, Money::ZERO);
        let expired = item(&line(day(2026, 9, 1), 1, 0, 0), today, 90);
        assert_eq!(
            (expired.state, expired.days_left),
            (DepositState::Expired, None)
        );
        let w = wallet(
            &[
                line(day(2026, 11, 1), 1, 0, 0),
                line(delivered, 2, 0, 0),
                line(day(2026, 9, 1), 1, 0, 0),
            ],
            today,
            90,
        );
        assert_eq!(w.items[0].state, DepositState::Expired, "by due date");
        assert_eq!(w.at_stake_ht.to_string(), "135.00");
        assert_eq!(w.due_soon_ht.to_string(), "90.00");
    }

    #[test]
    fn reminders_once_each_fourteen_then_three_days_before() {
        let due = day(2026, 12, 31);
        let delivered = due - chrono::Days::new(90);
        let at = |left: u64| item(&line(delivered, 1, 0, 0), due - chrono::Days::new(left), 90);
        assert_eq!(reminder_due(&at(15), &[]), None);
        assert_eq!(
            reminder_due(&at(14), &[]),
            Some(Reminder {
                days_before: 14,
                covers: vec![14]
            })
        );
        assert_eq!(reminder_due(&at(10), &[14]), None);
        assert_eq!(
            reminder_due(&at(3), &[14]),
            Some(Reminder {
                days_before: 3,
                covers: vec![3]
            })
        );
        assert_eq!(reminder_due(&at(0), &[14, 3]), None);
        // Nothing heard at 14 days (the server was down): one reminder, the urgent one.
        assert_eq!(
            reminder_due(&at(2), &[]),
            Some(Reminder {
                days_before: 3,
                covers: vec![14, 3]
            })
        );
        let back = item(&line(delivered, 1, 1, 0), due - chrono::Days::new(3), 90);
        assert_eq!(reminder_due(&back, &[]), None);
        let late = item(&line(delivered, 1, 0, 0), due + chrono::Days::new(1), 90);
        assert_eq!(reminder_due(&late, &[]), None);
    }
}
