//! Signing in and out: e-mail and password, the portal's single sign-on token, logout, and who
//! is signed in.
//!
//! A login is made with a session of its own, bound to no account; once the server said who
//! signed in, that account is opened (the previous one's engine stopped) and takes the session.
//! A single sign-on link for another account than the one open waits for the user's yes.

use retour_sync::engine::lock;

use crate::accounts::META_USER;
use crate::{App, AppError, AppResult, ErrorCode, LoginArgs, SessionView, SsoLoginView};

/// A single sign-on login into another account than the current one, traded but not used: it
/// waits for the user's answer.
pub(crate) struct PendingSso {
    /// The session the token was traded for, bound to no account, kept in memory only.
    login: retour_sync::SessionKeeper,
    /// "Remember me", applied once confirmed.
    remember: bool,
}

impl App {
    /// Signs in with e-mail and password; with `remember`, the session is kept in the keychain.
    /// Then syncs once (best effort).
    pub async fn login(&self, args: &LoginArgs) -> AppResult<SessionView> {
        if args.email.trim().is_empty() {
            return Err(AppError::new(
                ErrorCode::EmailRequired,
                "Veuillez entrer un nom d'utilisateur",
            ));
        }
        if args.password.is_empty() {
            return Err(AppError::new(
                ErrorCode::PasswordRequired,
                "Veuillez entrer un mot de passe",
            ));
        }
        let login = self.login_session();
        let result = login
            .login(
                args.email.trim(),
                &args.password,
                &self.inner.config.device_name,
                args.remember,
            )
            .await?;
        self.remember_email(args.remember.then_some(&result.user.email))?;
        self.after_login(&login, result).await
    }

    /// Signs in with a single sign-on token from the Autossimo portal (a `retour://sso` link,
    /// which anyone can make a page open). With no account open on this device, or the same
    /// account, it signs in. When another account is open, nothing changes yet: the token is
    /// traded for a session held aside, and the answer says who it would sign in and who is
    /// here, for the user to confirm ([`App::confirm_sso_login`]) or decline
    /// ([`App::cancel_sso_login`]); a link from someone else's portal account never silently
    /// replaces the garage's account.
    pub async fn login_sso(&self, token: &str, remember: bool) -> AppResult<SsoLoginView> {
        let login = self.login_session();
        let target = login.exchange_sso(token.trim()).await?;
        let other_account = self
            .account_opt()
            .is_some_and(|current| !current.email.eq_ignore_ascii_case(&target.email));
        if !other_account {
            let result = login.keep(remember)?;
            return Ok(SsoLoginView::SignedIn {
                session: self.after_login(&login, result).await?,
            });
        }
        let current = self.session();
        let previous = self.pending_sso().replace(PendingSso { login, remember });
        if let Some(previous) = previous {
            previous.login.discard(chrono::Utc::now()).await;
        }
        self.log(&format!(
            "lien de connexion pour {} en attente de confirmation",
            target.email
        ));
        Ok(SsoLoginView::Confirm { target, current })
    }

    /// Signs in with the single sign-on login held aside by [`App::login_sso`], the user having
    /// said yes: the account it names becomes the current one. `no_pending_login` when none
    /// waits (already answered, or the app restarted).
    pub async fn confirm_sso_login(&self) -> AppResult<SessionView> {
        let pending = self
            .pending_sso()
            .take()
            .ok_or_else(|| AppError::of(ErrorCode::NoPendingLogin))?;
        let result = pending.login.keep(pending.remember)?;
        self.after_login(&pending.login, result).await
    }

    /// Declines the single sign-on login held aside: the server revokes that session (best
    /// effort), and the current account stays as it was. Nothing waiting is not an error.
    pub async fn cancel_sso_login(&self) -> AppResult<()> {
        let pending = self.pending_sso().take();
        if let Some(pending) = pending {
            pending.login.discard(chrono::Utc::now()).await;
            self.log("lien de connexion refusé");
        }
        Ok(())
    }

    fn pending_sso(&self) -> std::sync::MutexGuard<'_, Option<PendingSso>> {
        self.inner
            .pending_sso
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    async fn after_login(
        &self,
        login: &retour_sync::SessionKeeper,
        result: retour_sync::LoginResult,
    ) -> AppResult<SessionView> {
        let account = self.switch_to(login, &result.user.email)?;
        lock(&account.store).set_meta(
            META_USER,
            &serde_json::to_string(&result.user).map_err(AppError::local)?,
        )?;
        self.set_warning(result.warning.clone());
        self.log(&format!("connexion de {}", result.user.email));
        let _ = account.engine.sync_all().await;
        Ok(self.session())
    }

    /// Signs out: the server is told (best effort; it revokes the session even when the access
    /// token had expired), the tokens are forgotten here and in the keychain. The account's cart,
    /// BLs and files stay on the device but nothing of them is shown until it signs in again.
    pub async fn logout(&self) -> AppResult<()> {
        let Some(account) = self.account_opt() else {
            return Ok(());
        };
        let result = account.session.logout(chrono::Utc::now()).await;
        self.close_account()?;
        self.log("déconnexion");
        result.map_err(|e| AppError::new(ErrorCode::Keychain, e.to_string()))
    }

    /// Who is signed in, and any warning about the keychain.
    pub fn session(&self) -> SessionView {
        let account = self.account_opt();
        let session = account.as_ref().map(|a| a.session.clone());
        let user = session.as_ref().and_then(|s| s.user()).or_else(|| {
            account.as_ref().and_then(|a| {
                lock(&a.store)
                    .meta(META_USER)
                    .ok()
                    .flatten()
                    .and_then(|json| serde_json::from_str(&json).ok())
            })
        });
        SessionView {
            signed_in: session.as_ref().is_some_and(|s| s.signed_in()),
            email: account.map(|a| a.email.clone()),
            user,
            remembered: session.as_ref().is_some_and(|s| s.remembered()),
            remembered_email: self.remembered_email(),
            warning: self
                .inner
                .warning
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }
}
