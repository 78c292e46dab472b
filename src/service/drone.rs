//! Drones: registration (one or in bulk), changes, deletion, look-ups and the filtered list.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict as SqlOnConflict, Query},
};

use crate::{
    db::{self, TurnLock},
    entity::{camera, drone, drone_camera},
    error::{AppError, Result, conflict_on_unique},
    events::{ChangeKind, Events, Outbox},
    service::{
        OnConflict,
        audit::{self, Actor, AuditEntity, Change, drone_snapshot},
        camera as cameras,
        camera::{BulkOutcome, CameraFilter, FilterBudget},
        filter::{DateTimeFilter, StringFilter, contains_ci},
        now,
        pagination::{self, KeyKind, KeyValue, Page, PageArgs, SortDirection, SortKey},
        validate::{ItemErrors, key, required_text},
    },
};

pub const MAX_SERIAL_CHARS: usize = 100;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_BRAND_CHARS: usize = 100;
pub const MAX_CAMERAS_PER_DRONE: usize = 50;
pub const MAX_SEARCH_CHARS: usize = 200;
/// Drone rows per multi-row INSERT (8 columns: 8,000 bind parameters).
const DRONE_CHUNK: usize = 1000;
/// Link rows per multi-row INSERT (2 columns).
const LINK_CHUNK: usize = 5000;

