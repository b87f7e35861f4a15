//! The French text of every answer, line by line, as people read it in a terminal.

use retour_app::{
    AppResult, CartView, DeliveryNoteView, DeliveryNotesView, DossiersView, LookupView,
    RefusalKind, RefusalView, ServiceView, SessionView, SyncStateView,
};
use retour_domain::api::{Dossier, Outcome, ReturnRequest};
use retour_domain::reason::ReasonTable;

/// Appends one line to `text`.
macro_rules! line {
    ($text:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($text, $($arg)*);
    }};
}
pub(crate) use line;

/// "Connecté : …" after a login.
pub fn login(view: &SessionView) -> String {
    let user = view.user.as_ref();
    let name = user.map(|u| u.name.clone()).unwrap_or_default();
    let garage = user
        .and_then(|u| u.customer.as_ref())
        .map(|c| format!(" — {} ({})", c.name, c.code))
        .unwrap_or_default();
    format!(
        "Connecté : {name} <{}>{garage}\n",
        view.email.clone().unwrap_or_default()
    )
}

/// After a logout.
pub fn signed_out() -> String {
    "Déconnecté.\n".to_owned()
}

/// After a sync.
pub fn synced(state: &SyncStateView) -> String {
    format!(
        "Synchronisé. Modifications en attente : {} ; demandes en attente : {}.\n",
        state.pending_ops, state.pending_sends
    )
}

/// The line that says refusals wait to be read (nothing when none do).
pub fn refusals_waiting(count: usize) -> String {
    match count {
        0 => String::new(),
        1 => "1 refus du serveur à lire : retour refusals\n".to_owned(),
        n => format!("{n} refus du serveur à lire : retour refusals\n"),
    }
}

/// The refusals not seen yet, each with the lines concerned and what to do.
pub fn refusals(list: &[RefusalView]) -> String {
    let mut text = String::new();
    if list.is_empty() {
        line!(text, "Aucun refus à lire.");
    }
    for refusal in list {
        let what = match refusal.kind {
            RefusalKind::Send => "Demande de retour refusée",
            RefusalKind::CartEdit => "Modification du panier refusée",
        };
        line!(text, "{what} : {}", refusal.message);
        for l in &refusal.lines {
            line!(text, "  BL {}, ligne {}", l.delivery_note, l.line_no);
        }
        line!(text, "  À faire : {}", refusal.advice);
    }
    text
}

/// The cart screen.
pub fn cart(view: &CartView) -> String {
    let mut text = String::new();
    line!(text, "VOTRE PANIER RETOUR");
    line!(
        text,
        "Nombre d'articles : {}   Avoir estimé HT : {}",
        view.count,
        view.estimated_total_ht.format_fr()
    );
    for line in &view.lines {
        let l = &line.line;
        line!(
            text,
            "  BL {} ligne {} — {} {} — quantité {} / {} — motif : {} — {}",
            l.delivery_note,
            l.line_no,
            l.reference,
            l.designation,
            l.qty,
            l.eligible_qty,
            line.reason_label.as_deref().unwrap_or("à choisir"),
            l.estimated_credit_ht
                .map(|m| m.format_fr())
                .unwrap_or_else(|| "-".into()),
        );
    }
    if view.pending_ops > 0 {
        line!(
            text,
            "({} modification(s) à synchroniser)",
            view.pending_ops
        );
    }
    text
}

/// The confirmation of a sent request.
pub fn request(request: &ReturnRequest) -> String {
    let mut text = String::new();
    line!(text, "VOTRE DEMANDE DE RETOUR EST ENREGISTRÉE !");
    line!(text, "Demande n° {}", request.number);
    line!(
        text,
        "Avoir estimé : {} HT, sous réserve de la validation de notre contrôle qualité.",
        request.estimated_total_ht.format_fr()
    );
    line!(
        text,
        "Le pré-accord de retour est envoyé par e-mail à {}.",
        request.preaccord_email
    );
    for dossier in &request.dossiers {
        text.push_str(&self::dossier(dossier, false));
    }
    text
}

