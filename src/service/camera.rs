//! Cameras: registration (one or in bulk), changes, deletion, look-ups and the relations
//! drones need. What the list filters and orders by is in `camera/list.rs`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    db::{self, TurnLock},
    entity::{camera, drone_camera},
    error::{AppError, Result, conflict_on_unique},
    service::{
        audit::{Actor, AuditEntity, Change, camera_snapshot},
        bulk::{self, BulkEntity, BulkOutcome, OnConflict, Report},
        validate::{At, FieldError, key, required_text},
        write::Writer,
    },
};

pub(crate) const MAX_MODEL_CHARS: usize = 100;
pub(crate) const MAX_BRAND_CHARS: usize = 100;
/// Sanity bound: the largest sensors on the market are a few hundred megapixels.
pub(crate) const MAX_MEGAPIXELS: f64 = 10_000.0;
/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bind-parameter limits.
const INSERT_CHUNK: usize = 1000;

#[derive(Clone, Debug)]
pub(crate) struct CameraInput {
    pub model: String,
    pub brand: String,
    pub megapixels: f64,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct CameraPatch {
    pub model: Option<String>,
    pub brand: Option<String>,
    pub megapixels: Option<f64>,
}

/// A checked camera: trimmed text and its key.
struct ValidCamera {
    model: String,
    model_key: String,
    brand: String,
    megapixels: f64,
}

fn check_megapixels(megapixels: f64) -> Result<f64, String> {
    if !megapixels.is_finite() || megapixels <= 0.0 {
        return Err(format!(
            "megapixels must be greater than 0, got {megapixels}"
        ));
    }
    if megapixels > MAX_MEGAPIXELS {
        return Err(format!(
            "megapixels must be at most {MAX_MEGAPIXELS}, got {megapixels}"
        ));
    }
    Ok(megapixels)
}

fn validate(input: &CameraInput) -> Result<ValidCamera, FieldError> {
    let model = required_text("model", &input.model, MAX_MODEL_CHARS).at("model")?;
    let brand = required_text("brand", &input.brand, MAX_BRAND_CHARS).at("brand")?;
    let megapixels = check_megapixels(input.megapixels).at("megapixels")?;
    Ok(ValidCamera {
        model_key: key(&model),
        model,
        brand,
        megapixels,
    })
}

fn taken(model: &str) -> AppError {
    AppError::Conflict(format!("camera model {model:?} is already registered"))
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no camera with id {id}"))
}

pub(crate) async fn find_by_id(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<camera::Model>> {
    Ok(camera::Entity::find_by_id(id).one(db).await?)
}

/// Case-insensitive: `hero3` finds `HERO3`.
pub(crate) async fn find_by_model(
    db: &impl ConnectionTrait,
    model: &str,
) -> Result<Option<camera::Model>> {
    Ok(camera::Entity::find()
        .filter(camera::Column::ModelKey.eq(key(model)))
        .one(db)
        .await?)
}

/// Registers one camera: a batch of one (see [`bulk::register_one`]).
pub(crate) async fn register(w: &Writer<'_>, input: CameraInput) -> Result<camera::Model> {
    let (txn, created) = bulk::register_one::<Cameras>(w, input).await?;
    txn.commit().await?;
    Ok(created)
}

/// Registers many cameras in one transaction with multi-row INSERTs (see [`bulk`]).
pub(crate) async fn register_many(
    w: &Writer<'_>,
    inputs: Vec<CameraInput>,
    on_conflict: OnConflict,
) -> Result<BulkOutcome<camera::Model>> {
    let outcome = bulk::register::<Cameras>(w, &inputs, on_conflict, Report::ByIndex)
        .await?
        .commit()
        .await?;
    db::refresh_statistics_after_bulk(w.db, &["cameras"], outcome.rows.len());
    Ok(outcome)
}

/// Cameras in bulk registration.
struct Cameras;

impl BulkEntity for Cameras {
    type Input = CameraInput;
    type Item = ValidCamera;
    type Model = camera::Model;
    type Refs = ();

    const AUDIT: AuditEntity = AuditEntity::Camera;
    const TURN: TurnLock = TurnLock::CameraRegistration;
    const KEY_NAME: &'static str = "model";
    const KEY_FIELD: &'static str = "model";

    fn taken(model: &str) -> AppError {
        taken(model)
    }

    fn validate(input: &CameraInput) -> Result<ValidCamera, FieldError> {
        validate(input)
    }

    fn key(item: &ValidCamera) -> &str {
        &item.model_key
    }

    fn shown_key(item: &ValidCamera) -> &str {
        &item.model
    }

    fn row_key(row: &camera::Model) -> &str {
        &row.model_key
    }

    fn row_id(row: &camera::Model) -> i64 {
        row.id
    }

    async fn existing(
        txn: &DatabaseTransaction,
        keys: &[String],
    ) -> Result<HashMap<String, camera::Model>> {
        existing_by_key(txn, keys).await
    }

    async fn snapshots(
        _: &DatabaseTransaction,
        rows: Vec<&camera::Model>,
    ) -> Result<HashMap<i64, serde_json::Value>> {
        Ok(rows
            .into_iter()
            .map(|c| (c.id, camera_snapshot(c)))
            .collect())
    }

    async fn write(
        txn: &DatabaseTransaction,
        items: &[&ValidCamera],
        _: &(),
        _: &Actor,
        at: DateTime<Utc>,
        policy: OnConflict,
    ) -> Result<Vec<camera::Model>> {
        let mut written = Vec::with_capacity(items.len());
        for chunk in items.chunks(INSERT_CHUNK) {
            let models = chunk.iter().map(|c| camera::ActiveModel {
                model: Set(c.model.clone()),
                model_key: Set(c.model_key.clone()),
                brand: Set(c.brand.clone()),
                megapixels: Set(c.megapixels),
                created_at: Set(at),
                updated_at: Set(at),
                ..Default::default()
            });
            let clause = bulk::conflict_clause(
                camera::Column::ModelKey,
                &[
                    camera::Column::Model,
                    camera::Column::Brand,
                    camera::Column::Megapixels,
                    camera::Column::UpdatedAt,
                ],
                policy,
            );
            let insert = camera::Entity::insert_many(models);
            written.extend(bulk::insert_chunk(txn, insert, clause, "camera model").await?);
        }
        Ok(written)
    }

    fn snapshot(
        row: &camera::Model,
        _: &ValidCamera,
        _: &(),
        _: Option<&serde_json::Value>,
    ) -> serde_json::Value {
        camera_snapshot(row)
    }
}

/// The cameras of `keys` that exist already (whole rows: the audit trail records what an
/// UPDATE overwrote).
async fn existing_by_key(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashMap<String, camera::Model>> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(INSERT_CHUNK) {
        let rows = camera::Entity::find()
            .filter(camera::Column::ModelKey.is_in(chunk.iter().cloned()))
            // Locked until the batch commits (PostgreSQL), as the drones' look-up.
            .lock_exclusive()
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|c| (c.model_key.clone(), c)));
    }
    Ok(found)
}

