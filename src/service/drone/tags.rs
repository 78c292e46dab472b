//! Drone tags: free labels ("spare", "night-ops", "lab 2"), normalised so that one label is
//! one row: trimmed, lower-cased, 1-40 characters of `a-z 0-9 - _ .` and space.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    Order, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};

use crate::{
    entity::{drone, drone_tag},
    error::{AppError, Result},
};

pub(crate) const MAX_TAG_CHARS: usize = 40;
pub(crate) const MAX_TAGS_PER_DRONE: usize = 20;
/// A TagFilter list longer than this is a mistake, not a query.
pub(crate) const MAX_FILTER_TAGS: usize = 50;
/// Rows per multi-row INSERT (2 columns).
const TAG_CHUNK: usize = 5000;
/// Ids per `IN (…)`.
const ID_CHUNK: usize = 1000;

/// One tag, normalised; the message says what is wrong with it.
pub(crate) fn normalise(raw: &str) -> Result<String, String> {
    let tag = raw.trim().to_lowercase();
    if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS {
        return Err(format!(
            "tag {raw:?} must be 1-{MAX_TAG_CHARS} characters once trimmed"
        ));
    }
    if let Some(bad) = tag
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "-_. ".contains(*c)))
    {
        return Err(format!(
            "tag {raw:?} holds {bad:?}: tags are letters a-z, digits, '-', '_', '.' and spaces"
        ));
    }
    Ok(tag)
}

/// A drone's tags, normalised, sorted and unique.
pub(crate) fn clean(raw: &[String]) -> Result<Vec<String>, String> {
    // Bound the raw list before deduplication too, so a huge list costs nothing.
    if raw.len() > 4 * MAX_TAGS_PER_DRONE {
        return Err(format!("at most {MAX_TAGS_PER_DRONE} tags per drone"));
    }
    let tags = raw
        .iter()
        .map(|t| normalise(t))
        .collect::<Result<BTreeSet<_>, _>>()?;
    if tags.len() > MAX_TAGS_PER_DRONE {
        return Err(format!("at most {MAX_TAGS_PER_DRONE} tags per drone"));
    }
    Ok(tags.into_iter().collect())
}

/// The tags of many drones (DataLoader, snapshots): drone id -> sorted tags.
pub(crate) async fn by_drone_ids(
    db: &impl ConnectionTrait,
    drone_ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>> {
    let mut by_drone: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in drone_ids.chunks(ID_CHUNK) {
        let rows: Vec<(i64, String)> = drone_tag::Entity::find()
            .select_only()
            .column(drone_tag::Column::DroneId)
            .column(drone_tag::Column::Tag)
            .filter(drone_tag::Column::DroneId.is_in(chunk.iter().copied()))
            .order_by(drone_tag::Column::Tag, Order::Asc)
            .into_tuple()
            .all(db)
            .await?;
        for (id, tag) in rows {
            by_drone.entry(id).or_default().push(tag);
        }
    }
    Ok(by_drone)
}

/// Adds `(drone id, tag)` rows; a tag the drone has already is kept once.
pub(crate) async fn add(txn: &DatabaseTransaction, rows: Vec<(i64, String)>) -> Result<()> {
    for chunk in rows.chunks(TAG_CHUNK) {
        let models = chunk.iter().map(|(drone_id, tag)| drone_tag::ActiveModel {
            drone_id: sea_orm::Set(*drone_id),
            tag: sea_orm::Set(tag.clone()),
        });
        drone_tag::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([drone_tag::Column::DroneId, drone_tag::Column::Tag])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Removes these tags of one drone (all of them with `None`).
pub(crate) async fn remove(
    txn: &DatabaseTransaction,
    drone_id: i64,
    tags: Option<&[String]>,
) -> Result<()> {
    let mut delete =
        drone_tag::Entity::delete_many().filter(drone_tag::Column::DroneId.eq(drone_id));
    if let Some(tags) = tags {
        delete = delete.filter(drone_tag::Column::Tag.is_in(tags.iter().cloned()));
    }
    delete.exec(txn).await?;
    Ok(())
}

/// Removes every tag of these drones.
pub(crate) async fn clear(txn: &DatabaseTransaction, drone_ids: &[i64]) -> Result<()> {
    for chunk in drone_ids.chunks(ID_CHUNK) {
        drone_tag::Entity::delete_many()
            .filter(drone_tag::Column::DroneId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Every tag in use with its number of drones: most used first, ties by tag.
pub(crate) async fn counts(db: &DatabaseConnection) -> Result<Vec<(String, i64)>> {
    let count = Expr::col(drone_tag::Column::DroneId).count();
    Ok(drone_tag::Entity::find()
        .select_only()
        .column(drone_tag::Column::Tag)
        .column_as(count.clone(), "drone_count")
        .group_by(drone_tag::Column::Tag)
        .order_by(count, Order::Desc)
        .order_by(drone_tag::Column::Tag, Order::Asc)
        .into_tuple()
        .all(db)
        .await?)
}

/// `any`/`all` of a drone filter, normalised like the tags they match.
#[derive(Clone, Debug, Default)]
pub(crate) struct TagFilter {
    pub any: Option<Vec<String>>,
    pub all: Option<Vec<String>>,
}

/// Drones carrying one of `tags`: a semi-join on the (tag, drone) index.
fn carrying_one_of(tags: Vec<String>) -> Condition {
    let mut matching = Query::select();
    matching
        .expr(Expr::val(1))
        .from(drone_tag::Entity)
        .and_where(
            Expr::col((drone_tag::Entity, drone_tag::Column::DroneId))
                .equals((drone::Entity, drone::Column::Id)),
        )
        .and_where(Expr::col((drone_tag::Entity, drone_tag::Column::Tag)).is_in(tags));
    Condition::all().add(Expr::exists(matching))
}

impl TagFilter {
    pub(crate) fn condition(&self) -> Result<Condition> {
        let list = |raw: &Option<Vec<String>>, name: &str| -> Result<Option<Vec<String>>> {
            let Some(raw) = raw else { return Ok(None) };
            if raw.len() > MAX_FILTER_TAGS {
                return Err(AppError::bad_input(format!(
                    "tags.{name} takes at most {MAX_FILTER_TAGS} tags"
                )));
            }
            let tags = raw
                .iter()
                .map(|t| normalise(t))
                .collect::<Result<BTreeSet<_>, _>>()
                .map_err(AppError::bad_input)?;
            Ok(Some(tags.into_iter().collect()))
        };
        let mut all = Condition::all();
        if let Some(any) = list(&self.any, "any")? {
            // `any: []` matches nothing, as `in: []` does.
            all = all.add(if any.is_empty() {
                Condition::all().add(Expr::val(1).eq(0))
            } else {
                carrying_one_of(any)
            });
        }
        if let Some(every) = list(&self.all, "all")? {
            for tag in every {
                all = all.add(carrying_one_of(vec![tag]));
            }
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_lower_cased_and_checked() {
        assert_eq!(normalise("  Night-Ops ").unwrap(), "night-ops");
        assert_eq!(normalise("lab 2.b_x").unwrap(), "lab 2.b_x");
        for bad in ["", "   ", "café", "a/b", "tab\there", "#1", &"x".repeat(41)] {
            assert!(normalise(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            clean(&["b".into(), "A".into(), " a ".into()]).unwrap(),
            vec!["a", "b"]
        );
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(clean(&many).is_err());
    }
}
