//! Every limit is configurable and, when hit, answers with a clear error and an exact code:
//! request timeout, batch operations, page size, bulk items, query complexity, database pool
//! (size and acquire timeout), PostgreSQL statement timeout, plus reads that keep answering
//! through a login storm. (Failed-login throttling is in throttle.rs.)
//! (Body size and query depth are in http.rs, the default bulk limit in bulk.rs.)

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::{ADMIN, ADMIN_PASSWORD, Backend, TestApp, error_codes, expect_error};

const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";

/// A SUPPORT access token minted directly (no login request), for apps whose limits would
/// get in the way of logging in.
fn admin_token_without_login(app: &TestApp) -> String {
    app.state
        .tokens
        .issue_access(1, "SUPPORT", "test-family")
        .expect("token")
        .0
}

fn drones(count: usize) -> Value {
    (0..count)
        .map(|n| json!({ "serialNumber": format!("SN-{n}"), "name": "D", "brand": "DJI", "cameraModels": [] }))
        .collect()
}

async fn stored_drones(app: &TestApp) -> u64 {
    hangar::entity::drone::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn request_timeout_cancels_and_keeps_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("HANGAR_REQUEST_TIMEOUT", "100ms")]).await;
    let token = admin_token_without_login(&app);
    let response = app
        .http()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({
            "query": "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }",
            "variables": { "i": drones(10_000) },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 504);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "errors": [{
            "message": "the request did not finish within 100ms; nothing it was writing was kept",
            "extensions": { "code": "TIMEOUT" },
        }] })
    );
    // The cancelled transaction rolled back.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(stored_drones(&app).await, 0);
}

/// graphql-ws runs queries and mutations through the same gateway as HTTP: the same timeout,
/// answered in the operation's `next` (the socket stays open), and nothing kept.
async fn request_timeout_applies_over_websocket(app: TestApp) {
    let token = admin_token_without_login(&app);
    let mut socket = crate::subscriptions::open_signed_in(&app, &token).await;
    let answer = crate::subscriptions::operate(
        &mut socket,
        "slow",
        "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }",
        json!({ "i": drones(10_000) }),
    )
    .await;
    assert_eq!(
        answer,
        json!({ "data": null, "errors": [{
            "message": "the request did not finish within 100ms; nothing it was writing was kept",
            "extensions": { "code": "TIMEOUT" },
        }] })
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(stored_drones(&app).await, 0);
    // The connection serves the next operation.
    let me =
        crate::subscriptions::operate(&mut socket, "me", "{ me { username } }", json!({})).await;
    assert_eq!(me, json!({ "data": { "me": { "username": "admin" } } }));
}

async fn batches_hold_at_most_the_configured_operations(app: TestApp) {
    let token = app.admin_token().await;
    let batch = |n: usize| -> Value {
        (0..n)
            .map(|_| json!({ "query": "{ me { id } }" }))
            .collect()
    };
    let send = |body: Value| {
        app.http()
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let ok = send(batch(3)).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.json::<Value>().await.unwrap().as_array().unwrap().len(),
        3
    );
    let refused = send(batch(4)).await.unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        expect_error(&body, "BAD_USER_INPUT"),
        "a batch may hold at most 3 operations, got 4: send several requests"
    );
}

async fn pages_and_bulk_calls_stop_at_their_limits(app: TestApp) {
    let token = app.admin_token().await;
    let page = |n: i32| {
        app.gql(
            Some(&token),
            "query($n: Int) { drones(first: $n) { totalCount } }",
            json!({ "n": n }),
        )
    };
    assert!(page(10).await.get("errors").is_none());
    assert_eq!(
        expect_error(&page(11).await, "BAD_USER_INPUT"),
        "`first` must be between 0 and 10, got 11"
    );
    let bulk = |n: usize| {
        app.gql(
            Some(&token),
            "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }",
            json!({ "i": drones(n) }),
        )
    };
    assert_eq!(
        expect_error(&bulk(6).await, "BAD_USER_INPUT"),
        "at most 5 items per call, got 6: split the batch"
    );
    assert_eq!(bulk(5).await["data"]["registerDrones"]["created"], 5);
    // Complexity: a page of 10 drones with their cameras' drones counts 10 × (1 + 5 × 3)…
    let heavy = app
        .gql(
            Some(&token),
            "{ drones(first: 10) { nodes { id cameras { model brand droneCount } } } }",
            json!({}),
        )
        .await;
    expect_error(&heavy, "BAD_USER_INPUT");
    let light = app
        .gql(
            Some(&token),
            "{ drones(first: 10) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert!(light.get("errors").is_none(), "{light}");
}

async fn an_exhausted_pool_is_service_unavailable_then_recovers(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[
            ("HANGAR_DB_MAX_CONNECTIONS", "1"),
            ("HANGAR_DB_ACQUIRE_TIMEOUT", "300ms"),
        ],
    )
    .await;
    let token = app.admin_token().await;
    // Warms the viewer cache, so the next request needs the database only for its answer.
    app.ok(Some(&token), "{ drones { totalCount } }", json!({}))
        .await;
    // The pool's only connection, held by someone else.
    let held = app.state.db.begin().await.unwrap();
    let starved = app
        .gql(Some(&token), "{ drones { totalCount } }", json!({}))
        .await;
    assert_eq!(
        expect_error(&starved, "SERVICE_UNAVAILABLE"),
        "the database is unavailable or busy: retry in a few seconds"
    );
    held.rollback().await.unwrap();
    let served = app
        .ok(Some(&token), "{ drones { totalCount } }", json!({}))
        .await;
    assert_eq!(served["drones"]["totalCount"], 0);
}

