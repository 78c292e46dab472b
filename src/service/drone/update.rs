//! Changing a drone: a [`DronePatch`] is checked into a [`ValidPatch`] before the transaction
//! (so a bad input costs no statement), then applied to the locked row: cameras, tags, site,
//! schedule and text fields, audited and announced as one change.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter,
};

use super::{
    DronePatch, MAX_BRAND_CHARS, MAX_CAMERAS_PER_DRONE, MAX_NAME_CHARS, check_interval,
    clean_models, finish_update, link, lock, maintenance_due_at, not_found, resolve_models,
    snapshot, tags, unlink_all,
};
use crate::{
    entity::{drone, drone_camera},
    error::{AppError, Result, conflict_on_foreign_key},
    service::{
        Patch, site as sites,
        validate::{At, FieldError, required_text},
        write::Writer,
    },
};

/// A [`DronePatch`] once checked: trimmed text, clean camera and tag lists. Made before the
/// transaction, so a bad input costs no statement.
struct ValidPatch {
    name: Option<String>,
    brand: Option<String>,
    cameras: CameraChange,
    tags: TagChange,
    /// A site name (checked), or cleared.
    site: Patch<String>,
    maintenance_interval_days: Patch<i32>,
}

/// What an update does to the camera list: replace it, or remove some then add some.
enum CameraChange {
    Replace(Vec<(String, String)>),
    Edit {
        remove: Option<Vec<(String, String)>>,
        add: Option<Vec<(String, String)>>,
    },
}

/// What an update does to the tags: replace them, or remove some then add some.
enum TagChange {
    Replace(Vec<String>),
    Edit {
        remove: Option<Vec<String>>,
        add: Option<Vec<String>>,
    },
}

/// Checks every field of `patch`, first problem first; nothing is read. A problem names its
/// field relative to the input (`name`, `addCameraModels.2`).
fn validate_patch(patch: DronePatch) -> Result<ValidPatch, FieldError> {
    let text = |field: &str, value: Option<String>, max: usize| {
        value
            .as_deref()
            .map(|v| required_text(field, v, max))
            .transpose()
            .at(field)
    };
    let name = text("name", patch.name, MAX_NAME_CHARS)?;
    let brand = text("brand", patch.brand, MAX_BRAND_CHARS)?;
    if patch.camera_models.is_some()
        && (patch.add_camera_models.is_some() || patch.remove_camera_models.is_some())
    {
        return Err(FieldError::new(
            "cameraModels",
            "cameraModels replaces the whole list: use it without \
             addCameraModels/removeCameraModels",
        ));
    }
    if patch.tags.is_some() && (patch.add_tags.is_some() || patch.remove_tags.is_some()) {
        return Err(FieldError::new(
            "tags",
            "tags replaces every tag: use it without addTags/removeTags",
        ));
    }
    let models = |list: &str, models: Option<Vec<String>>| {
        models
            .as_deref()
            .map(|m| clean_models(list, m).map(|c| c.keys))
            .transpose()
    };
    let cameras = match patch.camera_models {
        Some(all) => CameraChange::Replace(clean_models("cameraModels", &all)?.keys),
        None => {
            let (add, remove) = (
                models("addCameraModels", patch.add_camera_models)?,
                models("removeCameraModels", patch.remove_camera_models)?,
            );
            CameraChange::Edit { remove, add }
        }
    };
    let tag_list = |list: &str, tags: Option<Vec<String>>| {
        tags.as_deref().map(tags::clean).transpose().at(list)
    };
    let tags = match patch.tags {
        Some(all) => TagChange::Replace(tags::clean(&all).at("tags")?),
        None => {
            let (add, remove) = (
                tag_list("addTags", patch.add_tags)?,
                tag_list("removeTags", patch.remove_tags)?,
            );
            TagChange::Edit { remove, add }
        }
    };
    let maintenance_interval_days = match patch.maintenance_interval_days {
        Patch::Set(days) => Patch::Set(check_interval(days).at("maintenanceIntervalDays")?),
        other => other,
    };
    let site = match patch.site {
        Patch::Set(name) => {
            Patch::Set(required_text("site", &name, sites::MAX_NAME_CHARS).at("site")?)
        }
        other => other,
    };
    Ok(ValidPatch {
        name,
        brand,
        cameras,
        tags,
        site,
        maintenance_interval_days,
    })
}

