//! Sign-in: login, refresh, logout (the tokens themselves are kept by [`session`]), and
//! resolving the viewer behind an access token.
//!
//! [`session`]: crate::service::session

use std::net::IpAddr;

use sea_orm::{ActiveEnum, DatabaseConnection};

use crate::{
    auth::{
        Credential, SignedIn, Viewer,
        api_token::{Presented, looks_like_api_token},
        cache::{KnownUser, ViewerCache},
        password::Passwords,
        throttle::LoginThrottle,
        token::Tokens,
    },
    entity::user,
    error::{AppError, Result},
    service::{
        api_token::{self as api_tokens, TokenCache},
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
    let txn = session::begin(db).await?;
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
    let txn = session::begin(db).await?;
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
    let txn = session::begin(db).await?;
    let revoked = session::revoke(&txn, presented).await?;
    txn.commit().await?;
    Ok(revoked)
}

/// What turns a bearer credential into a viewer.
pub(crate) struct Authenticator<'a> {
    pub db: &'a DatabaseConnection,
    pub tokens: &'a Tokens,
    pub viewers: &'a ViewerCache,
    pub api_tokens: &'a TokenCache,
    pub throttle: &'a LoginThrottle,
}

/// Turns an `Authorization` header value into a viewer: an access token from `login`, or an
/// API token (`hgr_…`). A valid credential whose user no longer exists is rejected, and the
/// role comes from the database, not from the credential. Unknown API tokens count against
/// `address` like failed logins, and past its limit are TOO_MANY_REQUESTS.
pub(crate) async fn resolve_viewer(
    auth: &Authenticator<'_>,
    authorization: Option<&str>,
    address: Option<IpAddr>,
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
    if looks_like_api_token(token) {
        return resolve_api_token(auth, token, address).await;
    }
    let claims = match auth.tokens.verify_access(token) {
        Ok(claims) => claims,
        Err(reason) => return Ok(Viewer::Rejected(reason)),
    };
    let credential = Credential::Session {
        session_id: claims.session_id,
    };
    Ok(
        match signed_in_as(auth, claims.user_id, credential, Some(claims.expires_at)).await? {
            Some(user) => Viewer::User(user),
            None => Viewer::Rejected("the user of this access token no longer exists".into()),
        },
    )
}

async fn resolve_api_token(
    auth: &Authenticator<'_>,
    secret: &str,
    address: Option<IpAddr>,
) -> Result<Viewer> {
    let grant = match api_tokens::authenticate(auth.db, auth.api_tokens, secret).await? {
        Presented::Live(grant) => grant,
        Presented::Unknown => {
            auth.throttle.unknown_api_token(auth.db, address).await?;
            return Ok(Viewer::Rejected(
                "this API token is not known: check it was copied whole (hgr_ and 43 characters)"
                    .into(),
            ));
        }
        Presented::Revoked => {
            return Ok(Viewer::Rejected("this API token was revoked".into()));
        }
        Presented::Expired => return Ok(Viewer::Rejected("this API token expired".into())),
    };
    let credential = Credential::ApiToken {
        id: grant.token_id,
        scope: grant.scope,
    };
    let expires_at = grant
        .expires_at
        .map(|at| u64::try_from(at.timestamp()).unwrap_or(0));
    Ok(
        match signed_in_as(auth, grant.owner_id, credential, expires_at).await? {
            Some(user) => Viewer::User(user),
            None => Viewer::Rejected("the owner of this API token no longer exists".into()),
        },
    )
}

/// The signed-in viewer `user_id` is now (through the viewer cache), if that user exists.
async fn signed_in_as(
    auth: &Authenticator<'_>,
    user_id: i64,
    credential: Credential,
    token_expires_at: Option<u64>,
) -> Result<Option<SignedIn>> {
    let signed_in = |known: KnownUser| SignedIn {
        user_id,
        role: known.role,
        username: known.username,
        credential,
        token_expires_at,
    };
    if let Some(known) = auth.viewers.get(&user_id) {
        return Ok(Some(signed_in(known)));
    }
    let read_at = auth.viewers.epoch();
    let Some(user) = users::find_by_id(auth.db, user_id).await? else {
        return Ok(None);
    };
    let known = KnownUser {
        role: user.role,
        username: user.username.into(),
    };
    auth.viewers.put(read_at, user_id, known.clone());
    Ok(Some(signed_in(known)))
}
