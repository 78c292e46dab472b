//! Maintenance: what was done to a drone and when. Recording an entry moves the drone's
//! `last_maintenance_at` (the latest `performed_at`, whatever order entries arrive in) and so
//! its due date, and may return it to service, all in one transaction.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use super::{finish_update, lock, maintenance_due_at, not_found, snapshot};
use crate::{
    entity::{
        drone::DroneStatus,
        maintenance::{self, MaintenanceKind},
    },
    error::{AppError, Result},
    service::{
        audit::{AuditEntity, Change, maintenance_snapshot},
        drone::status::{Via, check_move},
        pagination::{self, KeyKind, KeyValue, Page, PageArgs, SortDirection, SortKey},
        validate::required_text,
        write::Writer,
    },
};

pub(crate) const MAX_NOTE_CHARS: usize = 2000;
/// How far ahead of the server's clock a `performedAt` may be: a client's clock that runs a
/// little fast is not "the future".
const CLOCK_SKEW: Duration = Duration::minutes(1);

#[derive(Clone, Debug)]
pub(crate) struct MaintenanceInput {
    pub kind: MaintenanceKind,
    pub note: String,
    /// Now when not given.
    pub performed_at: Option<DateTime<Utc>>,
    /// MAINTENANCE -> AVAILABLE in the same transaction.
    pub return_to_service: bool,
}

/// Records an entry for drone `drone_id`; returns it.
pub(crate) async fn record(
    w: &Writer<'_>,
    drone_id: i64,
    input: MaintenanceInput,
) -> Result<maintenance::Model> {
    let note = required_text("note", &input.note, MAX_NOTE_CHARS)
        .map_err(|e| AppError::bad_field("input.note", e))?;
    if let Some(performed_at) = input.performed_at
        && performed_at > w.now + CLOCK_SKEW
    {
        return Err(AppError::bad_field(
            "input.performedAt",
            format!(
                "performedAt must not be in the future, got {}",
                performed_at.to_rfc3339()
            ),
        ));
    }
    let txn = w.begin().await?;
    let current = lock(&txn, drone_id)
        .await?
        .ok_or_else(|| not_found(drone_id))?;
    if current.status == DroneStatus::Retired {
        return Err(AppError::Conflict(format!(
            "drone {:?} is RETIRED: retired is final, nothing more is recorded",
            current.serial_number
        )));
    }
    let at = txn.now();
    let performed_at = input.performed_at.unwrap_or(at);
    let entry = maintenance::ActiveModel {
        drone_id: Set(drone_id),
        kind: Set(input.kind),
        note: Set(note),
        performed_at: Set(performed_at),
        recorded_by_id: Set(w.actor.user_id()),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;

    let before = snapshot(&txn, &current).await?;
    let last = current
        .last_maintenance_at
        .map_or(performed_at, |last| last.max(performed_at));
    let mut drone: crate::entity::drone::ActiveModel = current.clone().into();
    drone.last_maintenance_at = Set(Some(last));
    drone.maintenance_due_at = Set(maintenance_due_at(
        current.created_at,
        Some(last),
        current.maintenance_interval_days,
    ));
    if input.return_to_service && current.status == DroneStatus::Maintenance {
        check_move(current.status, DroneStatus::Available, Via::SetStatus)?;
        drone.status = Set(DroneStatus::Available);
        drone.status_note = Set(None);
    }
    drone.updated_at = Set(at);
    let updated = drone.update(&txn).await?;
    txn.audit([Change::created(
        AuditEntity::Maintenance,
        entry.id,
        maintenance_snapshot(&entry),
    )])
    .await?;
    finish_update(txn, before, &updated).await?;
    Ok(entry)
}

/// Newest first: by `performed_at` (then id, as every ordering ends).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ByPerformedAt;

impl SortKey for ByPerformedAt {
    type Entity = maintenance::Entity;

    fn name(self) -> &'static str {
        "PERFORMED_AT"
    }

    fn column(self) -> maintenance::Column {
        maintenance::Column::PerformedAt
    }

    fn kind(self) -> KeyKind {
        KeyKind::Time
    }

    fn value(self, row: &maintenance::Model) -> KeyValue {
        KeyValue::Time(row.performed_at)
    }

    fn id_column() -> maintenance::Column {
        maintenance::Column::Id
    }

    fn id(row: &maintenance::Model) -> i64 {
        row.id
    }
}

/// A page of one drone's history, newest first.
pub(crate) async fn list(
    db: &DatabaseConnection,
    drone_id: i64,
    args: &PageArgs,
) -> Result<Page<maintenance::Model>> {
    let select = maintenance::Entity::find().filter(maintenance::Column::DroneId.eq(drone_id));
    pagination::fetch_page(db, select, &[(ByPerformedAt, SortDirection::Desc)], args).await
}
