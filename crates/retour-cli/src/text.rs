//! The French text of every answer, line by line, as people read it in a terminal.

use retour_app::{
    AppResult, CartView, DeliveryNoteView, DeliveryNotesView, DossierView, DossiersView,
    LookupView, RefusalKind, RefusalView, ServiceView, SessionView, SyncStateView,
};
use retour_domain::api::{Actor, Author, Dossier, Event, LineDecisionInfo, Outcome, ReturnRequest};
use retour_domain::decision::{self, LineDecision};
use retour_domain::hours::PARIS;
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
        "Synchronisé. Modifications en attente : {} ; demandes en attente : {} ; messages en \
         attente : {}.\n",
        state.pending_ops, state.pending_sends, state.pending_messages
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

/// An instant as Paris clocks show it: "28/11/2026 14:05".
fn paris(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&PARIS)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// Who made an event, as the file detail names them.
fn who(event: &Event) -> String {
    match (&event.message, event.actor) {
        (Some(m), _) if m.author == Author::Staff => "Service retours".to_owned(),
        (_, Actor::Customer) => "Vous".to_owned(),
        (_, Actor::Staff) => "Service retours".to_owned(),
        (_, Actor::Driver) => "Chauffeur".to_owned(),
        (_, Actor::System) => "Système".to_owned(),
    }
}

/// A decided line in words (the domain's summary): "Acceptée 1 / Refusée 1 — Pièce montée ou
/// traces de montage — Renvoyée au garage".
fn decision_summary(line_no: u32, info: &LineDecisionInfo) -> String {
    decision::summary(&LineDecision {
        line_no,
        accepted_qty: info.accepted_qty,
        refused_qty: info.refused_qty,
        credited_ht: info.credited_ht,
        refusal_reason: info.refusal_reason,
        disposition: info.disposition,
        comment: info.comment.clone(),
    })
}

/// A file's detail: its facts, each line's decision, then its timeline oldest first (who, when
/// in Paris time, the server's sentence, a message's text) and the messages waiting on this
/// device.
pub fn dossier_detail(view: &DossierView) -> String {
    let dossier = &view.dossier;
    let mut text = String::new();
    if view.from_cache {
        line!(
            text,
            "Hors ligne : dossier tel qu'enregistré sur l'appareil."
        );
    }
    text.push_str(&self::dossier(dossier, false));
    if let Some(request) = &dossier.request {
        line!(
            text,
            "    Demande n° {} — pré-accord envoyé à {}",
            request.number,
            request.preaccord_email
        );
    }
    let decided: Vec<_> = dossier
        .lines
        .iter()
        .filter_map(|l| l.decision.as_ref().map(|d| (l, d)))
        .collect();
    if !decided.is_empty() {
        line!(text, "Décision par ligne :");
        for (l, d) in decided {
            line!(
                text,
                "    {} — {} — {} HT",
                l.reference,
                decision_summary(l.line_no, d),
                d.credited_ht.format_fr()
            );
            if let Some(comment) = &d.comment {
                line!(text, "        « {comment} »");
            }
        }
    }
    line!(text, "Historique :");
    for event in dossier.timeline.iter().flatten() {
        line!(
            text,
            "    {} — {} — {}",
            paris(event.at),
            who(event),
            event.text
        );
        if let Some(message) = &event.message {
            line!(text, "        « {} »", message.text);
        }
    }
    for waiting in &view.outbox {
        let state = match waiting.state.as_str() {
            "pending" => "En attente d'envoi".to_owned(),
            "sent" => "Envoyé".to_owned(),
            _ => format!(
                "Refusé : {}",
                waiting.message.as_deref().unwrap_or_default()
            ),
        };
        line!(text, "    {} — Vous — {state}", paris(waiting.at));
        line!(text, "        « {} »", waiting.text);
    }
    text
}

/// After `retour message`: the thread, then whether the message left.
pub fn message_written(view: &DossierView) -> String {
    let mut text = dossier_detail(view);
    if view.outbox.iter().any(|m| m.state == "pending") {
        line!(
            text,
            "Message enregistré sur l'appareil : il partira à la prochaine synchronisation."
        );
    } else {
        line!(text, "Message envoyé au service retours.");
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
