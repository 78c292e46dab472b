//! Domain rules and SQL, one module per domain. Services know nothing of GraphQL or HTTP:
//! they take a connection and plain values and return models or an [`AppError`].
//!
//! [`AppError`]: crate::error::AppError

pub mod api_token;
pub mod audit;
pub mod auth;
pub(crate) mod bulk;
pub(crate) mod camera;
pub(crate) mod drone;
pub(crate) mod filter;
pub(crate) mod pagination;
pub(crate) mod photo;
#[cfg(test)]
mod props_support;
pub mod seed;
pub(crate) mod session;
pub(crate) mod site;
pub mod user;
pub(crate) mod validate;
pub mod write;

use chrono::{DateTime, SubsecRound, Utc};

/// The current time at the precision both databases keep (microseconds), so a timestamp read
/// back equals the one written, and cursors built from it compare exactly.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A change to an optional field: leave it, clear it, or set it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    /// Applies the patch to `current`.
    pub(crate) fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Keep => current,
            Patch::Clear => None,
            Patch::Set(value) => Some(value),
        }
    }
}
