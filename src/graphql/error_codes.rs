//! Gives every error an `extensions.code`, and names the refusals that also decide an HTTP
//! status.
//!
//! Resolver errors carry their code already (see `AppError`). The gateway's own refusals are
//! made as a [`Refusal`], which sets the code and travels in the error's `source`, so the HTTP
//! layer reads the status from a typed value, never from the message. Errors raised by
//! async-graphql itself, before any resolver runs (syntax, unknown fields, wrong variable
//! types, depth and complexity limits), have none: they are all the client's input, so they
//! become BAD_USER_INPUT.

use std::sync::Arc;

use async_graphql::{Response, ServerError, Value};

/// Why the gateway refused or stopped an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A mutation or subscription sent over GET (HTTP 405, `Allow: POST`).
    WriteOverGet,
    /// A persisted-query hash this server does not hold: Apollo Client resends the text.
    PersistedQueryNotFound,
    /// Past `HANGAR_REQUEST_TIMEOUT` (HTTP 504): the operation was dropped, its transaction
    /// rolled back.
    TimedOut,
}

impl Refusal {
    fn code(self) -> &'static str {
        match self {
            Self::WriteOverGet => "BAD_USER_INPUT",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::TimedOut => "TIMEOUT",
        }
    }

    /// The error to answer with: `message`, this refusal's code, and the refusal itself.
    pub(crate) fn error(self, message: impl Into<String>) -> ServerError {
        let mut error = ServerError::new(message, None);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", self.code());
        error.source = Some(Arc::new(self));
        error
    }

    /// The refusal an error was made as, if it was.
    pub(crate) fn of(error: &ServerError) -> Option<Self> {
        error.source::<Self>().copied()
    }
}

/// The message of a persisted-query miss, as Apollo Client expects it.
pub(crate) const PERSISTED_QUERY_NOT_FOUND: &str = "PersistedQueryNotFound";

/// Sets `extensions.code` on every error of `response` that has none.
pub(crate) fn add_codes(response: &mut Response) {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", Value::from("BAD_USER_INPUT"));
        }
    }
}
