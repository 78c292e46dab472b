//! Who is asking: password hashing, tokens, and the viewer a request acts as.

pub(crate) mod cache;
pub mod password;
pub(crate) mod throttle;
pub mod token;

use crate::entity::user::Role;

/// The identity a request (or a graphql-ws connection) acts as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Viewer {
    Anonymous,
    /// A bearer token was presented but is not acceptable; the reason is safe to show.
    Rejected(String),
    User(SignedIn),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SignedIn {
    pub user_id: i64,
    /// From the database (through the short-lived viewer cache), not from the token: a
    /// demotion applies to tokens already issued.
    pub role: Role,
    /// For the audit trail; may be up to the viewer cache's TTL old.
    pub username: std::sync::Arc<str>,
    /// Refresh-token family of this login (the `sid` claim); `changePassword` keeps it alive.
    pub session_id: String,
    /// When the access token expires (Unix seconds, the `exp` claim).
    pub token_expires_at: u64,
}

/// The client's address as the login throttle counts it (data of an HTTP operation or of a graphql-ws connection).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClientAddr(pub std::net::IpAddr);

impl Viewer {
    pub(crate) fn signed_in(&self) -> Option<&SignedIn> {
        match self {
            Viewer::User(user) => Some(user),
            _ => None,
        }
    }
}
