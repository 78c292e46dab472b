//! GraphQL over HTTP as its spec says (and as the `graphql-http` audit checks): the response
//! type follows `Accept`, request errors are 4xx without `data` under
//! `application/graphql-response+json` (200 under `application/json`), only JSON bodies run,
//! and variables are coerced against their declared types before anything runs.

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// POSTs `body` as JSON with `accept` (or none): status, content type, body.
async fn post(
    app: &TestApp,
    token: Option<&str>,
    accept: Option<&str>,
    body: Value,
) -> (u16, String, Value) {
    let mut request = app.http().post(app.url("/graphql")).json(&body);
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    (status, content_type, response.json().await.unwrap())
}

async fn the_response_type_follows_accept(app: TestApp) {
    let me = json!({ "query": "{ me { id } }" });
    for (accept, expected) in [
        (None, JSON),
        (Some("*/*"), JSON),
        (Some("application/json"), JSON),
        (Some("application/*"), JSON),
        (Some("text/html"), JSON),
        (
            Some("application/json, application/graphql-response+json;q=0.5"),
            JSON,
        ),
        (Some("application/graphql-response+json"), GRAPHQL_RESPONSE),
        // Apollo Client's Accept.
        (
            Some("application/graphql-response+json,application/json;q=0.9"),
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/graphql-response+json, application/json"),
            GRAPHQL_RESPONSE,
        ),
        (
            Some("application/graphql-response+json;q=0, application/json"),
            JSON,
        ),
    ] {
        let (status, content_type, body) = post(&app, None, accept, me.clone()).await;
        assert_eq!(
            (status, content_type.as_str()),
            (200, expected),
            "Accept: {accept:?}"
        );
        assert_eq!(body, json!({ "data": { "me": null } }));
    }
}

async fn request_errors_are_400_without_data_in_graphql_response_json(app: TestApp) {
    let token = app.admin_token().await;
    let requests = [
        json!({ "query": "{ me { id " }),
        json!({ "query": "{ me { nosuchfield } }" }),
        json!({ "query": "query($n: Int!) { users(first: $n) { totalCount } }" }),
        json!({ "query": "query($n: Int!) { users(first: $n) { totalCount } }", "variables": { "n": "ten" } }),
    ];
    for request in requests {
        let (status, _, body) =
            post(&app, Some(&token), Some(GRAPHQL_RESPONSE), request.clone()).await;
        assert_eq!(status, 400, "{request}: {body:#}");
        assert!(body.get("data").is_none(), "{request}: {body:#}");
        assert!(!body["errors"].as_array().unwrap().is_empty());
        // The legacy type keeps 200 (and `data: null`).
        let (status, _, body) = post(&app, Some(&token), Some(JSON), request.clone()).await;
        assert_eq!(status, 200, "{request}: {body:#}");
        assert_eq!(body["data"], Value::Null);
    }
    // A field error is not a request error: 200, with `data`.
    let (status, _, body) = post(
        &app,
        None,
        Some(GRAPHQL_RESPONSE),
        json!({ "query": "{ drones { totalCount } }" }),
    )
    .await;
    assert_eq!(status, 200);
    expect_error(&body, "UNAUTHENTICATED");
    assert_eq!(body.get("data"), Some(&Value::Null), "{body:#}");
}

async fn only_json_bodies_run(app: TestApp) {
    let token = app.admin_token().await;
    let register = json!({
        "query": "mutation { registerCamera(input: {model: \"Hero3\", brand: \"GoPro\", megapixels: 12}) { id } }"
    })
    .to_string();
    for content_type in [
        None,
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("application/graphql"),
    ] {
        let mut request = app
            .http()
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .body(register.clone());
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 415, "Content-Type: {content_type:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            expect_error(&body, "BAD_USER_INPUT"),
            "send the GraphQL request as JSON: Content-Type: application/json"
        );
    }
    // A multipart body (an upload) runs only with a header no HTML form can send: without
    // it, 400 before the body is read.
    let response = app
        .http()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .header(CONTENT_TYPE, "multipart/form-data; boundary=x")
        .body(register.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(expect_error(&body, "BAD_USER_INPUT").contains("Apollo-Require-Preflight"));
    let cameras = app
        .ok(Some(&token), "{ cameras { totalCount } }", json!({}))
        .await;
    assert_eq!(
        cameras,
        json!({ "cameras": { "totalCount": 0 } }),
        "nothing ran"
    );
    // With a charset, JSON runs.
    let response = app
        .http()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .header(CONTENT_TYPE, "application/json; charset=utf-8")
        .body(register)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn non_null_variables_refuse_null_before_anything_runs(app: TestApp) {
    let token = app.admin_token().await;
    let cases = [
        (
            json!({ "query": "query($id: ID!) { drone(id: $id) { id } }", "variables": { "id": null } }),
            "variable $id must not be null (declared ID!)",
        ),
        (
            json!({
                "query": "mutation($m: [String!]!) { registerDrone(input: {serialNumber: \"S-1\", name: \"N\", brand: \"B\", cameraModels: $m}) { id } }",
                "variables": { "m": ["Hero3", null] },
            }),
            "variable $m[1] must not be null (declared [String!]!)",
        ),
    ];
    for (request, message) in cases {
        let (status, _, body) =
            post(&app, Some(&token), Some(GRAPHQL_RESPONSE), request.clone()).await;
        assert_eq!(status, 400, "{body:#}");
        assert_eq!(expect_error(&body, "BAD_USER_INPUT"), message);
        let (status, _, body) = post(&app, Some(&token), None, request).await;
        assert_eq!(status, 200);
        assert_eq!(expect_error(&body, "BAD_USER_INPUT"), message);
        assert_eq!(body["data"], Value::Null);
    }
    // Null stays fine where the declared type allows it.
    let data = app
        .ok(
            Some(&token),
            "query($id: ID, $s: String) { drone(id: $id, serialNumber: $s) { id } }",
            json!({ "id": null, "s": "none-such" }),
        )
        .await;
    assert_eq!(data, json!({ "drone": null }));
    let drones = app
        .ok(Some(&token), "{ drones { totalCount } }", json!({}))
        .await;
    assert_eq!(drones, json!({ "drones": { "totalCount": 0 } }));
}

crate::db_test!(
    the_response_type_follows_accept,
    request_errors_are_400_without_data_in_graphql_response_json,
    only_json_bodies_run,
    non_null_variables_refuse_null_before_anything_runs,
);
