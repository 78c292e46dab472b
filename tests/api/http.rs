//! The HTTP surface of the operations contract: endpoints, headers, GET rules, limits, and
//! error codes for malformed requests.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, error_codes, expect_error};

async fn health_readiness_and_metrics_answer(app: TestApp) {
    let health = app.http().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.http().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);

    app.http()
        .post(app.url("/graphql"))
        .json(&json!({ "query": "query Probe { me { id } }", "operationName": "Probe" }))
        .send()
        .await
        .unwrap();
    let metrics = app.http().get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    for name in [
        "hangar_graphql_requests_total{operation=\"Probe\",outcome=\"ok\"}",
        "hangar_graphql_request_duration_seconds_bucket{operation=\"Probe\"",
        "hangar_db_pool_connections{state=\"in_use\"}",
        "hangar_db_statements_total",
    ] {
        assert!(text.contains(name), "{name} missing from /metrics:\n{text}");
    }
}

async fn graphiql_is_served_at_the_root(app: TestApp) {
    let page = app.http().get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("graphiql"), "{html}");
    assert!(html.contains("/graphql"));
}

async fn get_runs_queries_but_never_mutations(app: TestApp) {
    let token = app.admin_token().await;
    let get = |query: &str| {
        app.http()
            .get(app.url("/graphql"))
            .query(&[("query", query)])
            .bearer_auth(&token)
            .send()
    };
    let response = get("{ me { username } }").await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "private, no-store",
        "authenticated answers must not be cached"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "data": { "me": { "username": "admin" } } }));

    let refused = get("mutation { logout(refreshToken: \"x\") }")
        .await
        .unwrap();
    assert_eq!(refused.status(), 405);
    assert_eq!(refused.headers()["allow"], "POST");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT"),
        "mutations and subscriptions are not allowed over GET: use POST"
    );
}

async fn malformed_requests_get_bad_user_input(app: TestApp) {
    let token = app.admin_token().await;
    for query in [
        "{ me { id ",                                          // syntax
        "{ me { nosuchfield } }",                              // validation
        "query($n: Int!) { users(first: $n) { totalCount } }", // missing variable
    ] {
        let response = app.gql(Some(&token), query, json!({})).await;
        assert_eq!(
            error_codes(&response),
            vec!["BAD_USER_INPUT"],
            "{query}: {response:#}"
        );
    }
    let response = app
        .gql(
            Some(&token),
            "query($n: Int!) { users(first: $n) { totalCount } }",
            json!({ "n": "ten" }),
        )
        .await;
    // The variable check and the complexity estimate (which reads `first`) both report it.
    let codes = error_codes(&response);
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "BAD_USER_INPUT"),
        "{response:#}"
    );
    assert_eq!(response["data"], Value::Null);
}

async fn depth_limit_refuses_deep_queries_but_not_introspection(app: TestApp) {
    // GraphiQL's introspection query nests about ten levels through ofType.
    let introspection = r#"query IntrospectionQuery { __schema { queryType { name } types { ...FullType } } }
      fragment FullType on __Type { kind name fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } } inputFields { ...InputValue } }
      fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
      fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }"#;
    let response = app.gql(None, introspection, json!({})).await;
    assert!(response.get("errors").is_none(), "{response:#}");

    let deep = format!(
        "{{ __schema {{ types {{ {} name {} }} }} }}",
        "ofType {".repeat(20),
        "}".repeat(20)
    );
    let response = app.gql(None, &deep, json!({})).await;
    assert_eq!(
        expect_error(&response, "BAD_USER_INPUT"),
        "Query is nested too deep."
    );
}

async fn cors_answers_the_angular_origin_only(app: TestApp) {
    let preflight = |origin: &'static str| {
        app.http()
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let allowed = preflight("http://localhost:4200").await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:4200"
    );
    let allowed_headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );

    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

async fn responses_carry_a_request_id(app: TestApp) {
    let response = app.http().get(app.url("/healthz")).send().await.unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let response = app
        .http()
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
}

