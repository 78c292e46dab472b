//! What the drone list filters and orders by: the fields of `DroneFilter` (the `and`/`or`/
//! `not` tree and its budget are `service::filter`'s; `camera` is a semi-join into the camera
//! filter) and the `DroneSort` keys (keyset cursors are `service::pagination`'s).

use sea_orm::{
    Condition,
    sea_query::{Expr, ExprTrait, Query},
};

use super::MAX_SEARCH_CHARS;
use crate::{
    entity::{camera, drone, drone_camera},
    error::{AppError, Result},
    service::{
        camera::CameraFilter,
        filter::{DateTimeFilter, FilterBudget, FilterTree, StringFilter, Tree, contains_ci},
        pagination::{KeyKind, KeyValue, SortKey},
    },
};

#[derive(Clone, Debug, Default)]
pub(crate) struct DroneFilter {
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

impl FilterTree for DroneFilter {
    fn fields(&self, budget: &mut FilterBudget, depth: usize) -> Result<Condition> {
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
        Ok(all)
    }

    fn text_filters(&self) -> Vec<Option<&StringFilter>> {
        vec![
            self.serial_number.as_ref(),
            self.name.as_ref(),
            self.brand.as_ref(),
        ]
    }

    fn tree(&self) -> Tree<'_, Self> {
        Tree {
            and: &self.and,
            or: &self.or,
            not: self.not.as_deref(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DroneSort {
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
