//! A subscriber connected through a PostgreSQL restart must not lose changes silently.
//!
//! `droneEvents` promises every committed change. After PostgreSQL comes back, Hangar serves
//! reads and writes at once, but its event listener reconnects only after its back-off pause;
//! the NOTIFYs of changes committed in between reach no one. A subscriber may miss them only if
//! it is told (an error, `complete`, or a closed socket), so that it resubscribes and refetches,
//! as it is told when it lags behind. This test proves that it is told, or that nothing was
//! missed.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{
    postgres_outage::{RECOVERY_DEADLINE, REGISTER, post_with, readyz, spawn_on_private_cluster},
    subscriber::Subscriber,
};

/// How long PostgreSQL stays down. The listener retries every `acquire timeout (2 s) + pause`,
/// the pause doubling from 200 ms (src/events.rs): after losing its connection it is waiting
/// in its 6.4 s pause from about 18.2 s to 24.6 s. Restarting in that window, with seconds of
/// margin either side, lets the writes below land before it is back, as they do in any
/// restart that outlasts a few retries.
const OUTAGE: Duration = Duration::from_millis(19_500);
/// Writes made at this pace right after the restart, as a busy deployment's would be.
const EARLY_WRITES: usize = 10;
const EARLY_PACE: Duration = Duration::from_millis(100);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
async fn a_subscriber_is_told_when_an_outage_made_it_miss_events() {
    let (cluster, app) = spawn_on_private_cluster().await;
    let admin = app.admin_token().await;
    app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    let mut subscriber = Subscriber::subscribe(&app, &admin).await;
    let before = app
        .register_drone(&admin, "BEFORE-1", "Mavic", "DJI", &["Hero3"])
        .await;
    let event = subscriber.event_within(Duration::from_secs(10)).await;
    assert_eq!(event.map(|e| e["droneId"].clone()), Some(json!(before)));

    tokio::task::block_in_place(|| cluster.stop());
    let stopped = Instant::now();
    while readyz(&app).await != StatusCode::SERVICE_UNAVAILABLE {
        assert!(
            stopped.elapsed() < RECOVERY_DEADLINE,
            "/readyz never turned 503"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep_until((stopped + OUTAGE).into()).await;
    tokio::task::block_in_place(|| cluster.start());
    let restarted = Instant::now();
    while readyz(&app).await != StatusCode::OK {
        assert!(restarted.elapsed() < RECOVERY_DEADLINE, "/readyz stays 503");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Write, and listen, until the subscriber hears one of these writes (the listener is
    // back) or is told it missed some.
    let mut committed: Vec<Value> = Vec::new();
    let mut heard: Vec<Value> = Vec::new();
    let mut notice: Option<Value> = None;
    loop {
        let serial = format!("GAP-{}", committed.len());
        let (status, response) =
            post_with(&app, Some(&admin), REGISTER, json!({ "s": serial })).await;
        assert_eq!(status, StatusCode::OK, "{response:#}");
        assert!(response.get("errors").is_none(), "{response:#}");
        let id = response["data"]["registerDrone"]["id"].clone();
        committed.push(id.clone());
        let listen = if committed.len() < EARLY_WRITES {
            EARLY_PACE
        } else {
            Duration::from_secs(1)
        };
        listen_for(&mut subscriber, listen, &mut heard, &mut notice).await;
        if notice.is_some() || heard.contains(&id) {
            break;
        }
        assert!(
            restarted.elapsed() < RECOVERY_DEADLINE,
            "no drone event {RECOVERY_DEADLINE:?} after PostgreSQL restarted"
        );
    }

    let missed: Vec<&Value> = committed.iter().filter(|id| !heard.contains(id)).collect();
    eprintln!(
        "faults: event gap: {} of {} drones registered after the restart were not announced; \
         subscriber told: {notice:?}",
        missed.len(),
        committed.len()
    );
    assert!(
        missed.is_empty() || notice.is_some(),
        "the subscriber silently missed the events of {} of the {} drones registered in the \
         {:?} after PostgreSQL restarted (ids {missed:?}): their NOTIFYs were sent while the \
         event listener was still waiting to reconnect, and nothing told the subscriber to \
         resubscribe and refetch",
        missed.len(),
        committed.len(),
        restarted.elapsed()
    );
}

/// Collects, for `wait`, the drone ids the subscriber hears, and anything else it is sent.
async fn listen_for(
    subscriber: &mut Subscriber,
    wait: Duration,
    heard: &mut Vec<Value>,
    notice: &mut Option<Value>,
) {
    let deadline = Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Some(message) = subscriber.message_within(left).await else {
            return;
        };
        if message["type"] == "next" && message["payload"].get("errors").is_none() {
            heard.push(message["payload"]["data"]["droneEvents"]["droneId"].clone());
        } else {
            *notice = Some(message);
        }
    }
}
