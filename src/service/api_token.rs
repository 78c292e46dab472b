//! API tokens: scripts' own revocable, scoped, expiring credentials (part 4 of the contract).
//! Creating and revoking are audited (entity API_TOKEN) without the secret or its hash;
//! presenting one is [`authenticate`], remembered for the auth cache's TTL and forgotten at
//! once on the instance that revokes it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, ExprTrait,
    QueryFilter, QueryOrder, sea_query::Expr,
};

use crate::{
    auth::{
        api_token::{Grant, Presented, hash_secret, new_secret},
        cache::TtlCache,
    },
    entity::{
        api_token::{self, Scope},
        user::Role,
    },
    error::{AppError, Result, conflict_on_unique},
    service::{
        audit::{AuditEntity, Change, api_token_snapshot},
        now, user as users,
        validate::{key, required_text},
        write::Writer,
    },
};

/// Live tokens by the hash of their secret.
pub(crate) type TokenCache = TtlCache<String, Grant>;

const MAX_NAME_CHARS: usize = 100;
/// `lastUsedAt` is written when the stored one is at least this old.
const LAST_USED_EVERY: chrono::Duration = chrono::Duration::minutes(1);

/// Whose token it will be.
pub(crate) struct Owner {
    pub id: i64,
    pub role: Role,
}

/// Creates a token for `owner` and returns it with its secret (the only time it exists in the
/// clear).
pub(crate) async fn create(
    w: &Writer<'_>,
    owner: Owner,
    name: &str,
    scope: Scope,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(api_token::Model, String)> {
    let name =
        required_text("name", name, MAX_NAME_CHARS).map_err(|e| AppError::bad_field("name", e))?;
    if expires_at.is_some_and(|expires| expires <= w.now) {
        return Err(AppError::bad_field(
            "expiresAt",
            "expiresAt must be in the future",
        ));
    }
    if scope == Scope::Write && owner.role != Role::Support {
        return Err(AppError::Forbidden(
            "a WRITE token needs a SUPPORT owner; this user may hold READ tokens".into(),
        ));
    }
    let (secret, secret_hash, prefix) = new_secret();
    let taken =
        || format!("you already have an API token named {name:?}: revoke it or pick another name");
    let txn = w.begin_outside_inventory().await?;
    let at = txn.now();
    let created = api_token::ActiveModel {
        owner_id: Set(owner.id),
        name_key: Set(key(&name)),
        name: Set(name.clone()),
        scope: Set(scope),
        prefix: Set(prefix),
        secret_hash: Set(secret_hash),
        created_at: Set(at),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| conflict_on_unique(e, taken))?;
    let change = Change::created(
        AuditEntity::ApiToken,
        created.id,
        api_token_snapshot(&created),
    );
    txn.audit([change]).await?;
    txn.commit().await?;
    Ok((created, secret))
}

/// `hangar token create`: a token for `username`, made by the operator (audited as the
/// system), expiring after `lifetime` if given. Returns the token's id and its secret.
pub async fn create_for_operator(
    w: &Writer<'_>,
    username: &str,
    name: &str,
    write: bool,
    lifetime: Option<std::time::Duration>,
) -> Result<(i64, String)> {
    let normalized = users::normalize_username(username)?;
    let user = users::find_by_username(w.db, &normalized)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no user named {normalized:?}")))?;
    let expires_at = lifetime
        .map(|l| {
            chrono::Duration::from_std(l)
                .ok()
                .and_then(|l| w.now.checked_add_signed(l))
                .ok_or_else(|| AppError::bad_input("--expires is too far away"))
        })
        .transpose()?;
    let owner = Owner {
        id: user.id,
        role: user.role,
    };
    let scope = if write { Scope::Write } else { Scope::Read };
    let (token, secret) = create(w, owner, name, scope, expires_at).await?;
    Ok((token.id, secret))
}

/// Revokes a live token: its owner may, and SUPPORT may revoke anyone's. Anyone else's token
/// is NOT_FOUND, as a token that does not exist: ids of others' tokens are not confirmed.
pub(crate) async fn revoke(w: &Writer<'_>, cache: &TokenCache, by: Owner, id: i64) -> Result<i64> {
    let not_found = || AppError::NotFound(format!("no live API token with id {id} of yours"));
    let txn = w.begin_outside_inventory().await?;
    let token = api_token::Entity::find_by_id(id)
        .filter(api_token::Column::RevokedAt.is_null())
        .one(&txn)
        .await?
        .filter(|t| t.owner_id == by.id || by.role == Role::Support)
        .ok_or_else(not_found)?;
    let mut revoked = token.clone();
    revoked.revoked_at = Some(txn.now());
    api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            Expr::value(revoked.revoked_at),
        )
        .filter(api_token::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let change = Change::updated(
        AuditEntity::ApiToken,
        id,
        api_token_snapshot(&token),
        api_token_snapshot(&revoked),
    );
    txn.audit([change]).await?;
    txn.commit().await?;
    cache.forget(&token.secret_hash);
    Ok(id)
}

/// `owner`'s tokens that are not revoked (expired ones included), oldest first.
pub(crate) async fn list(db: &DatabaseConnection, owner_id: i64) -> Result<Vec<api_token::Model>> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::OwnerId.eq(owner_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .order_by_asc(api_token::Column::CreatedAt)
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// What `secret` is: a live token (whose `lastUsedAt` this keeps to the minute), or why not.
pub(crate) async fn authenticate(
    db: &DatabaseConnection,
    cache: &TokenCache,
    secret: &str,
) -> Result<Presented> {
    let hash = hash_secret(secret);
    let grant = match cache.get(&hash) {
        Some(grant) => grant,
        None => {
            // Taken before the read: a revocation on this instance meanwhile keeps it out.
            let read_at = cache.epoch();
            let Some(token) = api_token::Entity::find()
                .filter(api_token::Column::SecretHash.eq(hash.as_str()))
                .one(db)
                .await?
            else {
                return Ok(Presented::Unknown);
            };
            let grant = Grant {
                token_id: token.id,
                owner_id: token.owner_id,
                scope: token.scope,
                expires_at: token.expires_at,
                revoked: token.revoked_at.is_some(),
                last_used_at: token.last_used_at,
            };
            cache.put(read_at, hash.clone(), grant.clone());
            grant
        }
    };
    let at = now();
    let presented = grant.judge(at);
    if let Presented::Live(grant) = &presented
        && grant
            .last_used_at
            .is_none_or(|last| at - last >= LAST_USED_EVERY)
    {
        touch(db, grant, at).await?;
        // Remembered as written, so this instance does not write again within the minute;
        // without renewing the entry, which must still be re-read (revoked?) at its TTL.
        cache.amend(&hash, |grant| grant.last_used_at = Some(at));
    }
    Ok(presented)
}

/// Writes `lastUsedAt`, unless another request (on any instance) did within the minute.
async fn touch(db: &DatabaseConnection, grant: &Grant, at: DateTime<Utc>) -> Result<()> {
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(Some(at)))
        .filter(api_token::Column::Id.eq(grant.token_id))
        .filter(
            api_token::Column::LastUsedAt
                .is_null()
                .or(api_token::Column::LastUsedAt.lte(at - LAST_USED_EVERY)),
        )
        .exec(db)
        .await?;
    Ok(())
}
