//! Access tokens (JWT, HS256) and refresh tokens (opaque, stored as SHA-256).
//!
//! The algorithm is pinned on decode: a token that names `none`, RS256 or anything but HS256
//! is refused before its signature is even looked at, and `exp` is required.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{
    config::Config,
    error::{AppError, Result},
};

const ISSUER: &str = "hangar";

/// What an access token says. The role is only a hint for clients; the server reads the
/// user's current role from the database on every request.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Claims {
    /// User id.
    pub sub: String,
    /// Session: the refresh-token family this access token was issued with.
    pub sid: String,
    pub role: String,
    pub iss: String,
    pub iat: u64,
    pub exp: u64,
}

#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

impl Tokens {
    pub(crate) fn new(config: &Config) -> Self {
        let secret = config.jwt_secret.expose().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl: config.access_token_ttl,
            refresh_ttl: config.refresh_token_ttl,
        }
    }

    /// Signs an access token; returns it with its lifetime in seconds.
    pub fn issue_access(
        &self,
        user_id: i64,
        role: &str,
        session_id: &str,
    ) -> Result<(String, u64)> {
        let now = jsonwebtoken::get_current_timestamp();
        let ttl = self.access_ttl.as_secs();
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session_id.to_owned(),
            role: role.to_owned(),
            iss: ISSUER.into(),
            iat: now,
            exp: now + ttl,
        };
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
                .map_err(|err| AppError::internal(format!("cannot sign access token: {err}")))?;
        Ok((token, ttl))
    }

    /// Checks signature, algorithm, issuer and expiry. The error says why, in words safe for
    /// a client (it never echoes the token).
    pub(crate) fn verify_access(&self, token: &str) -> std::result::Result<AccessClaims, String> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => "access token expired".to_string(),
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                    "access token uses an unsupported algorithm".to_string()
                }
                ErrorKind::InvalidSignature => "access token signature is invalid".to_string(),
                _ => "access token is malformed".to_string(),
            })?;
        let user_id = data
            .claims
            .sub
            .parse::<i64>()
            .map_err(|_| "access token is malformed".to_string())?;
        Ok(AccessClaims {
            user_id,
            session_id: data.claims.sid,
            expires_at: data.claims.exp,
        })
    }
}

/// What a verified access token says.
pub(crate) struct AccessClaims {
    pub(crate) user_id: i64,
    /// The refresh-token family of the login (`sid`).
    pub(crate) session_id: String,
    /// Unix seconds (`exp`): a graphql-ws connection signed in with it closes then.
    pub(crate) expires_at: u64,
}

/// A new refresh token: 256 random bits, URL-safe. Returns (token for the client, hash to store).
pub(crate) fn new_refresh_token() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// Refresh tokens are high-entropy random values, so a fast hash is enough: no salt or
/// stretching is needed to make a database dump useless.
pub(crate) fn hash_refresh_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
