//! Dashboard counts over the drones a filter matches: each list is one grouped statement,
//! and the three totals are one statement of conditional sums. Nothing is counted in Rust.
//!
//! Each part is remembered per filter while the inventory stands still
//! ([`CountCache::recall_or_count`]): a dashboard that every pilot leaves open costs one look
//! at the epoch per refresh, not four scans of the fleet. The clock's two counts (overdue, due
//! for maintenance) are remembered with the next instant either would change at: the earliest
//! future due date among the drones they could count.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, Order,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Func},
};

use super::{
    DroneFilter,
    list::{maintenance_due_at, overdue_at},
};
use crate::{
    entity::drone::{self, DroneStatus},
    error::Result,
    service::{filter::FilterTree, now, pagination::CountCache},
};

/// The drones a dashboard counts over.
#[derive(Clone)]
pub(crate) struct Scope {
    condition: Condition,
    /// The filter, normalised (its SQL and values), for remembering; `None` when the filter
    /// reads the clock, whose matches change while the inventory does not.
    key: Option<String>,
}

impl Scope {
    /// BAD_USER_INPUT for a filter over its budget, as for a list.
    pub(crate) fn new(filter: Option<DroneFilter>) -> Result<Self> {
        let reads_the_clock = filter.as_ref().is_some_and(DroneFilter::reads_the_clock);
        let condition = match filter {
            Some(f) => f.root_condition()?,
            None => Condition::all(),
        };
        let built = drone::Entity::find()
            .filter(condition.clone())
            .build(DbBackend::Postgres);
        let key = (!reads_the_clock).then(|| format!("{}\n{:?}", built.sql, built.values));
        Ok(Scope { condition, key })
    }

    /// Whether its answers may be remembered.
    pub(crate) fn remembered(&self) -> bool {
        self.key.is_some()
    }

    fn select(&self) -> sea_orm::Select<drone::Entity> {
        drone::Entity::find().filter(self.condition.clone())
    }
}

/// One part of a dashboard: `count`ed, or recalled from `memory` when it was counted at
/// `epoch` (`None`: the scope is not remembered) and is still true now.
pub(crate) async fn part<T, F>(
    memory: &CountCache,
    scope: &Scope,
    epoch: Option<i64>,
    name: &str,
    count: impl FnOnce(DateTime<Utc>) -> F,
) -> Result<T>
where
    T: Clone + Send + Sync + 'static,
    F: Future<Output = Result<(T, Option<DateTime<Utc>>)>>,
{
    let at = now();
    match (&scope.key, epoch) {
        (Some(key), Some(epoch)) => {
            memory
                .recall_or_count(format!("droneStats.{name}\n{key}"), epoch, at, count(at))
                .await
        }
        _ => Ok(count(at).await?.0),
    }
}

/// How many drones match, how many are overdue and how many are due for maintenance.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Totals {
    pub total: i64,
    pub overdue: i64,
    pub maintenance_due: i64,
}

/// `SUM(CASE WHEN condition THEN 1 ELSE 0 END)`.
fn count_where(condition: Condition) -> sea_orm::sea_query::SimpleExpr {
    Func::sum(Expr::case(condition, 1).finally(0)).into()
}

/// `MIN(CASE WHEN condition THEN column END)`: the earliest `column` among the rows where
/// `condition` holds.
fn earliest_where(condition: Condition, column: drone::Column) -> sea_orm::sea_query::SimpleExpr {
    Func::min(Expr::case(condition, Expr::col(column)).finally(Expr::null())).into()
}

/// The totals at `at`, and the instant until which they hold while the inventory stands
/// still: the earliest due date not yet passed (`None`: no such date, they hold).
pub(crate) async fn totals(
    db: &DatabaseConnection,
    scope: &Scope,
    at: DateTime<Utc>,
) -> Result<(Totals, Option<DateTime<Utc>>)> {
    // The drones whose count would change when `at` passes their date: a CHECKED_OUT drone
    // not yet overdue, a drone not yet due for maintenance (the negations of the counts'
    // conditions, among the drones with a date).
    let next_overdue = Condition::all()
        .add(drone::Column::Status.eq(DroneStatus::CheckedOut))
        .add(drone::Column::DueBackAt.gte(at));
    let next_maintenance = Condition::all()
        .add(drone::Column::Status.ne(DroneStatus::Retired))
        .add(drone::Column::MaintenanceDueAt.gte(at));
    let query = scope
        .select()
        .select_only()
        .expr_as(Expr::col(drone::Column::Id).count(), "total")
        .expr_as(count_where(overdue_at(at)), "overdue")
        .expr_as(count_where(maintenance_due_at(at)), "maintenance_due")
        .expr_as(
            earliest_where(next_overdue, drone::Column::DueBackAt),
            "next_overdue",
        )
        .expr_as(
            earliest_where(next_maintenance, drone::Column::MaintenanceDueAt),
            "next_maintenance",
        )
        .build(db.get_database_backend());
    let Some(row) = db.query_one_raw(query).await? else {
        return Ok((Totals::default(), None));
    };
    // SUM over no rows is NULL; of an integer CASE it is a BIGINT on PostgreSQL.
    let number =
        |name: &str| -> Result<i64> { Ok(row.try_get::<Option<i64>>("", name)?.unwrap_or(0)) };
    let instant = |name: &str| -> Result<Option<DateTime<Utc>>> {
        Ok(row.try_get::<Option<DateTime<Utc>>>("", name)?)
    };
    let until = [instant("next_overdue")?, instant("next_maintenance")?]
        .into_iter()
        .flatten()
        .min();
    Ok((
        Totals {
            total: number("total")?,
            overdue: number("overdue")?,
            maintenance_due: number("maintenance_due")?,
        },
        until,
    ))
}

/// Drones per status, in lifecycle order (statuses without drones are left out).
pub(crate) async fn by_status(
    db: &DatabaseConnection,
    scope: &Scope,
) -> Result<Vec<(DroneStatus, i64)>> {
    Ok(scope
        .select()
        .select_only()
        .column(drone::Column::Status)
        .column_as(Expr::col(drone::Column::Id).count(), "count")
        .group_by(drone::Column::Status)
        .order_by(drone::Column::Status, Order::Asc)
        .into_tuple()
        .all(db)
        .await?)
}

/// Drones per brand: largest first, ties by brand.
pub(crate) async fn by_brand(db: &DatabaseConnection, scope: &Scope) -> Result<Vec<(String, i64)>> {
    let count = Expr::col(drone::Column::Id).count();
    Ok(scope
        .select()
        .select_only()
        .column(drone::Column::Brand)
        .column_as(count.clone(), "count")
        .group_by(drone::Column::Brand)
        .order_by(count, Order::Desc)
        .order_by(drone::Column::Brand, Order::Asc)
        .into_tuple()
        .all(db)
        .await?)
}

/// Drones per site (None: stationed nowhere): largest first, ties by site id (nowhere last).
pub(crate) async fn by_site(
    db: &DatabaseConnection,
    scope: &Scope,
) -> Result<Vec<(Option<i64>, i64)>> {
    let count = Expr::col(drone::Column::Id).count();
    Ok(scope
        .select()
        .select_only()
        .column(drone::Column::SiteId)
        .column_as(count.clone(), "count")
        .group_by(drone::Column::SiteId)
        .order_by(count, Order::Desc)
        .order_by_with_nulls(
            drone::Column::SiteId,
            Order::Asc,
            sea_orm::sea_query::NullOrdering::Last,
        )
        .into_tuple()
        .all(db)
        .await?)
}
