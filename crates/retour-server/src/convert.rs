//! From stored rows to the API's wire types and to the inputs of the domain's rules (eligibility,
//! allowed reasons, the edit check, priced cart lines, staff decisions, labels).

use chrono::NaiveDate;
use retour_domain::api::{
    self, DeliveryNoteLine, Dossier, DossierLine, HistoryEntry, LineDecisionInfo, ReturnRequest,
};
use retour_domain::cart_line::{self, DeliveredLine, EditRefusal, EditableLine, LineEdit};
use retour_domain::closing::FileLine;
use retour_domain::decision::LineDecision;
use retour_domain::eligibility::{
    days_left, deposit_due_on, eligible_in, return_deadline, return_period, Delays, LineHistory,
    ReturnPeriod,
};
use retour_domain::reason::{LinePrices, ReasonCode, ReasonTable};

use crate::db::{StoredDossier, StoredDossierLine, StoredLine, StoredRequest};

/// What the rules need to judge a line: the reason table, today in Paris and the return window.
#[derive(Clone, Copy)]
pub struct Rules<'a> {
    /// The reasons and their estimates.
    pub reasons: &'a ReasonTable,
    /// Today, in Paris.
    pub today: NaiveDate,
    /// The return window and the deposit delay, in days.
    pub delays: Delays,
}

impl Rules<'_> {
    /// Which reasons the line allows today (v1.1: a deposit line stays returnable for its
    /// deposit after the window, until its due date).
    pub fn period(&self, line: &StoredLine) -> ReturnPeriod {
        return_period(
            line.delivered_on,
            line.deposit.is_some(),
            self.today,
            self.delays,
        )
    }

    /// Units of a line that can still be returned today.
    pub fn eligible(&self, line: &StoredLine) -> u32 {
        let history = LineHistory {
            delivered: line.delivered,
            returned: line.returned_before.saturating_add(line.in_closed),
            in_open_requests: line.in_open,
        };
        eligible_in(history, self.period(line))
    }

    /// The reasons a line allows today.
    pub fn allowed(&self, line: &StoredLine) -> Vec<ReasonCode> {
        self.reasons.allowed_today(&prices(line), self.period(line))
    }

    /// The domain's edit check of a line the customer has (`None`: no such line).
    pub fn check_edit(
        &self,
        edit: &LineEdit<'_>,
        line: Option<&StoredLine>,
    ) -> Result<(), EditRefusal> {
        let allowed = line.map(|l| self.allowed(l)).unwrap_or_default();
        let editable = line.map(|l| EditableLine {
            eligible_qty: self.eligible(l),
            allowed_reasons: &allowed,
        });
        cart_line::check_edit(edit, editable.as_ref())
    }

    /// A stored line as a cart line is priced against it.
    pub fn delivered<'a>(&self, line: &'a StoredLine) -> DeliveredLine<'a> {
        DeliveredLine {
            reference: &line.reference,
            designation: &line.designation,
            eligible_qty: self.eligible(line),
            prices: prices(line),
        }
    }

    /// A BL line on the wire.
    pub fn note_line(&self, line: &StoredLine) -> DeliveryNoteLine {
        let taken = line
            .returned_before
            .saturating_add(line.in_closed)
            .saturating_add(line.in_open)
            .min(line.delivered);
        let deadline = return_deadline(line.delivered_on, self.delays.window_days);
        DeliveryNoteLine {
            line_no: line.line_no,
            reference: line.reference.clone(),
            brand: line.brand.clone(),
            designation: line.designation.clone(),
            gtin: line.gtin.clone(),
            delivered_qty: line.delivered,
            returned_qty: taken,
            eligible_qty: self.eligible(line),
            unit_price_ht: line.unit_price,
            deposit_ht: line.deposit,
            allowed_reasons: self.allowed(line),
            return_deadline: Some(deadline),
            days_left: days_left(deadline, self.today),
            deposit_due_on: line
                .deposit
                .map(|_| deposit_due_on(line.delivered_on, self.delays.deposit_days)),
        }
    }
}

