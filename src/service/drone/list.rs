//! What the drone list filters and orders by: the fields of `DroneFilter` (the `and`/`or`/
//! `not` tree and its budget are `service::filter`'s; `camera` and `site` are semi-joins into
//! the camera and site filters) and the `DroneSort` keys (keyset cursors are
//! `service::pagination`'s).
//!
//! `overdue` and `maintenanceDue` are the SQL twins of `drone::overdue` and
//! `drone::maintenance_due`: the same rule over the same columns, so a drone the list finds
//! says `true` when asked.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{MAX_SEARCH_CHARS, tags::TagFilter};
use crate::{
    entity::{
        camera,
        drone::{self, DroneStatus},
        drone_camera, site,
    },
    error::{AppError, Result},
    service::{
        camera::CameraFilter,
        filter::{
            DateTimeFilter, FilterBudget, FilterTree, MAX_IN_VALUES, StringFilter, Tree,
            contains_ci,
        },
        now,
        pagination::{KeyKind, KeyValue, SortKey},
        site::SiteFilter,
        validate::key,
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
    pub status: Option<StatusFilter>,
    pub site: Option<SiteFilter>,
    /// `site: { city: { eq } }`, case-insensitively.
    pub city: Option<String>,
    /// Stationed at this site (`Site.drones`; not in the API's filter).
    pub site_id: Option<i64>,
    pub holder_id: Option<i64>,
    pub overdue: Option<bool>,
    pub maintenance_due: Option<bool>,
    pub tags: Option<TagFilter>,
    pub and: Vec<DroneFilter>,
    pub or: Vec<DroneFilter>,
    pub not: Option<Box<DroneFilter>>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct StatusFilter {
    pub eq: Option<DroneStatus>,
    pub ne: Option<DroneStatus>,
    pub in_: Option<Vec<DroneStatus>>,
}

impl StatusFilter {
    fn condition(&self) -> Result<Condition> {
        let mut all = Condition::all();
        if let Some(eq) = self.eq {
            all = all.add(drone::Column::Status.eq(eq));
        }
        if let Some(ne) = self.ne {
            all = all.add(drone::Column::Status.ne(ne));
        }
        if let Some(values) = &self.in_ {
            if values.len() > MAX_IN_VALUES {
                return Err(AppError::bad_field(
                    "in",
                    "status.in takes at most 1000 values",
                ));
            }
            all = all.add(if values.is_empty() {
                Condition::all().add(Expr::val(1).eq(0))
            } else {
                Condition::all().add(drone::Column::Status.is_in(values.iter().copied()))
            });
        }
        Ok(all)
    }
}

/// CHECKED_OUT with `due_back_at` before `at` (`due_back_at` is null unless CHECKED_OUT).
pub(crate) fn overdue_at(at: DateTime<Utc>) -> Condition {
    // IS NOT NULL keeps the negation (`overdue: false`) two-valued: NOT over an unknown
    // comparison would drop the drones without a due date.
    Condition::all()
        .add(drone::Column::Status.eq(DroneStatus::CheckedOut))
        .add(drone::Column::DueBackAt.is_not_null())
        .add(drone::Column::DueBackAt.lt(at))
}

/// `maintenance_due_at` before `at` and not RETIRED.
pub(crate) fn maintenance_due_at(at: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(drone::Column::MaintenanceDueAt.is_not_null())
        .add(drone::Column::MaintenanceDueAt.lt(at))
        .add(drone::Column::Status.ne(DroneStatus::Retired))
}

/// `matches` or, with `false`, its negation (a drone for which it is not true).
fn flag(matches: Condition, wanted: bool) -> Condition {
    if wanted { matches } else { matches.not() }
}

/// Drones stationed at a site matching `condition`.
fn at_site(condition: Condition) -> Condition {
    let mut matching = Query::select();
    matching
        .expr(Expr::val(1))
        .from(site::Entity)
        .and_where(
            Expr::col((site::Entity, site::Column::Id))
                .equals((drone::Entity, drone::Column::SiteId)),
        )
        .cond_where(condition);
    Condition::all().add(Expr::exists(matching))
}

impl FilterTree for DroneFilter {
    fn fields(&self, budget: &mut FilterBudget, depth: usize) -> Result<Condition> {
        let mut all = Condition::all();
        if let Some(text) = &self.search {
            if text.chars().count() > MAX_SEARCH_CHARS {
                return Err(AppError::bad_field(
                    "search",
                    format!("search must be at most {MAX_SEARCH_CHARS} characters"),
                ));
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
            all = all.add(
                f.condition(drone::Column::SerialNumber)
                    .map_err(|e| e.within("serialNumber"))?,
            );
        }
        if let Some(f) = &self.name {
            all = all.add(
                f.condition(drone::Column::Name)
                    .map_err(|e| e.within("name"))?,
            );
        }
        if let Some(f) = &self.brand {
            all = all.add(
                f.condition(drone::Column::Brand)
                    .map_err(|e| e.within("brand"))?,
            );
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
                .cond_where(
                    camera_filter
                        .condition(budget, depth + 1)
                        .map_err(|e| e.within("camera"))?,
                );
            all = all.add(Expr::exists(matching));
        }
        if let Some(f) = &self.status {
            all = all.add(f.condition().map_err(|e| e.within("status"))?);
        }
        if let Some(site_filter) = &self.site {
            let condition = site_filter
                .condition(budget, depth + 1)
                .map_err(|e| e.within("site"))?;
            all = all.add(at_site(condition));
        }
        if let Some(city) = &self.city {
            all = all.add(at_site(
                Condition::all().add(site::Column::CityKey.eq(key(city))),
            ));
        }
        // IS NOT NULL keeps these two-valued under `not`: a drone nobody holds is not held by
        // user 5, and `not: {holderId: 5}` must find it.
        if let Some(id) = self.site_id {
            all = all
                .add(drone::Column::SiteId.is_not_null())
                .add(drone::Column::SiteId.eq(id));
        }
        if let Some(id) = self.holder_id {
            all = all
                .add(drone::Column::HolderId.is_not_null())
                .add(drone::Column::HolderId.eq(id));
        }
        if let Some(wanted) = self.overdue {
            all = all.add(flag(overdue_at(now()), wanted));
        }
        if let Some(wanted) = self.maintenance_due {
            all = all.add(flag(maintenance_due_at(now()), wanted));
        }
        if let Some(f) = &self.tags {
            all = all.add(f.condition().map_err(|e| e.within("tags"))?);
        }
        Ok(all)
    }

    fn fields_read_the_clock(&self) -> bool {
        self.overdue.is_some() || self.maintenance_due.is_some()
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
    /// Lifecycle order: AVAILABLE first, RETIRED last.
    Status,
    /// Drones not checked out (no due date) come last ascending, first descending.
    DueBackAt,
    /// Drones without a schedule come last ascending, first descending.
    MaintenanceDueAt,
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
            DroneSort::Status => "STATUS",
            DroneSort::DueBackAt => "DUE_BACK_AT",
            DroneSort::MaintenanceDueAt => "MAINTENANCE_DUE_AT",
        }
    }

    fn column(self) -> drone::Column {
        match self {
            DroneSort::Name => drone::Column::Name,
            DroneSort::Brand => drone::Column::Brand,
            DroneSort::SerialNumber => drone::Column::SerialNumber,
            DroneSort::CreatedAt => drone::Column::CreatedAt,
            DroneSort::UpdatedAt => drone::Column::UpdatedAt,
            DroneSort::Status => drone::Column::Status,
            DroneSort::DueBackAt => drone::Column::DueBackAt,
            DroneSort::MaintenanceDueAt => drone::Column::MaintenanceDueAt,
        }
    }

    fn kind(self) -> KeyKind {
        match self {
            DroneSort::Name | DroneSort::Brand | DroneSort::SerialNumber => KeyKind::Text,
            DroneSort::CreatedAt | DroneSort::UpdatedAt => KeyKind::Time,
            DroneSort::Status => KeyKind::Int,
            DroneSort::DueBackAt | DroneSort::MaintenanceDueAt => KeyKind::OptionalTime,
        }
    }

    fn value(self, row: &drone::Model) -> KeyValue {
        match self {
            DroneSort::Name => KeyValue::Text(row.name.clone()),
            DroneSort::Brand => KeyValue::Text(row.brand.clone()),
            DroneSort::SerialNumber => KeyValue::Text(row.serial_number.clone()),
            DroneSort::CreatedAt => KeyValue::Time(row.created_at),
            DroneSort::UpdatedAt => KeyValue::Time(row.updated_at),
            DroneSort::Status => {
                KeyValue::Int(i64::from(sea_orm::ActiveEnum::to_value(&row.status)))
            }
            DroneSort::DueBackAt => KeyValue::optional_time(row.due_back_at),
            DroneSort::MaintenanceDueAt => KeyValue::optional_time(row.maintenance_due_at),
        }
    }

    fn id_column() -> drone::Column {
        drone::Column::Id
    }

    fn id(row: &drone::Model) -> i64 {
        row.id
    }
}
