//! The pickup tokens' signature: HMAC-SHA256 over the token's payload with the server's pickup
//! key, checked in constant time. The key is `RETOUR_PICKUP_SECRET` when configured, else a
//! random 32-byte key made at the first start and kept in the database (`server_secrets`), so
//! that the tokens shown before a restart stay valid and the staff CLI signs and checks with the
//! same key as the running server. What a token says and when it is valid is
//! `retour_domain::pickup`'s.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::config::Config;
use crate::db::{Db, DbResult};

type HmacSha256 = Hmac<Sha256>;

/// The key pickup tokens are signed with.
#[derive(Clone)]
pub struct PickupKey(Vec<u8>);

impl std::fmt::Debug for PickupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PickupKey(…)")
    }
}

impl PickupKey {
    /// The configured key, else the one kept in the database (made and kept the first time).
    pub fn load(db: &Db, config: &Config) -> DbResult<PickupKey> {
        if let Some(secret) = &config.pickup_secret {
            return Ok(PickupKey(secret.as_bytes().to_vec()));
        }
        let stored = db.write(|c| {
            c.server_secret("pickup_hmac_key", || {
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                hex::encode(key)
            })
        })?;
        Ok(PickupKey(stored.into_bytes()))
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes a key of any length.
        HmacSha256::new_from_slice(&self.0).expect("HMAC accepts any key length")
    }

    /// The signature of a payload: 64 lowercase hex digits.
    pub fn sign(&self, payload: &str) -> String {
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `signature_hex` is the payload's signature (constant-time comparison).
    pub fn verify(&self, payload: &str, signature_hex: &str) -> bool {
        let Ok(signature) = hex::decode(signature_hex) else {
            return false;
        };
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4231_case_2() {
        // Key "Jefe", data "what do ya want for nothing?".
        let key = PickupKey(b"Jefe".to_vec());
        let signature = key.sign("what do ya want for nothing?");
        assert_eq!(
            signature,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(key.verify("what do ya want for nothing?", &signature));
        assert!(!key.verify("what do ya want for nothing!", &signature));
        assert!(!PickupKey(b"Jeff".to_vec()).verify("what do ya want for nothing?", &signature));
        assert!(!key.verify("what do ya want for nothing?", "zz"));
    }

    #[test]
    fn the_key_made_at_first_start_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::for_dir(dir.path());
        let db = Db::open(&config.db).unwrap();
        let first = PickupKey::load(&db, &config).unwrap();
        drop(db);
        let db = Db::open(&config.db).unwrap();
        let again = PickupKey::load(&db, &config).unwrap();
        assert_eq!(first.0, again.0);
        assert_eq!(first.0.len(), 64);
        let configured = Config {
            pickup_secret: Some("k".repeat(40)),
            ..config
        };
        assert_eq!(
            PickupKey::load(&db, &configured).unwrap().0,
            b"k".repeat(40)
        );
    }
}
