//! The garage's money (v1.1): "Où est mon avoir ?" with the claims made here, "Mes consignes" and
//! one tap to put a deposit in the cart with the reason Consigne, "Mon bilan" over a period, and
//! their CSV files for the accountant. Every read asks the server, else answers from what was
//! kept at the last visit (`from_cache`); every amount is the API's exact decimal.

use std::path::PathBuf;

use chrono::{Datelike, Months, NaiveDate, Utc};
use retour_domain::api::{Credits, Deposits, ReturnReport};
use retour_domain::credits::{claim_text, credits_csv};
use retour_domain::hours::paris_today;
use retour_domain::report::{check_period, report_csv};
use retour_store::MessageState;
use retour_sync::engine::lock;
use retour_sync::{ApiError, MessageOutcome};

use crate::accounts::Account;
use crate::catalog::bl_number;
use crate::files::{create_private_dir, write_atomically};
use crate::online::online_else_kept;
use crate::{
    App, AppError, AppResult, CartEdit, CartView, CreditClaimView, CreditsView, DepositsView,
    ErrorCode, ReportArgs, ReportView,
};

/// Where the last answers are kept for offline reading.
const CACHE_CREDITS: &str = "money:credits";
const CACHE_DEPOSITS: &str = "money:deposits";

fn report_cache_key(from: NaiveDate, to: NaiveDate) -> String {
    format!("money:report:{from}:{to}")
}

/// The reason code of a deposit return ("Consigne").
const DEPOSIT_REASON: &str = "deposit";

impl App {
    /// "Où est mon avoir ?": the totals (expected, credited, awaiting, short), every decided line
    /// with its state, those waiting longest first, and the claims made on this device.
    pub async fn credits(&self) -> AppResult<CreditsView> {
        let account = self.account()?;
        let fetched = account
            .engine
            .call(|client, token| async move { client.credits(&token).await })
            .await;
        let answer = online_else_kept::<Credits>(&account.store, CACHE_CREDITS, fetched)?;
        Ok(CreditsView {
            credits: answer.value,
            claims: claims(&account)?,
            from_cache: answer.from_cache,
        })
    }

