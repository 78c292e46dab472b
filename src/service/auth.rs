//! Sign-in: login, refresh, logout (the tokens themselves are kept by [`session`]), and
//! resolving the viewer behind an access token.
//!
//! [`session`]: crate::service::session

use std::net::IpAddr;

use sea_orm::{ActiveEnum, DatabaseConnection};

use crate::{
    auth::{
        SignedIn, Viewer,
        cache::{KnownUser, ViewerCache},
        password::Passwords,
        token::Tokens,
    },
    db,
    entity::user,
    error::{AppError, Result},
    service::{
        session::{self, Rotation},
        user as users,
    },
};

/// What a successful login or refresh hands back.
pub struct Session {
    pub access_token: String,
    pub expires_in: u64,
    pub refresh_token: String,
    pub user: user::Model,
}

const BAD_CREDENTIALS: &str = "invalid username or password";
const BAD_REFRESH: &str = "refresh token is invalid, expired or already used: log in again";

/// Checks a username and password. An unknown username costs the same argon2 verification as
/// a wrong password and gets the same error, so neither timing nor message tells them apart.
pub async fn login(
    db: &DatabaseConnection,
    passwords: &Passwords,
    tokens: &Tokens,
    username: &str,
    password: &str,
    address: Option<IpAddr>,
) -> Result<Session> {
    let user = match users::normalize_username(username) {
        Ok(normalized) => users::find_by_username(db, &normalized).await?,
        Err(_) => None,
    };
    let matched = passwords
        .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
        .await?;
    let user = match user {
        Some(user) if matched => user,
        _ => return Err(AppError::Unauthenticated(BAD_CREDENTIALS.into())),
    };
    let family = uuid::Uuid::new_v4().to_string();
    let txn = db::begin_write(db).await?;
    let refresh = session::issue(&txn, tokens, user.id, &family, address).await?;
    txn.commit().await?;
    issue(tokens, user, &family, refresh)
}

fn issue(
    tokens: &Tokens,
    user: user::Model,
    family: &str,
    refresh_token: String,
) -> Result<Session> {
    // The role's stored word (the token's claim is informational: roles are read from the
    // database on every request).
    let role = user.role.to_value();
    let (access_token, expires_in) = tokens.issue_access(user.id, &role, family)?;
    Ok(Session {
        access_token,
        expires_in,
        refresh_token,
        user,
    })
}

/// Exchanges a live refresh token for a new pair (single use). Presenting a token that was
/// already used means it leaked: the whole family (every token of that login) is revoked.
pub(crate) async fn refresh(
    db: &DatabaseConnection,
    tokens: &Tokens,
    presented: &str,
    address: Option<IpAddr>,
) -> Result<Session> {
    let txn = db::begin_write(db).await?;
    let (user_id, family) = match session::claim(&txn, presented).await? {
        Rotation::Claimed { user_id, family } => (user_id, family),
        Rotation::Reused { user_id } => {
            txn.commit().await?;
            tracing::warn!(user_id, "refresh token reused: session family revoked");
            return Err(AppError::Unauthenticated(BAD_REFRESH.into()));
        }
        Rotation::Invalid => return Err(AppError::Unauthenticated(BAD_REFRESH.into())),
    };
    let user = users::find_by_id(&txn, user_id)
        .await?
        .ok_or_else(|| AppError::Unauthenticated(BAD_REFRESH.into()))?;
    let refresh = session::issue(&txn, tokens, user.id, &family, address).await?;
    txn.commit().await?;
    issue(tokens, user, &family, refresh)
}

/// Revokes one refresh token. Returns whether it was live (unused, unrevoked, unexpired).
pub(crate) async fn logout(db: &DatabaseConnection, presented: &str) -> Result<bool> {
    let txn = db::begin_write(db).await?;
    let revoked = session::revoke(&txn, presented).await?;
    txn.commit().await?;
    Ok(revoked)
}

/// Turns an `Authorization` header value into a viewer. A valid token whose user no longer
/// exists is rejected, and the role comes from the database, not from the token.
pub(crate) async fn resolve_viewer(
    db: &DatabaseConnection,
    tokens: &Tokens,
    viewers: &ViewerCache,
    authorization: Option<&str>,
) -> Result<Viewer> {
    let Some(header) = authorization.map(str::trim).filter(|h| !h.is_empty()) else {
        return Ok(Viewer::Anonymous);
    };
    let Some(token) = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
    else {
        return Ok(Viewer::Rejected(
            "Authorization must be `Bearer <access token>`".into(),
        ));
    };
    let claims = match tokens.verify_access(token) {
        Ok(claims) => claims,
        Err(reason) => return Ok(Viewer::Rejected(reason)),
    };
    let (user_id, session_id) = (claims.user_id, claims.session_id);
    if let Some(known) = viewers.get(user_id) {
        return Ok(Viewer::User(SignedIn {
            user_id,
            role: known.role,
            username: known.username,
            session_id,
            token_expires_at: claims.expires_at,
        }));
    }
    let read_at = viewers.epoch();
    match users::find_by_id(db, user_id).await? {
        Some(user) => {
            let known = KnownUser {
                role: user.role,
                username: user.username.into(),
            };
            viewers.put(read_at, user_id, known.clone());
            Ok(Viewer::User(SignedIn {
                user_id,
                role: known.role,
                username: known.username,
                session_id,
                token_expires_at: claims.expires_at,
            }))
        }
        None => Ok(Viewer::Rejected(
            "the user of this access token no longer exists".into(),
        )),
    }
}
