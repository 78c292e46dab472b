//! graphql-transport-ws as the `graphql-ws` library's PROTOCOL.md says: each protocol error
//! closes with its own code and a reason that fits a close frame, a request error answers
//! with an `error` message, an expired access token closes the socket with 4403, and an
//! upgrade without the subprotocol is refused. (Keep-alive is in subscriptions.rs.)

use std::time::Duration;

use serde_json::json;
use tokio_tungstenite::{
    connect_async,
    tungstenite::{self, client::IntoClientRequest},
};

use crate::{
    helpers::{Backend, TestApp},
    subscriptions::{Socket, next, open, open_signed_in, send},
};

const SUBSCRIBE: &str = "subscription { droneEvents { kind } }";

/// The close the socket ends with (messages before it must not come).
async fn closed_with(socket: &mut Socket) -> (u16, String) {
    match next(socket).await {
        Some(Err(close)) => {
            assert!(close.1.len() <= 123, "reason of {} bytes", close.1.len());
            close
        }
        other => panic!("expected a close, got {other:?}"),
    }
}

async fn protocol_errors_close_with_their_codes(app: TestApp) {
    let token = app.admin_token().await;
    let subscribe =
        |id: &str| json!({ "id": id, "type": "subscribe", "payload": { "query": SUBSCRIBE } });

    // Invalid JSON, an unknown type, a malformed subscribe: 4400.
    for message in [
        "{not json",
        r#"{"type":"what"}"#,
        r#"{"type":"subscribe","id":"1"}"#,
    ] {
        let mut socket = open_signed_in(&app, &token).await;
        socket.send_raw(message).await;
        assert_eq!(
            closed_with(&mut socket).await,
            (4400, "Invalid message received".to_string()),
            "{message}"
        );
    }
    // An unknown type with a long name used to give a 162-byte reason; now 4400 and short.
    let mut socket = open_signed_in(&app, &token).await;
    send(&mut socket, json!({ "type": "x".repeat(200) })).await;
    assert_eq!(closed_with(&mut socket).await.0, 4400);

    // subscribe before connection_ack: 4401.
    let mut socket = open(&app).await;
    send(&mut socket, subscribe("1")).await;
    assert_eq!(
        closed_with(&mut socket).await,
        (4401, "Unauthorized".to_string())
    );

    // The same id twice while the first runs: 4409.
    let mut socket = open_signed_in(&app, &token).await;
    send(&mut socket, subscribe("1")).await;
    send(&mut socket, subscribe("1")).await;
    assert_eq!(
        closed_with(&mut socket).await,
        (4409, "Subscriber for 1 already exists".to_string())
    );

    // A second connection_init: 4429.
    let mut socket = open_signed_in(&app, &token).await;
    send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })).await;
    assert_eq!(
        closed_with(&mut socket).await,
        (4429, "Too many initialisation requests".to_string())
    );
}

