//! Drones: registration (one or in bulk), changes, deletion and look-ups. What the list
//! filters and orders by is in `drone/list.rs`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    sea_query::OnConflict as SqlOnConflict,
};

use crate::{
    db::{self, TurnLock},
    entity::{drone, drone_camera},
    error::{AppError, Result, conflict_on_unique},
    events::{ChangeKind, Events, Outbox},
    service::{
        audit::{self, Actor, AuditEntity, Change, drone_snapshot},
        bulk::{self, BulkEntity, BulkOutcome, OnConflict},
        camera::{self as cameras},
        now,
        validate::{ItemErrors, key, required_text},
    },
};

pub(crate) const MAX_SERIAL_CHARS: usize = 100;
pub(crate) const MAX_NAME_CHARS: usize = 200;
pub(crate) const MAX_BRAND_CHARS: usize = 100;
pub(crate) const MAX_CAMERAS_PER_DRONE: usize = 50;
pub(crate) const MAX_SEARCH_CHARS: usize = 200;
/// Drone rows per multi-row INSERT (8 columns: 8,000 bind parameters).
const DRONE_CHUNK: usize = 1000;
/// Link rows per multi-row INSERT (2 columns).
const LINK_CHUNK: usize = 5000;

#[derive(Clone, Debug)]
pub(crate) struct DroneInput {
    pub serial_number: String,
    pub name: String,
    pub brand: String,
    pub camera_models: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct DronePatch {
    pub name: Option<String>,
    pub brand: Option<String>,
    /// Replaces the whole camera list.
    pub camera_models: Option<Vec<String>>,
    pub add_camera_models: Option<Vec<String>>,
    pub remove_camera_models: Option<Vec<String>>,
}

struct ValidDrone {
    serial_number: String,
    serial_key: String,
    name: String,
    brand: String,
    /// Camera model keys, deduplicated, with the model as typed (for messages).
    camera_keys: Vec<(String, String)>,
}

/// Trims and deduplicates camera models (case-insensitively).
fn clean_models(models: &[String]) -> Result<Vec<(String, String)>, String> {
    if models.len() > MAX_CAMERA_MODELS_INPUT {
        return Err(format!(
            "at most {MAX_CAMERAS_PER_DRONE} camera models per drone"
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for model in models {
        let model = required_text("camera model", model, cameras::MAX_MODEL_CHARS)?;
        let model_key = key(&model);
        if seen.insert(model_key.clone()) {
            out.push((model_key, model));
        }
    }
    if out.len() > MAX_CAMERAS_PER_DRONE {
        return Err(format!(
            "at most {MAX_CAMERAS_PER_DRONE} camera models per drone"
        ));
    }
    Ok(out)
}

/// Generous bound on the raw list before deduplication.
const MAX_CAMERA_MODELS_INPUT: usize = 4 * MAX_CAMERAS_PER_DRONE;

fn validate(input: &DroneInput) -> Result<ValidDrone, String> {
    let serial_number = required_text("serialNumber", &input.serial_number, MAX_SERIAL_CHARS)?;
    let name = required_text("name", &input.name, MAX_NAME_CHARS)?;
    let brand = required_text("brand", &input.brand, MAX_BRAND_CHARS)?;
    let camera_keys = clean_models(&input.camera_models)?;
    Ok(ValidDrone {
        serial_key: key(&serial_number),
        serial_number,
        name,
        brand,
        camera_keys,
    })
}

fn unknown_models_message(models: &[&str]) -> String {
    let quoted = models
        .iter()
        .map(|m| format!("{m:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if models.len() == 1 {
        format!("unknown camera model {quoted}: register the camera first")
    } else {
        format!("unknown camera models {quoted}: register the cameras first")
    }
}

/// Resolves camera models to ids; names the unknown ones.
async fn resolve_models(
    db: &impl ConnectionTrait,
    models: &[(String, String)],
) -> Result<Vec<i64>> {
    let keys: Vec<String> = models.iter().map(|(k, _)| k.clone()).collect();
    let ids = cameras::refs_by_key(db, &keys).await?;
    let unknown: Vec<&str> = models
        .iter()
        .filter(|(k, _)| !ids.contains_key(k))
        .map(|(_, m)| m.as_str())
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::bad_input(unknown_models_message(&unknown)));
    }
    Ok(models.iter().map(|(k, _)| ids[k].id).collect())
}

/// The camera models of each drone, as registered, for audit snapshots.
async fn camera_models(
    db: &impl ConnectionTrait,
    drone_ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>> {
    Ok(cameras::by_drone_ids(db, drone_ids)
        .await?
        .into_iter()
        .map(|(id, cams)| (id, cams.into_iter().map(|c| c.model).collect()))
        .collect())
}

/// The actor's id, stored as `registeredBy`.
fn registered_by(actor: &Actor) -> Option<i64> {
    match actor {
        Actor::User { id, .. } => Some(*id),
        Actor::System => None,
    }
}

fn taken(serial: &str) -> AppError {
    AppError::Conflict(format!(
        "a drone with serial number {serial:?} is already registered"
    ))
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no drone with id {id}"))
}

pub(crate) async fn find_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<drone::Model>> {
    Ok(drone::Entity::find_by_id(id).one(db).await?)
}

/// Reads a drone and locks its row until the transaction ends (`FOR UPDATE` on PostgreSQL;
/// SQLite's write transaction holds the whole database already).
async fn lock(txn: &DatabaseTransaction, id: i64) -> Result<Option<drone::Model>> {
    Ok(drone::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?)
}

/// Case-insensitive.
pub(crate) async fn find_by_serial(
    db: &impl ConnectionTrait,
    serial: &str,
) -> Result<Option<drone::Model>> {
    Ok(drone::Entity::find()
        .filter(drone::Column::SerialKey.eq(key(serial)))
        .one(db)
        .await?)
}

async fn link(txn: &DatabaseTransaction, links: Vec<(i64, i64)>) -> Result<()> {
    for chunk in links.chunks(LINK_CHUNK) {
        let rows = chunk
            .iter()
            .map(|(drone_id, camera_id)| drone_camera::ActiveModel {
                drone_id: Set(*drone_id),
                camera_id: Set(*camera_id),
            });
        drone_camera::Entity::insert_many(rows)
            .on_conflict(
                SqlOnConflict::columns([
                    drone_camera::Column::DroneId,
                    drone_camera::Column::CameraId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

async fn unlink_all(txn: &DatabaseTransaction, drone_ids: &[i64]) -> Result<()> {
    for chunk in drone_ids.chunks(DRONE_CHUNK) {
        drone_camera::Entity::delete_many()
            .filter(drone_camera::Column::DroneId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Registers one drone, registered by `actor`.
pub(crate) async fn register(
    db: &DatabaseConnection,
    events: &Events,
    actor: &Actor,
    input: DroneInput,
) -> Result<drone::Model> {
    let valid = validate(&input).map_err(AppError::bad_input)?;
    let txn = db::begin_write(db).await?;
    db::take_turn(&txn, TurnLock::DroneRegistration).await?;
    let camera_ids = resolve_models(&txn, &valid.camera_keys).await?;
    if find_by_serial(&txn, &valid.serial_number).await?.is_some() {
        return Err(taken(&valid.serial_number));
    }
    let at = now();
    let serial = valid.serial_number.clone();
    let created = drone::ActiveModel {
        serial_number: Set(valid.serial_number),
        serial_key: Set(valid.serial_key),
        name: Set(valid.name),
        brand: Set(valid.brand),
        registered_by_id: Set(registered_by(actor)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| conflict_on_unique(e, || taken(&serial).to_string()))?;
    link(
        &txn,
        camera_ids.into_iter().map(|c| (created.id, c)).collect(),
    )
    .await?;
    let models = camera_models(&txn, &[created.id]).await?;
    let after = drone_snapshot(&created, models.get(&created.id).map_or(&[], Vec::as_slice));
    audit::record(
        &txn,
        actor,
        [Change::created(AuditEntity::Drone, created.id, after)],
    )
    .await?;
    let mut outbox = Outbox::new(events);
    outbox.push(ChangeKind::Created, vec![created.id]);
    outbox.commit(txn).await?;
    Ok(created)
}

/// Registers many drones in one transaction with multi-row INSERTs (see [`bulk`]); an updated
/// drone's camera list is replaced by the one given. Announced once committed.
pub(crate) async fn register_many(
    db: &DatabaseConnection,
    events: &Events,
    actor: &Actor,
    inputs: Vec<DroneInput>,
    on_conflict: OnConflict,
) -> Result<BulkOutcome<drone::Model>> {
    let staged = bulk::register::<Drones>(db, actor, &inputs, on_conflict).await?;
    let mut outbox = Outbox::new(events);
    outbox.push(ChangeKind::Created, staged.created_ids);
    outbox.push(ChangeKind::Updated, staged.updated_ids);
    outbox.commit(staged.txn).await?;
    Ok(staged.outcome)
}

/// Drones in bulk registration.
struct Drones;

impl BulkEntity for Drones {
    type Input = DroneInput;
    type Item = ValidDrone;
    type Model = drone::Model;
    /// Every camera model of the batch, by key.
    type Refs = HashMap<String, cameras::CameraRef>;

    const AUDIT: AuditEntity = AuditEntity::Drone;
    const TURN: TurnLock = TurnLock::DroneRegistration;
    const KEY_NAME: &'static str = "serial number";

    fn validate(input: &DroneInput) -> Result<ValidDrone, String> {
        validate(input)
    }

    fn key(item: &ValidDrone) -> &str {
        &item.serial_key
    }

    fn shown_key(item: &ValidDrone) -> &str {
        &item.serial_number
    }

    fn row_key(row: &drone::Model) -> &str {
        &row.serial_key
    }

    fn row_id(row: &drone::Model) -> i64 {
        row.id
    }

    /// One look-up for every camera model of the batch; names each item's unknown ones.
    async fn refs(
        db: &DatabaseConnection,
        items: &[(usize, ValidDrone)],
        errors: &mut ItemErrors,
    ) -> Result<Self::Refs> {
        let all_keys: Vec<String> = items
            .iter()
            .flat_map(|(_, d)| d.camera_keys.iter().map(|(k, _)| k.clone()))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let refs = cameras::refs_by_key(db, &all_keys).await?;
        for (index, drone) in items {
            let unknown: Vec<&str> = drone
                .camera_keys
                .iter()
                .filter(|(k, _)| !refs.contains_key(k))
                .map(|(_, m)| m.as_str())
                .collect();
            if !unknown.is_empty() {
                errors.push(*index, unknown_models_message(&unknown));
            }
        }
        Ok(refs)
    }

    async fn existing(
        txn: &DatabaseTransaction,
        keys: &[String],
    ) -> Result<HashMap<String, drone::Model>> {
        existing_by_serial(txn, keys).await
    }

    async fn snapshots(
        txn: &DatabaseTransaction,
        rows: Vec<&drone::Model>,
    ) -> Result<HashMap<i64, serde_json::Value>> {
        let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
        let mut models = camera_models(txn, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|d| {
                let cams = models.remove(&d.id).unwrap_or_default();
                (d.id, drone_snapshot(d, &cams))
            })
            .collect())
    }

    async fn write(
        txn: &DatabaseTransaction,
        items: &[&ValidDrone],
        actor: &Actor,
        at: DateTime<Utc>,
        policy: OnConflict,
    ) -> Result<Vec<drone::Model>> {
        let mut written = Vec::with_capacity(items.len());
        for chunk in items.chunks(DRONE_CHUNK) {
            let models = chunk.iter().map(|d| drone::ActiveModel {
                serial_number: Set(d.serial_number.clone()),
                serial_key: Set(d.serial_key.clone()),
                name: Set(d.name.clone()),
                brand: Set(d.brand.clone()),
                registered_by_id: Set(registered_by(actor)),
                created_at: Set(at),
                updated_at: Set(at),
                ..Default::default()
            });
            let clause = bulk::conflict_clause(
                drone::Column::SerialKey,
                &[
                    drone::Column::SerialNumber,
                    drone::Column::Name,
                    drone::Column::Brand,
                    drone::Column::UpdatedAt,
                ],
                policy,
            );
            let insert = drone::Entity::insert_many(models);
            written.extend(bulk::insert_chunk(txn, insert, clause, "serial number").await?);
        }
        Ok(written)
    }

    /// Camera links: an overwritten drone's list is replaced by the one given.
    async fn link(
        txn: &DatabaseTransaction,
        written: &[drone::Model],
        items: &HashMap<&str, &ValidDrone>,
        overwritten: &[i64],
        refs: &Self::Refs,
    ) -> Result<()> {
        unlink_all(txn, overwritten).await?;
        let links: Vec<(i64, i64)> = written
            .iter()
            .flat_map(|d| {
                items[d.serial_key.as_str()]
                    .camera_keys
                    .iter()
                    .map(|(k, _)| (d.id, refs[k].id))
            })
            .collect();
        link(txn, links).await
    }

    fn snapshot(row: &drone::Model, item: &ValidDrone, refs: &Self::Refs) -> serde_json::Value {
        let models: Vec<String> = item
            .camera_keys
            .iter()
            .map(|(k, _)| refs[k].model.clone())
            .collect();
        drone_snapshot(row, &models)
    }
}

/// The drones of these serial keys that exist already, by key.
async fn existing_by_serial(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashMap<String, drone::Model>> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(DRONE_CHUNK) {
        let rows = drone::Entity::find()
            .filter(drone::Column::SerialKey.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|d| (d.serial_key.clone(), d)));
    }
    Ok(found)
}

pub(crate) async fn update(
    db: &DatabaseConnection,
    events: &Events,
    actor: &Actor,
    id: i64,
    patch: DronePatch,
) -> Result<drone::Model> {
    let name = patch
        .name
        .as_deref()
        .map(|n| required_text("name", n, MAX_NAME_CHARS))
        .transpose()
        .map_err(AppError::bad_input)?;
    let brand = patch
        .brand
        .as_deref()
        .map(|b| required_text("brand", b, MAX_BRAND_CHARS))
        .transpose()
        .map_err(AppError::bad_input)?;
    if patch.camera_models.is_some()
        && (patch.add_camera_models.is_some() || patch.remove_camera_models.is_some())
    {
        return Err(AppError::bad_input(
            "cameraModels replaces the whole list: use it without addCameraModels/removeCameraModels",
        ));
    }
    let clean = |models: &Option<Vec<String>>| {
        models
            .as_deref()
            .map(clean_models)
            .transpose()
            .map_err(AppError::bad_input)
    };
    let replace = clean(&patch.camera_models)?;
    let add = clean(&patch.add_camera_models)?;
    let remove = clean(&patch.remove_camera_models)?;

    let txn = db::begin_write(db).await?;
    // Locked until commit (PostgreSQL): a concurrent update of this drone waits its turn, so two
    // camera-list replacements never merge, and a concurrent delete waits or has happened.
    let current = lock(&txn, id).await?.ok_or_else(|| not_found(id))?;
    let models_before = camera_models(&txn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let before = drone_snapshot(&current, &models_before);
    if let Some(models) = replace {
        let ids = resolve_models(&txn, &models).await?;
        unlink_all(&txn, &[id]).await?;
        link(&txn, ids.into_iter().map(|c| (id, c)).collect()).await?;
    }
    if let Some(models) = remove {
        let ids = resolve_models(&txn, &models).await?;
        drone_camera::Entity::delete_many()
            .filter(drone_camera::Column::DroneId.eq(id))
            .filter(drone_camera::Column::CameraId.is_in(ids))
            .exec(&txn)
            .await?;
    }
    if let Some(models) = add {
        let ids = resolve_models(&txn, &models).await?;
        link(&txn, ids.into_iter().map(|c| (id, c)).collect()).await?;
        let count = drone_camera::Entity::find()
            .filter(drone_camera::Column::DroneId.eq(id))
            .count(&txn)
            .await?;
        if count > MAX_CAMERAS_PER_DRONE as u64 {
            return Err(AppError::bad_input(format!(
                "at most {MAX_CAMERAS_PER_DRONE} camera models per drone"
            )));
        }
    }
    let mut active: drone::ActiveModel = current.into();
    if let Some(name) = name {
        active.name = Set(name);
    }
    if let Some(brand) = brand {
        active.brand = Set(brand);
    }
    active.updated_at = Set(now());
    let updated = active.update(&txn).await?;
    let models_after = camera_models(&txn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let after = drone_snapshot(&updated, &models_after);
    audit::record(
        &txn,
        actor,
        [Change::updated(AuditEntity::Drone, id, before, after)],
    )
    .await?;
    let mut outbox = Outbox::new(events);
    outbox.push(ChangeKind::Updated, vec![id]);
    outbox.commit(txn).await?;
    Ok(updated)
}

pub(crate) async fn delete(
    db: &DatabaseConnection,
    events: &Events,
    actor: &Actor,
    id: i64,
) -> Result<i64> {
    let txn = db::begin_write(db).await?;
    let current = lock(&txn, id).await?.ok_or_else(|| not_found(id))?;
    let models = camera_models(&txn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let deleted = drone::Entity::delete_by_id(id)
        .exec(&txn)
        .await?
        .rows_affected;
    // A concurrent delete between the read and this one (PostgreSQL; SQLite's write
    // transaction is exclusive) is still a miss.
    if deleted == 0 {
        return Err(not_found(id));
    }
    let before = drone_snapshot(&current, &models);
    audit::record(
        &txn,
        actor,
        [Change::deleted(AuditEntity::Drone, id, before)],
    )
    .await?;
    let mut outbox = Outbox::new(events);
    outbox.push(ChangeKind::Deleted, vec![id]);
    outbox.commit(txn).await?;
    Ok(id)
}

mod list;
pub(crate) use list::{DroneFilter, DroneSort};

#[cfg(test)]
mod props;
