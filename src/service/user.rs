//! Users: creation, profile and role changes, deletion, listing, and the first-run admin.

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

use crate::{
    auth::{cache::ViewerCache, password::Passwords},
    entity::{
        drone,
        user::{self, Role},
    },
    error::{AppError, Result, conflict_on_unique},
    service::{
        Patch,
        audit::{AuditEntity, Change, user_snapshot},
        now,
        pagination::{self, KeyKind, KeyValue, Page, PageArgs, SortDirection, SortKey},
        session,
        write::Writer,
    },
};

const MAX_NAME_CHARS: usize = 100;

/// Lower-cases and checks a username: 3-32 characters of a-z 0-9 . _ -.
pub(crate) fn normalize_username(raw: &str) -> Result<String> {
    let username = raw.trim().to_lowercase();
    let valid_chars = username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if !(3..=32).contains(&username.chars().count()) || !valid_chars {
        return Err(AppError::bad_input(
            "username must be 3-32 characters of a-z, 0-9, '.', '_' or '-'",
        ));
    }
    Ok(username)
}

/// Trims a personal name; an empty one means "no name".
fn clean_name(field: &str, value: Option<String>) -> Result<Option<String>> {
    let Some(value) = value else { return Ok(None) };
    let value = value.trim().to_string();
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::bad_field(
            format!("input.{field}"),
            format!("{field} must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    Ok((!value.is_empty()).then_some(value))
}

fn check_birth_date(date: NaiveDate) -> Result<NaiveDate> {
    if date > now().date_naive() {
        return Err(AppError::bad_field(
            "input.birthDate",
            "birthDate cannot be in the future",
        ));
    }
    if date < NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date") {
        return Err(AppError::bad_field(
            "input.birthDate",
            "birthDate must be 1900-01-01 or later",
        ));
    }
    Ok(date)
}

fn clean_patch_name(field: &str, patch: Patch<String>) -> Result<Patch<String>> {
    Ok(match patch {
        Patch::Set(value) => match clean_name(field, Some(value))? {
            Some(value) => Patch::Set(value),
            None => Patch::Clear,
        },
        other => other,
    })
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub birth_date: Option<NaiveDate>,
}

/// Optional personal fields; `Keep` leaves a field, `Clear` empties it.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProfilePatch {
    pub first_name: Patch<String>,
    pub last_name: Patch<String>,
    pub birth_date: Patch<NaiveDate>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct UserUpdate {
    pub role: Option<Role>,
    pub profile: ProfilePatch,
    pub password: Option<String>,
}

pub async fn create(w: &Writer<'_>, passwords: &Passwords, new: NewUser) -> Result<user::Model> {
    let username = normalize_username(&new.username).map_err(|e| e.within("input.username"))?;
    let first_name = clean_name("firstName", new.first_name)?;
    let last_name = clean_name("lastName", new.last_name)?;
    let birth_date = new.birth_date.map(check_birth_date).transpose()?;
    if find_by_username(w.db, &username).await?.is_some() {
        return Err(taken(&username));
    }
    let password_hash = passwords
        .hash(&new.password)
        .await
        .map_err(|e| e.within("input.password"))?;

    let txn = w.begin_outside_inventory().await?;
    let at = txn.now();
    let model = user::ActiveModel {
        username: Set(username.clone()),
        password_hash: Set(password_hash),
        role: Set(new.role),
        first_name: Set(first_name),
        last_name: Set(last_name),
        birth_date: Set(birth_date),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    };
    let created = model
        .insert(&txn)
        .await
        .map_err(|e| conflict_on_unique(e, || taken_message(&username)))?;
    let change = Change::created(AuditEntity::User, created.id, user_snapshot(&created));
    txn.audit([change]).await?;
    txn.commit().await?;
    Ok(created)
}

fn taken_message(username: &str) -> String {
    format!("username {username:?} is already taken")
}

fn taken(username: &str) -> AppError {
    AppError::Conflict(taken_message(username))
}

pub(crate) async fn find_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<user::Model>> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub(crate) async fn find_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// `username` must already be normalised.
pub(crate) async fn find_by_username(
    db: &impl ConnectionTrait,
    username: &str,
) -> Result<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?)
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no user with id {id}"))
}

fn apply_profile(
    active: &mut user::ActiveModel,
    current: &user::Model,
    patch: ProfilePatch,
) -> Result<()> {
    let first = clean_patch_name("firstName", patch.first_name)?;
    let last = clean_patch_name("lastName", patch.last_name)?;
    let birth = match patch.birth_date {
        Patch::Set(date) => Patch::Set(check_birth_date(date)?),
        other => other,
    };
    active.first_name = Set(first.apply(current.first_name.clone()));
    active.last_name = Set(last.apply(current.last_name.clone()));
    active.birth_date = Set(birth.apply(current.birth_date));
    Ok(())
}

