//! Keyset (cursor) pagination shared by every list (users, cameras, drones, the audit trail).
//!
//! A cursor holds the sort-key values of its row plus the row id, so the next page is a range
//! condition on an index (`WHERE (name, id) > (…)`), not an OFFSET: page 10,000 costs what page
//! 1 costs, and rows inserted before the cursor neither shift nor repeat the next page.
//! Cursors are opaque to clients (base64url JSON) and validated on the way in: one that does
//! not decode, or that was made for another ordering, is BAD_USER_INPUT.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
    sea_query::{Expr, ExprTrait, NullOrdering},
};
use serde::{Deserialize, Serialize};

pub(crate) use crate::config::{MAX_PAGE_SIZE, PAGE_SIZE_CEILING};
use crate::{
    error::{AppError, Result},
    service::filter::FilterTree,
};

pub(crate) const DEFAULT_PAGE_SIZE: i32 = 20;

/// The Relay arguments as the client sent them.
#[derive(Clone, Debug, Default)]
pub(crate) struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
    /// The configured largest page; [`MAX_PAGE_SIZE`] when unset.
    pub max_size: Option<i32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SortDirection {
    Asc,
    Desc,
}

/// A value of a sort key, as a cursor carries it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum KeyValue {
    Text(String),
    Float(f64),
    Int(i64),
    Time(DateTime<Utc>),
    /// A nullable key's null, which sorts after every value (as if it were +infinity) in
    /// both directions' SQL and in cursors alike.
    Null,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Text,
    Float,
    Int,
    Time,
    /// A time that may be null ([`KeyValue::Null`]).
    OptionalTime,
}

impl KeyValue {
    /// A nullable time.
    pub(crate) fn optional_time(t: Option<DateTime<Utc>>) -> Self {
        t.map_or(KeyValue::Null, KeyValue::Time)
    }

    #[cfg(test)]
    pub(super) fn kind(&self) -> KeyKind {
        match self {
            KeyValue::Text(_) => KeyKind::Text,
            KeyValue::Float(_) => KeyKind::Float,
            KeyValue::Int(_) => KeyKind::Int,
            KeyValue::Time(_) => KeyKind::Time,
            KeyValue::Null => KeyKind::OptionalTime,
        }
    }

    fn fits(&self, kind: KeyKind) -> bool {
        matches!(
            (self, kind),
            (KeyValue::Text(_), KeyKind::Text)
                | (KeyValue::Float(_), KeyKind::Float)
                | (KeyValue::Int(_), KeyKind::Int)
                | (KeyValue::Time(_), KeyKind::Time | KeyKind::OptionalTime)
                | (KeyValue::Null, KeyKind::OptionalTime)
        )
    }

    /// The bound value; None for [`KeyValue::Null`].
    fn to_db(&self) -> Option<sea_orm::Value> {
        Some(match self {
            KeyValue::Text(s) => s.clone().into(),
            KeyValue::Float(f) => (*f).into(),
            KeyValue::Int(n) => (*n).into(),
            KeyValue::Time(t) => (*t).into(),
            KeyValue::Null => return None,
        })
    }

    /// Cursor form: floats and times as strings, so they round-trip bit for bit; null as null.
    fn encode(&self) -> Option<String> {
        Some(match self {
            KeyValue::Text(s) => s.clone(),
            KeyValue::Float(f) => format!("{f:?}"),
            KeyValue::Int(n) => n.to_string(),
            KeyValue::Time(t) => t.to_rfc3339_opts(SecondsFormat::Micros, true),
            KeyValue::Null => return None,
        })
    }

    fn decode(kind: KeyKind, raw: Option<&str>) -> Option<Self> {
        let Some(raw) = raw else {
            return (kind == KeyKind::OptionalTime).then_some(KeyValue::Null);
        };
        match kind {
            // PostgreSQL text cannot hold NUL: such a cursor was never ours.
            KeyKind::Text => (!raw.contains('\0')).then(|| KeyValue::Text(raw.to_owned())),
            KeyKind::Float => raw
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(KeyValue::Float),
            KeyKind::Int => raw.parse::<i64>().ok().map(KeyValue::Int),
            KeyKind::Time | KeyKind::OptionalTime => DateTime::parse_from_rfc3339(raw)
                .ok()
                .map(|t| KeyValue::Time(t.with_timezone(&Utc))),
        }
    }
}

