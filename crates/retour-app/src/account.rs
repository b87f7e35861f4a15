//! The e-mailed one-time links of the "Connexion" screen: "Mot de passe oublié ?" (ask a reset
//! link, then set a new password with its code) and "Déverrouiller le compte ?" (ask an unlock
//! link, then unlock with its code), over the server's `/auth/password/*` and `/auth/unlock*`.
//!
//! The user may paste the code alone or the whole link (`…reset?token=…`): both work. Known
//! refusals get the app's French wording whatever server answers; others keep the server's.

use retour_domain::password::{check_new_password, WeakPassword};
use retour_sync::ApiError;

use crate::{App, AppError, AppResult, ErrorCode};

const INVALID_TOKEN_MESSAGE: &str =
    "Ce code n'est plus valable (expiré ou déjà utilisé) : demandez un nouveau lien.";

fn email_of(input: &str) -> AppResult<String> {
    let email = input.trim();
    if email.is_empty() {
        return Err(AppError::new(
            ErrorCode::EmailRequired,
            "Veuillez entrer votre adresse e-mail",
        ));
    }
    if !email.contains('@') {
        return Err(AppError::new(
            ErrorCode::InvalidEmail,
            "Adresse e-mail incorrecte : vérifiez-la (exemple : atelier@garage.fr).",
        ));
    }
    Ok(email.to_owned())
}

/// The token of a pasted code or link: what follows `token=` (percent-decoded), else the text.
pub(crate) fn token_of(input: &str) -> AppResult<String> {
    let input = input.trim();
    let raw = match input.find("token=") {
        Some(at) => input[at + "token=".len()..]
            .split(['&', '#', ' '])
            .next()
            .unwrap_or_default(),
        None => input,
    };
    let token = percent_decode(raw);
    if token.is_empty() {
        return Err(AppError::new(
            ErrorCode::TokenRequired,
            "Veuillez entrer le code reçu par e-mail.",
        ));
    }
    Ok(token)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The server's refusal of a link or a password, in the app's words.
fn link_error(error: ApiError) -> AppError {
    let error = AppError::from(error);
    match error.code {
        ErrorCode::InvalidToken => AppError::new(ErrorCode::InvalidToken, INVALID_TOKEN_MESSAGE),
        ErrorCode::WeakPassword => AppError::new(ErrorCode::WeakPassword, WeakPassword.message()),
        _ => error,
    }
}

impl App {
    /// "Mot de passe oublié ?": asks the server to e-mail a reset link. The answer is the same
    /// whether or not the account exists.
    pub async fn request_password_reset(&self, email: &str) -> AppResult<()> {
        let email = email_of(email)?;
        self.inner
            .client
            .forgot_password(&email)
            .await
            .map_err(link_error)?;
        self.log("lien de réinitialisation du mot de passe demandé");
        Ok(())
    }

    /// Sets a new password with the code (or the whole link) of the reset e-mail. The account is
    /// then unlocked and every device signed out; sign in with the new password.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> AppResult<()> {
        let token = token_of(token)?;
        if new_password.is_empty() {
            return Err(AppError::new(
                ErrorCode::PasswordRequired,
                "Veuillez entrer un mot de passe",
            ));
        }
        check_new_password(new_password)
            .map_err(|weak| AppError::new(weak.code(), weak.message()))?;
        self.inner
            .client
            .reset_password(&token, new_password)
            .await
            .map_err(link_error)?;
        self.log("mot de passe réinitialisé");
        Ok(())
    }

    /// "Déverrouiller le compte ?": asks the server to e-mail an unlock link (same answer
    /// whether or not the account exists).
    pub async fn request_unlock(&self, email: &str) -> AppResult<()> {
        let email = email_of(email)?;
        self.inner
            .client
            .request_unlock(&email)
            .await
            .map_err(link_error)?;
        self.log("lien de déverrouillage demandé");
        Ok(())
    }

    /// Unlocks the account with the code (or the whole link) of the unlock e-mail.
    pub async fn unlock_account(&self, token: &str) -> AppResult<()> {
        let token = token_of(token)?;
        self.inner.client.unlock(&token).await.map_err(link_error)?;
        self.log("compte déverrouillé");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pasted_link_or_code_gives_the_token() {
        assert_eq!(token_of("  abc_DEF-12 ").unwrap(), "abc_DEF-12");
        assert_eq!(
            token_of("retour://reset?token=abc_DEF-12").unwrap(),
            "abc_DEF-12"
        );
        assert_eq!(
            token_of("https://x.fr/app/unlock?token=a%2Bb%3D&lang=fr").unwrap(),
            "a+b="
        );
        assert_eq!(token_of(" ").unwrap_err().code, "token_required");
        assert_eq!(
            token_of("retour://reset?token=").unwrap_err().code,
            "token_required"
        );
    }

    #[test]
    fn emails_are_checked_before_asking_the_server() {
        assert_eq!(email_of("").unwrap_err().code, "email_required");
        assert_eq!(email_of("garage").unwrap_err().code, "invalid_email");
        assert_eq!(email_of(" a@b.fr ").unwrap(), "a@b.fr");
    }
}
