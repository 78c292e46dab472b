//! `droneEvents` over graphql-ws (`graphql-transport-ws`), as Apollo's GraphQLWsLink speaks it.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::helpers::{TestApp, expect_error};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const SUBSCRIBE: &str = "subscription { droneEvents { kind droneId drone { serialNumber name } } }";

pub(crate) async fn open(app: &TestApp) -> Socket {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (socket, response) = connect_async(request).await.expect("websocket connects");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    socket
}

pub(crate) async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// The next protocol message (pings answered, other frames skipped), or None when closed.
pub(crate) async fn next(socket: &mut Socket) -> Option<Result<Value, (u16, String)>> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")?;
        match message.ok()? {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "ping" {
                    send(socket, json!({ "type": "pong" })).await;
                    continue;
                }
                return Some(Ok(value));
            }
            Message::Close(frame) => {
                return Some(Err(frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new()))));
            }
            _ => continue,
        }
    }
}

/// Opens a socket and authenticates it with `token`.
pub(crate) async fn open_signed_in(app: &TestApp, token: &str) -> Socket {
    let mut socket = open(app).await;
    send(&mut socket, json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })).await;
    assert_eq!(
        next(&mut socket).await.unwrap().unwrap()["type"],
        "connection_ack"
    );
    socket
}

/// Runs one query or mutation over the socket as operation `id`: its one `next` payload,
/// checked to be followed by `complete`.
pub(crate) async fn operate(socket: &mut Socket, id: &str, query: &str, variables: Value) -> Value {
    send(
        socket,
        json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }),
    )
    .await;
    let answer = next(socket).await.expect("open").expect("not closed");
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(answer["id"], id);
    let complete = next(socket).await.expect("open").expect("not closed");
    assert_eq!(complete, json!({ "type": "complete", "id": id }));
    answer["payload"].clone()
}

/// Opens a socket, authenticates and subscribes to droneEvents.
pub(crate) async fn subscribe(app: &TestApp, token: &str) -> Socket {
    let mut socket = open_signed_in(app, token).await;
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIBE } }),
    )
    .await;
    // Subscribed once the server has registered the stream; a round trip through ping/pong
    // after subscribe guarantees the subscribe message was processed. An event may come
    // before the pong: a change the test made before subscribing, announced (on PostgreSQL,
    // through LISTEN/NOTIFY) just after the stream began. It is not the test's to see.
    send(&mut socket, json!({ "type": "ping" })).await;
    loop {
        let message = next(&mut socket).await.unwrap().unwrap();
        match message["type"].as_str() {
            Some("pong") => break,
            Some("next") => continue,
            _ => panic!("expected pong, got {message}"),
        }
    }
    socket
}

pub(crate) async fn next_event(socket: &mut Socket) -> Value {
    let message = next(socket)
        .await
        .expect("socket open")
        .expect("not closed");
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], "1");
    message["payload"]["data"]["droneEvents"].clone()
}

async fn register(app: &TestApp, token: &str, serial: &str) -> Value {
    app.gql(
        Some(token),
        "mutation($s: String!) { registerDrone(input: {serialNumber: $s, name: \"Mavic 3\", brand: \"DJI\", cameraModels: []}) { id } }",
        json!({ "s": serial }),
    )
    .await
}

async fn sockets_without_a_valid_token_are_refused(app: TestApp) {
    let cases = [
        (
            json!({ "type": "connection_init" }),
            "Forbidden: send {\"Authorization\": \"Bearer <access token>\"} in connection_init",
        ),
        (
            json!({ "type": "connection_init", "payload": { "Authorization": "Bearer nonsense" } }),
            "Forbidden: access token is malformed",
        ),
        (
            json!({ "type": "connection_init", "payload": { "Authorization": "Basic abc" } }),
            "Forbidden: Authorization must be `Bearer <access token>`",
        ),
    ];
    for (init, reason) in cases {
        let mut socket = open(&app).await;
        send(&mut socket, init).await;
        assert_eq!(
            next(&mut socket).await,
            Some(Err((4403, reason.to_string())))
        );
    }
}

