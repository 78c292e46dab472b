//! `totalCount` remembered between writes, and never wrong (issue #15, item 2).
//!
//! The inventory lists remember each filter's count with the `inventory_epoch` it was counted
//! at (`service::pagination::total`). These tests write while others read, on two instances
//! of one database, and hold every answered count against `SELECT count(*)` in plain SQL at
//! the moments the request could have seen.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::{db_test, helpers::TestApp};

/// The filters under test, one per table a drone filter reads, as GraphQL and as plain SQL.
const FILTERS: [(&str, &str, &str); 6] = [
    ("all", "{}", "SELECT count(*) FROM drones"),
    (
        "brand",
        r#"{brand: {eq: "Skydio"}}"#,
        "SELECT count(*) FROM drones WHERE brand = 'Skydio'",
    ),
    (
        "camera",
        "{camera: {megapixels: {gte: 40}}}",
        "SELECT count(*) FROM drones d WHERE EXISTS (SELECT 1 FROM drone_cameras dc \
         JOIN cameras c ON c.id = dc.camera_id WHERE dc.drone_id = d.id AND c.megapixels >= 40)",
    ),
    (
        "city",
        r#"{city: "Oslo"}"#,
        "SELECT count(*) FROM drones d JOIN sites s ON s.id = d.site_id WHERE s.city = 'Oslo'",
    ),
    (
        "tag",
        r#"{tags: {any: ["night"]}}"#,
        "SELECT count(*) FROM drones d WHERE EXISTS \
         (SELECT 1 FROM drone_tags t WHERE t.drone_id = d.id AND t.tag = 'night')",
    ),
    (
        "status",
        "{status: {eq: AVAILABLE}}",
        "SELECT count(*) FROM drones WHERE status = 0",
    ),
];

fn counts_query() -> String {
    let fields: Vec<String> = FILTERS
        .iter()
        .map(|(alias, filter, _)| {
            format!("{alias}: drones(first: 1, filter: {filter}) {{ totalCount }}")
        })
        .collect();
    format!("query Counts {{ {} }}", fields.join(" "))
}

fn answered(data: &Value) -> Vec<i64> {
    FILTERS
        .iter()
        .map(|(alias, _, _)| data[alias]["totalCount"].as_i64().expect("a totalCount"))
        .collect()
}

async fn true_counts(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for (_, _, sql) in FILTERS {
        let row = app
            .state
            .db
            .query_one_raw(Statement::from_string(
                app.state.db.get_database_backend(),
                sql,
            ))
            .await
            .unwrap()
            .unwrap();
        counts.push(row.try_get_by_index::<i64>(0).unwrap());
    }
    counts
}

/// (remembered, counted) answers of one instance, from its `/metrics`.
async fn answers(app: &TestApp) -> (u64, u64) {
    let text = app.metrics().await;
    let read = |source: &str| -> u64 {
        let prefix = format!("hangar_total_count_answers_total{{source=\"{source}\"}} ");
        text.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {prefix} in /metrics"))
            .parse()
            .unwrap()
    };
    (read("remembered"), read("counted"))
}

/// Two cameras (12 and 48 MP), two sites (Oslo and Lyon) and `drones` drones over them.
async fn fleet(app: &TestApp, token: &str, drones: usize) -> (Vec<String>, Vec<String>) {
    let cameras = vec![
        app.register_camera(token, "Lens-12", "Sony", 12.0).await,
        app.register_camera(token, "Lens-48", "Sony", 48.0).await,
    ];
    let mut sites = Vec::new();
    for (name, city) in [("North", "Oslo"), ("South", "Lyon")] {
        let data = app
            .ok(
                Some(token),
                "mutation($i: CreateSiteInput!) { createSite(input: $i) { id } }",
                json!({ "i": { "name": name, "city": city, "country": "NO" } }),
            )
            .await;
        sites.push(data["createSite"]["id"].as_str().unwrap().to_string());
    }
    let inputs: Vec<Value> = (0..drones)
        .map(|i| drone_input(&format!("init-{i}"), i))
        .collect();
    app.ok(
        Some(token),
        "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }",
        json!({ "i": inputs }),
    )
    .await;
    (cameras, sites)
}

