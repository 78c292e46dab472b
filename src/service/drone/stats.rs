//! Dashboard counts over the drones a filter matches: each list is one grouped statement,
//! and the three totals are one statement of conditional sums. Nothing is counted in Rust.

use sea_orm::{
    Condition, ConnectionTrait, DatabaseConnection, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Func},
};

use super::{
    DroneFilter,
    list::{maintenance_due_at, overdue_at},
};
use crate::{
    entity::drone::{self, DroneStatus},
    error::Result,
    service::{filter::FilterTree, now},
};

/// The drones a dashboard counts over.
#[derive(Clone)]
pub(crate) struct Scope(Condition);

impl Scope {
    /// BAD_USER_INPUT for a filter over its budget, as for a list.
    pub(crate) fn new(filter: Option<DroneFilter>) -> Result<Self> {
        Ok(Scope(match filter {
            Some(f) => f.root_condition()?,
            None => Condition::all(),
        }))
    }

    fn select(&self) -> sea_orm::Select<drone::Entity> {
        drone::Entity::find().filter(self.0.clone())
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

pub(crate) async fn totals(db: &DatabaseConnection, scope: &Scope) -> Result<Totals> {
    let at = now();
    let query = scope
        .select()
        .select_only()
        .expr_as(Expr::col(drone::Column::Id).count(), "total")
        .expr_as(count_where(overdue_at(at)), "overdue")
        .expr_as(count_where(maintenance_due_at(at)), "maintenance_due")
        .build(db.get_database_backend());
    let Some(row) = db.query_one_raw(query).await? else {
        return Ok(Totals::default());
    };
    // SUM over no rows is NULL; of an integer CASE it is a BIGINT on PostgreSQL.
    let number =
        |name: &str| -> Result<i64> { Ok(row.try_get::<Option<i64>>("", name)?.unwrap_or(0)) };
    Ok(Totals {
        total: number("total")?,
        overdue: number("overdue")?,
        maintenance_due: number("maintenance_due")?,
    })
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