/// One orderable field of an entity.
pub(crate) trait SortKey: Copy + Send + Sync + 'static {
    type Entity: EntityTrait;

    /// Stable name written into cursors (and matching the GraphQL enum value).
    fn name(self) -> &'static str;
    fn column(self) -> <Self::Entity as EntityTrait>::Column;
    fn kind(self) -> KeyKind;
    fn value(self, row: &<Self::Entity as EntityTrait>::Model) -> KeyValue;
    /// The primary key: every ordering ends with it so ties break the same way every time.
    fn id_column() -> <Self::Entity as EntityTrait>::Column;
    fn id(row: &<Self::Entity as EntityTrait>::Model) -> i64;
}

/// Validated paging request.
#[derive(Clone, Debug)]
struct PageRequest {
    limit: u64,
    backward: bool,
    cursor: Option<String>,
}

impl PageArgs {
    fn validate(&self) -> Result<PageRequest> {
        let max = self.max_size.unwrap_or(MAX_PAGE_SIZE);
        let check = |name: &str, n: i32| -> Result<u64> {
            if !(0..=max).contains(&n) {
                return Err(AppError::bad_field(
                    name,
                    format!("`{name}` must be between 0 and {max}, got {n}"),
                ));
            }
            Ok(n as u64)
        };
        if self.first.is_some() && self.last.is_some() {
            return Err(AppError::bad_field(
                "last",
                "pass either `first` or `last`, not both",
            ));
        }
        if self.after.is_some() && self.before.is_some() {
            return Err(AppError::bad_field(
                "before",
                "pass either `after` or `before`, not both",
            ));
        }
        let backward = self.last.is_some() || self.before.is_some();
        if backward && (self.first.is_some() || self.after.is_some()) {
            return Err(AppError::bad_input(
                "page forward with `first`/`after` or backward with `last`/`before`, not both",
            ));
        }
        let limit = match (self.first, self.last) {
            (Some(n), _) => check("first", n)?,
            (_, Some(n)) => check("last", n)?,
            _ => DEFAULT_PAGE_SIZE as u64,
        };
        let cursor = self.after.clone().or_else(|| self.before.clone());
        Ok(PageRequest {
            limit,
            backward,
            cursor,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct CursorBody {
    /// The ordering this cursor belongs to, e.g. `NAME.ASC,ID.ASC`.
    o: String,
    /// Sort-key values of the row, in ordering order (null: a nullable key's null).
    k: Vec<Option<String>>,
    /// Row id.
    i: i64,
}

fn signature<K: SortKey>(order: &[(K, SortDirection)]) -> String {
    order
        .iter()
        .map(|(key, dir)| {
            format!(
                "{}.{}",
                key.name(),
                if *dir == SortDirection::Asc {
                    "ASC"
                } else {
                    "DESC"
                }
            )
        })
        .chain(std::iter::once("ID.ASC".to_string()))
        .collect::<Vec<_>>()
        .join(",")
}

fn encode_cursor<K: SortKey>(
    signature: &str,
    order: &[(K, SortDirection)],
    row: &<K::Entity as EntityTrait>::Model,
) -> String {
    let body = CursorBody {
        o: signature.to_owned(),
        k: order
            .iter()
            .map(|(key, _)| key.value(row).encode())
            .collect(),
        i: K::id(row),
    };
    let json = serde_json::to_vec(&body).expect("cursor body serialises");
    URL_SAFE_NO_PAD.encode(json)
}

fn decode_cursor<K: SortKey>(
    raw: &str,
    signature: &str,
    order: &[(K, SortDirection)],
) -> Result<(Vec<KeyValue>, i64)> {
    let malformed = || AppError::bad_input("malformed cursor: pass a cursor this API returned");
    if raw.len() > 4096 {
        return Err(malformed());
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| malformed())?;
    let body: CursorBody = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    if body.o != signature {
        return Err(AppError::bad_input(
            "cursor was made for another ordering: use cursors with the orderBy they came from",
        ));
    }
    if body.k.len() != order.len() || body.i <= 0 {
        return Err(malformed());
    }
    let values = order
        .iter()
        .zip(&body.k)
        .map(|((key, _), raw)| KeyValue::decode(key.kind(), raw.as_deref()).ok_or_else(malformed))
        .collect::<Result<Vec<_>>>()?;
    debug_assert!(values.iter().zip(order).all(|(v, (k, _))| v.fits(k.kind())));
    Ok((values, body.i))
}

/// `column` beyond `value` in the sort's own order, where a null is +infinity: `greater`
/// asks for rows after it ascending, else for rows before it.
fn beyond(column: impl ColumnTrait, value: &KeyValue, greater: bool, or_equal: bool) -> Condition {
    let col = || Expr::col(column.as_column_ref());
    match (value.to_db(), greater) {
        (Some(v), true) => Condition::any()
            .add(if or_equal { col().gte(v) } else { col().gt(v) })
            .add(col().is_null()),
        (Some(v), false) => Condition::all().add(if or_equal { col().lte(v) } else { col().lt(v) }),
        // Nothing is beyond +infinity, except +infinity itself when equal counts.
        (None, true) if or_equal => Condition::all().add(col().is_null()),
        (None, true) => Condition::all().add(Expr::val(1).eq(0)),
        (None, false) if or_equal => Condition::all(),
        (None, false) => Condition::all().add(col().is_not_null()),
    }
}

fn equal(column: impl ColumnTrait, value: &KeyValue) -> Condition {
    let col = Expr::col(column.as_column_ref());
    Condition::all().add(match value.to_db() {
        Some(v) => col.eq(v),
        None => col.is_null(),
    })
}

/// `(k1, k2, …, id)` strictly after (or before) the cursor's values, in the given directions.
fn keyset_condition<K: SortKey>(
    order: &[(K, SortDirection)],
    values: &[KeyValue],
    id: i64,
    forward: bool,
) -> Condition {
    let after = |dir: SortDirection| (dir == SortDirection::Asc) == forward;
    let mut keys: Vec<(<K::Entity as EntityTrait>::Column, SortDirection, KeyValue)> = order
        .iter()
        .zip(values)
        .map(|((key, dir), value)| (key.column(), *dir, value.clone()))
        .collect();
    keys.push((K::id_column(), SortDirection::Asc, KeyValue::Int(id)));

    // Every key ascending and none nullable (the usual case): a row-value comparison
    // `(k1, …, id) > (…)`, which PostgreSQL answers with one index range scan and SQLite
    // (3.15+) understands too.
    let nullable = order
        .iter()
        .any(|(key, _)| key.kind() == KeyKind::OptionalTime);
    if !nullable && keys.iter().all(|(_, dir, _)| *dir == SortDirection::Asc) {
        let columns = Expr::tuple(
            keys.iter()
                .map(|(col, _, _)| Expr::col(col.as_column_ref())),
        );
        let bound = Expr::tuple(
            keys.iter()
                .filter_map(|(_, _, value)| value.to_db().map(Expr::val)),
        );
        let condition = if forward {
            columns.gt(bound)
        } else {
            columns.lt(bound)
        };
        return Condition::all().add(condition);
    }

    // Mixed or descending directions, or nullable keys: expand into
    // k1 > v1 OR (k1 = v1 AND k2 > v2) OR … with each comparison turned to fit its direction.
    let mut any = Condition::any();
    for i in 0..keys.len() {
        let mut all = Condition::all();
        for (col, _, value) in &keys[..i] {
            all = all.add(equal(*col, value));
        }
        let (col, dir, value) = &keys[i];
        all = all.add(beyond(*col, value, after(*dir), false));
        any = any.add(all);
    }
    // The leading key bound is implied by the OR above; spelling it out lets the planner use
    // an index range scan instead of filtering the whole table.
    let (col, dir, value) = &keys[0];
    Condition::all()
        .add(beyond(*col, value, after(*dir), true))
        .add(any)
}

/// One page of rows with their cursors.
pub(crate) struct Page<M> {
    pub rows: Vec<(String, M)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub total: TotalCount,
}

/// A page of `K`'s entity, filtered by a domain's filter tree: a whole list query.
///
/// `counts`: where `totalCount` is remembered, for the inventory's lists (drones, cameras,
/// sites: every write to their tables moves the epoch, see [`total`]); a filter that reads the
/// clock is counted afresh every time.
pub(crate) async fn list<K: SortKey, F: FilterTree>(
    db: &DatabaseConnection,
    counts: Option<&CountCache>,
    filter: Option<F>,
    order: &[(K, SortDirection)],
    args: &PageArgs,
) -> Result<Page<<K::Entity as EntityTrait>::Model>>
where
    <K::Entity as EntityTrait>::Model: Sync,
{
    let counts = counts.filter(|_| !filter.as_ref().is_some_and(F::reads_the_clock));
    let mut select = K::Entity::find();
    if let Some(filter) = filter {
        select = select.filter(filter.root_condition()?);
    }
    page_of(db, select, order, args, counts.cloned()).await
}

/// Fetches one page of `select` (already filtered) in `order`, then id.
///
/// Costs one statement (plus one for `totalCount` if asked). `hasPreviousPage` when paging
/// forward (and `hasNextPage` backward) is true exactly when a cursor was given, as the Relay
/// spec allows: proving it otherwise would cost another query.
pub(crate) async fn fetch_page<K: SortKey>(
    db: &DatabaseConnection,
    select: Select<K::Entity>,
    order: &[(K, SortDirection)],
    args: &PageArgs,
) -> Result<Page<<K::Entity as EntityTrait>::Model>>
where
    <K::Entity as EntityTrait>::Model: Sync,
{
    page_of(db, select, order, args, None).await
}

async fn page_of<K: SortKey>(
    db: &DatabaseConnection,
    select: Select<K::Entity>,
    order: &[(K, SortDirection)],
    args: &PageArgs,
    counts: Option<CountCache>,
) -> Result<Page<<K::Entity as EntityTrait>::Model>>
where
    <K::Entity as EntityTrait>::Model: Sync,
{
    let request = args.validate()?;
    // Each field once: a repeat orders nothing more, yet lengthens every cursor and the SQL.
    let mut seen = std::collections::HashSet::new();
    if let Some((key, _)) = order.iter().find(|(key, _)| !seen.insert(key.name())) {
        return Err(AppError::bad_field(
            "orderBy",
            format!("orderBy names {} more than once", key.name()),
        ));
    }
    let signature = signature(order);
    let total = TotalCount::new(db.clone(), select.clone().into_query(), counts);

    let mut query = select;
    if let Some(raw) = &request.cursor {
        let argument = if request.backward { "before" } else { "after" };
        let (values, id) = decode_cursor(raw, &signature, order).map_err(|e| e.within(argument))?;
        query = query.filter(keyset_condition(order, &values, id, !request.backward));
    }
    let sql_order = |dir: SortDirection| match (dir, request.backward) {
        (SortDirection::Asc, false) | (SortDirection::Desc, true) => Order::Asc,
        _ => Order::Desc,
    };
    for (key, dir) in order {
        let sql = sql_order(*dir);
        query = if key.kind() == KeyKind::OptionalTime {
            // A null sorts as +infinity: last ascending, first descending, on both engines
            // (PostgreSQL's default; SQLite's is the opposite, so say it).
            let nulls = if sql == Order::Asc {
                NullOrdering::Last
            } else {
                NullOrdering::First
            };
            query.order_by_with_nulls(key.column(), sql, nulls)
        } else {
            query.order_by(key.column(), sql)
        };
    }
    query = query.order_by(K::id_column(), sql_order(SortDirection::Asc));

    // One row more than asked tells whether another page follows (also for `first: 0`).
    let mut rows = query.limit(request.limit + 1).all(db).await?;
    let has_more = rows.len() as u64 > request.limit;
    rows.truncate(request.limit as usize);
    if request.backward {
        rows.reverse();
    }
    let rows = rows
        .into_iter()
        .map(|row| (encode_cursor(&signature, order, &row), row))
        .collect();
    let has_cursor = request.cursor.is_some();
    Ok(Page {
        rows,
        has_next_page: if request.backward {
            has_cursor
        } else {
            has_more
        },
        has_previous_page: if request.backward {
            has_more
        } else {
            has_cursor
        },
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_are_bounded() {
        let args = |first, last| PageArgs {
            first,
            last,
            ..Default::default()
        };
        assert_eq!(args(None, None).validate().unwrap().limit, 20);
        assert_eq!(args(Some(100), None).validate().unwrap().limit, 100);
        assert!(args(Some(101), None).validate().is_err());
        assert!(args(Some(-1), None).validate().is_err());
        assert!(args(Some(1), Some(1)).validate().is_err());
        assert!(args(None, Some(5)).validate().unwrap().backward);
    }

    #[test]
    fn floats_and_times_round_trip_exactly() {
        for value in [
            KeyValue::Float(0.1 + 0.2),
            KeyValue::Float(48.000000000000014),
            KeyValue::Time("2026-11-23T10:15:00.123456Z".parse().unwrap()),
        ] {
            let back = KeyValue::decode(value.kind(), value.encode().as_deref()).unwrap();
            assert_eq!(back, value);
        }
        assert!(KeyValue::decode(KeyKind::Float, Some("NaN")).is_none());
        assert!(KeyValue::decode(KeyKind::Time, Some("yesterday")).is_none());
        assert_eq!(
            KeyValue::decode(KeyKind::OptionalTime, None),
            Some(KeyValue::Null)
        );
        assert!(KeyValue::decode(KeyKind::Time, None).is_none());
    }
}

#[cfg(test)]
mod props;
pub(crate) mod total;

pub(crate) use total::CountCache;
pub(crate) use total::TotalCount;