fn drone_input(serial: &str, i: usize) -> Value {
    json!({
        "serialNumber": serial,
        "name": format!("Drone {serial}"),
        "brand": if i.is_multiple_of(3) { "Skydio" } else { "DJI" },
        "cameraModels": [if i.is_multiple_of(2) { "Lens-12" } else { "Lens-48" }],
        "site": if i % 4 < 2 { "North" } else { "South" },
        "tags": if i.is_multiple_of(5) { json!(["night"]) } else { json!(["day"]) },
    })
}

const REGISTER: &str = "mutation($i: RegisterDroneInput!) { registerDrone(input: $i) { id } }";
const REGISTER_MANY: &str =
    "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { drones { id } } }";
const UPDATE: &str =
    "mutation($id: ID!, $i: UpdateDroneInput!) { updateDrone(id: $id, input: $i) { id } }";

/// One write chosen at random, through `app`; each one changes what some filter counts.
async fn random_write(
    app: &TestApp,
    token: &str,
    rng: &mut StdRng,
    step: usize,
    drones: &mut Vec<String>,
    cameras: &[String],
    sites: &[String],
) {
    let pick =
        |rng: &mut StdRng, drones: &Vec<String>| drones[rng.random_range(0..drones.len())].clone();
    match rng.random_range(0..9) {
        0 => {
            let data = app
                .ok(
                    Some(token),
                    REGISTER,
                    json!({ "i": drone_input(&format!("w-{step}"), step) }),
                )
                .await;
            drones.push(data["registerDrone"]["id"].as_str().unwrap().to_string());
        }
        1 => {
            let inputs: Vec<Value> = (0..3)
                .map(|k| drone_input(&format!("w-{step}-{k}"), step + k))
                .collect();
            let data = app
                .ok(Some(token), REGISTER_MANY, json!({ "i": inputs }))
                .await;
            for drone in data["registerDrones"]["drones"].as_array().unwrap() {
                drones.push(drone["id"].as_str().unwrap().to_string());
            }
        }
        2 if drones.len() > 5 => {
            let id = drones.swap_remove(rng.random_range(0..drones.len()));
            app.ok(
                Some(token),
                "mutation($id: ID!) { deleteDrone(id: $id) }",
                json!({ "id": id }),
            )
            .await;
        }
        3 => {
            let brand = if rng.random_bool(0.5) {
                "Skydio"
            } else {
                "Parrot"
            };
            let id = pick(rng, drones);
            app.ok(
                Some(token),
                UPDATE,
                json!({ "id": id, "i": { "brand": brand } }),
            )
            .await;
        }
        4 => {
            let model = if rng.random_bool(0.5) {
                "Lens-12"
            } else {
                "Lens-48"
            };
            let id = pick(rng, drones);
            app.ok(
                Some(token),
                UPDATE,
                json!({ "id": id, "i": { "cameraModels": [model] } }),
            )
            .await;
        }
        5 => {
            let site = if rng.random_bool(0.5) {
                "North"
            } else {
                "South"
            };
            let id = pick(rng, drones);
            app.ok(
                Some(token),
                UPDATE,
                json!({ "id": id, "i": { "site": site } }),
            )
            .await;
        }
        6 => {
            let id = pick(rng, drones);
            let change = if rng.random_bool(0.5) {
                "addTags"
            } else {
                "removeTags"
            };
            app.ok(
                Some(token),
                UPDATE,
                json!({ "id": id, "i": { change: ["night"] } }),
            )
            .await;
        }
        7 => {
            // A camera's megapixels: every drone listing it moves in or out of `camera`.
            let megapixels = if rng.random_bool(0.5) { 36.0 } else { 50.0 };
            app.ok(
                Some(token),
                "mutation($id: ID!, $mp: Float!) { updateCamera(id: $id, input: {megapixels: $mp}) { id } }",
                json!({ "id": cameras[0], "mp": megapixels }),
            )
            .await;
        }
        _ => {
            // A site's city: every drone stationed there moves in or out of `city`.
            let city = if rng.random_bool(0.5) { "Oslo" } else { "Lyon" };
            app.ok(
                Some(token),
                "mutation($id: ID!, $c: String!) { updateSite(id: $id, input: {city: $c}) { id } }",
                json!({ "id": sites[1], "c": city }),
            )
            .await;
            // And a status move, so AVAILABLE changes too: lost (with the note it needs), or
            // found again.
            let id = pick(rng, drones);
            let data = app
                .ok(
                    Some(token),
                    "query($id: ID!) { node: drone(id: $id) { status } }",
                    json!({ "id": id }),
                )
                .await;
            let (status, note) = match data["node"]["status"].as_str() {
                Some("LOST") => ("AVAILABLE", Value::Null),
                _ => ("LOST", json!("not back from the survey")),
            };
            app.ok(
                Some(token),
                "mutation($id: ID!, $s: DroneStatus!, $n: String) { setDroneStatus(id: $id, status: $s, note: $n) { id } }",
                json!({ "id": id, "s": status, "n": note }),
            )
            .await;
        }
    }
}