async fn subscribers_see_each_committed_change_once(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, member) = app.member("watcher").await;
    let mut socket = subscribe(&app, &member).await;

    let id = register(&app, &admin, "SUB-1").await["data"]["registerDrone"]["id"].clone();
    assert_eq!(
        next_event(&mut socket).await,
        json!({ "kind": "CREATED", "droneId": id, "drone": { "serialNumber": "SUB-1", "name": "Mavic 3" } })
    );

    // A failed mutation changes nothing and announces nothing.
    expect_error(&register(&app, &admin, "sub-1").await, "CONFLICT");

    app.ok(
        Some(&admin),
        "mutation($id: ID!) { updateDrone(id: $id, input: {name: \"Mavic 3 Pro\"}) { id } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        next_event(&mut socket).await,
        json!({ "kind": "UPDATED", "droneId": id, "drone": { "serialNumber": "SUB-1", "name": "Mavic 3 Pro" } })
    );

    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteDrone(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        next_event(&mut socket).await,
        json!({ "kind": "DELETED", "droneId": id, "drone": null })
    );

    // Bulk: one event per drone, created then updated.
    app.ok(
        Some(&admin),
        "mutation { registerDrones(inputs: [
            {serialNumber: \"B-1\", name: \"A\", brand: \"DJI\", cameraModels: []},
            {serialNumber: \"B-2\", name: \"B\", brand: \"DJI\", cameraModels: []}]) { created } }",
        json!({}),
    )
    .await;
    let first = next_event(&mut socket).await;
    let second = next_event(&mut socket).await;
    assert_eq!(
        (
            first["kind"].as_str(),
            first["drone"]["serialNumber"].as_str()
        ),
        (Some("CREATED"), Some("B-1"))
    );
    assert_eq!(
        (
            second["kind"].as_str(),
            second["drone"]["serialNumber"].as_str()
        ),
        (Some("CREATED"), Some("B-2"))
    );

    // Unsubscribing completes the stream.
    send(&mut socket, json!({ "id": "1", "type": "complete" })).await;
    assert_eq!(
        next(&mut socket).await.unwrap().unwrap(),
        json!({ "id": "1", "type": "complete" })
    );
}

async fn subscriptions_are_refused_over_http(app: TestApp) {
    let token = app.admin_token().await;
    let response = app.gql(Some(&token), SUBSCRIBE, json!({})).await;
    assert_eq!(
        crate::helpers::error_codes(&response),
        vec!["BAD_USER_INPUT"],
        "{response:#}"
    );
}

crate::db_test!(
    sockets_without_a_valid_token_are_refused,
    subscribers_see_each_committed_change_once,
    subscriptions_are_refused_over_http,
);

/// Two instances on one PostgreSQL database: an event committed through B reaches a
/// subscriber on A, through LISTEN/NOTIFY.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
async fn events_cross_instances_on_postgres() {
    let a = TestApp::spawn_postgres().await;
    let b = a.spawn_sibling().await;
    let token_a = a.admin_token().await;
    let token_b = b
        .login(crate::helpers::ADMIN, crate::helpers::ADMIN_PASSWORD)
        .await
        .0;
    let mut socket = subscribe(&a, &token_a).await;
    let id = register(&b, &token_b, "ACROSS-1").await["data"]["registerDrone"]["id"].clone();
    assert_eq!(
        next_event(&mut socket).await,
        json!({ "kind": "CREATED", "droneId": id, "drone": { "serialNumber": "ACROSS-1", "name": "Mavic 3" } })
    );
}

/// A client on graphql-ws' defaults sends nothing while it waits for events. The server pings
/// (every HANGAR_WS_PING_INTERVAL, 15 s by default) and the client's WebSocket stack answers,
/// so the socket stays open past 60 s, where async-graphql's client-message timeout used to
/// close it with 3008.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_sockets_stay_open_past_a_minute() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let token = app.admin_token().await;
    let mut socket = subscribe(&app, &token).await;
    let until = tokio::time::Instant::now() + Duration::from_secs(65);
    let mut pings = 0;
    // Reading is what answers pings (tungstenite replies to each one it reads).
    while let Ok(frame) = tokio::time::timeout_at(until, socket.next()).await {
        match frame.expect("open").expect("a frame") {
            Message::Ping(_) => pings += 1,
            other => panic!("only pings while idle, got {other:?}"),
        }
    }
    assert!(pings >= 4, "pinged {pings} times in 65 s");
    // Still subscribed: a change arrives.
    let id = register(&app, &token, "QUIET-1").await["data"]["registerDrone"]["id"].clone();
    assert_eq!(
        next_event(&mut socket).await,
        json!({ "kind": "CREATED", "droneId": id, "drone": { "serialNumber": "QUIET-1", "name": "Mavic 3" } })
    );
}

/// A peer that stops answering pings (gone without a close) is disconnected after three
/// intervals with 1001.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_that_stop_answering_pings_are_disconnected() {
    let app = TestApp::spawn_with(
        crate::helpers::Backend::Sqlite,
        &[("HANGAR_WS_PING_INTERVAL", "100ms")],
    )
    .await;
    let token = app.admin_token().await;
    let mut socket = subscribe(&app, &token).await;
    // Not reading: no pong goes back.
    tokio::time::sleep(Duration::from_millis(800)).await;
    // The server sent 1001 and hung up; reading the pings queued before it makes tungstenite
    // answer them into the closed connection, so the client sees the close frame or the reset.
    let end = next(&mut socket).await;
    assert!(
        matches!(&end, None | Some(Err((1001, _)))),
        "closed, got {end:?}"
    );
}
