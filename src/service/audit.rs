//! The audit trail: who created, changed or deleted which user, camera, drone, site,
//! maintenance entry, photo or API token, when, and what it looked like before and after.
//!
//! Services call [`record`] with their own transaction, so a change and its audit rows commit
//! or roll back together: the trail can never claim a change that did not happen, nor miss one
//! that did. Snapshots are built here, in one place, and never contain a password hash.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, Select,
};
use serde_json::{Value, json};

pub(crate) use crate::entity::audit::{AuditAction, AuditEntity};
use crate::{
    entity::{api_token, audit, camera, drone, maintenance, photo, site, user},
    error::Result,
    service::{
        filter::DateTimeFilter,
        pagination::{self, KeyKind, KeyValue, Page, PageArgs, SortDirection, SortKey},
    },
};

/// Rows per INSERT: 3,000 rows of 8 bound columns stay under SQLite's 32,766 bind variables
/// (PostgreSQL allows 65,535). Fewer, larger statements keep a 10,000-item bulk call fast.
const INSERT_CHUNK: usize = 3000;

/// Who made a change. `System` is the operator at the command line or the first-start
/// bootstrap: no signed-in user.
#[derive(Clone, Debug)]
pub enum Actor {
    User { id: i64, username: String },
    System,
}

impl Actor {
    /// The signed-in user's id, as rows that name who made them store it (`registeredBy`,
    /// `recordedBy`, `uploadedBy`); none for the system.
    pub(crate) fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(*id),
            Actor::System => None,
        }
    }
}

/// One change, ready to be recorded.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    pub action: AuditAction,
    pub entity: AuditEntity,
    pub entity_id: i64,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    pub(crate) fn created(entity: AuditEntity, entity_id: i64, after: Value) -> Self {
        Self {
            action: AuditAction::Create,
            entity,
            entity_id,
            before: None,
            after: Some(after),
        }
    }

    pub(crate) fn updated(
        entity: AuditEntity,
        entity_id: i64,
        before: Value,
        after: Value,
    ) -> Self {
        Self {
            action: AuditAction::Update,
            entity,
            entity_id,
            before: Some(before),
            after: Some(after),
        }
    }

    pub(crate) fn deleted(entity: AuditEntity, entity_id: i64, before: Value) -> Self {
        Self {
            action: AuditAction::Delete,
            entity,
            entity_id,
            before: Some(before),
            after: None,
        }
    }
}

/// Writes `changes` as audit rows made by `actor` at `at`, in the caller's transaction
/// (services call it through `service::write::WriteTxn::audit`).
pub(crate) async fn record(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    at: DateTime<Utc>,
    changes: impl IntoIterator<Item = Change>,
) -> Result<()> {
    let (actor_id, actor_username) = match actor {
        Actor::User { id, username } => (Some(*id), Some(username.clone())),
        Actor::System => (None, None),
    };
    let rows: Vec<audit::ActiveModel> = changes
        .into_iter()
        .map(|change| audit::ActiveModel {
            at: Set(at),
            actor_id: Set(actor_id),
            actor_username: Set(actor_username.clone()),
            action: Set(change.action),
            entity: Set(change.entity),
            entity_id: Set(change.entity_id),
            before: Set(change.before.map(|v| v.to_string())),
            after: Set(change.after.map(|v| v.to_string())),
            ..Default::default()
        })
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(INSERT_CHUNK).collect();
        audit::Entity::insert_many(chunk).exec(txn).await?;
    }
    Ok(())
}

/// A user as the trail shows it: everything but the password hash.
pub(crate) fn user_snapshot(user: &user::Model) -> Value {
    json!({
        "id": user.id.to_string(),
        "username": user.username,
        "role": user.role.to_value(),
        "firstName": user.first_name,
        "lastName": user.last_name,
        "birthDate": user.birth_date.map(|d| d.to_string()),
    })
}