#[derive(Clone, Debug)]
pub struct DroneInput {
    pub serial_number: String,
    pub name: String,
    pub brand: String,
    pub camera_models: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct DronePatch {
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

pub async fn find_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<drone::Model>> {
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

pub async fn find_by_ids(db: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<drone::Model>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(DRONE_CHUNK) {
        found.extend(
            drone::Entity::find()
                .filter(drone::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(found)
}

/// Case-insensitive.
pub async fn find_by_serial(
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
pub async fn register(
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

/// Registers many drones in one transaction with multi-row INSERTs. Every item is checked
/// first (fields, repeated serials, unknown camera models) and every problem is reported by
/// index; nothing is written unless all items are valid (and, with FAIL, none exists yet).
pub async fn register_many(
    db: &DatabaseConnection,
    events: &Events,
    actor: &Actor,
    inputs: Vec<DroneInput>,
    on_conflict: OnConflict,
) -> Result<BulkOutcome<drone::Model>> {
    let mut errors = ItemErrors::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut valid: Vec<(usize, ValidDrone)> = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        match validate(input) {
            Ok(drone) => {
                if let Some(first) = seen.insert(drone.serial_key.clone(), index) {
                    errors.push(
                        index,
                        format!(
                            "serial number {:?} repeats item {first}",
                            drone.serial_number
                        ),
                    );
                } else {
                    valid.push((index, drone));
                }
            }
            Err(message) => errors.push(index, message),
        }
    }

    // One look-up for every camera model of the batch.
    let all_keys: Vec<String> = valid
        .iter()
        .flat_map(|(_, d)| d.camera_keys.iter().map(|(k, _)| k.clone()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let camera_ids = cameras::refs_by_key(db, &all_keys).await?;
    for (index, drone) in &valid {
        let unknown: Vec<&str> = drone
            .camera_keys
            .iter()
            .filter(|(k, _)| !camera_ids.contains_key(k))
            .map(|(_, m)| m.as_str())
            .collect();
        if !unknown.is_empty() {
            errors.push(*index, unknown_models_message(&unknown));
        }
    }
    errors.into_bad_input()?;

    let txn = db::begin_write(db).await?;
    db::take_turn(&txn, TurnLock::DroneRegistration).await?;
    let serial_keys: Vec<String> = valid.iter().map(|(_, d)| d.serial_key.clone()).collect();
    let existing = existing_by_serial(&txn, &serial_keys).await?;
    // What an UPDATE will overwrite, for the audit trail (read before it is overwritten).
    let overwritten: HashMap<i64, serde_json::Value> = if on_conflict == OnConflict::Update {
        let ids: Vec<i64> = existing.values().map(|d| d.id).collect();
        let mut models = camera_models(&txn, &ids).await?;
        existing
            .values()
            .map(|d| {
                let cams = models.remove(&d.id).unwrap_or_default();
                (d.id, drone_snapshot(d, &cams))
            })
            .collect()
    } else {
        HashMap::new()
    };
    if on_conflict == OnConflict::Fail {
        let mut conflicts = ItemErrors::default();
        for (index, drone) in &valid {
            if existing.contains_key(&drone.serial_key) {
                conflicts.push(
                    *index,
                    format!(
                        "serial number {:?} is already registered",
                        drone.serial_number
                    ),
                );
            }
        }
        conflicts.into_conflict()?;
    }

    let mut skipped = 0;
    let rows: Vec<&ValidDrone> = valid
        .iter()
        .map(|(_, d)| d)
        .filter(|d| {
            let skip = on_conflict == OnConflict::Skip && existing.contains_key(&d.serial_key);
            skipped += usize::from(skip);
            !skip
        })
        .collect();

    let at = now();
    let mut written: Vec<drone::Model> = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(DRONE_CHUNK) {
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
        let insert = drone::Entity::insert_many(models);
        // ON CONFLICT also covers a drone registered concurrently after the look-up above.
        let inserted = match on_conflict {
            OnConflict::Fail => insert.exec_with_returning(&txn).await.map_err(|e| {
                conflict_on_unique(e, || {
                    "a serial number of this batch was registered concurrently: nothing was written"
                        .into()
                })
            })?,
            OnConflict::Skip => {
                insert
                    .on_conflict(
                        SqlOnConflict::column(drone::Column::SerialKey)
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_with_returning(&txn)
                    .await?
            }
            OnConflict::Update => {
                insert
                    .on_conflict(
                        SqlOnConflict::column(drone::Column::SerialKey)
                            .update_columns([
                                drone::Column::SerialNumber,
                                drone::Column::Name,
                                drone::Column::Brand,
                                drone::Column::UpdatedAt,
                            ])
                            .to_owned(),
                    )
                    .exec_with_returning(&txn)
                    .await?
            }
        };
        written.extend(inserted);
    }

    // Camera links: an updated drone's list is replaced by the one given.
    let by_key: HashMap<&str, &ValidDrone> =
        rows.iter().map(|d| (d.serial_key.as_str(), *d)).collect();
    let updated_ids: Vec<i64> = written
        .iter()
        .filter(|d| existing.contains_key(&d.serial_key))
        .map(|d| d.id)
        .collect();
    unlink_all(&txn, &updated_ids).await?;
    let links: Vec<(i64, i64)> = written
        .iter()
        .flat_map(|d| {
            by_key[d.serial_key.as_str()]
                .camera_keys
                .iter()
                .map(|(k, _)| (d.id, camera_ids[k].id))
                .collect::<Vec<_>>()
        })
        .collect();
    link(&txn, links).await?;
    let changes = written.iter().map(|d| {
        let models: Vec<String> = by_key[d.serial_key.as_str()]
            .camera_keys
            .iter()
            .map(|(k, _)| camera_ids[k].model.clone())
            .collect();
        let after = drone_snapshot(d, &models);
        match overwritten.get(&d.id) {
            Some(before) => Change::updated(AuditEntity::Drone, d.id, before.clone(), after),
            None => Change::created(AuditEntity::Drone, d.id, after),
        }
    });
    audit::record(&txn, actor, changes).await?;
    let mut outbox = Outbox::new(events);
    let updated_set: HashSet<i64> = updated_ids.iter().copied().collect();
    outbox.push(
        ChangeKind::Created,
        written
            .iter()
            .map(|d| d.id)
            .filter(|id| !updated_set.contains(id))
            .collect(),
    );
    outbox.push(ChangeKind::Updated, updated_ids.clone());
    outbox.commit(txn).await?;

    let position: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, d)| (d.serial_key.as_str(), i))
        .collect();
    written.sort_by_key(|d| {
        position
            .get(d.serial_key.as_str())
            .copied()
            .unwrap_or(usize::MAX)
    });
    let updated = updated_ids.len();
    Ok(BulkOutcome {
        created: written.len() - updated,
        updated,
        skipped: skipped + (rows.len() - written.len()),
        rows: written,
    })
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

pub async fn update(
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

pub async fn delete(
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

#[derive(Clone, Debug, Default)]
pub struct DroneFilter {
    pub search: Option<String>,
    pub serial_number: Option<StringFilter>,
    pub name: Option<StringFilter>,
    pub brand: Option<StringFilter>,
    pub camera: Option<CameraFilter>,
    pub created_at: Option<DateTimeFilter>,
    pub and: Vec<DroneFilter>,
    pub or: Vec<DroneFilter>,
    pub not: Option<Box<DroneFilter>>,
}

impl DroneFilter {
    fn condition(&self, budget: &mut FilterBudget, depth: usize) -> Result<Condition> {
        budget.enter(depth)?;
        budget.spend_in_values([
            self.serial_number.as_ref(),
            self.name.as_ref(),
            self.brand.as_ref(),
        ])?;
        let mut all = Condition::all();
        if let Some(text) = &self.search {
            if text.chars().count() > MAX_SEARCH_CHARS {
                return Err(AppError::bad_input(format!(
                    "search must be at most {MAX_SEARCH_CHARS} characters"
                )));
            }
            let text = text.trim();
            if !text.is_empty() {
                all = all.add(
                    Condition::any()
                        .add(contains_ci(drone::Column::SerialNumber, text))
                        .add(contains_ci(drone::Column::Name, text))
                        .add(contains_ci(drone::Column::Brand, text)),
                );
            }
        }
        if let Some(f) = &self.serial_number {
            all = all.add(f.condition(drone::Column::SerialNumber)?);
        }
        if let Some(f) = &self.name {
            all = all.add(f.condition(drone::Column::Name)?);
        }
        if let Some(f) = &self.brand {
            all = all.add(f.condition(drone::Column::Brand)?);
        }
        if let Some(f) = &self.created_at {
            all = all.add(f.condition(drone::Column::CreatedAt));
        }
        if let Some(camera_filter) = &self.camera {
            // A semi-join: drones with at least one matching camera, each drone once.
            let mut matching = Query::select();
            matching
                .expr(Expr::val(1))
                .from(drone_camera::Entity)
                .inner_join(
                    camera::Entity,
                    Expr::col((camera::Entity, camera::Column::Id))
                        .equals((drone_camera::Entity, drone_camera::Column::CameraId)),
                )
                .and_where(
                    Expr::col((drone_camera::Entity, drone_camera::Column::DroneId))
                        .equals((drone::Entity, drone::Column::Id)),
                )
                .cond_where(camera_filter.condition(budget, depth + 1)?);
            all = all.add(Expr::exists(matching));
        }
        for f in &self.and {
            all = all.add(f.condition(budget, depth + 1)?);
        }
        if !self.or.is_empty() {
            let mut any = Condition::any();
            for f in &self.or {
                any = any.add(f.condition(budget, depth + 1)?);
            }
            all = all.add(any);
        }
        if let Some(f) = &self.not {
            all = all.add(f.condition(budget, depth + 1)?.not());
        }
        Ok(all)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DroneSort {
    Name,
    Brand,
    SerialNumber,
    CreatedAt,
    UpdatedAt,
}

impl SortKey for DroneSort {
    type Entity = drone::Entity;

    fn name(self) -> &'static str {
        match self {
            DroneSort::Name => "NAME",
            DroneSort::Brand => "BRAND",
            DroneSort::SerialNumber => "SERIAL_NUMBER",
            DroneSort::CreatedAt => "CREATED_AT",
            DroneSort::UpdatedAt => "UPDATED_AT",
        }
    }

    fn column(self) -> drone::Column {
        match self {
            DroneSort::Name => drone::Column::Name,
            DroneSort::Brand => drone::Column::Brand,
            DroneSort::SerialNumber => drone::Column::SerialNumber,
            DroneSort::CreatedAt => drone::Column::CreatedAt,
            DroneSort::UpdatedAt => drone::Column::UpdatedAt,
        }
    }

    fn kind(self) -> KeyKind {
        match self {
            DroneSort::Name | DroneSort::Brand | DroneSort::SerialNumber => KeyKind::Text,
            DroneSort::CreatedAt | DroneSort::UpdatedAt => KeyKind::Time,
        }
    }

    fn value(self, row: &drone::Model) -> KeyValue {
        match self {
            DroneSort::Name => KeyValue::Text(row.name.clone()),
            DroneSort::Brand => KeyValue::Text(row.brand.clone()),
            DroneSort::SerialNumber => KeyValue::Text(row.serial_number.clone()),
            DroneSort::CreatedAt => KeyValue::Time(row.created_at),
            DroneSort::UpdatedAt => KeyValue::Time(row.updated_at),
        }
    }

    fn id_column() -> drone::Column {
        drone::Column::Id
    }

    fn id(row: &drone::Model) -> i64 {
        row.id
    }
}

pub async fn list(
    db: &DatabaseConnection,
    filter: Option<DroneFilter>,
    order: &[(DroneSort, SortDirection)],
    args: &PageArgs,
) -> Result<Page<drone::Model>> {
    let mut select = drone::Entity::find();
    if let Some(filter) = filter {
        select = select.filter(filter.condition(&mut FilterBudget::new(), 1)?);
    }
    pagination::fetch_page(db, select, order, args).await
}

#[cfg(test)]
mod props;
