//! Signing in and out: e-mail and password, the portal's single sign-on token, logout, and who
//! is signed in.

use retour_sync::engine::lock;

use crate::accounts::META_USER;
use crate::{App, AppError, AppResult, ErrorCode, LoginArgs, SessionView};

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
        let result = self
            .inner
            .session
            .login(
                args.email.trim(),
                &args.password,
                &self.inner.config.device_name,
                args.remember,
            )
            .await?;
        self.remember_email(args.remember.then_some(&result.user.email))?;
        self.after_login(result).await
    }

    /// Signs in with a single sign-on token from the Autossimo portal.
    pub async fn login_sso(&self, token: &str, remember: bool) -> AppResult<SessionView> {
        let result = self.inner.session.login_sso(token.trim(), remember).await?;
        self.after_login(result).await
    }

    async fn after_login(&self, result: retour_sync::LoginResult) -> AppResult<SessionView> {
        let account = self.open_account(&result.user.email)?;
        lock(&account.store).set_meta(
            META_USER,
            &serde_json::to_string(&result.user).map_err(AppError::local)?,
        )?;
        self.set_warning(result.warning.clone());
        self.log(&format!("connexion de {}", result.user.email));
        let _ = account.engine.sync_all().await;
        Ok(self.session())
    }

    /// Signs out: the server is told (best effort), the tokens are forgotten here and in the
    /// keychain. The account's cart stays on the device.
    pub async fn logout(&self) -> AppResult<()> {
        let result = self.inner.session.logout().await;
        self.log("déconnexion");
        result.map_err(|e| AppError::new(ErrorCode::Keychain, e.to_string()))
    }

    /// Who is signed in, and any warning about the keychain.
    pub fn session(&self) -> SessionView {
        let session = &self.inner.session;
        let account = self.account_opt();
        let user = session.user().or_else(|| {
            account.as_ref().and_then(|a| {
                lock(&a.store)
                    .meta(META_USER)
                    .ok()
                    .flatten()
                    .and_then(|json| serde_json::from_str(&json).ok())
            })
        });
        SessionView {
            signed_in: session.signed_in(),
            email: session.email().or_else(|| account.map(|a| a.email.clone())),
            user,
            remembered: session.remembered(),
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
