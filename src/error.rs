//! The one error type of Hangar's services, and how it reaches a GraphQL client.
//!
//! Each variant maps to one `extensions.code` of the API contract. Internal causes (SQL, I/O,
//! panics of blocking tasks) are logged with their context and replaced by a plain message, so
//! nothing about the database or the file system ever reaches a client.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, SqlErr};

pub(crate) type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    /// Invalid input. `details` travels in `extensions` (for bulk calls: each bad item's index).
    #[error("{message}")]
    BadInput {
        message: String,
        details: Option<serde_json::Value>,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// CONFLICT for some items of a bulk call; `details` lists them with their index.
    #[error("{message}")]
    ItemConflicts {
        message: String,
        details: serde_json::Value,
    },
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// A transient outage the client may retry after (SERVICE_UNAVAILABLE).
    #[error("{0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub(crate) fn bad_input(message: impl Into<String>) -> Self {
        Self::BadInput {
            message: message.into(),
            details: None,
        }
    }

    /// BAD_USER_INPUT about one input, named by its path from the operation's argument
    /// (`input.serialNumber`, `inputs.3.cameraModels.1`, `filter.and.0.name.in`): clients read
    /// it from `extensions.field` to show the message beside that field.
    pub(crate) fn bad_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput {
            message: message.into(),
            details: Some(serde_json::json!({ "field": field.into() })),
        }
    }

    /// The same error about the input `prefix` holds: a BAD_USER_INPUT's field path gets
    /// `prefix.` in front (or becomes `prefix` when it had none). Other errors pass unchanged.
    pub(crate) fn within(self, prefix: &str) -> Self {
        match self {
            Self::BadInput { message, details } => {
                let mut details = match details {
                    Some(serde_json::Value::Object(map)) => map,
                    _ => serde_json::Map::new(),
                };
                let field = match details.get("field").and_then(|f| f.as_str()) {
                    Some(inner) => format!("{prefix}.{inner}"),
                    None => prefix.to_string(),
                };
                details.insert("field".into(), field.into());
                Self::BadInput {
                    message,
                    details: Some(serde_json::Value::Object(details)),
                }
            }
            other => other,
        }
    }

    pub(crate) fn internal(context: impl Into<String>) -> Self {
        Self::Internal(context.into())
    }

    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict(_) | Self::ItemConflicts { .. } => "CONFLICT",
            Self::TooManyRequests { .. } => "TOO_MANY_REQUESTS",
            Self::Unavailable(_) => "SERVICE_UNAVAILABLE",
            Self::Database(err) => match DbFailure::of(err) {
                DbFailure::Unavailable => "SERVICE_UNAVAILABLE",
                DbFailure::TimedOut => "TIMEOUT",
                DbFailure::Collided => "CONFLICT",
                DbFailure::Other => "INTERNAL_SERVER_ERROR",
            },
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The message a client may see.
    fn public_message(&self) -> String {
        match self {
            Self::Database(err) => match DbFailure::of(err) {
                DbFailure::Unavailable => {
                    "the database is unavailable or busy: retry in a few seconds".into()
                }
                DbFailure::TimedOut => {
                    "the database did not finish this request within its time limit".into()
                }
                DbFailure::Collided => {
                    "a concurrent change collided with this one; nothing was written: retry".into()
                }
                DbFailure::Other => "internal server error".into(),
            },
            Self::Internal(_) => "internal server error".into(),
            other => other.to_string(),
        }
    }
}

/// What a database error means for the client: a transient outage it may retry
/// (SERVICE_UNAVAILABLE), a statement that hit its time limit (TIMEOUT), a transaction
/// PostgreSQL aborted to break a deadlock or a serialization conflict (CONFLICT: rolled back,
/// retry), or a fault of ours.
#[derive(Debug, PartialEq, Eq)]
enum DbFailure {
    Unavailable,
    TimedOut,
    Collided,
    Other,
}

impl DbFailure {
    fn of(err: &DbErr) -> Self {
        use sea_orm::{RuntimeErr, sqlx};
        let sqlx_err = match err {
            // No connection could be had within the acquire timeout, or the pool is closed.
            DbErr::ConnectionAcquire(_) => return Self::Unavailable,
            DbErr::Conn(RuntimeErr::SqlxError(e))
            | DbErr::Exec(RuntimeErr::SqlxError(e))
            | DbErr::Query(RuntimeErr::SqlxError(e)) => e.as_ref(),
            DbErr::Conn(_) => return Self::Unavailable,
            _ => return Self::Other,
        };
        match sqlx_err {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Self::Unavailable,
            sqlx::Error::Database(db) => match db.code().as_deref() {
                // PostgreSQL: query_canceled, which statement_timeout raises.
                Some("57014") => Self::TimedOut,
                // deadlock_detected, serialization_failure.
                Some("40P01" | "40001") => Self::Collided,
                // admin_shutdown, crash_shutdown, cannot_connect_now, and class 08
                // (connection exceptions): the server is going away or not there yet.
                Some("57P01" | "57P02" | "57P03") => Self::Unavailable,
                Some(code) if code.starts_with("08") => Self::Unavailable,
                _ => Self::Other,
            },
            _ => Self::Other,
        }
    }
}

/// Turns a unique-key violation into CONFLICT with `message`; any other error passes through.
///
/// Services check for duplicates first to give a precise message; this catches the race where
/// a concurrent request inserts the same key between that check and the write.
pub(crate) fn conflict_on_unique(err: DbErr, message: impl FnOnce() -> String) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(message()),
        _ => AppError::Database(err),
    }
}

/// Turns a foreign-key violation into CONFLICT with `message`: what a write refers to (a site,
/// a user, a camera) was deleted by a concurrent request after it was looked up. Any other
/// error passes through.
pub(crate) fn conflict_on_foreign_key(err: DbErr, message: impl FnOnce() -> String) -> AppError {
    match err.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => AppError::Conflict(message()),
        _ => AppError::Database(err),
    }
}

/// Both races of an insert at once: its unique key taken meanwhile (`taken`), or what it refers
/// to deleted meanwhile (`gone`), each CONFLICT with its message; any other error passes
/// through.
pub(crate) fn conflict_on_race(
    err: DbErr,
    taken: impl FnOnce() -> String,
    gone: impl FnOnce() -> String,
) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(taken()),
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => AppError::Conflict(gone()),
        _ => AppError::Database(err),
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        match &err {
            AppError::Database(db) if DbFailure::of(db) != DbFailure::Other => {
                tracing::warn!(error = %err, "request failed: database unavailable or slow");
            }
            AppError::Database(_) | AppError::Internal(_) => {
                tracing::error!(error = %err, "request failed with an internal error");
            }
            _ => {}
        }
        let message = err.public_message();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", err.code());
            match &err {
                AppError::BadInput {
                    details: Some(details),
                    ..
                }
                | AppError::ItemConflicts { details, .. } => {
                    // `details` is an object whose keys (e.g. `items`) go into extensions.
                    if let serde_json::Value::Object(map) = details {
                        for (key, value) in map {
                            if let Ok(value) = async_graphql::Value::from_json(value.clone()) {
                                ext.set(key, value);
                            }
                        }
                    }
                }
                AppError::TooManyRequests {
                    retry_after_secs, ..
                } => {
                    ext.set("retryAfter", *retry_after_secs);
                }
                _ => {}
            }
        })
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(err: tokio::task::JoinError) -> Self {
        AppError::Internal(format!("blocking task failed: {err}"))
    }
}
