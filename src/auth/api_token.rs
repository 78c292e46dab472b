//! API token secrets: `hgr_` and 256 random bits, URL-safe. Only their SHA-256 is stored, and a
//! presented token is found by that hash in a unique index: the database compares hashes the
//! caller cannot steer, never the secret, so response times say nothing about how close a
//! guess was. (A fast hash is enough for 256 random bits: no salt or stretching needed.)

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};

use crate::{
    auth::token::hash_refresh_token,
    entity::{api_token::Scope, user::Role},
};

/// What every API token starts with, so people, logs scanners and secret scanners recognise one.
pub(crate) const SECRET_PREFIX: &str = "hgr_";
/// Characters of the secret kept to recognise it in a list (`hgr_` and four more).
const SHOWN_CHARS: usize = 8;

/// A new secret: (the whole secret, its hash, its shown prefix).
pub(crate) fn new_secret() -> (String, String, String) {
    let bytes: [u8; 32] = rand::random();
    let secret = format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_secret(&secret);
    let shown = secret[..SHOWN_CHARS].to_string();
    (secret, hash, shown)
}

pub(crate) fn hash_secret(secret: &str) -> String {
    hash_refresh_token(secret)
}

pub(crate) fn looks_like_api_token(bearer: &str) -> bool {
    bearer.starts_with(SECRET_PREFIX)
}

/// A live token as a request needs it, remembered for the auth cache's TTL.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub token_id: i64,
    pub owner_id: i64,
    pub scope: Scope,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
    /// As last read or written: `lastUsedAt` is written when this is a minute old.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What a presented token turned out to be.
#[derive(Clone, Debug)]
pub(crate) enum Presented {
    Live(Grant),
    Unknown,
    Revoked,
    Expired,
}

impl Grant {
    pub(crate) fn judge(self, now: DateTime<Utc>) -> Presented {
        if self.revoked {
            Presented::Revoked
        } else if self.expires_at.is_some_and(|at| at <= now) {
            Presented::Expired
        } else {
            Presented::Live(self)
        }
    }
}

/// The scope a token acts with: a WRITE token of an owner who is no longer SUPPORT acts as READ.
pub(crate) fn effective(scope: Scope, owner_role: Role) -> Scope {
    match (scope, owner_role) {
        (Scope::Write, Role::Support) => Scope::Write,
        _ => Scope::Read,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_long_and_hashed() {
        let (secret, hash, shown) = new_secret();
        assert!(secret.starts_with("hgr_"));
        // 32 bytes in unpadded base64: 43 characters.
        assert_eq!(secret.len(), 4 + 43);
        assert_eq!(shown, &secret[..8]);
        assert_eq!(hash, hash_secret(&secret));
        assert_eq!(hash.len(), 64);
        assert_ne!(new_secret().0, secret);
    }
}