/// A camera as drone registration needs it: its id, and its model as registered (for the
/// audit trail).
pub(crate) struct CameraRef {
    pub id: i64,
    pub model: String,
}

/// Maps camera model keys to the cameras registered under them; used by drone registration.
pub(crate) async fn refs_by_key(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashMap<String, CameraRef>> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(INSERT_CHUNK) {
        let rows: Vec<(i64, String, String)> = camera::Entity::find()
            .select_only()
            .column(camera::Column::Id)
            .column(camera::Column::ModelKey)
            .column(camera::Column::Model)
            .filter(camera::Column::ModelKey.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(
            rows.into_iter()
                .map(|(id, key, model)| (key, CameraRef { id, model })),
        );
    }
    Ok(found)
}

pub(crate) async fn update(w: &Writer<'_>, id: i64, patch: CameraPatch) -> Result<camera::Model> {
    let model = patch
        .model
        .as_deref()
        .map(|m| required_text("model", m, MAX_MODEL_CHARS))
        .transpose()
        .map_err(|e| AppError::bad_field("input.model", e))?;
    let brand = patch
        .brand
        .as_deref()
        .map(|b| required_text("brand", b, MAX_BRAND_CHARS))
        .transpose()
        .map_err(|e| AppError::bad_field("input.brand", e))?;
    let megapixels = patch
        .megapixels
        .map(check_megapixels)
        .transpose()
        .map_err(|e| AppError::bad_field("input.megapixels", e))?;

    let txn = w.begin().await?;
    let current = find_by_id(&txn, id).await?.ok_or_else(|| not_found(id))?;
    let mut active: camera::ActiveModel = current.clone().into();
    if let Some(model) = model {
        let model_key = key(&model);
        if model_key != current.model_key && find_by_model(&txn, &model).await?.is_some() {
            return Err(taken(&model));
        }
        active.model = Set(model);
        active.model_key = Set(model_key);
    }
    if let Some(brand) = brand {
        active.brand = Set(brand);
    }
    if let Some(megapixels) = megapixels {
        active.megapixels = Set(megapixels);
    }
    active.updated_at = Set(txn.now());
    let updated = active
        .update(&txn)
        .await
        .map_err(|e| conflict_on_unique(e, || "that camera model is already registered".into()))?;
    let change = Change::updated(
        AuditEntity::Camera,
        id,
        camera_snapshot(&current),
        camera_snapshot(&updated),
    );
    txn.audit([change]).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a camera no drone lists any more.
pub(crate) async fn delete(w: &Writer<'_>, id: i64) -> Result<i64> {
    let txn = w.begin().await?;
    let current = find_by_id(&txn, id).await?.ok_or_else(|| not_found(id))?;
    let in_use = drone_camera::Entity::find()
        .filter(drone_camera::Column::CameraId.eq(id))
        .count(&txn)
        .await?;
    if in_use > 0 {
        return Err(AppError::Conflict(format!(
            "camera {:?} is still listed by {in_use} drone{}: remove it from them first",
            current.model,
            if in_use == 1 { "" } else { "s" }
        )));
    }
    // The foreign key (ON DELETE RESTRICT) backs the check above against a concurrent write.
    camera::Entity::delete_by_id(id)
        .exec(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => {
                AppError::Conflict("camera is still listed by a drone".into())
            }
            _ => AppError::Database(e),
        })?;
    let change = Change::deleted(AuditEntity::Camera, id, camera_snapshot(&current));
    txn.audit([change]).await?;
    txn.commit().await?;
    Ok(id)
}

/// Cameras of many drones at once (DataLoader): drone id -> cameras ordered by model.
pub(crate) async fn by_drone_ids(
    db: &impl ConnectionTrait,
    drone_ids: &[i64],
) -> Result<HashMap<i64, Vec<camera::Model>>> {
    let mut by_drone: HashMap<i64, Vec<camera::Model>> = HashMap::new();
    for chunk in drone_ids.chunks(INSERT_CHUNK) {
        let links: Vec<(i64, camera::Model)> = camera::Entity::find()
            .select_only()
            .columns(CameraWithDrone::COLUMNS)
            .column(drone_camera::Column::DroneId)
            .inner_join(drone_camera::Entity)
            .filter(drone_camera::Column::DroneId.is_in(chunk.iter().copied()))
            .into_model::<CameraWithDrone>()
            .all(db)
            .await?
            .into_iter()
            .map(|row| (row.drone_id, row.into()))
            .collect();
        for (drone_id, camera) in links {
            by_drone.entry(drone_id).or_default().push(camera);
        }
    }
    for cameras in by_drone.values_mut() {
        cameras.sort_by(|a, b| a.model.cmp(&b.model).then(a.id.cmp(&b.id)));
    }
    Ok(by_drone)
}

/// A camera row and the drone it is linked to, decoded by position: this batch decodes
/// three cameras per drone of every page, and by name each value cost a hash look-up of its
/// column (`bench/PROFILE.md`).
struct CameraWithDrone {
    drone_id: i64,
    id: i64,
    model: String,
    model_key: String,
    brand: String,
    megapixels: f64,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl CameraWithDrone {
    /// The selected columns in the order `from_query_result` reads them; `drone_id` last.
    const COLUMNS: [camera::Column; 7] = [
        camera::Column::Id,
        camera::Column::Model,
        camera::Column::ModelKey,
        camera::Column::Brand,
        camera::Column::Megapixels,
        camera::Column::CreatedAt,
        camera::Column::UpdatedAt,
    ];
}

impl sea_orm::FromQueryResult for CameraWithDrone {
    fn from_query_result(row: &sea_orm::QueryResult, _: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(CameraWithDrone {
            id: row.try_get_by_index(0)?,
            model: row.try_get_by_index(1)?,
            model_key: row.try_get_by_index(2)?,
            brand: row.try_get_by_index(3)?,
            megapixels: row.try_get_by_index(4)?,
            created_at: row.try_get_by_index(5)?,
            updated_at: row.try_get_by_index(6)?,
            drone_id: row.try_get_by_index(Self::COLUMNS.len())?,
        })
    }
}

impl From<CameraWithDrone> for camera::Model {
    fn from(row: CameraWithDrone) -> Self {
        camera::Model {
            id: row.id,
            model: row.model,
            model_key: row.model_key,
            brand: row.brand,
            megapixels: row.megapixels,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// How many drones list each camera (DataLoader).
pub(crate) async fn drone_counts(
    db: &impl ConnectionTrait,
    camera_ids: &[i64],
) -> Result<HashMap<i64, i64>> {
    let mut counts = HashMap::new();
    for chunk in camera_ids.chunks(INSERT_CHUNK) {
        let rows: Vec<(i64, i64)> = drone_camera::Entity::find()
            .select_only()
            .column(drone_camera::Column::CameraId)
            .column_as(
                Expr::col(drone_camera::Column::DroneId).count(),
                "drone_count",
            )
            .filter(drone_camera::Column::CameraId.is_in(chunk.iter().copied()))
            .group_by(drone_camera::Column::CameraId)
            .into_tuple()
            .all(db)
            .await?;
        counts.extend(rows);
    }
    Ok(counts)
}

mod list;
pub(crate) use list::{CameraFilter, CameraSort};

#[cfg(test)]
mod props;
