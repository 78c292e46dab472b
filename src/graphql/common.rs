//! Inputs and enums shared by several domains: filters, sort direction, ids.

use async_graphql::{Enum, ID, InputObject};

use crate::{
    error::AppError,
    graphql::scalars::DateTime,
    service::{filter, pagination},
};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

impl From<SortDirection> for pagination::SortDirection {
    fn from(dir: SortDirection) -> Self {
        match dir {
            SortDirection::Asc => pagination::SortDirection::Asc,
            SortDirection::Desc => pagination::SortDirection::Desc,
        }
    }
}

/// contains and startsWith are case-insensitive; eq/ne/in are exact.
#[derive(InputObject, Clone, Debug, Default)]
pub struct StringFilter {
    pub eq: Option<String>,
    pub ne: Option<String>,
    #[graphql(name = "in")]
    pub in_: Option<Vec<String>>,
    pub contains: Option<String>,
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

#[derive(InputObject, Clone, Debug, Default)]
pub struct FloatFilter {
    pub eq: Option<f64>,
    pub gt: Option<f64>,
    pub gte: Option<f64>,
    pub lt: Option<f64>,
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

#[derive(InputObject, Clone, Debug, Default)]
pub struct DateTimeFilter {
    pub gt: Option<DateTime>,
    pub gte: Option<DateTime>,
    pub lt: Option<DateTime>,
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

/// Parses a GraphQL `ID` of one of our rows (a positive integer).
pub fn parse_id(id: &ID) -> Result<i64, AppError> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::bad_input(format!("{:?} is not a valid id", id.as_str())))
}

pub fn to_id(id: i64) -> ID {
    ID(id.to_string())
}

/// A count for an `Int!` field (GraphQL Int is 32-bit; saturates instead of wrapping).
pub fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
