//! GraphQL over WebSocket (`graphql-transport-ws`, and the legacy `graphql-ws`) at
//! `/graphql/ws`, for subscriptions and queries.
//!
//! The access token arrives in the `connection_init` payload
//! (`{"Authorization": "Bearer <token>"}`). A missing, invalid or expired token, or one whose
//! user is gone, is refused by closing the socket with `4403: Forbidden` and the reason, as the
//! protocol prescribes; anonymous sockets never get an event. When the token expires, the
//! connection closes with `4403: access token expired`, and the client reconnects with a
//! fresh one (Apollo's `connectionParams` function). The protocol's other rules are
//! [`protocol`]'s; keep-alive is the server's pings.

mod protocol;

use std::{
    net::SocketAddr,
    str::FromStr,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use async_graphql::{
    Data,
    http::{WebSocketProtocols, WsMessage},
};
use axum::{
    Extension,
    extract::{
        ConnectInfo, State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::{SinkExt, StreamExt, future};

use self::protocol::{Close, Protocol, fit_reason};
use super::gateway::Gateway;
use crate::{
    auth::{ClientAddr, Credential, SignedIn, Viewer},
    error::AppError,
    graphql::context::{Caller, PublicOrigin, client_addr},
    service::auth::resolve_viewer,
    state::AppState,
};

/// The protocol's close code for a refused `connection_init` (graphql-transport-ws' Forbidden).
const FORBIDDEN: u16 = 4403;
/// RFC 6455 "going away": the close a peer that stopped answering pings gets.
const GOING_AWAY: u16 = 1001;
/// A socket's read chunk and write batch.
const SOCKET_BUFFER_BYTES: usize = 4 * 1024;

/// Ping intervals a peer may stay silent before it counts as gone.
const DEAD_AFTER_PINGS: u32 = 3;

pub(crate) async fn upgrade(
    State((app, gateway)): State<(AppState, Gateway)>,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    // The first subprotocol we speak among those offered; none is a client we cannot serve.
    let Some(protocol) = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|name| WebSocketProtocols::from_str(name.trim()).ok())
    else {
        return (
            StatusCode::BAD_REQUEST,
            "offer the graphql-transport-ws subprotocol (Sec-WebSocket-Protocol)",
        )
            .into_response();
    };
    let address = client_addr(
        &headers,
        peer.map(|Extension(ConnectInfo(addr))| addr),
        app.config.trust_forwarded_for,
    );
    let origin = PublicOrigin::of(&headers, app.config.public_url.as_deref());
    // The body limit of HTTP holds for each message too (the socket's default is 64 MiB).
    let max_message = app.config.max_body_bytes;
    upgrade
        .max_message_size(max_message)
        .max_frame_size(max_message)
        // tungstenite reads in 128 KiB chunks and gathers 128 KiB of writes by default: room
        // for bulk transfers, but a subscriber receives events of a few hundred bytes, and a
        // thousand sockets held 140 MB. A message larger than a chunk still arrives whole.
        .read_buffer_size(SOCKET_BUFFER_BYTES)
        .write_buffer_size(SOCKET_BUFFER_BYTES)
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(socket, app, gateway, protocol, address, origin))
}

/// What the connection's parts tell the socket loop.
struct Shared {
    /// The protocol's state (graphql-transport-ws only).
    protocol: Option<Protocol>,
    /// A close decided where the reason was found (a protocol violation, a refused init).
    close: Option<Close>,
    /// When the access token of the signed-in connection expires (Unix seconds).
    token_expires_at: Option<u64>,
    /// A connection signed in with an API token: the `Authorization` it sent and who it was
    /// then, checked again every `RECHECK_API_TOKEN` (revocation, expiry, the owner's
    /// deletion or demotion close the socket).
    api_token: Option<(String, SignedIn)>,
    /// When a frame last came from the peer.
    heard: Instant,
}

type SharedState = Arc<Mutex<Shared>>;

fn lock(shared: &SharedState) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn serve(
    socket: WebSocket,
    app: AppState,
    gateway: Gateway,
    protocol: WebSocketProtocols,
    address: Option<ClientAddr>,
    origin: PublicOrigin,
) {
    let config = app.config.clone();
    let shared: SharedState = Arc::new(Mutex::new(Shared {
        protocol: (protocol == WebSocketProtocols::GraphQLWS).then(Protocol::default),
        close: None,
        token_expires_at: None,
        api_token: None,
        heard: Instant::now(),
    }));
    let (mut sink, stream) = socket.split();
    let inbound = shared.clone();
    let input = stream
        .take_while(|message| future::ready(message.is_ok()))
        .filter_map(|message| {
            future::ready(match message {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(Ok(message)),
                // Any frame from the peer (a pong above all) shows it is alive.
                Ok(_) => Some(Err(())),
                Err(_) => None,
            })
        })
        .take_while(move |message| {
            let mut shared = lock(&inbound);
            shared.heard = Instant::now();
            let Ok(message) = message else {
                return future::ready(true);
            };
            // A protocol violation ends the input: async-graphql then ends, and the loop
            // below closes with the decided code.
            let verdict = match shared.protocol.as_mut() {
                Some(protocol) => protocol.inbound(match message {
                    Message::Text(text) => text.as_bytes(),
                    Message::Binary(bytes) => bytes,
                    _ => &[],
                }),
                None => Ok(()),
            };
            if let Err(close) = verdict {
                shared.close = Some(close);
                return future::ready(false);
            }
            future::ready(true)
        })
        // A connection signed in with an API token asks again before each message it sends
        // (from the auth cache): an operation after a revocation closes the socket instead
        // of running.
        .then({
            let app = app.clone();
            let shared = shared.clone();
            move |message| {
                let app = app.clone();
                let shared = shared.clone();
                async move {
                    let token = lock(&shared).api_token.clone();
                    if let (Ok(_), Some((authorization, then))) = (&message, token)
                        && let Some(reason) =
                            api_token_lapsed(&app, &authorization, &then, address).await
                    {
                        lock(&shared).close = Some(forbidden(reason));
                        return None;
                    }
                    Some(message)
                }
            }
        })
        .take_while(|message| future::ready(message.is_some()))
        .filter_map(|message| future::ready(message.and_then(Result::ok).map(Message::into_data)));

    let init_shared = shared.clone();
    let recheck_app = app.clone();
    let on_init = move |payload: serde_json::Value| {
        let app = app.clone();
        let origin = origin.clone();
        let shared = init_shared.clone();
        async move {
            let authorization = payload
                .get("Authorization")
                .or_else(|| payload.get("authorization"))
                .and_then(|v| v.as_str());
            let caller = Caller::identify(&app, authorization, address, origin.clone())
                .await
                .map_err(|_| {
                    async_graphql::Error::new("Internal: cannot check the access token now")
                })?;
            let refuse = |reason: String| {
                lock(&shared).close = Some(Close::new(FORBIDDEN, format!("Forbidden: {reason}")));
                Err(async_graphql::Error::new(format!("Forbidden: {reason}")))
            };
            match &caller.viewer {
                Viewer::User(user) => {
                    let mut shared = lock(&shared);
                    shared.token_expires_at = user.token_expires_at;
                    if let (Credential::ApiToken { .. }, Some(authorization)) =
                        (&user.credential, authorization)
                    {
                        shared.api_token = Some((authorization.to_string(), user.clone()));
                    }
                    drop(shared);
                    let mut data = Data::default();
                    caller.attach(&mut data);
                    Ok(data)
                }
                Viewer::Anonymous => refuse(
                    "send {\"Authorization\": \"Bearer <access token>\"} in connection_init".into(),
                ),
                Viewer::Rejected(reason) => refuse(reason.clone()),
            }
        }
    };

    let outbound = shared.clone();
    let messages = async_graphql::http::WebSocket::new(gateway, input, protocol)
        .on_connection_init(on_init)
        .filter_map(move |message| {
            let mut shared = lock(&outbound);
            future::ready(match message {
                WsMessage::Text(text) => match shared.protocol.as_mut() {
                    Some(protocol) => protocol.outbound(text).map(|t| Message::Text(t.into())),
                    None => Some(Message::Text(text.into())),
                },
                // A code decided where the reason was found wins over async-graphql's own.
                WsMessage::Close(code, reason) => {
                    let close = shared
                        .close
                        .take()
                        .unwrap_or_else(|| Close::new(code, fit_reason(reason)));
                    Some(close_frame(close))
                }
            })
        });
    futures_util::pin_mut!(messages);

    // Keep-alive is the server's: a WebSocket ping every HANGAR_WS_PING_INTERVAL, which every
    // client's WebSocket stack answers by itself. A peer silent for DEAD_AFTER_PINGS intervals
    // is gone; a quiet but healthy client is not (async-graphql's keepalive_timeout counted
    // only client *messages*, and dropped idle subscribers every minute).
    let ping_every = config.ws_ping_interval;
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    let init_deadline = tokio::time::sleep(config.ws_init_timeout);
    tokio::pin!(init_deadline);
    let mut awaiting_ack = true;
    let mut recheck = tokio::time::interval(RECHECK_API_TOKEN);
    loop {
        let expiry = lock(&shared).token_expires_at.map(instant_of);
        let api_token = lock(&shared).api_token.clone();
        tokio::select! {
            message = messages.next() => match message {
                Some(message) => {
                    if sink.send(message).await.is_err() {
                        break;
                    }
                }
                None => {
                    // The input ended on a protocol violation (or the peer left).
                    let close = lock(&shared).close.take();
                    if let Some(close) = close {
                        let _ = sink.send(close_frame(close)).await;
                    }
                    break;
                }
            },
            _ = pings.tick() => {
                let silent = lock(&shared).heard.elapsed();
                if silent > ping_every * DEAD_AFTER_PINGS {
                    tracing::debug!(?silent, "graphql-ws peer stopped answering pings");
                    let _ = sink
                        .send(close_frame(Close::new(GOING_AWAY, "no answer to pings")))
                        .await;
                    break;
                }
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
            _ = &mut init_deadline, if awaiting_ack => {
                awaiting_ack = false;
                let acknowledged = lock(&shared).protocol.as_ref().is_none_or(Protocol::acknowledged);
                if !acknowledged {
                    let _ = sink
                        .send(close_frame(Close::new(4408, "Connection initialisation timeout")))
                        .await;
                    break;
                }
            }
            _ = recheck.tick(), if api_token.is_some() => {
                let Some((authorization, then)) = api_token else { continue };
                if let Some(reason) = api_token_lapsed(&recheck_app, &authorization, &then, address).await {
                    let _ = sink.send(close_frame(forbidden(reason))).await;
                    break;
                }
            }
            _ = tokio::time::sleep_until(expiry.unwrap_or_else(far_future)), if expiry.is_some() => {
                let _ = sink
                    .send(close_frame(Close::new(FORBIDDEN, "access token expired")))
                    .await;
                break;
            }
        }
    }
}

/// How often a connection signed in with an API token asks whether the token still holds.
/// The answer comes from the auth cache (at most HANGAR_AUTH_CACHE_TTL old, and forgotten at
/// once by a revocation on this instance), so this costs no statement most of the time.
const RECHECK_API_TOKEN: Duration = Duration::from_secs(1);

/// Why an API token that signed a connection in no longer holds as it did, if it does not.
/// A database that cannot be asked right now is not a reason: the next check asks again.
async fn api_token_lapsed(
    app: &AppState,
    authorization: &str,
    then: &SignedIn,
    address: Option<ClientAddr>,
) -> Option<String> {
    let authenticator = app.authenticator();
    let now = resolve_viewer(&authenticator, Some(authorization), address.map(|a| a.0));
    match now.await {
        Ok(Viewer::User(now)) if now.role == then.role && now.credential == then.credential => None,
        Ok(Viewer::User(_)) => Some("the API token's owner changed role: connect again".into()),
        Ok(Viewer::Rejected(reason)) => Some(reason),
        Ok(Viewer::Anonymous) => Some("no API token".into()),
        Err(err @ AppError::TooManyRequests { .. }) => Some(err.to_string()),
        Err(_) => None,
    }
}

/// The close of a connection whose API token no longer holds.
fn forbidden(reason: String) -> Close {
    Close::new(FORBIDDEN, fit_reason(format!("Forbidden: {reason}")))
}

fn close_frame(close: Close) -> Message {
    Message::Close(Some(CloseFrame {
        code: close.code,
        reason: close.reason.into(),
    }))
}

/// The runtime instant of a Unix time in seconds (now, if it has passed).
fn instant_of(unix_secs: u64) -> tokio::time::Instant {
    let now_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let left = Duration::from_secs(unix_secs).saturating_sub(now_unix);
    tokio::time::Instant::now() + left.min(FAR)
}

/// Later than anything a connection waits for (an `Instant` cannot hold any Unix time).
const FAR: Duration = Duration::from_secs(365 * 24 * 3600);

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + FAR
}
