//! Refusals that came in the background: a return request the server refused for good, a cart
//! edit it rejected. The store keeps each one until the user has seen it; the app lists them in
//! French with what to do, and the user acknowledges those shown.

use retour_store::{Refusal, RefusalKind};
use retour_sync::engine::lock;

use crate::{App, AppResult, CartLineRef, ErrorCode, RefusalView};

impl App {
    /// The refusals the user has not acknowledged yet: refused requests first, then rejected
    /// cart edits, each with the French text of its code and what to do. Local only.
    pub fn unseen_refusals(&self) -> AppResult<Vec<RefusalView>> {
        let account = self.account()?;
        let refusals = lock(&account.store).unseen_refusals()?;
        Ok(refusals.into_iter().map(refusal_view).collect())
    }

    /// Marks the refusals shown (by their `id`) as seen; one that came in since stays listed.
    /// Returns how many were still unseen.
    pub fn acknowledge_refusals(&self, ids: &[String]) -> AppResult<usize> {
        let account = self.account()?;
        let marked = lock(&account.store).acknowledge_refusals(ids)?;
        Ok(marked)
    }
}

/// A stored refusal as the front ends show it.
fn refusal_view(refusal: Refusal) -> RefusalView {
    let code = ErrorCode::parse(&refusal.code);
    // A code this build does not know: the server's own French message says more than ours.
    let message = match &code {
        ErrorCode::Other(_) if !refusal.message.is_empty() => refusal.message,
        known => known.french().to_owned(),
    };
    let advice = match refusal.kind {
        RefusalKind::CartEdit if code == ErrorCode::ClockAhead => {
            "Cette modification du panier n'a pas été prise en compte : réglez la date et l'heure \
             de l'appareil (réglage automatique), synchronisez, puis refaites la modification."
        }
        RefusalKind::Send => {
            "La demande n'a pas été créée. Ses lignes encore retournables sont restées dans le \
             panier : vérifiez-les (quantité, motif) puis renvoyez la demande."
        }
        RefusalKind::CartEdit => {
            "Cette modification du panier n'a pas été prise en compte : vérifiez la ligne dans \
             le panier et refaites la modification si elle est encore possible."
        }
    };
    RefusalView {
        id: refusal.id,
        kind: refusal.kind,
        code,
        message,
        advice: advice.to_owned(),
        lines: refusal
            .lines
            .into_iter()
            .map(|(delivery_note, line_no)| CartLineRef {
                delivery_note,
                line_no,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_refused_for_the_devices_date_says_to_set_the_date() {
        let view = refusal_view(Refusal {
            id: "op".to_owned(),
            kind: RefusalKind::CartEdit,
            code: "clock_ahead".to_owned(),
            message: String::new(),
            lines: vec![("250001100".to_owned(), 2)],
        });
        assert_eq!(view.code, ErrorCode::ClockAhead);
        assert!(
            view.message.contains("date de cet appareil"),
            "{}",
            view.message
        );
        assert!(view.advice.contains("réglez la date"), "{}", view.advice);
        assert_eq!(view.lines.len(), 1);
    }
}