async fn request_errors_answer_with_an_error_message(app: TestApp) {
    let token = app.admin_token().await;
    let mut socket = open_signed_in(&app, &token).await;
    send(
        &mut socket,
        json!({ "id": "bad", "type": "subscribe", "payload": { "query": "subscription { nosuchfield }" } }),
    )
    .await;
    let answer = next(&mut socket).await.unwrap().unwrap();
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["id"], "bad");
    assert_eq!(answer["payload"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert!(answer.get("payload").unwrap().as_array().unwrap().len() == 1);
    // No `complete` follows, and the socket (and the id) serve on.
    send(&mut socket, json!({ "type": "ping" })).await;
    assert_eq!(
        next(&mut socket).await.unwrap().unwrap(),
        json!({ "type": "pong" })
    );
    let me =
        crate::subscriptions::operate(&mut socket, "bad", "{ me { username } }", json!({})).await;
    assert_eq!(me, json!({ "data": { "me": { "username": "admin" } } }));
}

/// The socket reads and writes in 4 KiB chunks: a 36 KiB operation still arrives whole, and a
/// 36 KiB answer leaves whole.
async fn messages_larger_than_a_socket_chunk_travel_whole(app: TestApp) {
    let token = app.admin_token().await;
    let mut socket = open_signed_in(&app, &token).await;
    let aliases: String = (0..1500)
        .map(|i| format!("u{i}: me {{ username }} "))
        .collect();
    let query = format!("{{ {aliases} }}");
    assert!(query.len() > 32 * 1024, "{} bytes", query.len());
    let answer = crate::subscriptions::operate(&mut socket, "big", &query, json!({})).await;
    let data = answer["data"].as_object().unwrap();
    assert_eq!(data.len(), 1500);
    assert_eq!(data["u1499"], json!({ "username": "admin" }));
    assert!(answer.to_string().len() > 32 * 1024);
}

/// GraphQL 5.2.3.1: a subscription selects one root field (async-graphql does not check it;
/// `transport::gateway` does), through aliases and fragments too; one field named twice under
/// one response key is one field.
async fn a_subscription_selects_exactly_one_root_field(app: TestApp) {
    let token = app.admin_token().await;
    let mut socket = open_signed_in(&app, &token).await;
    for (id, query) in [
        (
            "two",
            "subscription { a: droneEvents { kind } b: droneEvents { kind } }",
        ),
        (
            "fragment",
            "subscription { a: droneEvents { kind } ...F } fragment F on Subscription { b: droneEvents { droneId } }",
        ),
    ] {
        send(
            &mut socket,
            json!({ "id": id, "type": "subscribe", "payload": { "query": query } }),
        )
        .await;
        let answer = next(&mut socket).await.unwrap().unwrap();
        assert_eq!(answer["type"], "error", "{answer}");
        assert_eq!(answer["id"], id);
        assert_eq!(answer["payload"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(
            answer["payload"][0]["message"],
            "a subscription selects exactly one root field, not 2 (GraphQL spec 5.2.3.1): \
             subscribe to each separately"
        );
    }
    // The same field twice under one key is one root field: it runs.
    send(
        &mut socket,
        json!({ "id": "one", "type": "subscribe", "payload": { "query": "subscription { droneEvents { kind } droneEvents { droneId } }" } }),
    )
    .await;
    send(&mut socket, json!({ "type": "ping" })).await;
    assert_eq!(
        next(&mut socket).await.unwrap().unwrap(),
        json!({ "type": "pong" })
    );
}

crate::db_test!(
    protocol_errors_close_with_their_codes,
    request_errors_answer_with_an_error_message,
    a_subscription_selects_exactly_one_root_field,
    messages_larger_than_a_socket_chunk_travel_whole,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_without_init_closes_with_4408() {
    let app = TestApp::spawn_with(Backend::Sqlite, &[("HANGAR_WS_INIT_TIMEOUT", "200ms")]).await;
    let mut socket = open(&app).await;
    assert_eq!(
        closed_with(&mut socket).await,
        (4408, "Connection initialisation timeout".to_string())
    );
}

/// The socket closes when its access token expires, so the client reconnects with a fresh one
/// (Apollo's `connectionParams` function runs again on reconnect).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_closes_with_4403_when_its_token_expires() {
    let app = TestApp::spawn_with(Backend::Sqlite, &[("ACCESS_TOKEN_TTL", "2s")]).await;
    let token = app.admin_token().await;
    let mut socket = open_signed_in(&app, &token).await;
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIBE } }),
    )
    .await;
    let started = tokio::time::Instant::now();
    assert_eq!(
        closed_with(&mut socket).await,
        (4403, "access token expired".to_string())
    );
    assert!(started.elapsed() <= Duration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_without_a_known_subprotocol_is_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for offered in [None, Some("graphql-over-carrier-pigeon")] {
        let mut request = format!("ws://{}/graphql/ws", app.addr)
            .into_client_request()
            .unwrap();
        if let Some(offered) = offered {
            request
                .headers_mut()
                .insert("sec-websocket-protocol", offered.parse().unwrap());
        }
        match connect_async(request).await {
            Err(tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 400, "{offered:?}")
            }
            other => panic!("{offered:?}: expected HTTP 400, got {other:?}"),
        }
    }
}

trait SendRaw {
    async fn send_raw(&mut self, text: &str);
}

impl SendRaw for Socket {
    async fn send_raw(&mut self, text: &str) {
        use futures_util::SinkExt;
        self.send(tungstenite::Message::Text(text.to_owned().into()))
            .await
            .unwrap();
    }
}