/// A user edits their own optional personal fields.
pub(crate) async fn update_profile(
    w: &Writer<'_>,
    user_id: i64,
    patch: ProfilePatch,
) -> Result<user::Model> {
    let txn = w.begin_outside_inventory().await?;
    let current = find_by_id(&txn, user_id)
        .await?
        .ok_or_else(|| not_found(user_id))?;
    let mut active: user::ActiveModel = current.clone().into();
    apply_profile(&mut active, &current, patch)?;
    active.updated_at = Set(txn.now());
    let updated = active.update(&txn).await?;
    let change = Change::updated(
        AuditEntity::User,
        user_id,
        user_snapshot(&current),
        user_snapshot(&updated),
    );
    txn.audit([change]).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Locks the SUPPORT rows (PostgreSQL; SQLite's write transaction is already exclusive) and
/// fails with CONFLICT when `user_id` is the only one: two concurrent demotions of the last two
/// support users must not both succeed.
async fn ensure_not_last_support(
    txn: &impl ConnectionTrait,
    user_id: i64,
    action: &str,
) -> Result<()> {
    let supports: Vec<i64> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Role.eq(Role::Support))
        .lock_exclusive()
        .into_tuple()
        .all(txn)
        .await?;
    if supports.iter().all(|id| *id == user_id) {
        return Err(AppError::Conflict(format!(
            "cannot {action} the last SUPPORT user: promote another user first"
        )));
    }
    Ok(())
}

/// SUPPORT changes a user's role, personal fields or password. A new password revokes the
/// user's refresh tokens.
pub(crate) async fn update(
    w: &Writer<'_>,
    passwords: &Passwords,
    viewers: &ViewerCache,
    id: i64,
    update: UserUpdate,
) -> Result<user::Model> {
    let new_hash = match &update.password {
        Some(password) => Some(
            passwords
                .hash(password)
                .await
                .map_err(|e| e.within("input.password"))?,
        ),
        None => None,
    };
    let txn = w.begin_outside_inventory().await?;
    let current = find_by_id(&txn, id).await?.ok_or_else(|| not_found(id))?;
    let mut active: user::ActiveModel = current.clone().into();
    if let Some(role) = update.role {
        if current.role == Role::Support && role != Role::Support {
            ensure_not_last_support(&txn, id, "demote").await?;
        }
        active.role = Set(role);
    }
    apply_profile(&mut active, &current, update.profile)?;
    let password_changed = new_hash.is_some();
    if let Some(hash) = new_hash {
        active.password_hash = Set(hash);
        session::revoke_all(&txn, id, None).await?;
    }
    active.updated_at = Set(txn.now());
    let updated = active.update(&txn).await?;
    let mut after = user_snapshot(&updated);
    if password_changed {
        after["passwordChanged"] = true.into();
    }
    let change = Change::updated(AuditEntity::User, id, user_snapshot(&current), after);
    txn.audit([change]).await?;
    txn.commit().await?;
    viewers.forget(&id);
    Ok(updated)
}

/// Deletes a user. Their drones stay, with `registeredBy` cleared by the foreign key.
pub(crate) async fn delete(w: &Writer<'_>, viewers: &ViewerCache, id: i64) -> Result<i64> {
    let txn = w.begin().await?;
    let current = find_by_id(&txn, id).await?.ok_or_else(|| not_found(id))?;
    if current.role == Role::Support {
        ensure_not_last_support(&txn, id, "delete").await?;
    }
    let held = drone::Entity::find()
        .filter(drone::Column::HolderId.eq(id))
        .count(&txn)
        .await?;
    if held > 0 {
        return Err(AppError::Conflict(format!(
            "user {:?} has {held} drone{} checked out: check {} in first",
            current.username,
            if held == 1 { "" } else { "s" },
            if held == 1 { "it" } else { "them" }
        )));
    }
    user::Entity::delete_by_id(id).exec(&txn).await?;
    let change = Change::deleted(AuditEntity::User, id, user_snapshot(&current));
    txn.audit([change]).await?;
    // Its drones' `registered_by` is cleared by the foreign key: an inventory change (so
    // this transaction is begun with `begin`).
    txn.commit().await?;
    viewers.forget(&id);
    Ok(id)
}

/// Changes the viewer's own password after checking the current one, and signs out every
/// other session (refresh-token family) of theirs.
pub(crate) async fn change_password(
    w: &Writer<'_>,
    passwords: &Passwords,
    user_id: i64,
    session_id: &str,
    current_password: &str,
    new_password: &str,
) -> Result<()> {
    let user = find_by_id(w.db, user_id)
        .await?
        .ok_or_else(|| not_found(user_id))?;
    if !passwords
        .verify(current_password, Some(&user.password_hash))
        .await?
    {
        return Err(AppError::bad_field(
            "currentPassword",
            "current password is incorrect",
        ));
    }
    if current_password == new_password {
        return Err(AppError::bad_field(
            "newPassword",
            "new password must differ from the current one",
        ));
    }
    let hash = passwords
        .hash(new_password)
        .await
        .map_err(|e| e.within("newPassword"))?;
    let txn = w.begin_outside_inventory().await?;
    let before = user_snapshot(&user);
    let mut active: user::ActiveModel = user.into();
    active.password_hash = Set(hash);
    active.updated_at = Set(txn.now());
    let updated = active.update(&txn).await?;
    let mut after = user_snapshot(&updated);
    after["passwordChanged"] = true.into();
    // The writer is the viewer: a user changes only their own password here.
    txn.audit([Change::updated(AuditEntity::User, user_id, before, after)])
        .await?;
    session::revoke_all(&txn, user_id, Some(session_id)).await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UserSort {
    Username,
    CreatedAt,
}

impl SortKey for UserSort {
    type Entity = user::Entity;

    fn name(self) -> &'static str {
        match self {
            UserSort::Username => "USERNAME",
            UserSort::CreatedAt => "CREATED_AT",
        }
    }

    fn column(self) -> user::Column {
        match self {
            UserSort::Username => user::Column::Username,
            UserSort::CreatedAt => user::Column::CreatedAt,
        }
    }

    fn kind(self) -> KeyKind {
        match self {
            UserSort::Username => KeyKind::Text,
            UserSort::CreatedAt => KeyKind::Time,
        }
    }

    fn value(self, row: &user::Model) -> KeyValue {
        match self {
            UserSort::Username => KeyValue::Text(row.username.clone()),
            UserSort::CreatedAt => KeyValue::Time(row.created_at),
        }
    }

    fn id_column() -> user::Column {
        user::Column::Id
    }

    fn id(row: &user::Model) -> i64 {
        row.id
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct UserFilter {
    pub username: Option<super::filter::StringFilter>,
    pub role: Option<Role>,
}

pub(crate) async fn list(
    db: &DatabaseConnection,
    filter: UserFilter,
    order: &[(UserSort, SortDirection)],
    args: &PageArgs,
) -> Result<Page<user::Model>> {
    let mut condition = Condition::all();
    if let Some(username) = &filter.username {
        condition = condition.add(
            username
                .condition(user::Column::Username)
                .map_err(|e| e.within("filter.username"))?,
        );
    }
    if let Some(role) = filter.role {
        condition = condition.add(user::Column::Role.eq(role));
    }
    pagination::fetch_page(db, user::Entity::find().filter(condition), order, args).await
}

/// What the first start did about an administrator.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Bootstrap {
    /// Users exist already (or the configured admin does): nothing to do.
    Unchanged,
    /// `HANGAR_ADMIN_USERNAME`/`_PASSWORD` created this SUPPORT user.
    CreatedConfigured(String),
    /// No user and no configured admin: `admin` was created with this random password.
    CreatedGenerated { username: String, password: String },
}

/// First-run bootstrap (operations contract): the configured admin if set and missing;
/// otherwise, on an empty database, `admin` with a random password.
pub(crate) async fn bootstrap_admin(
    w: &Writer<'_>,
    passwords: &Passwords,
    configured: Option<(&str, &str)>,
) -> Result<Bootstrap> {
    let db = w.db;
    let new_support = |username: &str, password: &str| NewUser {
        username: username.into(),
        password: password.into(),
        role: Role::Support,
        first_name: None,
        last_name: None,
        birth_date: None,
    };
    match configured {
        Some((username, password)) => {
            let normalized = normalize_username(username)?;
            if find_by_username(db, &normalized).await?.is_some() {
                return Ok(Bootstrap::Unchanged);
            }
            match create(w, passwords, new_support(&normalized, password)).await {
                Ok(user) => Ok(Bootstrap::CreatedConfigured(user.username)),
                // Another instance starting at the same time created it first.
                Err(AppError::Conflict(_)) => Ok(Bootstrap::Unchanged),
                Err(err) => Err(err),
            }
        }
        None => {
            if user::Entity::find().count(db).await? > 0 {
                return Ok(Bootstrap::Unchanged);
            }
            let password = random_password();
            match create(w, passwords, new_support("admin", &password)).await {
                Ok(user) => Ok(Bootstrap::CreatedGenerated {
                    username: user.username,
                    password,
                }),
                Err(AppError::Conflict(_)) => Ok(Bootstrap::Unchanged),
                Err(err) => Err(err),
            }
        }
    }
}

/// 20 characters from an alphabet without look-alikes (no 0/O, 1/l/I): easy to copy from a log.
pub(crate) fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod props;
