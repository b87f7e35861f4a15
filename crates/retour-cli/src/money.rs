//! The money commands (v1.1): `retour credits` ("Où est mon avoir ?", with `--csv` and
//! `--claim DOSSIER:LINE`), `retour deposits` ("Mes consignes") and `retour report` ("Mon
//! bilan"), each with its French text; `--json` prints the API's shapes.

use std::path::Path;

use retour_app::{App, CreditClaimView, CreditsView, DepositsView, ReportArgs, ReportView};
use retour_domain::api::{CreditItem, CreditState, DepositItem, DepositState};
use retour_domain::money::Money;

use crate::failure::Failure;
use crate::print::Output;
use crate::text::line;

/// `retour credits [--csv] [--claim DOSSIER:LINE]`.
pub async fn credits(app: &App, csv: bool, claim: Option<&str>) -> Result<Output, Failure> {
    if let Some(target) = claim {
        let (dossier, line_no) = target
            .split_once(':')
            .and_then(|(d, l)| Some((d, l.trim().parse::<u32>().ok()?)))
            .ok_or_else(|| {
                Failure::refused(
                    "invalid_format",
                    "Indiquez la ligne à réclamer sous la forme DOSSIER:LIGNE (00012345:1).",
                )
            })?;
        let claim = app.claim_credit(dossier, line_no).await?;
        return Output::new(&claim, claim_text(&claim));
    }
    let view = app.credits().await?;
    let output = Output::new(&view.credits, credits_text(&view))?;
    Ok(match csv {
        true => output.note(written(&app.credits_csv().await?)),
        false => output,
    })
}

/// `retour deposits`.
pub async fn deposits(app: &App) -> Result<Output, Failure> {
    let view = app.deposits().await?;
    Output::new(&view.deposits, deposits_text(&view))
}

/// `retour report [--from] [--to] [--csv]`.
pub async fn report(app: &App, args: &ReportArgs, csv: bool) -> Result<Output, Failure> {
    let view = app.returns_report(args).await?;
    let output = Output::new(&view.report, report_text(&view))?;
    Ok(match csv {
        true => output.note(written(&app.report_csv(args).await?)),
        false => output,
    })
}

fn written(path: &Path) -> String {
    format!("Fichier CSV écrit : {}", path.display())
}

fn offline(text: &mut String, from_cache: bool) {
    if from_cache {
        line!(
            text,
            "Hors ligne : chiffres tels qu'enregistrés sur l'appareil."
        );
    }
}

/// What a line's money says, as the app's screen: "En attente depuis 12 jours", "Crédité — avoir
/// AV2026-0142", "Écart : 4,37 €".
pub fn credit_state(item: &CreditItem) -> String {
    let notes = item.credit_notes.join(", ");
    let gap = Money::round(item.expected_ht.amount() - item.credited_ht.amount());
    match item.state {
        CreditState::Awaiting => format!("En attente depuis {} jours", item.waiting_days),
        CreditState::Credited => format!("Crédité — avoir {notes}"),
        CreditState::Short => format!("Écart : {} (avoir {notes})", gap.format_fr()),
        CreditState::Over => format!(
            "Crédité au-delà : {} de plus (avoir {notes})",
            Money::round(-gap.amount()).format_fr()
        ),
    }
}

fn credits_text(view: &CreditsView) -> String {
    let c = &view.credits;
    let mut text = String::new();
    offline(&mut text, view.from_cache);
    line!(
        text,
        "Où est mon avoir ? Attendu {} HT — crédité {} — en attente {} — écart {}",
        c.expected_ht.format_fr(),
        c.credited_ht.format_fr(),
        c.awaiting_ht.format_fr(),
        c.short_ht.format_fr()
    );
    if c.items.is_empty() {
        line!(text, "Aucune ligne décidée n'attend d'avoir.");
    }
    for item in &c.items {
        line!(
            text,
            "    Dossier {} ligne {} — {} {} — {} HT — {}",
            item.dossier,
            item.line_no,
            item.reference,
            item.designation,
            item.expected_ht.format_fr(),
            credit_state(item)
        );
        let claim = view
            .claims
            .iter()
            .find(|k| k.dossier == item.dossier && k.line_no == item.line_no);
        if let Some(claim) = claim {
            line!(text, "        {}", claim_state(claim));
        }
    }
    text
}

