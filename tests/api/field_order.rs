//! Answers keep the order of the selection set (GraphQL spec 7.2.2, "Serialized Map
//! Ordering"), through aliases, fragments and `@skip`/`@include`, over HTTP and graphql-ws.
//! Compared as text: a parsed `serde_json::Value` forgets key order.
//!
//! Without the patch in vendor/async-graphql these fail: `totalCount` waits for its COUNT
//! while `edges` is ready at once, and fields came back in the order they finished.

use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::{
    helpers::TestApp,
    subscriptions::{open_signed_in, send},
};

const QUERY: &str = "query($yes: Boolean!) {
    me { username }
    t: __typename
    b: drones { ...Count edges { node { ... on Drone { name } serialNumber } } }
    a: me { username }
    drones @skip(if: $yes) { totalCount }
    c: drones @include(if: $yes) { pageInfo { hasNextPage } totalCount }
}
fragment Count on DroneConnection { totalCount }";

const EXPECTED: &str = concat!(
    r#"{"data":{"#,
    r#""me":{"username":"admin"},"t":"Query","#,
    r#""b":{"totalCount":1,"edges":[{"node":{"name":"Alpha","serialNumber":"S-1"}}]},"#,
    r#""a":{"username":"admin"},"#,
    r#""c":{"pageInfo":{"hasNextPage":false},"totalCount":1}"#,
    r#"}}"#
);

async fn seeded(app: &TestApp) -> String {
    let token = app.admin_token().await;
    app.ok(
        Some(&token),
        "mutation { registerDrone(input: {serialNumber: \"S-1\", name: \"Alpha\", brand: \"Acme\", cameraModels: []}) { id } }",
        json!({}),
    )
    .await;
    token
}

async fn http_answers_in_selection_order(app: TestApp) {
    let token = seeded(&app).await;
    let text = |query: &'static str, variables| {
        let request = app
            .http()
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .json(&json!({ "query": query, "variables": variables }));
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    assert_eq!(
        text(
            "{ drones { totalCount edges { node { serialNumber name } } } }",
            json!({})
        )
        .await,
        r#"{"data":{"drones":{"totalCount":1,"edges":[{"node":{"serialNumber":"S-1","name":"Alpha"}}]}}}"#
    );
    // `me` waits for the database, `__typename` for nothing.
    assert_eq!(
        text("{ me { username } __typename }", json!({})).await,
        r#"{"data":{"me":{"username":"admin"},"__typename":"Query"}}"#
    );
    assert_eq!(text(QUERY, json!({ "yes": true })).await, EXPECTED);
}

async fn graphql_ws_answers_in_selection_order(app: TestApp) {
    let token = seeded(&app).await;
    let mut socket = open_signed_in(&app, &token).await;
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": QUERY, "variables": { "yes": true } } }),
    )
    .await;
    let Some(Ok(Message::Text(text))) = socket.next().await else {
        panic!("no answer");
    };
    assert_eq!(
        text.as_str(),
        format!(r#"{{"type":"next","id":"1","payload":{EXPECTED}}}"#)
    );
}

crate::db_test!(
    http_answers_in_selection_order,
    graphql_ws_answers_in_selection_order,
);
