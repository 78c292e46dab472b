//! Who an operation runs for, built one way for an HTTP request and for a graphql-ws
//! connection: the viewer behind the access token and the client's address (for the login
//! throttle). Everything per *operation* is the gateway's: loaders, and the deadline (which
//! HTTP sets once for a whole batch, and graphql-ws leaves to the gateway's default).

use std::net::SocketAddr;

use async_graphql::Data;
use axum::http::HeaderMap;

use crate::{
    auth::{ClientAddr, Viewer},
    error::AppError,
    service::auth::resolve_viewer,
    state::AppState,
};

/// The caller of an HTTP request or of a graphql-ws connection.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) viewer: Viewer,
    pub(crate) address: Option<ClientAddr>,
    /// Where this server is, as the caller reached it: signed photo URLs start with it.
    pub(crate) origin: PublicOrigin,
}

/// The origin (`http://host:port`) absolute URLs of this server start with:
/// `HANGAR_PUBLIC_URL`, else the request's `Host` header, else relative URLs.
#[derive(Clone, Debug, Default)]
pub(crate) struct PublicOrigin(pub(crate) String);

impl PublicOrigin {
    pub(crate) fn of(headers: &HeaderMap, configured: Option<&str>) -> Self {
        if let Some(url) = configured {
            return Self(url.to_string());
        }
        headers
            .get(axum::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            // A Host header is a host and a port, nothing else: anything else is not echoed.
            .filter(|host| {
                !host.is_empty()
                    && host
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
            })
            .map_or_else(Self::default, |host| Self(format!("http://{host}")))
    }
}

impl Caller {
    /// Resolves the `Authorization` value (a header, or graphql-ws' `connection_init`
    /// payload). Fails only when the database cannot be asked (SERVICE_UNAVAILABLE).
    pub(crate) async fn identify(
        app: &AppState,
        authorization: Option<&str>,
        address: Option<ClientAddr>,
        origin: PublicOrigin,
    ) -> Result<Self, AppError> {
        let viewer =
            resolve_viewer(&app.authenticator(), authorization, address.map(|a| a.0)).await?;
        Ok(Self {
            viewer,
            address,
            origin,
        })
    }

    /// Puts the caller into an operation's data (HTTP) or a connection's (graphql-ws).
    pub(crate) fn attach(&self, data: &mut Data) {
        data.insert(self.viewer.clone());
        data.insert(self.origin.clone());
        if let Some(address) = self.address {
            data.insert(address);
        }
    }
}

/// Who is asking, for the login throttle: the peer, or with `HANGAR_TRUST_FORWARDED_FOR` the
/// first `X-Forwarded-For` entry (set by the proxy in front; spoofable without one).
pub(crate) fn client_addr(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trust_forwarded_for: bool,
) -> Option<ClientAddr> {
    if trust_forwarded_for
        && let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ClientAddr(forwarded));
    }
    peer.map(|addr| ClientAddr(addr.ip()))
}
