//! Refresh-token storage: issuing, single-use rotation with reuse detection, and revocation.
//!
//! A leaf of the services: sign-in (`auth`) and password changes (`user`) both end sessions,
//! so the tokens live here rather than in either of them. Tokens are stored as SHA-256 hashes;
//! the tokens of one login share a *family*, which is also the session id in access tokens.

use std::net::IpAddr;

use chrono::Duration as ChronoDuration;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, sea_query::Expr,
};

use crate::{
    auth::{
        throttle::address_key,
        token::{Tokens, hash_refresh_token, new_refresh_token},
    },
    db,
    entity::refresh_token,
    error::Result,
    service::now,
};

/// Starts the transaction of a sign-in, a refresh or a sign-out: the one kind of write with no
/// actor to audit and no inventory table in it, so it is not a `service::write` transaction.
pub(crate) async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    Ok(db::begin_write(db).await?)
}

/// Stores a new refresh token of `family` for `user_id` and returns it (the only time the
/// token itself is seen: the table keeps its hash).
pub(crate) async fn issue(
    txn: &impl ConnectionTrait,
    tokens: &Tokens,
    user_id: i64,
    family: &str,
    signed_in_from: Option<IpAddr>,
) -> Result<String> {
    let (token, hash) = new_refresh_token();
    let at = now();
    let ttl = ChronoDuration::from_std(tokens.refresh_ttl)
        .map_err(|_| crate::error::AppError::internal("refresh token TTL out of range"))?;
    refresh_token::ActiveModel {
        user_id: Set(user_id),
        family_id: Set(family.to_owned()),
        token_hash: Set(hash),
        expires_at: Set(at + ttl),
        created_at: Set(at),
        used_at: Set(None),
        revoked_at: Set(None),
        signed_in_from: Set(signed_in_from.map(address_key)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(token)
}

/// What presenting a refresh token for rotation found.
pub(crate) enum Rotation {
    /// Unknown, revoked or expired.
    Invalid,
    /// Live and now used: the caller issues the next token of `family` for `user_id`.
    Claimed { user_id: i64, family: String },
    /// Used before: the token leaked, and its whole family has been revoked.
    Reused { user_id: i64 },
}

/// Marks a presented refresh token used, exactly once. Of two concurrent rotations of the same
/// token, exactly one claims it and the other is treated as reuse.
pub(crate) async fn claim(txn: &impl ConnectionTrait, presented: &str) -> Result<Rotation> {
    let hash = hash_refresh_token(presented);
    let Some(stored) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(txn)
        .await?
    else {
        return Ok(Rotation::Invalid);
    };
    let at = now();
    if stored.revoked_at.is_some() || stored.expires_at <= at {
        return Ok(Rotation::Invalid);
    }
    // Mark it used only if nobody did in the meantime.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(at))
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        revoke_family(txn, &stored.family_id).await?;
        return Ok(Rotation::Reused {
            user_id: stored.user_id,
        });
    }
    Ok(Rotation::Claimed {
        user_id: stored.user_id,
        family: stored.family_id,
    })
}

/// Revokes one refresh token. Returns whether it was live (unused, unrevoked, unexpired).
pub(crate) async fn revoke(txn: &impl ConnectionTrait, presented: &str) -> Result<bool> {
    let hash = hash_refresh_token(presented);
    let at = now();
    let revoked = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(at))
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(at))
        .exec(txn)
        .await?
        .rows_affected;
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
pub(crate) async fn revoke_all(
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
