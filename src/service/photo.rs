//! Drone photos: upload (checked and prepared by `photo/picture.rs`, kept by the store of
//! `photo/store.rs`), deletion, and the look-ups the API batches. Signed URLs are
//! `photo/signing.rs`'s.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::{
    entity::{drone, photo},
    error::{AppError, Result},
    events::ChangeKind,
    service::{
        audit::{AuditEntity, Change, photo_snapshot},
        validate::optional_text,
        write::Writer,
    },
};

pub(crate) mod picture;
pub(crate) mod signing;
pub(crate) mod store;

use store::{PhotoBytes, PhotoStore};

pub(crate) const MAX_PHOTOS_PER_DRONE: u64 = 20;
pub(crate) const MAX_CAPTION_CHARS: usize = 500;
/// Ids per `IN (…)` of a batched look-up.
const ID_CHUNK: usize = 1000;

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no photo with id {id}"))
}

pub(crate) async fn find_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<photo::Model>> {
    Ok(photo::Entity::find_by_id(id).one(db).await?)
}

/// The photos of many drones (DataLoader): drone id -> photos, oldest first.
pub(crate) async fn by_drone_ids(
    db: &impl ConnectionTrait,
    drone_ids: &[i64],
) -> Result<HashMap<i64, Vec<photo::Model>>> {
    let mut by_drone: HashMap<i64, Vec<photo::Model>> = HashMap::new();
    for chunk in drone_ids.chunks(ID_CHUNK) {
        let rows = photo::Entity::find()
            .filter(photo::Column::DroneId.is_in(chunk.iter().copied()))
            .order_by(photo::Column::Id, Order::Asc)
            .all(db)
            .await?;
        for row in rows {
            by_drone.entry(row.drone_id).or_default().push(row);
        }
    }
    Ok(by_drone)
}

/// The store keys of a drone's photos (to remove their objects once the drone is deleted).
pub(crate) async fn keys_of_drone(db: &impl ConnectionTrait, drone_id: i64) -> Result<Vec<String>> {
    Ok(by_drone_ids(db, &[drone_id])
        .await?
        .remove(&drone_id)
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.storage_key)
        .collect())
}

/// An upload to add to drone `drone_id`.
pub(crate) struct Upload {
    pub bytes: Vec<u8>,
    pub caption: Option<String>,
}

/// Checks and stores an upload, then records it: bytes first (external stores), the row
/// in one transaction, the bytes removed again if that transaction fails.
pub(crate) async fn add(
    w: &Writer<'_>,
    photos: &dyn PhotoStore,
    drone_id: i64,
    upload: Upload,
) -> Result<photo::Model> {
    let caption = upload
        .caption
        .as_deref()
        .map(|c| optional_text("caption", c, MAX_CAPTION_CHARS))
        .transpose()
        .map_err(|e| AppError::bad_field("caption", e))?
        .flatten();
    // A look before the work of decoding (and staging) a photo that would be refused; the
    // locked look in the transaction is the one that holds.
    check_room(w.db, drone_id, false).await?;
    // Decoding is CPU work: off the async runtime.
    let picture = tokio::task::spawn_blocking(move || picture::prepare(upload.bytes))
        .await?
        .map_err(|e| AppError::bad_field("file", e))?;
    let key = uuid::Uuid::new_v4().simple().to_string();
    let bytes = PhotoBytes {
        original: picture.original,
        thumbnail: picture.thumbnail,
    };
    photos.stage(&key, &bytes).await?;
    let mut row = photo::ActiveModel {
        drone_id: Set(drone_id),
        storage_key: Set(key.clone()),
        content_type: Set(picture.content_type.to_string()),
        size: Set(bytes.original.len() as i64),
        width: Set(picture.width as i32),
        height: Set(picture.height as i32),
        sha256: Set(picture.sha256),
        thumbnail_sha256: Set(picture.thumbnail_sha256),
        caption: Set(caption),
        uploaded_by_id: Set(w.actor.user_id()),
        ..Default::default()
    };
    let recorded = async {
        let mut txn = w.begin().await?;
        check_room(&txn, drone_id, true).await?;
        row.created_at = Set(txn.now());
        let created = row.insert(&txn).await?;
        photos.write_in(&txn, created.id, &bytes).await?;
        txn.audit([Change::created(
            AuditEntity::Photo,
            created.id,
            photo_snapshot(&created),
        )])
        .await?;
        txn.announce(ChangeKind::Updated, vec![drone_id]);
        txn.commit().await?;
        Ok(created)
    }
    .await;
    if recorded.is_err() {
        photos.remove(&[key]).await;
    }
    recorded
}

/// That drone `drone_id` exists and has room for one more photo. With `lock`, its row is
/// held to the end of the transaction, so concurrent uploads to one drone take turns and the
/// limit holds.
async fn check_room(db: &impl ConnectionTrait, drone_id: i64, lock: bool) -> Result<()> {
    let mut find = drone::Entity::find_by_id(drone_id);
    if lock {
        find = find.lock_exclusive();
    }
    find.one(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no drone with id {drone_id}")))?;
    let count = photo::Entity::find()
        .filter(photo::Column::DroneId.eq(drone_id))
        .count(db)
        .await?;
    if count >= MAX_PHOTOS_PER_DRONE {
        return Err(AppError::Conflict(format!(
            "drone {drone_id} has {count} photos, the most it may have: delete one first"
        )));
    }
    Ok(())
}

/// Deletes a photo; its bytes go with the row (database) or right after the commit.
pub(crate) async fn delete(w: &Writer<'_>, photos: &dyn PhotoStore, id: i64) -> Result<i64> {
    let mut txn = w.begin().await?;
    let current = find_by_id(&txn, id).await?.ok_or_else(|| not_found(id))?;
    // In the drone's turn, as uploads.
    drone::Entity::find_by_id(current.drone_id)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let deleted = photo::Entity::delete_by_id(id)
        .exec(&txn)
        .await?
        .rows_affected;
    if deleted == 0 {
        return Err(not_found(id));
    }
    txn.audit([Change::deleted(
        AuditEntity::Photo,
        id,
        photo_snapshot(&current),
    )])
    .await?;
    txn.announce(ChangeKind::Updated, vec![current.drone_id]);
    txn.commit().await?;
    photos.remove(&[current.storage_key]).await;
    Ok(id)
}
