//! A `droneEvents` subscriber over graphql-ws that can wait for an event with a deadline, so a
//! test can ask "did anything arrive yet?" while it repairs the world around the server.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::helpers::TestApp;

const SUBSCRIBE: &str = "subscription { droneEvents { kind droneId drone { serialNumber } } }";

pub struct Subscriber {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Subscriber {
    /// Opens `/graphql/ws`, authenticates with `token` and subscribes to `droneEvents`.
    pub async fn subscribe(app: &TestApp, token: &str) -> Self {
        let mut request = format!("ws://{}/graphql/ws", app.addr)
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (socket, _) = connect_async(request).await.expect("websocket connects");
        let mut subscriber = Self { socket };
        subscriber
            .send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }))
            .await;
        let ack = subscriber.message(Duration::from_secs(10)).await;
        assert_eq!(
            ack.map(|m| m["type"].clone()),
            Some(json!("connection_ack"))
        );
        subscriber
            .send(json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIBE } }))
            .await;
        // The pong proves the subscribe message was processed before it.
        subscriber.send(json!({ "type": "ping" })).await;
        let pong = subscriber.message(Duration::from_secs(10)).await;
        assert_eq!(pong.map(|m| m["type"].clone()), Some(json!("pong")));
        subscriber
    }

    /// The next `droneEvents` payload, or None when none arrives within `wait`.
    pub async fn event_within(&mut self, wait: Duration) -> Option<Value> {
        let message = self.message(wait).await?;
        assert_eq!(message["type"], "next", "{message}");
        assert!(message["payload"].get("errors").is_none(), "{message}");
        Some(message["payload"]["data"]["droneEvents"].clone())
    }

    /// The next protocol message within `wait`, whatever it is; a close of the socket comes
    /// as `{"type": "closed", "code": …, "reason": …}`.
    pub async fn message_within(&mut self, wait: Duration) -> Option<Value> {
        self.message(wait).await
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("websocket send");
    }

    /// The next protocol message within `wait` (the server's pings answered on the way).
    async fn message(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()?;
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("JSON message");
                    if value["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Some(value);
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    return Some(json!({ "type": "closed", "code": code, "reason": reason }));
                }
                Some(Ok(_)) => continue,
                Some(Err(err)) => {
                    return Some(
                        json!({ "type": "closed", "code": 1006, "reason": err.to_string() }),
                    );
                }
                None => return Some(json!({ "type": "closed", "code": 1006, "reason": "" })),
            }
        }
    }
}