/// Changes a drone: the patch is checked first, then applied to the locked row.
pub(crate) async fn update(w: &Writer<'_>, id: i64, patch: DronePatch) -> Result<drone::Model> {
    let patch = validate_patch(patch).map_err(|e| e.of("input"))?;
    let txn = w.begin().await?;
    // Locked until commit (PostgreSQL): a concurrent update of this drone waits its turn, so two
    // camera-list replacements never merge, and a concurrent delete waits or has happened.
    let current = lock(&txn, id).await?.ok_or_else(|| not_found(id))?;
    let before = snapshot(&txn, &current).await?;
    apply_cameras(&txn, id, patch.cameras).await?;
    apply_tags(&txn, id, patch.tags).await?;
    let site_id = match patch.site {
        Patch::Set(name) => Patch::Set(
            sites::id_by_name(&txn, &name)
                .await
                .map_err(|e| e.within("input.site"))?,
        ),
        Patch::Clear => Patch::Clear,
        Patch::Keep => Patch::Keep,
    };
    let interval_days = patch
        .maintenance_interval_days
        .apply(current.maintenance_interval_days);
    let mut active: drone::ActiveModel = current.clone().into();
    if let Some(name) = patch.name {
        active.name = Set(name);
    }
    if let Some(brand) = patch.brand {
        active.brand = Set(brand);
    }
    active.site_id = Set(site_id.apply(current.site_id));
    active.maintenance_interval_days = Set(interval_days);
    active.maintenance_due_at = Set(maintenance_due_at(
        current.created_at,
        current.last_maintenance_at,
        interval_days,
    ));
    active.updated_at = Set(txn.now());
    let updated = active
        .update(&txn)
        .await
        .map_err(|e| conflict_on_foreign_key(e, || "the site was deleted meanwhile".into()))?;
    finish_update(txn, before, &updated).await?;
    Ok(updated)
}

/// Applies a camera change to drone `id`; adding past [`MAX_CAMERAS_PER_DRONE`] is refused.
async fn apply_cameras(txn: &DatabaseTransaction, id: i64, change: CameraChange) -> Result<()> {
    match change {
        CameraChange::Replace(models) => {
            let ids = resolve_models(txn, &models, "input.cameraModels").await?;
            unlink_all(txn, &[id]).await?;
            link(txn, ids.into_iter().map(|c| (id, c)).collect()).await
        }
        CameraChange::Edit { remove, add } => {
            if let Some(models) = remove {
                let ids = resolve_models(txn, &models, "input.removeCameraModels").await?;
                drone_camera::Entity::delete_many()
                    .filter(drone_camera::Column::DroneId.eq(id))
                    .filter(drone_camera::Column::CameraId.is_in(ids))
                    .exec(txn)
                    .await?;
            }
            if let Some(models) = add {
                let ids = resolve_models(txn, &models, "input.addCameraModels").await?;
                link(txn, ids.into_iter().map(|c| (id, c)).collect()).await?;
                let count = drone_camera::Entity::find()
                    .filter(drone_camera::Column::DroneId.eq(id))
                    .count(txn)
                    .await?;
                if count > MAX_CAMERAS_PER_DRONE as u64 {
                    return Err(AppError::bad_field(
                        "input.addCameraModels",
                        format!("at most {MAX_CAMERAS_PER_DRONE} camera models per drone"),
                    ));
                }
            }
            Ok(())
        }
    }
}

/// Applies a tag change to drone `id`; adding past the tag limit is refused.
async fn apply_tags(txn: &DatabaseTransaction, id: i64, change: TagChange) -> Result<()> {
    match change {
        TagChange::Replace(list) => {
            tags::remove(txn, id, None).await?;
            tags::add(txn, list.into_iter().map(|t| (id, t)).collect()).await
        }
        TagChange::Edit { remove, add } => {
            if let Some(list) = remove {
                tags::remove(txn, id, Some(&list)).await?;
            }
            if let Some(list) = add {
                tags::add(txn, list.into_iter().map(|t| (id, t)).collect()).await?;
                let count = tags::by_drone_ids(txn, &[id])
                    .await?
                    .remove(&id)
                    .map_or(0, |t| t.len());
                if count > tags::MAX_TAGS_PER_DRONE {
                    return Err(AppError::bad_field(
                        "input.addTags",
                        format!("at most {} tags per drone", tags::MAX_TAGS_PER_DRONE),
                    ));
                }
            }
            Ok(())
        }
    }
}