fn claim_state(claim: &CreditClaimView) -> String {
    let day = claim
        .claimed_at
        .with_timezone(&retour_domain::hours::PARIS)
        .format("%d/%m/%Y");
    match claim.state.as_str() {
        "pending" => format!("Réclamé le {day} — en attente d'envoi"),
        "refused" => format!("Réclamation du {day} refusée"),
        _ => format!("Réclamé le {day}"),
    }
}

fn claim_text(claim: &CreditClaimView) -> String {
    let mut text = String::new();
    line!(text, "« {} »", claim.text);
    match claim.state.as_str() {
        "pending" => line!(
            text,
            "Réclamation enregistrée sur l'appareil : elle partira à la prochaine synchronisation."
        ),
        _ => line!(
            text,
            "Réclamation envoyée au service retours (dossier {}).",
            claim.dossier
        ),
    }
    text
}

/// A deposit's state in words.
pub fn deposit_state(item: &DepositItem) -> String {
    let due = item.due_on.format("%d/%m/%Y");
    match (item.state, item.days_left) {
        (DepositState::Open, Some(0)) => format!("à rapporter avant le {due} (dernier jour)"),
        (DepositState::Open, Some(days)) => format!("à rapporter avant le {due} (J-{days})"),
        (DepositState::Open, None) | (DepositState::Expired, _) => format!("expirée le {due}"),
        (DepositState::InReturn, _) => "en retour".to_owned(),
        (DepositState::Refunded, _) => "remboursée".to_owned(),
    }
}

fn deposits_text(view: &DepositsView) -> String {
    let d = &view.deposits;
    let mut text = String::new();
    offline(&mut text, view.from_cache);
    line!(
        text,
        "Mes consignes : {} HT en jeu, dont {} à rendre sous 14 jours",
        d.at_stake_ht.format_fr(),
        d.due_soon_ht.format_fr()
    );
    if d.items.is_empty() {
        line!(text, "Aucune consigne en cours.");
    }
    for item in &d.items {
        line!(
            text,
            "    BL {} ligne {} — {} {} — {} × {} = {} — {}",
            item.delivery_note,
            item.line_no,
            item.reference,
            item.designation,
            item.open_qty,
            item.deposit_ht.format_fr(),
            item.at_stake_ht.format_fr(),
            deposit_state(item)
        );
    }
    text
}

fn pieces(n: u32) -> String {
    format!("{n} pièce{}", if n > 1 { "s" } else { "" })
}

fn report_text(view: &ReportView) -> String {
    let r = &view.report;
    let mut text = String::new();
    offline(&mut text, view.from_cache);
    line!(
        text,
        "Mon bilan du {} au {} : {} dossiers, {}",
        r.from.format("%d/%m/%Y"),
        r.to.format("%d/%m/%Y"),
        r.dossiers,
        pieces(r.pieces)
    );
    line!(
        text,
        "    Avoir estimé {} — crédité {} — refusé {} — frais payés {}",
        r.estimated_ht.format_fr(),
        r.credited_ht.format_fr(),
        r.refused_ht.format_fr(),
        r.fees_ht.format_fr()
    );
    line!(text, "Par motif :");
    for row in &r.by_reason {
        line!(
            text,
            "    {} — {} — {}",
            row.label,
            pieces(row.pieces),
            row.credited_ht.format_fr()
        );
    }
    line!(text, "Par mois :");
    for row in &r.by_month {
        line!(
            text,
            "    {} — {} — {}",
            row.month,
            pieces(row.pieces),
            row.credited_ht.format_fr()
        );
    }
    line!(text, "Références les plus retournées :");
    for row in &r.by_reference {
        line!(
            text,
            "    {} {} — {}, {} dossier{}",
            row.reference,
            row.designation,
            pieces(row.pieces),
            row.dossiers,
            if row.dossiers > 1 { "s" } else { "" }
        );
    }
    if !r.refusals.is_empty() {
        line!(text, "Refus par motif :");
        for row in &r.refusals {
            line!(text, "    {} — {}", row.label, pieces(row.pieces));
        }
    }
    text
}
