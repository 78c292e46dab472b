//! Gives every error an `extensions.code`.
//!
//! Resolver errors carry theirs already (see `AppError`). Errors raised by async-graphql
//! itself, before any resolver runs (syntax, unknown fields, wrong variable types, depth and
//! complexity limits), have none: they are all the client's input, so they become
//! BAD_USER_INPUT, except a persisted-query miss, which Apollo expects as
//! PERSISTED_QUERY_NOT_FOUND.

use async_graphql::{Response, Value};

/// The message of a persisted-query miss, as Apollo Client expects it.
pub const PERSISTED_QUERY_NOT_FOUND: &str = "PersistedQueryNotFound";

/// Sets `extensions.code` on every error of `response` that has none.
pub fn add_codes(response: &mut Response) {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            // Apollo Client recognises this code and resends the query with its text.
            let code = if error.message == PERSISTED_QUERY_NOT_FOUND {
                "PERSISTED_QUERY_NOT_FOUND"
            } else {
                "BAD_USER_INPUT"
            };
            extensions.set("code", Value::from(code));
        }
    }
}