pub(crate) fn camera_snapshot(camera: &camera::Model) -> Value {
    json!({
        "id": camera.id.to_string(),
        "model": camera.model,
        "brand": camera.brand,
        "megapixels": camera.megapixels,
    })
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

/// A drone with the models of its cameras and its tags, sorted so equal lists compare equal,
/// and where it is in its life: a status move shows in before/after.
pub(crate) fn drone_snapshot(
    drone: &drone::Model,
    camera_models: &[String],
    tags: &[String],
) -> Value {
    let mut models = camera_models.to_vec();
    models.sort();
    let mut tags = tags.to_vec();
    tags.sort();
    json!({
        "id": drone.id.to_string(),
        "serialNumber": drone.serial_number,
        "name": drone.name,
        "brand": drone.brand,
        "cameraModels": models,
        "registeredById": drone.registered_by_id.map(|id| id.to_string()),
        "status": drone.status.as_str(),
        "statusNote": drone.status_note,
        "siteId": drone.site_id.map(|id| id.to_string()),
        "holderId": drone.holder_id.map(|id| id.to_string()),
        "checkedOutAt": time(drone.checked_out_at),
        "dueBackAt": time(drone.due_back_at),
        "tags": tags,
        "maintenanceIntervalDays": drone.maintenance_interval_days,
        "lastMaintenanceAt": time(drone.last_maintenance_at),
    })
}

pub(crate) fn site_snapshot(site: &site::Model) -> Value {
    json!({
        "id": site.id.to_string(),
        "name": site.name,
        "address": site.address,
        "city": site.city,
        "country": site.country,
        "contact": site.contact,
    })
}

pub(crate) fn photo_snapshot(photo: &photo::Model) -> Value {
    json!({
        "id": photo.id.to_string(),
        "droneId": photo.drone_id.to_string(),
        "contentType": photo.content_type,
        "size": photo.size,
        "width": photo.width,
        "height": photo.height,
        "sha256": photo.sha256,
        "caption": photo.caption,
        "uploadedById": photo.uploaded_by_id.map(|id| id.to_string()),
    })
}

/// An API token as the trail shows it: never the secret nor its hash.
pub(crate) fn api_token_snapshot(token: &api_token::Model) -> Value {
    json!({
        "id": token.id.to_string(),
        "ownerId": token.owner_id.to_string(),
        "name": token.name,
        "scope": token.scope.to_value(),
        "prefix": token.prefix,
        "expiresAt": time(token.expires_at),
        "revokedAt": time(token.revoked_at),
    })
}

pub(crate) fn maintenance_snapshot(entry: &maintenance::Model) -> Value {
    json!({
        "id": entry.id.to_string(),
        "droneId": entry.drone_id.to_string(),
        "kind": entry.kind.as_str(),
        "note": entry.note,
        "performedAt": time(Some(entry.performed_at)),
        "recordedById": entry.recorded_by_id.map(|id| id.to_string()),
    })
}

/// What `auditLog` may filter on; every part is optional and they all must hold.
#[derive(Clone, Debug, Default)]
pub(crate) struct AuditFilter {
    pub entity: Option<AuditEntity>,
    pub entity_id: Option<i64>,
    pub action: Option<AuditAction>,
    pub actor_id: Option<i64>,
    pub at: Option<DateTimeFilter>,
}

impl AuditFilter {
    fn apply(self, mut select: Select<audit::Entity>) -> Select<audit::Entity> {
        if let Some(entity) = self.entity {
            select = select.filter(audit::Column::Entity.eq(entity));
        }
        if let Some(id) = self.entity_id {
            select = select.filter(audit::Column::EntityId.eq(id));
        }
        if let Some(action) = self.action {
            select = select.filter(audit::Column::Action.eq(action));
        }
        if let Some(id) = self.actor_id {
            select = select.filter(audit::Column::ActorId.eq(id));
        }
        if let Some(at) = self.at {
            select = select.filter(at.condition(audit::Column::At));
        }
        select
    }
}

/// The trail's one ordering: by time (then id, as every ordering ends).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ByTime;

impl SortKey for ByTime {
    type Entity = audit::Entity;

    fn name(self) -> &'static str {
        "AT"
    }

    fn column(self) -> audit::Column {
        audit::Column::At
    }

    fn kind(self) -> KeyKind {
        KeyKind::Time
    }

    fn value(self, row: &audit::Model) -> KeyValue {
        KeyValue::Time(row.at)
    }

    fn id_column() -> audit::Column {
        audit::Column::Id
    }

    fn id(row: &audit::Model) -> i64 {
        row.id
    }
}

/// A page of the trail, newest first unless `direction` says otherwise.
pub(crate) async fn list(
    db: &DatabaseConnection,
    filter: AuditFilter,
    direction: SortDirection,
    args: &PageArgs,
) -> Result<Page<audit::Model>> {
    let select = filter.apply(audit::Entity::find());
    pagination::fetch_page(db, select, &[(ByTime, direction)], args).await
}
