//! Drones: registration (one or in bulk), changes, deletion and look-ups. What the list
//! filters and orders by is in `drone/list.rs`; the status lifecycle and custody in
//! `drone/status.rs`; maintenance in `drone/maintenance.rs`; tags in `drone/tags.rs`; the
//! dashboard counts in `drone/stats.rs`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, OnConflict as SqlOnConflict},
};

use crate::{
    db::{self, TurnLock},
    entity::{
        drone::{self, DroneStatus},
        drone_camera,
    },
    error::{AppError, Result, conflict_on_foreign_key},
    events::ChangeKind,
    service::{
        Patch,
        audit::{Actor, AuditEntity, Change, drone_snapshot},
        bulk::{self, BulkEntity, BulkOutcome, OnConflict, Report},
        camera::{self as cameras},
        photo::{self, store::PhotoStore},
        site as sites,
        validate::{At, FieldError, ItemErrors, key, required_text},
        write::{WriteTxn, Writer},
    },
};

pub(crate) const MAX_SERIAL_CHARS: usize = 100;
pub(crate) const MAX_NAME_CHARS: usize = 200;
pub(crate) const MAX_BRAND_CHARS: usize = 100;
pub(crate) const MAX_CAMERAS_PER_DRONE: usize = 50;
pub(crate) const MAX_SEARCH_CHARS: usize = 200;
/// Days between inspections, when a drone has a schedule.
pub(crate) const MAINTENANCE_INTERVAL_DAYS: std::ops::RangeInclusive<i32> = 1..=3650;
/// Drone rows per multi-row INSERT (11 columns: 11,000 bind parameters).
const DRONE_CHUNK: usize = 1000;
/// Link rows per multi-row INSERT (2 columns).
const LINK_CHUNK: usize = 5000;