/// A return file, with its history when asked.
pub fn dossier(dossier: &Dossier, history: bool) -> String {
    let mut text = String::new();
    line!(
        text,
        "Numéro de suivi {} — BL {} (vente du {}) — {} — {} pièce(s) — avoir estimé {} HT",
        dossier.number,
        dossier.delivery_note,
        dossier.sale_date.format("%d/%m/%Y"),
        dossier.status_label,
        dossier.piece_count,
        dossier.estimated_credit_ht.format_fr()
    );
    let reasons = ReasonTable::default();
    for line in &dossier.lines {
        let accepted = line
            .accepted_qty
            .map(|n| format!(" · acceptée {n}"))
            .unwrap_or_default();
        line!(
            text,
            "    {} {} — retournée {}{accepted} — {}",
            line.reference,
            line.designation,
            line.qty,
            reasons
                .get(line.reason.as_str())
                .map_or(line.reason.as_str(), |r| r.label.as_str())
        );
    }
    if let Some(closed) = &dossier.closed {
        // The credit note's number comes when invoicing runs; a refusal credits nothing.
        let credit_note = match (&closed.credit_note_number, closed.outcome) {
            (Some(number), _) => format!(" — Avoir n° {number}"),
            (None, Outcome::Refused) => String::new(),
            (None, _) => " — Avoir en attente".to_owned(),
        };
        line!(
            text,
            "    {} — validé le {}{credit_note} — {} HT crédités",
            closed.outcome.label(),
            closed.validated_on.format("%d/%m/%Y"),
            closed.credited_ht.format_fr()
        );
    }
    if history {
        if let Some(request) = &dossier.request {
            line!(
                text,
                "    Demande n° {} — pré-accord envoyé à {}",
                request.number,
                request.preaccord_email
            );
        }
        for entry in dossier.history.iter().flatten() {
            line!(
                text,
                "    {} — {}",
                entry.at.format("%d/%m/%Y %H:%M"),
                entry.status.label()
            );
        }
    }
    text
}

/// The recent delivery notes.
pub fn delivery_notes(view: &DeliveryNotesView, days: u32) -> String {
    let mut text = String::new();
    if view.from_cache {
        line!(text, "(hors ligne : dernières données connues)");
    }
    if view.items.is_empty() {
        line!(
            text,
            "Aucun bon de livraison sur les {days} derniers jours."
        );
    }
    for item in &view.items {
        line!(
            text,
            "{}  livré le {}  {} HT",
            item.number,
            item.delivered_on.format("%d/%m/%Y"),
            item.total_ht.format_fr()
        );
    }
    text
}

/// One delivery note with its lines.
pub fn delivery_note(view: &DeliveryNoteView) -> String {
    let note = &view.note;
    let mut text = String::new();
    line!(
        text,
        "BL {} — livré le {} — {} HT{}",
        note.number,
        note.delivered_on.format("%d/%m/%Y"),
        note.total_ht.format_fr(),
        if view.from_cache { " (hors ligne)" } else { "" }
    );
    if let Some(why) = view.availability.french() {
        line!(text, "{why}.");
    }
    for line in &note.lines {
        line!(
            text,
            "  {:>3}  {} {} — {}  Quantité éligible : {} ({} déjà retournée)  {} HT",
            line.line_no,
            line.brand,
            line.reference,
            line.designation,
            line.eligible_qty,
            line.returned_qty,
            line.unit_price_ht.format_fr(),
        );
    }
    text
}

/// What a code resolves to.
pub fn lookup(view: &LookupView) -> String {
    let mut text = String::new();
    if let Some(number) = &view.open_delivery_note {
        line!(text, "BL {number}");
    } else if view.matches.is_empty() {
        line!(text, "Aucun BL récent ne contient {}.", view.normalized);
    } else {
        line!(text, "Les BL associés à la référence {} :", view.normalized);
    }
    for m in &view.matches {
        let lines: Vec<String> = m.line_nos.iter().map(u32::to_string).collect();
        line!(
            text,
            "  {}  livré le {}  lignes {}",
            m.number,
            m.delivered_on.format("%d/%m/%Y"),
            lines.join(", ")
        );
    }
    text
}

/// A page of return files with the counts.
pub fn dossiers(view: &DossiersView) -> String {
    let mut text = String::new();
    line!(
        text,
        "EN COURS ({}) — CLÔTURÉS ({}){}",
        view.list.counts.open,
        view.list.counts.closed,
        if view.from_cache { " (hors ligne)" } else { "" }
    );
    if view.list.items.is_empty() {
        line!(text, "Aucun dossier.");
    }
    for file in &view.list.items {
        text.push_str(&dossier(file, false));
    }
    text
}

/// Account, service hours and sync state.
pub fn status(
    server: &str,
    session: &SessionView,
    service: &AppResult<ServiceView>,
    sync: &SyncStateView,
) -> String {
    let mut text = String::new();
    line!(text, "Serveur : {server}");
    match (&session.email, session.signed_in) {
        (Some(email), true) => line!(text, "Compte : {email} (connecté)"),
        (Some(email), false) => line!(text, "Compte : {email} (non connecté : retour login)"),
        (None, _) => line!(text, "Compte : aucun (retour login EMAIL)"),
    }
    if let Some(warning) = &session.warning {
        line!(text, "{warning}");
    }
    match service {
        Ok(view) => {
            if view.info.open {
                line!(text, "Service : ouvert");
            } else {
                line!(text, "Service : Désolé — LE SERVICE EST ACTUELLEMENT FERMÉ");
            }
            for row in &view.rows {
                line!(text, "  {:<9} {}", row.label, row.hours);
            }
        }
        Err(e) => line!(text, "Service : {}", e.message),
    }
    line!(
        text,
        "Synchronisation : {} modification(s) et {} demande(s) en attente ; dernière : {}",
        sync.pending_ops,
        sync.pending_sends,
        sync.last_sync
            .map(|t| t.format("%d/%m/%Y %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| "jamais".into())
    );
    text
}
