//! PostgreSQL stops (`pg_ctl stop -m fast`) and starts again under a running Hangar.
//!
//! Proves that during the outage `/readyz` says 503 while `/healthz` still answers, and that
//! queries, mutations and logins fail fast with SERVICE_UNAVAILABLE (JSON, never
//! INTERNAL_SERVER_ERROR); that after the restart readiness, reads and writes come back without
//! restarting Hangar, with the data written before the outage intact; and that a subscriber
//! connected through the outage hears changes again once the event listener has reconnected.
//!
//! It runs on a private cluster (stopping the shared server would break every other test),
//! and only where CI runs the PostgreSQL variants: with `TEST_DATABASE_URL` set.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::subscriber::Subscriber;
use crate::{
    helpers::{TestApp, error_codes},
    private_pg::PrivateCluster,
};

/// How long recovery may take before the test calls it a failure. Generous: the event
/// listener backs off up to 10 s between attempts, and CI machines are slow.
pub(super) const RECOVERY_DEADLINE: Duration = Duration::from_secs(60);
const DRONE_COUNT: &str = "{ drones { totalCount nodes { serialNumber } } }";
pub(super) const REGISTER: &str = "mutation($s: String!) { registerDrone(input: {serialNumber: $s, name: \"Mavic\", brand: \"DJI\", cameraModels: [\"Hero3\"]}) { id } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
async fn hangar_rides_out_a_postgres_restart() {
    let (cluster, app) = spawn_on_private_cluster().await;

    // Before: ready, and data to find again afterwards.
    assert_eq!(readyz(&app).await, StatusCode::OK);
    let admin = app.admin_token().await;
    let (_, member) = app.member("outage-member").await;
    app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    let mut subscriber = Subscriber::subscribe(&app, &admin).await;
    let before = app
        .register_drone(&admin, "BEFORE-1", "Mavic", "DJI", &["Hero3"])
        .await;
    let event = subscriber.event_within(Duration::from_secs(10)).await;
    assert_eq!(
        event,
        Some(
            json!({ "kind": "CREATED", "droneId": before, "drone": { "serialNumber": "BEFORE-1" } })
        ),
        "the subscription works before the outage"
    );

    // The outage.
    tokio::task::block_in_place(|| cluster.stop());
    let stopped = Instant::now();
    let first_503 = loop {
        if readyz(&app).await == StatusCode::SERVICE_UNAVAILABLE {
            break stopped.elapsed();
        }
        assert!(
            stopped.elapsed() < RECOVERY_DEADLINE,
            "/readyz never turned 503"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    outage_answers_are_clean(&app, &admin, &member).await;

    // The restart, with Hangar left running.
    tokio::task::block_in_place(|| cluster.start());
    let restarted = Instant::now();
    let first_200 = loop {
        if readyz(&app).await == StatusCode::OK {
            break restarted.elapsed();
        }
        assert!(
            restarted.elapsed() < RECOVERY_DEADLINE,
            "/readyz still 503 {RECOVERY_DEADLINE:?} after PostgreSQL restarted"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (first_query, data) = loop {
        let (status, response) = post(&app, Some(&admin), DRONE_COUNT).await;
        if status == StatusCode::OK && response.get("errors").is_none() {
            break (restarted.elapsed(), response["data"].clone());
        }
        assert!(
            restarted.elapsed() < RECOVERY_DEADLINE,
            "queries still fail after PostgreSQL restarted: {response:#}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // What was written before the outage is there; what failed during it is not.
    assert_eq!(
        data,
        json!({ "drones": { "totalCount": 1, "nodes": [{ "serialNumber": "BEFORE-1" }] } })
    );
    let after = app
        .register_drone(&admin, "AFTER-0", "Mavic", "DJI", &["Hero3"])
        .await;
    assert!(!after.is_empty());
    let (status, response) = post(&app, Some(&member), "{ drones { totalCount } }").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        response,
        json!({ "data": { "drones": { "totalCount": 2 } } })
    );

    // The subscriber connected through the outage is told that it may have missed changes
    // (its subscription ends with SERVICE_UNAVAILABLE), so it resubscribes and refetches.
    let notice = subscriber
        .message_within(Duration::from_secs(10))
        .await
        .expect("the subscriber is told about the outage");
    assert!(is_gap_notice(&notice), "{notice}");
    let mut subscriber = Subscriber::subscribe(&app, &admin).await;
    let first_event =
        subscription_recovers(&app, &admin, &mut subscriber, restarted, vec![json!(after)]).await;
    eprintln!(
        "faults: postgres outage: stop -> first /readyz 503 in {first_503:?}; \
         restart -> first /readyz 200 in {first_200:?}, first successful query in \
         {first_query:?}, first subscription event in {first_event:?}"
    );
}

/// Hangar on a private PostgreSQL cluster of its own. For the PostgreSQL variants only
/// (ignored without `TEST_DATABASE_URL`), which need the server binaries too.
pub(super) async fn spawn_on_private_cluster() -> (PrivateCluster, TestApp) {
    assert!(
        PrivateCluster::bin_dir().is_some(),
        "PostgreSQL server binaries (initdb, pg_ctl) not found by pg_config --bindir, in \
         /usr/lib/postgresql/*/bin or on PATH: install the PostgreSQL server, or unset \
         TEST_DATABASE_URL to leave the PostgreSQL tests ignored"
    );
    let cluster = tokio::task::block_in_place(PrivateCluster::start_new);
    let app = TestApp::spawn_on_url(
        &cluster.url(),
        &[
            // Fail fast: a request waits this long for a connection before SERVICE_UNAVAILABLE.
            ("HANGAR_DB_ACQUIRE_TIMEOUT", "2s"),
            // The admin's role stays cached through the outage, so its requests reach the
            // resolvers (and fail there); the member is never cached before the outage, so its
            // requests fail earlier, while the server resolves who is asking.
            ("HANGAR_AUTH_CACHE_TTL", "1h"),
        ],
    )
    .await;
    (cluster, app)
}

/// During the outage: every answer is JSON with SERVICE_UNAVAILABLE, and the process lives.
async fn outage_answers_are_clean(app: &TestApp, admin: &str, member: &str) {
    // The admin is cached: the query reaches its resolver, which cannot get a connection.
    let asked = Instant::now();
    let (status, response) = post(app, Some(admin), DRONE_COUNT).await;
    let answered_in = asked.elapsed();
    assert_eq!(status, StatusCode::OK, "{response:#}");
    assert_unavailable(&response);
    eprintln!("faults: postgres outage: a query fails with SERVICE_UNAVAILABLE in {answered_in:?}");

    let (status, response) =
        post_with(app, Some(admin), REGISTER, json!({ "s": "DURING-1" })).await;
    assert_eq!(status, StatusCode::OK, "{response:#}");
    assert_unavailable(&response);

    // The member is not cached: the server cannot tell who asks, and says so with a 503.
    let (status, response) = post(app, Some(member), DRONE_COUNT).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{response:#}");
    assert_unavailable(&response);

    // Anonymous, but logging in needs the users table.
    let (status, response) = post(
        app,
        None,
        "mutation { login(username: \"admin\", password: \"admin-password-1\") { accessToken } }",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{response:#}");
    assert_unavailable(&response);

    let health = app.http().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok");
    let ready = app.http().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.text().await.unwrap(), "database unavailable");
}

/// After the restart, registers a drone at a time until the subscriber hears one (whether it
/// hears of changes committed before the listener reconnected is `event_gap`'s subject); then
/// every further change is heard. `registered`: ids of drones registered since the restart.
/// Returns the time from the restart to the first event.
async fn subscription_recovers(
    app: &TestApp,
    admin: &str,
    subscriber: &mut Subscriber,
    restarted: Instant,
    mut registered: Vec<Value>,
) -> Duration {
    let first_event = loop {
        let serial = format!("AFTER-{}", registered.len());
        let response = post_with(app, Some(admin), REGISTER, json!({ "s": serial }))
            .await
            .1;
        assert!(response.get("errors").is_none(), "{response:#}");
        registered.push(response["data"]["registerDrone"]["id"].clone());
        let message = subscriber.message_within(Duration::from_secs(1)).await;
        if message.as_ref().is_some_and(is_gap_notice) {
            // Resubscribed while the listener was still away: told again when it is back.
            *subscriber = Subscriber::subscribe(app, admin).await;
            continue;
        }
        if let Some(message) = message {
            assert_eq!(message["type"], "next", "{message}");
            let event = &message["payload"]["data"]["droneEvents"];
            assert_eq!(event["kind"], "CREATED", "{event}");
            assert!(
                registered.contains(&event["droneId"]),
                "unexpected event {event}"
            );
            break restarted.elapsed();
        }
        assert!(
            restarted.elapsed() < RECOVERY_DEADLINE,
            "no drone event {RECOVERY_DEADLINE:?} after PostgreSQL restarted, although {} drones \
             were registered since: the event listener did not reconnect",
            registered.len()
        );
    };
    // Steady again: the next change is heard (after any late event of the probes above).
    let last = app
        .register_drone(admin, "AFTER-LAST", "Mavic", "DJI", &["Hero3"])
        .await;
    loop {
        let event = subscriber
            .event_within(Duration::from_secs(10))
            .await
            .expect("the change after recovery is announced");
        if event["droneId"] == json!(last) {
            assert_eq!(
                event,
                json!({ "kind": "CREATED", "droneId": last, "drone": { "serialNumber": "AFTER-LAST" } })
            );
            break;
        }
        assert!(
            registered.contains(&event["droneId"]),
            "unexpected event {event}"
        );
    }
    eprintln!(
        "faults: postgres outage: {} drones registered after the restart before the first event",
        registered.len()
    );
    first_event
}

/// The error that ends a subscription when changes may have been missed.
fn is_gap_notice(message: &Value) -> bool {
    message["type"] == "next"
        && message["payload"]["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
}

fn assert_unavailable(response: &Value) {
    assert_eq!(
        error_codes(response),
        vec!["SERVICE_UNAVAILABLE"],
        "{response:#}"
    );
    assert_eq!(
        response["errors"][0]["message"],
        "the database is unavailable or busy: retry in a few seconds"
    );
    assert_eq!(response["data"], Value::Null, "{response:#}");
}

pub(super) async fn readyz(app: &TestApp) -> StatusCode {
    let response = app.http().get(app.url("/readyz")).send().await;
    response.expect("/readyz answers").status()
}

async fn post(app: &TestApp, token: Option<&str>, query: &str) -> (StatusCode, Value) {
    post_with(app, token, query, json!({})).await
}

/// POSTs a GraphQL request; the status, and the body, which must be JSON whatever happened.
pub(super) async fn post_with(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> (StatusCode, Value) {
    let mut request = app
        .http()
        .post(app.url("/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    let content_type = response.headers()[reqwest::header::CONTENT_TYPE].clone();
    // No Accept header: the legacy JSON type (GraphQL over HTTP).
    assert_eq!(content_type, "application/json", "status {status}");
    (status, response.json().await.expect("a JSON body"))
}