#[derive(Clone, Debug)]
pub(crate) struct DroneInput {
    pub serial_number: String,
    pub name: String,
    pub brand: String,
    pub camera_models: Vec<String>,
    /// Name of the site it is stationed at.
    pub site: Option<String>,
    /// None: no tags (and, when a bulk UPDATE overwrites a drone, its tags stay).
    pub tags: Option<Vec<String>>,
    pub maintenance_interval_days: Option<i32>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct DronePatch {
    pub name: Option<String>,
    pub brand: Option<String>,
    /// Replaces the whole camera list.
    pub camera_models: Option<Vec<String>>,
    pub add_camera_models: Option<Vec<String>>,
    pub remove_camera_models: Option<Vec<String>>,
    /// A site name; Clear: stationed nowhere.
    pub site: Patch<String>,
    /// Replaces every tag.
    pub tags: Option<Vec<String>>,
    pub add_tags: Option<Vec<String>>,
    pub remove_tags: Option<Vec<String>>,
    pub maintenance_interval_days: Patch<i32>,
}

struct ValidDrone {
    serial_number: String,
    serial_key: String,
    name: String,
    brand: String,
    /// Camera model keys, deduplicated, with the model as typed (for messages).
    camera_keys: Vec<(String, String)>,
    /// Where each of `camera_keys` stands in the input's `cameraModels` (first occurrence),
    /// so a problem with one names `cameraModels.N`.
    camera_positions: Vec<usize>,
    /// The site's name key and its name as typed.
    site: Option<(String, String)>,
    tags: Option<Vec<String>>,
    maintenance_interval_days: Option<i32>,
}

/// When a drone is next due for maintenance: its latest maintenance (or, with none, its
/// registration) plus its interval; none without a schedule. The one rule: the field, the
/// `maintenanceDue` filter and the `MAINTENANCE_DUE_AT` ordering all read the column it fills.
pub(crate) fn maintenance_due_at(
    created_at: DateTime<Utc>,
    last_maintenance_at: Option<DateTime<Utc>>,
    interval_days: Option<i32>,
) -> Option<DateTime<Utc>> {
    interval_days
        .map(|days| last_maintenance_at.unwrap_or(created_at) + Duration::days(days.into()))
}

/// Whether `row` is due for maintenance at `at` (the SQL twin is in `list.rs`).
pub(crate) fn maintenance_due(row: &drone::Model, at: DateTime<Utc>) -> bool {
    row.status != DroneStatus::Retired && row.maintenance_due_at.is_some_and(|due| due < at)
}

/// Whether `row` is checked out past its due-back time at `at` (the SQL twin is in `list.rs`).
pub(crate) fn overdue(row: &drone::Model, at: DateTime<Utc>) -> bool {
    row.status == DroneStatus::CheckedOut && row.due_back_at.is_some_and(|due| due < at)
}

fn check_interval(days: i32) -> Result<i32, String> {
    if MAINTENANCE_INTERVAL_DAYS.contains(&days) {
        Ok(days)
    } else {
        Err(format!(
            "maintenanceIntervalDays must be between {} and {}, got {days}",
            MAINTENANCE_INTERVAL_DAYS.start(),
            MAINTENANCE_INTERVAL_DAYS.end()
        ))
    }
}

/// Trims and deduplicates camera models (case-insensitively), with the position of each in
/// `models`; `list` names the input list for the problem's path (`cameraModels.2`).
fn clean_models(list: &str, models: &[String]) -> Result<CleanModels, FieldError> {
    let too_many = || {
        FieldError::new(
            list,
            format!("at most {MAX_CAMERAS_PER_DRONE} camera models per drone"),
        )
    };
    if models.len() > MAX_CAMERA_MODELS_INPUT {
        return Err(too_many());
    }
    let mut seen = HashSet::new();
    let mut out = CleanModels::default();
    for (position, model) in models.iter().enumerate() {
        let model = required_text("camera model", model, cameras::MAX_MODEL_CHARS)
            .at(format!("{list}.{position}"))?;
        let model_key = key(&model);
        if seen.insert(model_key.clone()) {
            out.keys.push((model_key, model));
            out.positions.push(position);
        }
    }
    if out.keys.len() > MAX_CAMERAS_PER_DRONE {
        return Err(too_many());
    }
    Ok(out)
}

/// Camera models once checked: (key, as typed), and where each stood in the input.
#[derive(Default)]
struct CleanModels {
    keys: Vec<(String, String)>,
    positions: Vec<usize>,
}

/// Generous bound on the raw list before deduplication.
const MAX_CAMERA_MODELS_INPUT: usize = 4 * MAX_CAMERAS_PER_DRONE;

fn validate(input: &DroneInput) -> Result<ValidDrone, FieldError> {
    let serial_number =
        required_text("serialNumber", &input.serial_number, MAX_SERIAL_CHARS).at("serialNumber")?;
    let name = required_text("name", &input.name, MAX_NAME_CHARS).at("name")?;
    let brand = required_text("brand", &input.brand, MAX_BRAND_CHARS).at("brand")?;
    let cameras = clean_models("cameraModels", &input.camera_models)?;
    let site = input
        .site
        .as_deref()
        .map(|s| required_text("site", s, sites::MAX_NAME_CHARS))
        .transpose()
        .at("site")?
        .map(|s| (key(&s), s));
    let tags = input
        .tags
        .as_deref()
        .map(tags::clean)
        .transpose()
        .at("tags")?;
    let maintenance_interval_days = input
        .maintenance_interval_days
        .map(check_interval)
        .transpose()
        .at("maintenanceIntervalDays")?;
    let (camera_keys, camera_positions) = (cameras.keys, cameras.positions);
    Ok(ValidDrone {
        serial_key: key(&serial_number),
        serial_number,
        name,
        brand,
        camera_keys,
        camera_positions,
        site,
        tags,
        maintenance_interval_days,
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

/// Resolves camera models to ids; names the unknown ones (a problem of the input field `path`).
async fn resolve_models(
    db: &impl ConnectionTrait,
    models: &[(String, String)],
    path: &str,
) -> Result<Vec<i64>> {
    let keys: Vec<String> = models.iter().map(|(k, _)| k.clone()).collect();
    let ids = cameras::refs_by_key(db, &keys).await?;
    let unknown: Vec<&str> = models
        .iter()
        .filter(|(k, _)| !ids.contains_key(k))
        .map(|(_, m)| m.as_str())
        .collect();
    if !unknown.is_empty() {
        return Err(AppError::bad_field(path, unknown_models_message(&unknown)));
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

/// Many drones at once (DataLoader).
pub(crate) async fn find_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<drone::Model>> {
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

/// The drones each of these users has checked out, by due-back time (none last), then id.
pub(crate) async fn held_by(
    db: &impl ConnectionTrait,
    user_ids: &[i64],
) -> Result<HashMap<i64, Vec<drone::Model>>> {
    let mut by_holder: HashMap<i64, Vec<drone::Model>> = HashMap::new();
    for chunk in user_ids.chunks(DRONE_CHUNK) {
        let rows = drone::Entity::find()
            .filter(drone::Column::HolderId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        for row in rows {
            if let Some(holder) = row.holder_id {
                by_holder.entry(holder).or_default().push(row);
            }
        }
    }
    for held in by_holder.values_mut() {
        // None sorts after every time: (is_none, time, id).
        held.sort_by_key(|d| (d.due_back_at.is_none(), d.due_back_at, d.id));
    }
    Ok(by_holder)
}

/// A drone's audit snapshot, with its cameras and tags read in `db`.
async fn snapshot(db: &impl ConnectionTrait, row: &drone::Model) -> Result<serde_json::Value> {
    let models = camera_models(db, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    let tags = tags::by_drone_ids(db, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(drone_snapshot(row, &models, &tags))
}

/// Records `updated` as a change from `before`, announces it, and commits: how every change
/// to one drone ends.
async fn finish_update(
    mut txn: WriteTxn<'_>,
    before: serde_json::Value,
    updated: &drone::Model,
) -> Result<()> {
    let after = snapshot(&txn, updated).await?;
    txn.audit([Change::updated(
        AuditEntity::Drone,
        updated.id,
        before,
        after,
    )])
    .await?;
    txn.announce(ChangeKind::Updated, vec![updated.id]);
    txn.commit().await
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
            .await
            .map_err(|e| {
                conflict_on_foreign_key(e, || {
                    "a camera model given was deleted meanwhile: nothing was written".into()
                })
            })?;
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

/// Registers one drone: a batch of one (see [`bulk::register_one`]).
pub(crate) async fn register(w: &Writer<'_>, input: DroneInput) -> Result<drone::Model> {
    let (mut txn, created) = bulk::register_one::<Drones>(w, input).await?;
    txn.announce(ChangeKind::Created, vec![created.id]);
    txn.commit().await?;
    Ok(created)
}

/// A new drone's row: AVAILABLE, registered by `actor` at `at`.
fn new_row(
    valid: &ValidDrone,
    site_id: Option<i64>,
    actor: &Actor,
    at: DateTime<Utc>,
) -> drone::ActiveModel {
    drone::ActiveModel {
        serial_number: Set(valid.serial_number.clone()),
        serial_key: Set(valid.serial_key.clone()),
        name: Set(valid.name.clone()),
        brand: Set(valid.brand.clone()),
        registered_by_id: Set(actor.user_id()),
        created_at: Set(at),
        updated_at: Set(at),
        status: Set(DroneStatus::Available),
        site_id: Set(site_id),
        maintenance_interval_days: Set(valid.maintenance_interval_days),
        maintenance_due_at: Set(maintenance_due_at(
            at,
            None,
            valid.maintenance_interval_days,
        )),
        ..Default::default()
    }
}

/// Registers many drones in one transaction with multi-row INSERTs (see [`bulk`]); an updated
/// drone's camera list is replaced by the one given. Announced once committed.
pub(crate) async fn register_many(
    w: &Writer<'_>,
    inputs: Vec<DroneInput>,
    on_conflict: OnConflict,
) -> Result<BulkOutcome<drone::Model>> {
    let mut staged = bulk::register::<Drones>(w, &inputs, on_conflict, Report::ByIndex).await?;
    let written = staged.outcome.rows.len();
    staged.txn.announce(ChangeKind::Created, staged.created_ids);
    staged.txn.announce(ChangeKind::Updated, staged.updated_ids);
    staged.txn.commit().await?;
    db::refresh_statistics_after_bulk(w.db, &["drones", "drone_cameras", "drone_tags"], written);
    Ok(staged.outcome)
}

/// Drones in bulk registration.
struct Drones;

/// What a batch of drones refers to, looked up once.
#[derive(Default)]
struct DroneRefs {
    /// Every camera model of the batch, by key.
    cameras: HashMap<String, cameras::CameraRef>,
    /// Every site of the batch: name key -> id.
    sites: HashMap<String, i64>,
}

impl BulkEntity for Drones {
    type Input = DroneInput;
    type Item = ValidDrone;
    type Model = drone::Model;
    type Refs = DroneRefs;

    const AUDIT: AuditEntity = AuditEntity::Drone;
    const TURN: TurnLock = TurnLock::DroneRegistration;
    const KEY_NAME: &'static str = "serial number";
    const KEY_FIELD: &'static str = "serialNumber";

    fn taken(serial: &str) -> AppError {
        taken(serial)
    }

    fn validate(input: &DroneInput) -> Result<ValidDrone, FieldError> {
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

    /// One look-up for every camera model and one for every site of the batch; names each
    /// item's unknown ones.
    async fn refs(
        db: &impl ConnectionTrait,
        items: &[(usize, ValidDrone)],
        errors: &mut ItemErrors,
    ) -> Result<Self::Refs> {
        let all_keys: Vec<String> = items
            .iter()
            .flat_map(|(_, d)| d.camera_keys.iter().map(|(k, _)| k.clone()))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let cameras = cameras::refs_by_key(db, &all_keys).await?;
        let site_keys: Vec<String> = items
            .iter()
            .filter_map(|(_, d)| d.site.as_ref().map(|(k, _)| k.clone()))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let sites = sites::ids_by_name_key(db, &site_keys).await?;
        for (index, drone) in items {
            let unknown: Vec<&str> = drone
                .camera_keys
                .iter()
                .filter(|(k, _)| !cameras.contains_key(k))
                .map(|(_, m)| m.as_str())
                .collect();
            if !unknown.is_empty() {
                let first = drone
                    .camera_keys
                    .iter()
                    .position(|(k, _)| !cameras.contains_key(k))
                    .map_or(0, |i| drone.camera_positions[i]);
                let path = format!("cameraModels.{first}");
                errors.push(
                    *index,
                    FieldError::new(path, unknown_models_message(&unknown)),
                );
            }
            if let Some((key, name)) = &drone.site
                && !sites.contains_key(key)
            {
                errors.push(
                    *index,
                    FieldError::new("site", sites::unknown_site_message(name)),
                );
            }
        }
        Ok(DroneRefs { cameras, sites })
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
        let mut tags = tags::by_drone_ids(txn, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|d| {
                let cams = models.remove(&d.id).unwrap_or_default();
                let tags = tags.remove(&d.id).unwrap_or_default();
                (d.id, drone_snapshot(d, &cams, &tags))
            })
            .collect())
    }

    /// An overwritten drone takes the item's name, brand and serial spelling, and its site
    /// and schedule when the item gives them (an item without keeps the drone's). Status,
    /// custody and history are the drone's own: a re-import never resets them.
    async fn write(
        txn: &DatabaseTransaction,
        items: &[&ValidDrone],
        refs: &DroneRefs,
        actor: &Actor,
        at: DateTime<Utc>,
        policy: OnConflict,
    ) -> Result<Vec<drone::Model>> {
        let mut written = Vec::with_capacity(items.len());
        for chunk in items.chunks(DRONE_CHUNK) {
            let models = chunk.iter().map(|d| {
                let site_id = d.site.as_ref().map(|(key, _)| refs.sites[key]);
                new_row(d, site_id, actor, at)
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
            )
            .map(|mut clause| {
                if policy == OnConflict::Update {
                    for column in ["site_id", "maintenance_interval_days"] {
                        clause.value(
                            sea_orm::sea_query::Alias::new(column),
                            Expr::cust(format!("COALESCE(excluded.{column}, drones.{column})")),
                        );
                    }
                }
                clause
            });
            let insert = drone::Entity::insert_many(models);
            written.extend(bulk::insert_chunk(txn, insert, clause, "serial number").await?);
        }
        // An overwritten drone's due date follows its own history, which the INSERT could not
        // see: recompute it where the stored one is off.
        if policy == OnConflict::Update {
            refresh_due_dates(txn, &mut written).await?;
        }
        Ok(written)
    }

    /// Camera links and tags: an overwritten drone's cameras are replaced by the ones given,
    /// and its tags by the item's when it gives tags.
    async fn link(
        txn: &DatabaseTransaction,
        written: &[drone::Model],
        items: &HashMap<&str, &ValidDrone>,
        overwritten: &[i64],
        refs: &DroneRefs,
    ) -> Result<()> {
        unlink_all(txn, overwritten).await?;
        let links: Vec<(i64, i64)> = written
            .iter()
            .flat_map(|d| {
                items[d.serial_key.as_str()]
                    .camera_keys
                    .iter()
                    .map(|(k, _)| (d.id, refs.cameras[k].id))
            })
            .collect();
        link(txn, links).await?;
        // Overwritten drones whose item gives tags: theirs are replaced. (One pass over the
        // written rows; a search of them per overwritten id was quadratic in the batch.)
        let overwritten: HashSet<i64> = overwritten.iter().copied().collect();
        let retagged: Vec<i64> = written
            .iter()
            .filter(|d| overwritten.contains(&d.id) && items[d.serial_key.as_str()].tags.is_some())
            .map(|d| d.id)
            .collect();
        tags::clear(txn, &retagged).await?;
        let tag_rows: Vec<(i64, String)> = written
            .iter()
            .flat_map(|d| {
                items[d.serial_key.as_str()]
                    .tags
                    .iter()
                    .flatten()
                    .map(|t| (d.id, t.clone()))
            })
            .collect();
        tags::add(txn, tag_rows).await
    }

    fn snapshot(
        row: &drone::Model,
        item: &ValidDrone,
        refs: &DroneRefs,
        before: Option<&serde_json::Value>,
    ) -> serde_json::Value {
        let models: Vec<String> = item
            .camera_keys
            .iter()
            .map(|(k, _)| refs.cameras[k].model.clone())
            .collect();
        // An item without tags leaves an overwritten drone's tags as they were.
        let kept = || -> Vec<String> {
            before
                .and_then(|b| b["tags"].as_array())
                .map(|tags| {
                    tags.iter()
                        .filter_map(|t| t.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        };
        let tags = item.tags.clone().unwrap_or_else(kept);
        drone_snapshot(row, &models, &tags)
    }
}

/// Writes the due date [`maintenance_due_at`] gives each of `rows` where the stored one
/// differs: one `UPDATE … SET maintenance_due_at = CASE id …` per chunk.
async fn refresh_due_dates(txn: &DatabaseTransaction, rows: &mut [drone::Model]) -> Result<()> {
    let mut stale: Vec<(i64, Option<DateTime<Utc>>)> = Vec::new();
    for row in rows.iter_mut() {
        let due = maintenance_due_at(
            row.created_at,
            row.last_maintenance_at,
            row.maintenance_interval_days,
        );
        if due != row.maintenance_due_at {
            row.maintenance_due_at = due;
            stale.push((row.id, due));
        }
    }
    for chunk in stale.chunks(DRONE_CHUNK) {
        let mut case = sea_orm::sea_query::CaseStatement::new();
        for (id, due) in chunk {
            case = case.case(drone::Column::Id.eq(*id), Expr::val(*due));
        }
        drone::Entity::update_many()
            .col_expr(drone::Column::MaintenanceDueAt, case.into())
            .filter(drone::Column::Id.is_in(chunk.iter().map(|(id, _)| *id)))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// The drones of these serial keys that exist already, by key, locked until the batch commits
/// (PostgreSQL): a check-out or maintenance entry cannot slip in between the audit's "before"
/// of an UPDATE and the overwrite.
async fn existing_by_serial(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashMap<String, drone::Model>> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(DRONE_CHUNK) {
        let rows = drone::Entity::find()
            .filter(drone::Column::SerialKey.is_in(chunk.iter().cloned()))
            .lock_exclusive()
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|d| (d.serial_key.clone(), d)));
    }
    Ok(found)
}

/// Deletes a drone with its photos (their rows and, in the database store, their bytes go by
/// the foreign keys in this transaction; an external store's objects right after it commits).
pub(crate) async fn delete(w: &Writer<'_>, photos: &dyn PhotoStore, id: i64) -> Result<i64> {
    let mut txn = w.begin().await?;
    let current = lock(&txn, id).await?.ok_or_else(|| not_found(id))?;
    if current.status == DroneStatus::CheckedOut {
        return Err(AppError::Conflict(format!(
            "drone {:?} is CHECKED_OUT: check it in before deleting it",
            current.serial_number
        )));
    }
    let before = snapshot(&txn, &current).await?;
    let photo_keys = photo::keys_of_drone(&txn, id).await?;
    let deleted = drone::Entity::delete_by_id(id)
        .exec(&txn)
        .await?
        .rows_affected;
    // A concurrent delete between the read and this one (PostgreSQL; SQLite's write
    // transaction is exclusive) is still a miss.
    if deleted == 0 {
        return Err(not_found(id));
    }
    txn.audit([Change::deleted(AuditEntity::Drone, id, before)])
        .await?;
    txn.announce(ChangeKind::Deleted, vec![id]);
    txn.commit().await?;
    photos.remove(&photo_keys).await;
    Ok(id)
}

mod list;
pub(crate) mod maintenance;
pub(crate) mod stats;
pub(crate) mod status;
pub(crate) mod tags;
mod update;
pub(crate) use list::{DroneFilter, DroneSort, StatusFilter};
pub(crate) use update::update;

#[cfg(test)]
mod props;
