//! Credentials: Argon2id password hashes, random opaque tokens stored as SHA-256 hashes, the
//! portal's SSO tokens (HS256 JWT) and the key an e-mail is counted under.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// How long an access token works.
pub const ACCESS_TTL: Duration = Duration::minutes(15);
/// How long a refresh token works.
pub const REFRESH_TTL: Duration = Duration::days(30);
/// How long an e-mailed link works.
pub const LINK_TTL: Duration = Duration::hours(1);
/// The longest life an SSO token may have.
pub const SSO_MAX_TTL: Duration = Duration::minutes(5);

fn argon2() -> Argon2<'static> {
    // m = 19 MiB, t = 2, p = 1: OWASP's minimum for Argon2id.
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password (Argon2id, random salt) into a PHC string.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 hashing does not fail with valid parameters")
        .to_string()
}

/// Checks a password against a PHC string; a malformed hash never matches.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the e-mail is unknown, so both cases take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("retour-dummy-password-for-timing"))
}

/// A new random opaque token: 256 bits, base64url.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How a token is stored: its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The key an e-mail is counted under (throttles, failed logins): the SHA-256 of the trimmed,
/// lower-cased address, so that every key has the same small size whatever the client sent.
pub fn email_key(email: &str) -> [u8; 32] {
    Sha256::digest(email.trim().to_lowercase().as_bytes()).into()
}

/// The claims of the portal's SSO token.
#[derive(Debug, Clone, Deserialize)]
pub struct SsoClaims {
    /// The account's e-mail.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// The token's unique id, accepted once.
    pub jti: String,
    /// Issue time, when given.
    #[serde(default)]
    pub iat: Option<i64>,
}

/// Why an SSO token is refused (the client only ever sees `invalid_token`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsoError {
    /// SSO is not configured.
    #[error("SSO is not configured")]
    Disabled,
    /// Bad signature, shape or expiry.
    #[error("bad token: {0}")]
    Invalid(String),
    /// Its life is longer than allowed.
    #[error("token lives longer than 5 minutes")]
    TooLong,
}

/// Checks an SSO token's signature and lifetime at `now`; the `jti` is checked by the caller.
pub fn decode_sso(
    token: &str,
    secret: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SsoClaims, SsoError> {
    use jsonwebtoken::{decode, Algorithm as JwtAlgorithm, DecodingKey, Validation};
    let secret = secret.ok_or(SsoError::Disabled)?;
    let mut validation = Validation::new(JwtAlgorithm::HS256);
    validation.set_required_spec_claims(&["exp", "sub"]);
    validation.leeway = 0;
    validation.validate_exp = false;
    let data = decode::<SsoClaims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map_err(|e| SsoError::Invalid(e.to_string()))?;
    let claims = data.claims;
    let now_s = now.timestamp();
    if claims.exp <= now_s {
        return Err(SsoError::Invalid("expired".to_owned()));
    }
    if claims.exp - now_s > SSO_MAX_TTL.num_seconds() {
        return Err(SsoError::TooLong);
    }
    if let Some(iat) = claims.iat {
        if claims.exp - iat > SSO_MAX_TTL.num_seconds() {
            return Err(SsoError::TooLong);
        }
    }
    if claims.jti.is_empty() || claims.jti.len() > 200 {
        return Err(SsoError::Invalid("bad jti".to_owned()));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let hash = hash_password("Retour-Demo-2026");
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password(&hash, "Retour-Demo-2026"));
        assert!(!verify_password(&hash, "retour-demo-2026"));
        assert!(!verify_password("garbage", "x"));
        let token = new_token();
        assert!(token.len() >= 43);
        assert_eq!(token_hash(&token).len(), 64);
    }
}
