//! GraphQL over WebSocket (`graphql-transport-ws`, and the legacy `graphql-ws`) at
//! `/graphql/ws`, for subscriptions and queries.
//!
//! The access token arrives in the `connection_init` payload
//! (`{"Authorization": "Bearer <token>"}`). A missing, invalid or expired token, or one whose
//! user is gone, is refused by closing the socket with `4403: Forbidden` and the reason, as the
//! protocol prescribes; anonymous sockets never get an event.

use std::str::FromStr;

use async_graphql::{
    Data,
    http::{WebSocketProtocols, WsMessage},
};
use axum::{
    extract::{
        State, WebSocketUpgrade,
        ws::{CloseFrame, Message, WebSocket},
    },
    http::{HeaderMap, header},
    response::Response,
};
use futures_util::{SinkExt, StreamExt, future};

use crate::{
    auth::Viewer, graphql::gateway::Gateway, service::auth::resolve_viewer, state::AppState,
};

/// Marks our refusals so they can be sent with the protocol's Forbidden code.
const FORBIDDEN: &str = "Forbidden: ";

pub async fn upgrade(
    State((app, gateway)): State<(AppState, Gateway)>,
    headers: HeaderMap,
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
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(socket, app, gateway, protocol))
}

async fn serve(socket: WebSocket, app: AppState, gateway: Gateway, protocol: WebSocketProtocols) {
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|message| future::ready(message.is_ok()))
        .filter_map(|message| {
            future::ready(match message {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
                _ => None,
            })
        });

    let on_init = move |payload: serde_json::Value| {
        let app = app.clone();
        async move {
            let header = payload
                .get("Authorization")
                .or_else(|| payload.get("authorization"))
                .and_then(|v| v.as_str());
            let viewer = resolve_viewer(&app.db, &app.tokens, &app.viewers, header)
                .await
                .map_err(|_| {
                    async_graphql::Error::new("Internal: cannot check the access token now")
                })?;
            match viewer {
                Viewer::User(_) => {
                    let mut data = Data::default();
                    data.insert(viewer);
                    Ok(data)
                }
                Viewer::Anonymous => Err(async_graphql::Error::new(format!(
                    "{FORBIDDEN}send {{\"Authorization\": \"Bearer <access token>\"}} in connection_init"
                ))),
                Viewer::Rejected(reason) => {
                    Err(async_graphql::Error::new(format!("{FORBIDDEN}{reason}")))
                }
            }
        }
    };

    let messages = async_graphql::http::WebSocket::new(gateway, input, protocol)
        .on_connection_init(on_init)
        .keepalive_timeout(std::time::Duration::from_secs(60))
        .map(|message| match message {
            WsMessage::Text(text) => Message::Text(text.into()),
            WsMessage::Close(code, reason) => {
                let code = if reason.starts_with(FORBIDDEN) {
                    4403
                } else {
                    code
                };
                Message::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                }))
            }
        });
    futures_util::pin_mut!(messages);
    while let Some(message) = messages.next().await {
        if sink.send(message).await.is_err() {
            break;
        }
    }
}
