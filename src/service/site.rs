//! Sites: the places drones are stationed at. Creation, changes, deletion (refused while a
//! drone is stationed there), look-ups and the counts the API batches. What the list filters
//! and orders by is in `site/list.rs`.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    entity::{drone, site},
    error::{AppError, Result, conflict_on_unique},
    service::{
        Patch,
        audit::{AuditEntity, Change, site_snapshot},
        validate::{At, FieldError, key, optional_text, required_text},
        write::Writer,
    },
};

pub(crate) const MAX_NAME_CHARS: usize = 200;
pub(crate) const MAX_CITY_CHARS: usize = 200;
pub(crate) const MAX_ADDRESS_CHARS: usize = 500;
pub(crate) const MAX_CONTACT_CHARS: usize = 500;
/// Ids per `IN (…)` of a batched look-up.
const ID_CHUNK: usize = 1000;

#[derive(Clone, Debug)]
pub(crate) struct SiteInput {
    pub name: String,
    pub address: Option<String>,
    pub city: String,
    pub country: String,
    pub contact: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct SitePatch {
    pub name: Option<String>,
    pub address: Patch<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub contact: Patch<String>,
}

/// An ISO 3166-1 alpha-2 code in either case, upper-cased (`fr` -> `FR`).
pub(crate) fn country_code(raw: &str) -> Result<String, String> {
    let code = raw.trim();
    // `from_alpha2` also accepts a few aliases; only a real two-letter code will do here.
    match celes::Country::from_alpha2(code) {
        Ok(country) if code.len() == 2 => Ok(country.alpha2.to_owned()),
        _ => Err(format!(
            "country must be an ISO 3166-1 alpha-2 code such as FR or US, got {raw:?}"
        )),
    }
}

fn taken(name: &str) -> AppError {
    AppError::Conflict(format!("a site named {name:?} exists already"))
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no site with id {id}"))
}

pub(crate) async fn find_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<site::Model>> {
    Ok(site::Entity::find_by_id(id).one(db).await?)
}

/// Case-insensitive.
pub(crate) async fn find_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<site::Model>> {
    Ok(site::Entity::find()
        .filter(site::Column::NameKey.eq(key(name)))
        .one(db)
        .await?)
}

/// Many sites at once (DataLoader).
pub(crate) async fn find_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<site::Model>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ID_CHUNK) {
        found.extend(
            site::Entity::find()
                .filter(site::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(found)
}

/// Sites by name key (case-folded), for the names a batch of drones gives.
pub(crate) async fn ids_by_name_key(
    db: &impl ConnectionTrait,
    keys: &[String],
) -> Result<HashMap<String, i64>> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(ID_CHUNK) {
        let rows: Vec<(i64, String)> = site::Entity::find()
            .select_only()
            .column(site::Column::Id)
            .column(site::Column::NameKey)
            .filter(site::Column::NameKey.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        found.extend(rows.into_iter().map(|(id, key)| (key, id)));
    }
    Ok(found)
}

/// The id of the site named `name` (case-insensitively); BAD_USER_INPUT naming it if none.
pub(crate) async fn id_by_name(db: &impl ConnectionTrait, name: &str) -> Result<i64> {
    find_by_name(db, name)
        .await?
        .map(|s| s.id)
        .ok_or_else(|| AppError::bad_input(unknown_site_message(name)))
}

pub(crate) fn unknown_site_message(name: &str) -> String {
    format!("unknown site {name:?}: create the site first")
}

/// How many drones each site holds (DataLoader).
pub(crate) async fn drone_counts(
    db: &impl ConnectionTrait,
    site_ids: &[i64],
) -> Result<HashMap<i64, i64>> {
    let mut counts = HashMap::new();
    for chunk in site_ids.chunks(ID_CHUNK) {
        let rows: Vec<(i64, i64)> = drone::Entity::find()
            .select_only()
            .column(drone::Column::SiteId)
            .column_as(Expr::col(drone::Column::Id).count(), "drone_count")
            .filter(drone::Column::SiteId.is_in(chunk.iter().copied()))
            .group_by(drone::Column::SiteId)
            .into_tuple()
            .all(db)
            .await?;
        counts.extend(rows);
    }
    Ok(counts)
}

struct ValidSite {
    name: String,
    address: Option<String>,
    city: String,
    country: String,
    contact: Option<String>,
}

fn validate(input: &SiteInput) -> Result<ValidSite, FieldError> {
    Ok(ValidSite {
        name: required_text("name", &input.name, MAX_NAME_CHARS).at("name")?,
        address: input
            .address
            .as_deref()
            .map(|a| optional_text("address", a, MAX_ADDRESS_CHARS))
            .transpose()
            .at("address")?
            .flatten(),
        city: required_text("city", &input.city, MAX_CITY_CHARS).at("city")?,
        country: country_code(&input.country).at("country")?,
        contact: input
            .contact
            .as_deref()
            .map(|c| optional_text("contact", c, MAX_CONTACT_CHARS))
            .transpose()
            .at("contact")?
            .flatten(),
    })
}

pub(crate) async fn create(w: &Writer<'_>, input: SiteInput) -> Result<site::Model> {
    let valid = validate(&input).map_err(|e| e.of("input"))?;
    let txn = w.begin().await?;
    if let Some(existing) = find_by_name(&txn, &valid.name).await? {
        return Err(taken(&existing.name));
    }
    let at = txn.now();
    let name = valid.name.clone();
    let created = site::ActiveModel {
        name_key: Set(key(&valid.name)),
        name: Set(valid.name),
        address: Set(valid.address),
        city_key: Set(key(&valid.city)),
        city: Set(valid.city),
        country: Set(valid.country),
        contact: Set(valid.contact),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| conflict_on_unique(e, || taken(&name).to_string()))?;
    let change = Change::created(AuditEntity::Site, created.id, site_snapshot(&created));
    txn.audit([change]).await?;
    txn.commit().await?;
    Ok(created)
}

pub(crate) async fn update(w: &Writer<'_>, id: i64, patch: SitePatch) -> Result<site::Model> {
    let text = |field: &str, value: &Option<String>, max: usize| {
        value
            .as_deref()
            .map(|v| required_text(field, v, max))
            .transpose()
            .map_err(|e| AppError::bad_field(format!("input.{field}"), e))
    };
    let optional = |field: &str, value: Patch<String>, max: usize| -> Result<Patch<String>> {
        Ok(match value {
            Patch::Set(v) => match optional_text(field, &v, max)
                .map_err(|e| AppError::bad_field(format!("input.{field}"), e))?
            {
                Some(v) => Patch::Set(v),
                None => Patch::Clear,
            },
            other => other,
        })
    };
    let name = text("name", &patch.name, MAX_NAME_CHARS)?;
    let city = text("city", &patch.city, MAX_CITY_CHARS)?;
    let country = patch
        .country
        .as_deref()
        .map(country_code)
        .transpose()
        .map_err(|e| AppError::bad_field("input.country", e))?;
    let address = optional("address", patch.address, MAX_ADDRESS_CHARS)?;
    let contact = optional("contact", patch.contact, MAX_CONTACT_CHARS)?;

    let txn = w.begin().await?;
    let current = site::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| not_found(id))?;
    let mut active: site::ActiveModel = current.clone().into();
    if let Some(name) = name {
        let name_key = key(&name);
        if name_key != current.name_key
            && let Some(existing) = find_by_name(&txn, &name).await?
        {
            return Err(taken(&existing.name));
        }
        active.name = Set(name);
        active.name_key = Set(name_key);
    }
    if let Some(city) = city {
        active.city_key = Set(key(&city));
        active.city = Set(city);
    }
    if let Some(country) = country {
        active.country = Set(country);
    }
    active.address = Set(address.apply(current.address.clone()));
    active.contact = Set(contact.apply(current.contact.clone()));
    active.updated_at = Set(txn.now());
    let updated = active
        .update(&txn)
        .await
        .map_err(|e| conflict_on_unique(e, || "a site of that name exists already".into()))?;
    let change = Change::updated(
        AuditEntity::Site,
        id,
        site_snapshot(&current),
        site_snapshot(&updated),
    );
    txn.audit([change]).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a site no drone is stationed at.
pub(crate) async fn delete(w: &Writer<'_>, id: i64) -> Result<i64> {
    let txn = w.begin().await?;
    let current = site::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| not_found(id))?;
    let stationed = drone::Entity::find()
        .filter(drone::Column::SiteId.eq(id))
        .count(&txn)
        .await?;
    if stationed > 0 {
        return Err(AppError::Conflict(format!(
            "site {:?} still has {stationed} drone{} stationed: move them elsewhere first",
            current.name,
            if stationed == 1 { "" } else { "s" }
        )));
    }
    // The foreign key (ON DELETE RESTRICT) backs the check above against a concurrent write.
    site::Entity::delete_by_id(id)
        .exec(&txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => {
                AppError::Conflict("a drone was stationed at this site meanwhile".into())
            }
            _ => AppError::Database(e),
        })?;
    let change = Change::deleted(AuditEntity::Site, id, site_snapshot(&current));
    txn.audit([change]).await?;
    txn.commit().await?;
    Ok(id)
}

mod list;
pub(crate) use list::{SiteFilter, SiteSort};

#[cfg(test)]
mod tests {
    use super::country_code;

    #[test]
    fn country_codes_are_iso_alpha2_in_either_case() {
        assert_eq!(country_code("fr").unwrap(), "FR");
        assert_eq!(country_code(" Us ").unwrap(), "US");
        for bad in ["", "F", "FRA", "XX", "ZZ", "usa", "france", "1 "] {
            assert!(country_code(bad).is_err(), "{bad:?}");
        }
    }
}