/// Apollo's Automatic Persisted Queries: a miss, the registration, then the hash alone over GET.
async fn persisted_queries_follow_apollos_protocol(app: TestApp) {
    use sha2::{Digest, Sha256};
    let token = app.admin_token().await;
    let query = "query Me { me { username } }";
    let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string();
    let get_by_hash = || {
        app.http()
            .get(app.url("/graphql"))
            .query(&[("extensions", extensions.as_str())])
            .bearer_auth(&token)
            .send()
    };

    let miss: Value = get_by_hash().await.unwrap().json().await.unwrap();
    assert_eq!(
        expect_error(&miss, "PERSISTED_QUERY_NOT_FOUND"),
        "PersistedQueryNotFound"
    );

    let registered: Value = app
        .http()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": query, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        registered,
        json!({ "data": { "me": { "username": "admin" } } })
    );

    let hit: Value = get_by_hash().await.unwrap().json().await.unwrap();
    assert_eq!(hit, json!({ "data": { "me": { "username": "admin" } } }));

    // A second persisted query gets its own document, not the first one's.
    let other = "query Count { users { totalCount } }";
    let other_hash = format!("{:x}", Sha256::digest(other.as_bytes()));
    let other_extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": other_hash } });
    app.http()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": other, "extensions": other_extensions }))
        .send()
        .await
        .unwrap();
    for _ in 0..2 {
        let hit: Value = app
            .http()
            .get(app.url("/graphql"))
            .query(&[("extensions", other_extensions.to_string().as_str())])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(hit, json!({ "data": { "users": { "totalCount": 1 } } }));
        let hit: Value = get_by_hash().await.unwrap().json().await.unwrap();
        assert_eq!(hit, json!({ "data": { "me": { "username": "admin" } } }));
    }

    // A mutation cannot hide behind a hash to run over GET.
    let mutation = "mutation { logout(refreshToken: \"x\") }";
    let mutation_hash = format!("{:x}", Sha256::digest(mutation.as_bytes()));
    let mutation_extensions =
        json!({ "persistedQuery": { "version": 1, "sha256Hash": mutation_hash } });
    app.http()
        .post(app.url("/graphql"))
        .json(&json!({ "query": mutation, "extensions": mutation_extensions }))
        .send()
        .await
        .unwrap();
    let refused = app
        .http()
        .get(app.url("/graphql"))
        .query(&[("extensions", mutation_extensions.to_string().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 405);
}

async fn batches_run_each_operation(app: TestApp) {
    let token = app.admin_token().await;
    let body: Value = app
        .http()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!([
            { "query": "{ me { username } }" },
            { "query": "{ users { totalCount } }" },
            { "query": "{ nosuchfield }" },
        ]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body[0],
        json!({ "data": { "me": { "username": "admin" } } })
    );
    assert_eq!(body[1], json!({ "data": { "users": { "totalCount": 1 } } }));
    assert_eq!(error_codes(&body[2]), vec!["BAD_USER_INPUT"]);
}

async fn responses_are_compressed_when_asked(app: TestApp) {
    for encoding in ["gzip", "br"] {
        let response = app
            .http()
            .get(app.url("/assets/graphiql-4.1.2/graphiql.min.js"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-encoding"], encoding);
        let compressed = response.bytes().await.unwrap().len();
        assert!(
            compressed < 600_000,
            "{encoding}: {compressed} bytes of a 1 MB script"
        );
    }
}

crate::db_test!(
    persisted_queries_follow_apollos_protocol,
    batches_run_each_operation,
    responses_are_compressed_when_asked,
    health_readiness_and_metrics_answer,
    graphiql_is_served_at_the_root,
    get_runs_queries_but_never_mutations,
    malformed_requests_get_bad_user_input,
    depth_limit_refuses_deep_queries_but_not_introspection,
    cors_answers_the_angular_origin_only,
    responses_carry_a_request_id,
);

#[tokio::test]
async fn graphiql_and_introspection_can_be_turned_off() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[
            ("HANGAR_PLAYGROUND", "false"),
            ("HANGAR_INTROSPECTION", "false"),
        ],
    )
    .await;
    let page = app.http().get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 404);
    // async-graphql answers introspection with null rather than an error: nothing leaks.
    let response = app
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(response, json!({ "data": { "__schema": null } }));
    // Ordinary queries still work.
    assert_eq!(
        app.ok(None, "{ me { id } }", json!({})).await,
        json!({ "me": null })
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let app = TestApp::spawn_with(Backend::Sqlite, &[("HANGAR_MAX_BODY_BYTES", "2048")]).await;
    let padding = "x".repeat(4096);
    let response = app
        .http()
        .post(app.url("/graphql"))
        .json(&json!({ "query": "{ me { id } }", "variables": { "padding": padding } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    // A graphql-ws message over the limit ends the connection without an answer.
    let mut socket = crate::subscriptions::open(&app).await;
    let oversized = json!({ "type": "connection_init", "payload": { "padding": padding } });
    crate::subscriptions::send(&mut socket, oversized).await;
    assert!(
        matches!(
            crate::subscriptions::next(&mut socket).await,
            None | Some(Err(_))
        ),
        "an oversized message is not answered"
    );
    // Under the limit, the same request is fine.
    assert_eq!(
        app.ok(None, "{ me { id } }", json!({})).await,
        json!({ "me": null })
    );
}