/// One writer (through either instance, so one commit at a time in a known order) and four
/// readers (two on each instance). The truth after write `k` is read with plain SQL before
/// write `k + 1` is sent; a reader that began after write `lo` was settled and finished
/// before write `hi + 1` was sent must answer what was true after one of `lo..=hi`.
async fn every_answered_total_count_was_true_at_a_moment_of_its_request(app: TestApp) {
    const WRITES: usize = 60;
    let sibling = Arc::new(app.spawn_sibling().await);
    let app = Arc::new(app);
    let token = app.admin_token().await;
    let (cameras, sites) = fleet(&app, &token, 40).await;

    let truths = Arc::new(Mutex::new(vec![true_counts(&app).await]));
    let settled = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));

    let mut readers = Vec::new();
    for reader in 0..4 {
        let instance = if reader % 2 == 0 {
            app.clone()
        } else {
            sibling.clone()
        };
        let (token, settled, sent, done) =
            (token.clone(), settled.clone(), sent.clone(), done.clone());
        readers.push(tokio::spawn(async move {
            let query = counts_query();
            let mut seen = Vec::new();
            while !done.load(Ordering::SeqCst) {
                let lo = settled.load(Ordering::SeqCst);
                let data = instance.ok(Some(&token), &query, json!({})).await;
                let hi = sent.load(Ordering::SeqCst);
                seen.push((lo, hi, answered(&data)));
            }
            seen
        }));
    }

    let mut rng = StdRng::seed_from_u64(15);
    let mut drones: Vec<String> = {
        let data = app
            .ok(
                Some(&token),
                "{ drones(first: 100) { nodes { id } } }",
                json!({}),
            )
            .await;
        data["drones"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_string())
            .collect()
    };
    for step in 1..=WRITES {
        let through = if rng.random_bool(0.5) { &app } else { &sibling };
        sent.store(step, Ordering::SeqCst);
        random_write(
            through,
            &token,
            &mut rng,
            step,
            &mut drones,
            &cameras,
            &sites,
        )
        .await;
        let truth = true_counts(&app).await;
        truths.lock().unwrap().push(truth);
        settled.store(step, Ordering::SeqCst);
        // Let the readers see this state, remembered, a few times.
        tokio::time::sleep(std::time::Duration::from_millis(15)).await;
    }
    done.store(true, Ordering::SeqCst);

    let truths = truths.lock().unwrap().clone();
    let mut checked = 0;
    for reader in readers {
        for (lo, hi, answer) in reader.await.unwrap() {
            for (f, (name, _, _)) in FILTERS.iter().enumerate() {
                let possible: Vec<i64> = truths[lo..=hi].iter().map(|t| t[f]).collect();
                assert!(
                    possible.contains(&answer[f]),
                    "{name}: answered {} between writes {lo} and {hi}, when it was {possible:?}",
                    answer[f]
                );
                checked += 1;
            }
        }
    }
    // The writes moved every filter's count, and the readers were answered from memory too.
    for (f, (name, _, _)) in FILTERS.iter().enumerate() {
        let distinct: std::collections::BTreeSet<i64> = truths.iter().map(|t| t[f]).collect();
        assert!(distinct.len() > 2, "{name} barely moved: {distinct:?}");
    }
    let (remembered, counted) = answers(&app).await;
    let (sibling_remembered, _) = answers(&sibling).await;
    assert!(checked > 600, "only {checked} counts checked");
    assert!(
        remembered > 0 && sibling_remembered > 0,
        "nothing remembered: {remembered}, {sibling_remembered}"
    );
    assert!(counted > 0);
    eprintln!(
        "{:?}: {checked} counts checked over {WRITES} writes; first instance {remembered} remembered, {counted} counted",
        app.backend
    );
}