    /// "Réclamer" on a line still waiting for its money: a prefilled French message to the
    /// returns service on that file, through the message outbox (committed before it is sent;
    /// without network it waits, `pending`, and leaves once with the next sync). A line with
    /// nothing to claim (credited, or not the account's) answers `not_found`.
    pub async fn claim_credit(&self, dossier: &str, line_no: u32) -> AppResult<CreditClaimView> {
        let credits = self.credits().await?;
        let item = credits
            .credits
            .items
            .iter()
            .find(|i| i.dossier == dossier.trim() && i.line_no == line_no);
        let Some((item, text)) = item.and_then(|i| claim_text(i).map(|t| (i, t))) else {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "Rien à réclamer sur cette ligne : elle n'attend pas d'avoir.",
            ));
        };
        let account = self.account()?;
        let message =
            lock(&account.store).create_claim(&item.dossier, item.line_no, &text, Utc::now())?;
        self.log(&format!(
            "réclamation écrite dans la file d'envoi (dossier {}, ligne {}, id {})",
            item.dossier, item.line_no, message.message_id
        ));
        account.engine.refresh_counts();
        let state = match account.engine.send_message(&message).await {
            MessageOutcome::Sent(_) => "sent",
            MessageOutcome::Refused(problem) => {
                return Err(ApiError::Status {
                    status: problem.status,
                    problem: Box::new(problem),
                    retry_after: None,
                    from_problem_document: true,
                }
                .into())
            }
            MessageOutcome::Pending(error) => {
                self.inner.edited.notify_one();
                let error = AppError::from(error);
                if !error.is_unreachable() {
                    return Err(error);
                }
                "pending"
            }
        };
        Ok(CreditClaimView {
            dossier: item.dossier.clone(),
            line_no: item.line_no,
            claimed_at: message.created_at,
            state: state.to_owned(),
            text,
        })
    }

    /// The CSV of "Où est mon avoir ?" for the accountant (BOM, `;`, decimal commas), written
    /// into the account's folder: the server's file, or offline the same made from the kept
    /// answer. Returns its path for the system's spreadsheet.
    pub async fn credits_csv(&self) -> AppResult<PathBuf> {
        let account = self.account()?;
        let fetched = account
            .engine
            .call(|client, token| async move { client.credits_csv(&token).await })
            .await;
        let bytes = match fetched {
            Ok(bytes) => bytes,
            Err(ApiError::Unreachable(_)) => credits_csv(&self.credits().await?.credits).into(),
            Err(error) => return Err(error.into()),
        };
        let name = format!("avoirs-{}.csv", self.today(&account));
        self.write_account_file(&account, &name, &bytes)
    }

    /// "Mes consignes": the deposits of exchange parts whose old part has not come back, by due
    /// date, with the money at stake and what is due within 14 days.
    pub async fn deposits(&self) -> AppResult<DepositsView> {
        let account = self.account()?;
        let fetched = account
            .engine
            .call(|client, token| async move { client.deposits(&token).await })
            .await;
        let answer = online_else_kept::<Deposits>(&account.store, CACHE_DEPOSITS, fetched)?;
        Ok(DepositsView {
            deposits: answer.value,
            from_cache: answer.from_cache,
        })
    }

    /// "Ajouter au panier" on a deposit: the BL line goes to the cart with the reason Consigne
    /// and every unit still open. The BL is read again first (past the return window only the
    /// deposit reason is allowed, and that changes with the day); offline, the kept one.
    pub async fn deposit_to_cart(&self, delivery_note: &str, line_no: u32) -> AppResult<CartView> {
        let number = bl_number(delivery_note)?;
        let account = self.account()?;
        let note = match account.engine.fetch_delivery_note(&number).await {
            Ok(note) => note,
            Err(ApiError::Unreachable(_)) => lock(&account.store)
                .delivery_note(&number)?
                .map(|(note, _)| note)
                .ok_or_else(|| {
                    AppError::new(
                        ErrorCode::NotCached,
                        format!(
                            "Le BL {number} n'est pas disponible hors ligne : ajoutez cette \
                             consigne une fois connecté."
                        ),
                    )
                })?,
            Err(error) => return Err(error.into()),
        };
        let open = note
            .lines
            .iter()
            .find(|l| l.line_no == line_no)
            .map_or(1, |l| l.eligible_qty.max(1));
        let edit = CartEdit {
            delivery_note: number.clone(),
            line_no,
            qty: Some(open),
            reason: Some(DEPOSIT_REASON.to_owned()),
        };
        self.edit(&account, &number, &edit, false)
    }

    /// "Mon bilan" over a period of files created (Paris dates, at most 366 days; by default the
    /// twelve months up to today): pieces and money by reason and by month, the 10 most returned
    /// references, refusals by cause, fees paid. A period already read is kept for offline.
    pub async fn returns_report(&self, args: &ReportArgs) -> AppResult<ReportView> {
        let account = self.account()?;
        let (from, to) = self.period(&account, args)?;
        let fetched = account
            .engine
            .call(|client, token| async move { client.returns_report(&token, from, to).await })
            .await;
        let answer =
            online_else_kept::<ReturnReport>(&account.store, &report_cache_key(from, to), fetched)?;
        Ok(ReportView {
            report: answer.value,
            from_cache: answer.from_cache,
        })
    }

    /// The CSV of "Mon bilan" over a period, written into the account's folder; returns its path
    /// for the system's spreadsheet.
    pub async fn report_csv(&self, args: &ReportArgs) -> AppResult<PathBuf> {
        let view = self.returns_report(args).await?;
        let account = self.account()?;
        let name = format!("bilan-{}-{}.csv", view.report.from, view.report.to);
        self.write_account_file(&account, &name, report_csv(&view.report).as_bytes())
    }

    /// Today in Paris, by the server's clock as last seen.
    pub(crate) fn today(&self, account: &Account) -> NaiveDate {
        paris_today(Utc::now() + account.engine.clock_offset())
    }

    /// The period asked, checked (French refusal before any call), else the twelve months up to
    /// today: from the first day of the month eleven months back.
    fn period(&self, account: &Account, args: &ReportArgs) -> AppResult<(NaiveDate, NaiveDate)> {
        let to = args.to.unwrap_or_else(|| self.today(account));
        let from = args.from.unwrap_or_else(|| {
            to.with_day(1)
                .and_then(|d| d.checked_sub_months(Months::new(11)))
                .unwrap_or(to)
        });
        check_period(from, to).map_err(|e| AppError::new(e.code(), e.to_string()))?;
        Ok((from, to))
    }

    /// Writes an export into the account's own folder, atomically and private.
    fn write_account_file(
        &self,
        account: &Account,
        name: &str,
        bytes: &[u8],
    ) -> AppResult<PathBuf> {
        let dir = self.account_files_dir(&account.email);
        create_private_dir(&dir).map_err(AppError::local)?;
        let path = dir.join(name);
        write_atomically(&path, bytes).map_err(AppError::local)?;
        self.log(&format!("export écrit : {name}"));
        Ok(path)
    }
}

/// The latest claim of each line made on this device, with its message's state.
fn claims(account: &Account) -> AppResult<Vec<CreditClaimView>> {
    Ok(lock(&account.store)
        .credit_claims()?
        .into_iter()
        .map(|c| CreditClaimView {
            dossier: c.dossier,
            line_no: c.line_no,
            claimed_at: c.claimed_at,
            state: match c.message.state {
                MessageState::Pending => "pending",
                MessageState::Sent => "sent",
                MessageState::Refused { .. } => "refused",
            }
            .to_owned(),
            text: c.message.text,
        })
        .collect())
}
