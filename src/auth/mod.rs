//! Who is asking: password hashing, tokens, and the viewer a request acts as.

pub(crate) mod api_token;
pub(crate) mod cache;
pub mod password;
pub(crate) mod throttle;
pub mod token;

use crate::entity::{api_token::Scope, user::Role};

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
    /// What the request presented.
    pub credential: Credential,
    /// When that credential expires (Unix seconds; none: never): a graphql-ws connection
    /// closes then.
    pub token_expires_at: Option<u64>,
}

/// How a viewer signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Credential {
    /// An access token from `login`, of this refresh-token family (the `sid` claim);
    /// `changePassword` keeps that family alive.
    Session { session_id: String },
    /// An API token (`hgr_…`): its owner, narrowed to its scope by `graphql::guard`.
    ApiToken { id: i64, scope: Scope },
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