/// Asked twice with no write between, the second answer comes from memory; a write on the
/// other instance is seen by the very next request here, with no message between them.
async fn a_write_on_another_instance_is_counted_at_once(app: TestApp) {
    let sibling = app.spawn_sibling().await;
    let token = app.admin_token().await;
    fleet(&app, &token, 10).await;
    let query = r#"{ drones(filter: {brand: {eq: "Skydio"}}) { totalCount } }"#;
    let count = |data: Value| data["drones"]["totalCount"].as_i64().unwrap();

    let before = answers(&app).await;
    assert_eq!(count(app.ok(Some(&token), query, json!({})).await), 4);
    assert_eq!(count(app.ok(Some(&token), query, json!({})).await), 4);
    let after = answers(&app).await;
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (1, 1),
        "one counted, then one remembered"
    );

    sibling
        .ok(
            Some(&token),
            REGISTER,
            json!({ "i": drone_input("elsewhere", 0) }),
        )
        .await;
    assert_eq!(count(app.ok(Some(&token), query, json!({})).await), 5);
    // A camera's change is an inventory change too (the `camera` filter reads it).
    let camera = r#"{ drones(filter: {camera: {megapixels: {gte: 40}}}) { totalCount } }"#;
    let lens = app
        .ok(
            Some(&token),
            r#"{ cameras(filter: {model: {eq: "Lens-48"}}) { nodes { id } } }"#,
            json!({}),
        )
        .await["cameras"]["nodes"][0]["id"]
        .clone();
    assert_eq!(
        app.ok(Some(&token), camera, json!({})).await["drones"]["totalCount"],
        5
    );
    sibling
        .ok(
            Some(&token),
            "mutation($id: ID!) { updateCamera(id: $id, input: {megapixels: 20}) { id } }",
            json!({ "id": lens }),
        )
        .await;
    assert_eq!(
        app.ok(Some(&token), camera, json!({})).await["drones"]["totalCount"],
        0
    );
}

/// `overdue` reads the clock: a drone becomes overdue with no write, so its count is never
/// remembered.
async fn a_filter_that_reads_the_clock_is_counted_every_time(app: TestApp) {
    let token = app.admin_token().await;
    fleet(&app, &token, 4).await;
    let query = "{ drones(filter: {overdue: false}) { totalCount } }";
    let before = answers(&app).await;
    for _ in 0..3 {
        assert_eq!(
            app.ok(Some(&token), query, json!({})).await["drones"]["totalCount"],
            4
        );
    }
    let after = answers(&app).await;
    // Not through the cache at all: neither remembered nor counted by it.
    assert_eq!((after.0 - before.0, after.1 - before.1), (0, 0));
}

db_test!(
    every_answered_total_count_was_true_at_a_moment_of_its_request,
    a_write_on_another_instance_is_counted_at_once,
    a_filter_that_reads_the_clock_is_counted_every_time,
);
