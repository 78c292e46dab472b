//! The contract's `DateTime` (RFC 3339, UTC, `Z`) and `Date` (ISO 8601 calendar date) scalars.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{NaiveDate, SecondsFormat, SubsecRound, Utc};

/// RFC 3339 timestamp in UTC, e.g. 2026-11-23T10:15:00Z
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateTime(pub chrono::DateTime<Utc>);

/// A moment in time, RFC 3339: answers are in UTC with `Z` (e.g. 2026-11-23T10:15:00Z, with
/// fractions of a second when there are any); inputs may carry any offset and are kept to the
/// microsecond.
#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            // At the precision both databases keep (microseconds), as `service::now`: SQLite
            // would store nanoseconds as text, and cursors (which carry microseconds) would
            // then compare unequal to the stored value.
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| DateTime(t.with_timezone(&Utc).trunc_subsecs(6)))
                .map_err(|_| {
                    InputValueError::custom(
                        "expected an RFC 3339 timestamp such as 2026-11-23T10:15:00Z",
                    )
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

/// ISO 8601 calendar date, e.g. 1990-04-21
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Date(pub NaiveDate);

/// A calendar date without a time or zone, ISO 8601 (e.g. 1990-04-21).
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom("expected a date such as 1990-04-21")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}