/// PostgreSQL cancels statements past HANGAR_DB_STATEMENT_TIMEOUT; the error maps to TIMEOUT.
/// No GraphQL operation is reliably slow on a test database, so this runs a slow statement on
/// the app's own pool (whose connections carry the setting) and maps its error as resolvers do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
async fn postgres_statements_past_the_timeout_are_timeout() {
    let app = TestApp::spawn_postgres_with(&[("HANGAR_DB_STATEMENT_TIMEOUT", "300ms")]).await;
    let err = app
        .state
        .db
        .execute_unprepared("SELECT pg_sleep(2)")
        .await
        .expect_err("cancelled by statement_timeout");
    let error: async_graphql::Error = hangar::error::AppError::Database(err).into();
    let code = error
        .extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .cloned();
    assert_eq!(code, Some(async_graphql::Value::from("TIMEOUT")));
    assert_eq!(
        error.message,
        "the database did not finish this request within its time limit"
    );
    // Ordinary statements are unaffected.
    let token = app.admin_token().await;
    app.ok(Some(&token), "{ drones { totalCount } }", json!({}))
        .await;
}

/// Argon2 runs on its own bounded pool: a storm of logins queues there, and reads still answer
/// while it lasts.
async fn reads_answer_during_a_login_storm(app: TestApp) {
    const STORM: usize = 48;
    let token = app.admin_token().await;
    let finished = Arc::new(AtomicUsize::new(0));
    let app = Arc::new(app);
    let storm: Vec<_> = (0..STORM)
        .map(|_| {
            let app = app.clone();
            let finished = finished.clone();
            tokio::spawn(async move {
                let answer = app
                    .gql(None, LOGIN, json!({ "u": ADMIN, "p": ADMIN_PASSWORD }))
                    .await;
                finished.fetch_add(1, Ordering::SeqCst);
                answer
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    for _ in 0..5 {
        let data = app
            .ok(
                Some(&token),
                "{ drones { totalCount } cameras { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(data["drones"]["totalCount"], 0);
    }
    let done_when_reads_finished = finished.load(Ordering::SeqCst);
    let mut codes = Vec::new();
    for login in storm {
        codes.extend(error_codes(&login.await.unwrap()));
    }
    eprintln!(
        "limits: login storm: {done_when_reads_finished} of {STORM} logins had finished when 5 reads had answered"
    );
    assert!(
        done_when_reads_finished < STORM,
        "the reads answered only after the whole storm"
    );
    assert!(
        codes.is_empty(),
        "every login of the storm succeeds: {codes:?}"
    );
}

mod request_timeout {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::request_timeout_cancels_and_keeps_nothing(crate::helpers::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if std::env::var("TEST_DATABASE_URL").is_ok() {
            super::request_timeout_cancels_and_keeps_nothing(crate::helpers::Backend::Postgres)
                .await;
        }
    }
}

mod exhausted_pool {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::an_exhausted_pool_is_service_unavailable_then_recovers(
            crate::helpers::Backend::Sqlite,
        )
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if std::env::var("TEST_DATABASE_URL").is_ok() {
            super::an_exhausted_pool_is_service_unavailable_then_recovers(
                crate::helpers::Backend::Postgres,
            )
            .await;
        }
    }
}

crate::configured_test!(
    request_timeout_applies_over_websocket,
    &[("HANGAR_REQUEST_TIMEOUT", "100ms")]
);
crate::configured_test!(
    batches_hold_at_most_the_configured_operations,
    &[("HANGAR_MAX_BATCH_OPERATIONS", "3")]
);
crate::configured_test!(
    pages_and_bulk_calls_stop_at_their_limits,
    &[
        ("HANGAR_MAX_PAGE_SIZE", "10"),
        ("HANGAR_MAX_BULK_ITEMS", "5"),
        ("HANGAR_MAX_QUERY_COMPLEXITY", "100"),
    ]
);
crate::db_test!(reads_answer_during_a_login_storm);
