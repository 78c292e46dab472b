//! Sign-in: login, refresh-token rotation with reuse detection, logout, and resolving the
//! viewer behind an access token.

use chrono::Duration as ChronoDuration;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, sea_query::Expr,
};

use crate::{
    auth::{
        SignedIn, Viewer,
        cache::{KnownUser, ViewerCache},
        password::Passwords,
        token::{Tokens, hash_refresh_token, new_refresh_token},
    },
    db,
    entity::{refresh_token, user},
    error::{AppError, Result},
    service::{now, user as users},
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
    let refresh = store_refresh_token(&txn, tokens, user.id, &family).await?;
    txn.commit().await?;
    issue(tokens, user, &family, refresh)
}

fn issue(
    tokens: &Tokens,
    user: user::Model,
    family: &str,
    refresh_token: String,
) -> Result<Session> {
    let role = match user.role {
        user::Role::Support => "SUPPORT",
        user::Role::Member => "MEMBER",
    };
    let (access_token, expires_in) = tokens.issue_access(user.id, role, family)?;
    Ok(Session {
        access_token,
        expires_in,
        refresh_token,
        user,
    })
}

async fn store_refresh_token(
    txn: &impl ConnectionTrait,
    tokens: &Tokens,
    user_id: i64,
    family: &str,
) -> Result<String> {
    let (token, hash) = new_refresh_token();
    let at = now();
    let ttl = ChronoDuration::from_std(tokens.refresh_ttl)
        .map_err(|_| AppError::internal("refresh token TTL out of range"))?;
    refresh_token::ActiveModel {
        user_id: Set(user_id),
        family_id: Set(family.to_owned()),
        token_hash: Set(hash),
        expires_at: Set(at + ttl),
        created_at: Set(at),
        used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(token)
}

/// Exchanges a live refresh token for a new pair (single use). Presenting a token that was
/// already used means it leaked: the whole family (every token of that login) is revoked.
pub async fn refresh(db: &DatabaseConnection, tokens: &Tokens, presented: &str) -> Result<Session> {
    let hash = hash_refresh_token(presented);
    let txn = db::begin_write(db).await?;
    let Some(stored) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(&txn)
        .await?
    else {
        return Err(AppError::Unauthenticated(BAD_REFRESH.into()));
    };
    let at = now();
    if stored.revoked_at.is_some() || stored.expires_at <= at {
        return Err(AppError::Unauthenticated(BAD_REFRESH.into()));
    }
    // Mark it used only if nobody did in the meantime: of two concurrent refreshes with the
    // same token, exactly one wins and the other is treated as reuse.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(at))
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        revoke_family(&txn, &stored.family_id).await?;
        txn.commit().await?;
        tracing::warn!(
            user_id = stored.user_id,
            "refresh token reused: session family revoked"
        );
        return Err(AppError::Unauthenticated(BAD_REFRESH.into()));
    }
    let user = users::find_by_id(&txn, stored.user_id)
        .await?
        .ok_or_else(|| AppError::Unauthenticated(BAD_REFRESH.into()))?;
    let refresh = store_refresh_token(&txn, tokens, user.id, &stored.family_id).await?;
    txn.commit().await?;
    issue(tokens, user, &stored.family_id, refresh)
}

/// Revokes one refresh token. Returns whether it was live (unused, unrevoked, unexpired).
pub async fn logout(db: &DatabaseConnection, presented: &str) -> Result<bool> {
    let hash = hash_refresh_token(presented);
    let at = now();
    let txn = db::begin_write(db).await?;
    let revoked = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(at))
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(at))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(revoked == 1)
}

async fn revoke_family(txn: &impl ConnectionTrait, family: &str) -> Result<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// Revokes every refresh token of a user, except those of `keep_session` if given.
pub async fn revoke_all_sessions(
    txn: &impl ConnectionTrait,
    user_id: i64,
    keep_session: Option<&str>,
) -> Result<()> {
    let mut update = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null());
    if let Some(session) = keep_session {
        update = update.filter(refresh_token::Column::FamilyId.ne(session));
    }
    update.exec(txn).await?;
    Ok(())
}

/// Turns an `Authorization` header value into a viewer. A valid token whose user no longer
/// exists is rejected, and the role comes from the database, not from the token.
pub async fn resolve_viewer(
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
    let (user_id, session_id) = match tokens.verify_access(token) {
        Ok(claims) => claims,
        Err(reason) => return Ok(Viewer::Rejected(reason)),
    };
    if let Some(known) = viewers.get(user_id) {
        return Ok(Viewer::User(SignedIn {
            user_id,
            role: known.role,
            username: known.username,
            session_id,
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
            }))
        }
        None => Ok(Viewer::Rejected(
            "the user of this access token no longer exists".into(),
        )),
    }
}