/// A line's prices, as the reason table wants them.
pub fn prices(line: &StoredLine) -> LinePrices {
    LinePrices {
        unit_price: line.unit_price,
        deposit: line.deposit,
    }
}

/// A return file's line as a staff decision sees it.
pub fn file_line(line: &StoredDossierLine) -> FileLine<'_> {
    FileLine {
        line_no: line.line_no,
        qty: line.qty,
        accepted_qty: line.accepted_qty,
        reason: &line.reason,
        prices: LinePrices {
            unit_price: line.unit_price,
            deposit: line.deposit,
        },
    }
}

/// The reason table the wire's labels come from.
fn reason_table() -> &'static ReasonTable {
    static TABLE: std::sync::OnceLock<ReasonTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(ReasonTable::default)
}

/// A line's decision on the wire, with its French labels.
pub fn decision(d: &LineDecision) -> LineDecisionInfo {
    LineDecisionInfo {
        accepted_qty: d.accepted_qty,
        refused_qty: d.refused_qty,
        credited_ht: d.credited_ht,
        refusal_reason: d.refusal_reason,
        refusal_label: d.refusal_reason.map(|r| r.label().to_owned()),
        disposition: d.disposition,
        disposition_label: d.disposition.map(|x| x.label().to_owned()),
        comment: d.comment.clone(),
    }
}

/// A return file on the wire, with its history when given (its timeline is added by the
/// detail's handlers).
pub fn dossier(stored: &StoredDossier, history: Option<Vec<HistoryEntry>>) -> Dossier {
    Dossier {
        number: stored.number.clone(),
        kind: stored.kind,
        delivery_note: stored.delivery_note.clone(),
        sale_date: stored.sale_date,
        created_at: stored.created_at,
        status: stored.status,
        status_label: stored.status.label().to_owned(),
        estimated_credit_ht: stored.estimated_credit,
        piece_count: stored.piece_count,
        lines: stored
            .lines
            .iter()
            .map(|l| DossierLine {
                line_no: l.line_no,
                reference: l.reference.clone(),
                designation: l.designation.clone(),
                qty: l.qty,
                reason: ReasonCode::parse(&l.reason)
                    .unwrap_or_else(|| ReasonCode::parse("unknown").expect("a valid code")),
                reason_label: reason_label(&l.reason),
                estimated_credit_ht: l.estimated_credit,
                accepted_qty: l.accepted_qty,
                photos: l.photos.clone(),
                decision: l.decision.as_ref().map(decision),
            })
            .collect(),
        closed: stored.closure.clone(),
        history,
        timeline: None,
        request: stored.request.clone(),
        warranty: None,
    }
}

/// A file line's reason label: the reason table's, "Garantie" for a warranty claim's line.
fn reason_label(code: &str) -> String {
    if code == WARRANTY_REASON {
        return "Garantie".to_owned();
    }
    reason_table()
        .get(code)
        .map_or_else(|| "Motif inconnu".to_owned(), |r| r.label.clone())
}

/// The reason code of a warranty claim's line (not in the return reasons' table: it is never
/// offered for a return).
pub const WARRANTY_REASON: &str = "warranty";

/// A return request on the wire, its files without their history.
pub fn return_request(stored: &StoredRequest) -> ReturnRequest {
    ReturnRequest {
        id: stored.reference.id.clone(),
        number: stored.reference.number.clone(),
        preaccord_email: stored.reference.preaccord_email.clone(),
        created_at: stored.created_at,
        estimated_total_ht: stored.estimated_total,
        dossiers: stored.dossiers.iter().map(|d| dossier(d, None)).collect(),
    }
}

/// A history on the wire.
pub fn history(
    entries: Vec<(api::DossierStatus, chrono::DateTime<chrono::Utc>)>,
) -> Vec<HistoryEntry> {
    entries
        .into_iter()
        .map(|(status, at)| HistoryEntry { status, at })
        .collect()
}
