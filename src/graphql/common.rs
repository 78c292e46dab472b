//! What every domain's GraphQL shares: the filter operators and the `and`/`or`/`not` tree,
//! the sort direction and ordering, the paging arguments, bulk-call policy and size, and ids.
//! A domain module holds only what is its own.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined};

use crate::{
    error::AppError,
    graphql::{guard::state, scalars::DateTime},
    service::{self, bulk, filter, pagination},
};

/// Which way a sort key runs.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
#[graphql(remote = "pagination::SortDirection")]
pub(crate) enum SortDirection {
    /// Smallest first: A to Z, low to high, oldest first. The default.
    #[default]
    Asc,
    /// Largest first: Z to A, high to low, newest first.
    Desc,
}

/// What a bulk registration does with an item whose key (serial number / model) already exists.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
#[graphql(remote = "bulk::OnConflict")]
pub(crate) enum OnConflict {
    /// Reject the whole batch, naming each conflicting item.
    #[default]
    Fail,
    /// Keep the existing row, count the item as skipped.
    Skip,
    /// Overwrite the existing row with the item.
    Update,
}

/// BAD_USER_INPUT when a bulk call holds more items than `HANGAR_MAX_BULK_ITEMS`.
pub(crate) fn check_bulk_size(ctx: &Context<'_>, len: usize) -> Result<(), AppError> {
    let max = state(ctx).config.max_bulk_items;
    if len > max {
        return Err(AppError::bad_field(
            "inputs",
            format!("at most {max} items per call, got {len}: split the batch"),
        ));
    }
    Ok(())
}

/// A list field's Relay arguments, with the configured largest page.
pub(crate) fn page_args(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> pagination::PageArgs {
    pagination::PageArgs {
        first,
        after,
        last,
        before,
        max_size: Some(state(ctx).config.max_page_size),
    }
}

/// A list field's `orderBy` as service sort keys. Each domain's order input converts itself
/// (its field enum mirrors the service's sort key with `remote`).
pub(crate) fn ordering<O, K>(order_by: Option<Vec<O>>) -> Vec<(K, pagination::SortDirection)>
where
    O: Into<(K, pagination::SortDirection)>,
{
    order_by
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect()
}

/// The `and`/`or`/`not` of a GraphQL filter, converted to the service's filter of the same
/// domain (absent lists are empty).
pub(crate) type Combinators<S> = (Vec<S>, Vec<S>, Option<Box<S>>);

pub(crate) fn combinators<G, S: From<G>>(
    and: Option<Vec<G>>,
    or: Option<Vec<G>>,
    not: Option<Box<G>>,
) -> Combinators<S> {
    let all = |list: Option<Vec<G>>| list.unwrap_or_default().into_iter().map(S::from).collect();
    (all(and), all(or), not.map(|n| Box::new(S::from(*n))))
}

/// Conditions on a text field; every one given must hold. contains and startsWith are
/// case-insensitive; eq/ne/in are exact.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct StringFilter {
    /// Exactly this text.
    pub eq: Option<String>,
    /// Anything but exactly this text.
    pub ne: Option<String>,
    /// Exactly one of these texts (an empty list matches nothing).
    #[graphql(name = "in")]
    pub in_: Option<Vec<String>>,
    /// Holds this text anywhere, in any case.
    pub contains: Option<String>,
    /// Begins with this text, in any case.
    pub starts_with: Option<String>,
}

impl From<StringFilter> for filter::StringFilter {
    fn from(f: StringFilter) -> Self {
        filter::StringFilter {
            eq: f.eq,
            ne: f.ne,
            in_: f.in_,
            contains: f.contains,
            starts_with: f.starts_with,
        }
    }
}

/// Conditions on a number (such as megapixels); every one given must hold, so `gte` with
/// `lt` is a range.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct FloatFilter {
    /// Exactly this number.
    pub eq: Option<f64>,
    /// Greater than this number.
    pub gt: Option<f64>,
    /// This number or greater.
    pub gte: Option<f64>,
    /// Less than this number.
    pub lt: Option<f64>,
    /// This number or less.
    pub lte: Option<f64>,
}

impl From<FloatFilter> for filter::FloatFilter {
    fn from(f: FloatFilter) -> Self {
        filter::FloatFilter {
            eq: f.eq,
            gt: f.gt,
            gte: f.gte,
            lt: f.lt,
            lte: f.lte,
        }
    }
}

/// Conditions on a moment (RFC 3339, e.g. 2026-12-01T09:30:00Z); every one given must hold,
/// so `gte` with `lt` is a period.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct DateTimeFilter {
    /// Strictly after this moment.
    pub gt: Option<DateTime>,
    /// At or after this moment.
    pub gte: Option<DateTime>,
    /// Strictly before this moment.
    pub lt: Option<DateTime>,
    /// At or before this moment.
    pub lte: Option<DateTime>,
}

impl From<DateTimeFilter> for filter::DateTimeFilter {
    fn from(f: DateTimeFilter) -> Self {
        filter::DateTimeFilter {
            gt: f.gt.map(|t| t.0),
            gte: f.gte.map(|t| t.0),
            lt: f.lt.map(|t| t.0),
            lte: f.lte.map(|t| t.0),
        }
    }
}

/// An optional input field as a change: omitted keeps, null clears, a value sets.
pub(crate) fn patch<T>(value: MaybeUndefined<T>) -> service::Patch<T> {
    match value {
        MaybeUndefined::Undefined => service::Patch::Keep,
        MaybeUndefined::Null => service::Patch::Clear,
        MaybeUndefined::Value(v) => service::Patch::Set(v),
    }
}

/// Parses a GraphQL `ID` of one of our rows (a positive integer) given as the argument `id`.
pub(crate) fn parse_id(id: &ID) -> Result<i64, AppError> {
    parse_id_at("id", id)
}

/// [`parse_id`] for an argument of another name (`droneId`, `to`): a bad one names it.
pub(crate) fn parse_id_at(argument: &str, id: &ID) -> Result<i64, AppError> {
    id.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        AppError::bad_field(argument, format!("{:?} is not a valid id", id.as_str()))
    })
}

pub(crate) fn to_id(id: i64) -> ID {
    ID(id.to_string())
}

/// A count for an `Int!` field (GraphQL Int is 32-bit; saturates instead of wrapping).
pub(crate) fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
