//! Answers keep the order of the selection set (GraphQL spec 7.2.2, "Serialized Map
//! Ordering"), through aliases, fragments and `@skip`/`@include`, over HTTP and graphql-ws,
//! and an error in a field nulls what the spec says it nulls (6.4.4, "Handling Execution
//! Errors"): the field itself when it is nullable, else its parent, up to `data: null`.
//! Compared as text where order matters: a parsed `serde_json::Value` forgets key order.
//!
//! Without upstream's #1806 in vendor/async-graphql (async-graphql 7.2.1 carries #1746, which
//! it reverts) these fail: `totalCount` waits for its COUNT while `edges` is ready at once and
//! fields came back in the order they finished, and an error in a non-null field left its
//! siblings in `data` with the field simply missing.

use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::{
    helpers::{TestApp, error_codes},
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

/// `drones` is non-null: its error nulls the whole `data`, and no sibling survives.
async fn an_error_in_a_non_null_field_nulls_data(app: TestApp) {
    let response = app
        .gql(None, "{ a: __typename drones { totalCount } }", json!({}))
        .await;
    assert_eq!(response["data"], serde_json::Value::Null, "{response}");
    assert_eq!(error_codes(&response), ["UNAUTHENTICATED"]);
    assert_eq!(response["errors"][0]["path"], json!(["drones"]));
}

/// `user` is nullable: the spec wants its error to null it alone, its siblings staying, in
/// order. async-graphql propagates the error of a nullable field's own resolver or guard to
/// the parent (upstream issues #798 and #1532; PR #1820, open, fixes it for guards in the
/// derive macros), so today this answers `data: null`: ignored, so the summary shows the gap,
/// until a release fixes it (the fork carries upstream's own changes only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "async-graphql#798/#1532: a nullable field's error nulls its parent (PR #1820 open)"]
async fn an_error_in_a_nullable_field_nulls_only_that_field() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite).await;
    let response = app
        .http()
        .post(app.url("/graphql"))
        .json(&json!({ "query": r#"{ a: __typename user(id: "1") { username } b: __typename }"# }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        response.starts_with(r#"{"data":{"a":"Query","user":null,"b":"Query"},"errors":["#),
        "{response}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&response).unwrap();
    assert_eq!(error_codes(&parsed), ["UNAUTHENTICATED"]);
    assert_eq!(parsed["errors"][0]["path"], json!(["user"]));
}

crate::db_test!(
    http_answers_in_selection_order,
    graphql_ws_answers_in_selection_order,
    an_error_in_a_non_null_field_nulls_data,
);
