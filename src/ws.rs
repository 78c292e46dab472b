//! GraphQL over WebSocket (`graphql-transport-ws`, and the legacy `graphql-ws`) at
//! `/graphql/ws`, for subscriptions and queries.
//!
//! The access token arrives in the `connection_init` payload
//! (`{"Authorization": "Bearer <token>"}`). A missing, invalid or expired token, or one whose
//! user is gone, is refused by closing the socket with `4403: Forbidden` and the reason, as the
//! protocol prescribes; anonymous sockets never get an event.

use std::{
    net::SocketAddr,
    str::FromStr,
    sync::{Arc, Mutex},
    time::Instant,
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
    http::{HeaderMap, header},
    response::Response,
};
use futures_util::{SinkExt, StreamExt, future};

use crate::{
    auth::{ClientAddr, Viewer},
    graphql::{
        context::{Caller, client_addr},
        gateway::Gateway,
    },
    state::AppState,
};

/// The protocol's close code for a refused `connection_init` (graphql-transport-ws' Forbidden).
const FORBIDDEN: u16 = 4403;
/// RFC 6455 "going away": the close a peer that stopped answering pings gets.
const GOING_AWAY: u16 = 1001;
/// Ping intervals a peer may stay silent before it counts as gone.
const DEAD_AFTER_PINGS: u32 = 3;

pub(crate) async fn upgrade(
    State((app, gateway)): State<(AppState, Gateway)>,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    // The first subprotocol we speak among those offered; graphql-transport-ws by default.
    let protocol = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|name| WebSocketProtocols::from_str(name.trim()).ok())
        .unwrap_or(WebSocketProtocols::GraphQLWS);
    let address = client_addr(
        &headers,
        peer.map(|Extension(ConnectInfo(addr))| addr),
        app.config.trust_forwarded_for,
    );
    // The body limit of HTTP holds for each message too (the socket's default is 64 MiB).
    let max_message = app.config.max_body_bytes;
    upgrade
        .max_message_size(max_message)
        .max_frame_size(max_message)
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(socket, app, gateway, protocol, address))
}

async fn serve(
    socket: WebSocket,
    app: AppState,
    gateway: Gateway,
    protocol: WebSocketProtocols,
    address: Option<ClientAddr>,
) {
    let (mut sink, stream) = socket.split();
    let interval = app.config.ws_ping_interval;
    // Any frame from the peer (a pong above all) shows it is alive.
    let heard = Arc::new(Mutex::new(Instant::now()));
    let heard_in = heard.clone();
    let input = stream
        .take_while(|message| future::ready(message.is_ok()))
        .filter_map(move |message| {
            *heard_in.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
            future::ready(match message {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
                _ => None,
            })
        });

    // async-graphql closes a refused connection_init with 1002; the code this connection
    // should close with instead is decided where the refusal is made, and kept here.
    let close_code: Arc<Mutex<Option<u16>>> = Arc::default();
    let refusal_code = close_code.clone();
    let on_init = move |payload: serde_json::Value| {
        let app = app.clone();
        let refusal_code = refusal_code.clone();
        async move {
            let authorization = payload
                .get("Authorization")
                .or_else(|| payload.get("authorization"))
                .and_then(|v| v.as_str());
            let caller = Caller::identify(&app, authorization, address)
                .await
                .map_err(|_| {
                    async_graphql::Error::new("Internal: cannot check the access token now")
                })?;
            let refuse = |reason: String| {
                *refusal_code.lock().unwrap_or_else(|e| e.into_inner()) = Some(FORBIDDEN);
                Err(async_graphql::Error::new(format!("Forbidden: {reason}")))
            };
            match &caller.viewer {
                Viewer::User(_) => {
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

    let messages = async_graphql::http::WebSocket::new(gateway, input, protocol)
        .on_connection_init(on_init)
        .map(move |message| match message {
            WsMessage::Text(text) => Message::Text(text.into()),
            WsMessage::Close(code, reason) => {
                let decided = *close_code.lock().unwrap_or_else(|e| e.into_inner());
                Message::Close(Some(CloseFrame {
                    code: decided.unwrap_or(code),
                    reason: reason.into(),
                }))
            }
        });
    futures_util::pin_mut!(messages);
    // Keep-alive is the server's: a WebSocket ping every HANGAR_WS_PING_INTERVAL, which every
    // client's WebSocket stack answers by itself. A peer silent for DEAD_AFTER_PINGS intervals
    // is gone; a quiet but healthy client is not (async-graphql's keepalive_timeout counted
    // only client *messages*, and dropped idle subscribers every minute).
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    loop {
        tokio::select! {
            message = messages.next() => match message {
                Some(message) => {
                    if sink.send(message).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            _ = pings.tick() => {
                let silent = heard.lock().unwrap_or_else(|e| e.into_inner()).elapsed();
                if silent > interval * DEAD_AFTER_PINGS {
                    tracing::debug!(?silent, "graphql-ws peer stopped answering pings");
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame {
                            code: GOING_AWAY,
                            reason: "no answer to pings".into(),
                        })))
                        .await;
                    break;
                }
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break;
                }
            }
        }
    }
}
