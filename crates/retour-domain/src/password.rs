//! The new-password policy: at least 10 characters (at most 256), with a letter and a character
//! that is not a letter, refused as `weak_password` with one French message.

use crate::error_code::ErrorCode;

/// The fewest characters a new password has.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The most characters a new password has.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A new password the policy refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Mot de passe trop faible : au moins 10 caractères, avec des lettres et au moins un chiffre ou un symbole")]
pub struct WeakPassword;

impl WeakPassword {
    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::WeakPassword
    }

    /// The French message for people.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Checks a new password against the policy.
pub fn check_new_password(password: &str) -> Result<(), WeakPassword> {
    let count = password.chars().count();
    let strong = (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&count)
        && password.chars().any(char::is_alphabetic)
        && password.chars().any(|c| !c.is_alphabetic());
    if strong {
        Ok(())
    } else {
        Err(WeakPassword)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases of the former copy (the backend's `password_is_strong`) and of the app's tests.
    #[test]
    fn the_policy() {
        let long = format!("a1{}", "b".repeat(254));
        let too_long = format!("a1{}", "b".repeat(255));
        #[rustfmt::skip]
        let cases: [(&str, &str, bool); 15] = [
            ("empty", "", false),
            ("the demo password", "Retour-Demo-2026", true),
            ("short", "short1", false),
            ("only letters, long", "onlyletterslong", false),
            ("nine characters", "abcdefgh1", false),
            ("ten with a digit", "abcdefghi1", true),
            ("ten with a symbol", "abcdefghi!", true),
            ("ten with a space", "abcd efghi", true),
            ("letters only", "abcdefghijkl", false),
            ("digits only", "1234567890", false),
            ("symbols only", "!!!!!!!!!!", false),
            ("accented letters count as letters", "éèàçùâêîôû", false),
            ("characters, not bytes", "ééééééééé1", true),
            ("256 characters", long.as_str(), true),
            ("257 characters", too_long.as_str(), false),
        ];
        for (what, password, strong) in cases {
            assert_eq!(check_new_password(password).is_ok(), strong, "{what}");
        }
    }

    #[test]
    fn the_refusal() {
        assert_eq!(WeakPassword.code(), "weak_password");
        assert_eq!(
            WeakPassword.message(),
            "Mot de passe trop faible : au moins 10 caractères, avec des lettres et au moins un \
             chiffre ou un symbole"
        );
    }
}
