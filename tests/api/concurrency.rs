//! Concurrency without loss (issue #6, item 4): many clients at once registering, updating
//! and deleting drones whose serial numbers overlap, on SQLite and PostgreSQL.
//!
//! The races make the order of events unknowable, so each scenario checks what must hold
//! whatever the order: every acknowledged write is in the final state exactly once, no write
//! that was refused left a trace, every refusal carries an allowed code (CONFLICT, and
//! NOT_FOUND only where a concurrent delete explains it; never INTERNAL_SERVER_ERROR), and no
//! message mentions a lock (SQLite must wait for its one writer, not fail with "database is
//! locked"). Each scenario prints its tallies (operations, acknowledged, refusals by code,
//! elapsed time) on stderr.

use std::{
    collections::{BTreeMap, BTreeSet},
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde_json::{Value, json};
use tokio::{sync::Barrier, task::JoinSet};

use crate::helpers::{Backend, TestApp, error_codes};

/// Every drone lists exactly one of these, so a camera list merged from two writes (two
/// cameras) cannot pass for either of them.
const CAMERAS: [&str; 4] = ["Alpha", "Bravo", "Charlie", "Delta"];

const REGISTER_DRONE: &str = "mutation($i: RegisterDroneInput!) {
    registerDrone(input: $i) { id serialNumber name cameras { model } } }";
const REGISTER_DRONES: &str = "mutation($i: [RegisterDroneInput!]!, $c: OnConflict!) {
    registerDrones(inputs: $i, onConflict: $c) {
        created updated skipped drones { id serialNumber name cameras { model } } } }";
const UPDATE_DRONE: &str = "mutation($id: ID!, $i: UpdateDroneInput!) {
    updateDrone(id: $id, input: $i) { id name } }";
const DELETE_DRONE: &str = "mutation($id: ID!) { deleteDrone(id: $id) }";
const DRONE_PAGE: &str = "query($after: String) {
    drones(first: 100, after: $after) {
        totalCount
        nodes { id serialNumber name cameras { model } }
        pageInfo { hasNextPage endCursor } } }";

/// What a race decides about a drone: its serial number as spelled, its name, its cameras.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Version {
    serial: String,
    name: String,
    cameras: Vec<String>,
}

impl Version {
    fn new(serial: &str, name: &str, camera: &str) -> Self {
        Version {
            serial: serial.to_string(),
            name: name.to_string(),
            cameras: vec![camera.to_string()],
        }
    }

    /// Serial numbers are unique case-insensitively.
    fn key(&self) -> String {
        self.serial.to_lowercase()
    }

    fn input(&self) -> Value {
        json!({
            "serialNumber": self.serial,
            "name": self.name,
            "brand": "Acme",
            "cameraModels": self.cameras,
        })
    }

    fn of(drone: &Value) -> Self {
        Version {
            serial: drone["serialNumber"].as_str().unwrap().to_string(),
            name: drone["name"].as_str().unwrap().to_string(),
            cameras: drone["cameras"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["model"].as_str().unwrap().to_string())
                .collect(),
        }
    }
}

/// `base` in one of three spellings, so contenders differ only by case.
fn spelled(base: &str, variant: usize) -> String {
    match variant % 3 {
        0 => base.to_uppercase(),
        1 => base.to_lowercase(),
        _ => base.to_string(),
    }
}

/// Signs in as the admin (a SUPPORT user) and registers the cameras drones will list.
async fn prepare(app: TestApp) -> (Arc<TestApp>, String) {
    let token = app.admin_token().await;
    for model in CAMERAS {
        app.register_camera(&token, model, "Acme", 12.0).await;
    }
    (Arc::new(app), token)
}

/// Every stored drone by id, read page by page once the race is over.
async fn stored_drones(app: &TestApp, token: &str) -> BTreeMap<String, Version> {
    let mut stored = BTreeMap::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .ok(Some(token), DRONE_PAGE, json!({ "after": after }))
            .await;
        let page = &data["drones"];
        for node in page["nodes"].as_array().unwrap() {
            let id = node["id"].as_str().unwrap().to_string();
            let version = Version::of(node);
            assert!(
                stored.insert(id.clone(), version).is_none(),
                "drone {id} listed twice"
            );
        }
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            assert_eq!(
                page["totalCount"].as_u64().unwrap() as usize,
                stored.len(),
                "totalCount against the rows listed"
            );
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    let keys: BTreeSet<String> = stored.values().map(Version::key).collect();
    assert_eq!(keys.len(), stored.len(), "a serial number stored twice");
    stored
}

/// Starts `clients` tasks together (a barrier releases them at once, to maximise overlap) and
/// returns what each produced, in client order, with the time until the last one finished.
async fn race<T, F, Fut>(clients: usize, client: F) -> (Vec<T>, Duration)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let start = Arc::new(Barrier::new(clients + 1));
    let mut tasks = JoinSet::new();
    for index in 0..clients {
        let work = client(index);
        let start = start.clone();
        tasks.spawn(async move {
            start.wait().await;
            (index, work.await)
        });
    }
    start.wait().await;
    let started = Instant::now();
    let mut results: Vec<(usize, T)> = tasks.join_all().await;
    let elapsed = started.elapsed();
    results.sort_by_key(|(index, _)| *index);
    (results.into_iter().map(|(_, r)| r).collect(), elapsed)
}

/// Classifies every response of a scenario and keeps the counts for the report.
struct Tally {
    allowed: &'static [&'static str],
    total: usize,
    acknowledged: usize,
    refused: BTreeMap<String, usize>,
    /// Responses refused with a code outside `allowed` (the first few, for the failure message).
    unexpected: Vec<Value>,
    locked: Vec<String>,
}

impl Tally {
    fn new(allowed: &'static [&'static str]) -> Self {
        Tally {
            allowed,
            total: 0,
            acknowledged: 0,
            refused: BTreeMap::new(),
            unexpected: Vec::new(),
            locked: Vec::new(),
        }
    }

    /// The response's `data` when the write was acknowledged, else the refusal's code.
    fn outcome<'r>(&mut self, response: &'r Value) -> Result<&'r Value, String> {
        self.total += 1;
        let Some(errors) = response.get("errors") else {
            self.acknowledged += 1;
            return Ok(&response["data"]);
        };
        for error in errors.as_array().into_iter().flatten() {
            let message = error["message"].as_str().unwrap_or_default();
            if message.to_lowercase().contains("locked") {
                self.locked.push(message.to_string());
            }
        }
        let codes = error_codes(response);
        // A refusal is one error; several would be a contract break of their own.
        let code = match codes.as_slice() {
            [code] => code.clone(),
            _ => format!("{} errors: {}", codes.len(), codes.join(", ")),
        };
        *self.refused.entry(code.clone()).or_default() += 1;
        if !self.allowed.contains(&code.as_str()) && self.unexpected.len() < 3 {
            self.unexpected.push(response.clone());
        }
        Err(code)
    }

    /// Prints the tallies, then asserts every refusal had an allowed code and none spoke of a
    /// lock.
    fn check(&self, scenario: &str, backend: Backend, elapsed: Duration) {
        eprintln!(
            "[concurrency] {scenario} on {backend:?}: {} operations in {elapsed:.2?}, \
             {} acknowledged, refused {:?}",
            self.total, self.acknowledged, self.refused
        );
        assert!(
            self.locked.is_empty(),
            "{scenario}: lock errors reached clients: {:?}",
            self.locked
        );
        let codes: BTreeSet<&str> = self.refused.keys().map(String::as_str).collect();
        let allowed: BTreeSet<&str> = self.allowed.iter().copied().collect();
        assert!(
            codes.is_subset(&allowed),
            "{scenario}: refusal codes {:?} outside {allowed:?}; e.g. {:#}",
            self.refused,
            json!(self.unexpected)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// registerDrone: many clients, the same serial numbers

const CONTENDERS: usize = 16;
const CONTESTED_SERIALS: usize = 50;

/// 16 clients each register the same 50 serial numbers, each in its own order and spelling
/// (upper, lower or mixed case) under its own name and camera. Exactly one registration per
/// serial number wins, the other 15 are CONFLICT, and the stored drone is the winner's.
async fn contested_serials_are_registered_once(app: TestApp) {
    let (app, token) = prepare(app).await;
    let (attempts, elapsed) = race(CONTENDERS, |client| {
        let (app, token) = (app.clone(), token.clone());
        async move {
            let mut order: Vec<usize> = (0..CONTESTED_SERIALS).collect();
            order.shuffle(&mut StdRng::seed_from_u64(client as u64));
            let mut attempts = Vec::new();
            for serial in order {
                let wanted = Version::new(
                    &spelled(&format!("Race-{serial:03}"), client),
                    &format!("Client-{client:02}"),
                    CAMERAS[client % CAMERAS.len()],
                );
                let response = app
                    .gql(Some(&token), REGISTER_DRONE, json!({ "i": wanted.input() }))
                    .await;
                attempts.push((serial, wanted, response));
            }
            attempts
        }
    })
    .await;

    let mut tally = Tally::new(&["CONFLICT"]);
    let mut winners: BTreeMap<usize, Vec<(String, Version)>> = BTreeMap::new();
    for (serial, wanted, response) in attempts.iter().flatten() {
        if let Ok(data) = tally.outcome(response) {
            let drone = &data["registerDrone"];
            // Nobody else may change a drone here, so the answer is the write itself.
            assert_eq!(&Version::of(drone), wanted, "{response:#}");
            let id = drone["id"].as_str().unwrap().to_string();
            winners
                .entry(*serial)
                .or_default()
                .push((id, wanted.clone()));
        }
    }
    tally.check(
        &format!("registerDrone: {CONTENDERS} clients x {CONTESTED_SERIALS} shared serials"),
        app.backend,
        elapsed,
    );

    for serial in 0..CONTESTED_SERIALS {
        let won = winners.get(&serial).map_or(&[][..], Vec::as_slice);
        assert_eq!(
            won.len(),
            1,
            "serial {serial}: one acknowledged registration, got {won:?}"
        );
    }
    // The allowed-codes check above makes the other 15 attempts per serial CONFLICT.
    assert_eq!(
        tally.refused.get("CONFLICT"),
        Some(&(CONTESTED_SERIALS * (CONTENDERS - 1)))
    );
    let expected: BTreeMap<String, Version> = winners.into_values().flatten().collect();
    assert_eq!(stored_drones(&app, &token).await, expected);
}

// ---------------------------------------------------------------------------------------------
// registerDrones: overlapping batches in each onConflict mode

const BULK_CLIENTS: usize = 8;
const BATCHES_PER_CLIENT: usize = 25;
const BATCH_SIZE: usize = 5;
/// Small enough that most batches share serial numbers with others.
const BULK_POOL: usize = 60;

/// One `registerDrones` call: which pool serials it carries (in input order) and the items.
struct Batch {
    serials: Vec<usize>,
    items: Vec<Version>,
}

impl Batch {
    /// The item of this batch for `key`, if it carries that serial number.
    fn item(&self, key: &str) -> Option<&Version> {
        self.items.iter().find(|v| v.key() == key)
    }
}

/// A client's batches: random serials of the pool in random order and case; each batch has a
/// name and a camera of its own, so the final state tells which batch wrote a drone.
fn batches_of(client: usize) -> Vec<Batch> {
    let mut rng = StdRng::seed_from_u64(1000 + client as u64);
    (0..BATCHES_PER_CLIENT)
        .map(|round| {
            let mut pool: Vec<usize> = (0..BULK_POOL).collect();
            pool.shuffle(&mut rng);
            let serials: Vec<usize> = pool.into_iter().take(BATCH_SIZE).collect();
            let items = serials
                .iter()
                .map(|serial| {
                    Version::new(
                        &spelled(&format!("Bulk-{serial:03}"), rng.random_range(0..3)),
                        &format!("Batch-{client}-{round}"),
                        CAMERAS[(client + round) % CAMERAS.len()],
                    )
                })
                .collect();
            Batch { serials, items }
        })
        .collect()
}

/// Every client sends its batches one after the other with `on_conflict`; returns each batch
/// with its response.
async fn race_batches(
    app: &Arc<TestApp>,
    token: &str,
    on_conflict: &'static str,
) -> (Vec<(Batch, Value)>, Duration) {
    let (sent, elapsed) = race(BULK_CLIENTS, |client| {
        let (app, token) = (app.clone(), token.to_string());
        async move {
            let mut sent = Vec::new();
            for batch in batches_of(client) {
                let inputs: Vec<Value> = batch.items.iter().map(Version::input).collect();
                let response = app
                    .gql(
                        Some(&token),
                        REGISTER_DRONES,
                        json!({ "i": inputs, "c": on_conflict }),
                    )
                    .await;
                sent.push((batch, response));
            }
            sent
        }
    })
    .await;
    (sent.into_iter().flatten().collect(), elapsed)
}

fn bulk_scenario(on_conflict: &str) -> String {
    format!(
        "registerDrones {on_conflict}: {BULK_CLIENTS} clients x {BATCHES_PER_CLIENT} batches of \
         {BATCH_SIZE} from {BULK_POOL} serials"
    )
}

/// (created, updated, skipped) of a `registerDrones` payload.
fn counts(payload: &Value) -> (usize, usize, usize) {
    let n = |field: &str| payload[field].as_u64().unwrap() as usize;
    (n("created"), n("updated"), n("skipped"))
}

/// FAIL: a batch is either refused whole with CONFLICT or created whole. Acknowledged batches
/// therefore never share a serial number, and the final inventory is exactly their items.
async fn overlapping_fail_batches_are_all_or_nothing(app: TestApp) {
    let (app, token) = prepare(app).await;
    let (sent, elapsed) = race_batches(&app, &token, "FAIL").await;

    let mut tally = Tally::new(&["CONFLICT"]);
    let mut owner: BTreeMap<usize, String> = BTreeMap::new();
    let mut expected: BTreeMap<String, Version> = BTreeMap::new();
    for (batch, response) in &sent {
        let Ok(data) = tally.outcome(response) else {
            continue;
        };
        let payload = &data["registerDrones"];
        assert_eq!(counts(payload), (BATCH_SIZE, 0, 0), "{response:#}");
        let drones = payload["drones"].as_array().unwrap();
        let written: Vec<Version> = drones.iter().map(Version::of).collect();
        assert_eq!(written, batch.items, "the batch as written, in input order");
        for (serial, drone) in batch.serials.iter().zip(drones) {
            let name = &batch.items[0].name;
            if let Some(other) = owner.insert(*serial, name.clone()) {
                panic!("serial {serial} created by two acknowledged batches: {other} and {name}");
            }
            let id = drone["id"].as_str().unwrap().to_string();
            expected.insert(id, Version::of(drone));
        }
    }
    tally.check(&bulk_scenario("FAIL"), app.backend, elapsed);
    assert!(
        tally.acknowledged >= 1,
        "the first batch to commit succeeds"
    );
    // Refused batches left nothing behind: the inventory is the acknowledged batches' items.
    assert_eq!(stored_drones(&app, &token).await, expected);
}

/// SKIP never refuses: each serial number is created by exactly one batch (the sum of
/// `created` over all calls is the number of distinct serials) and keeps that batch's item.
async fn overlapping_skip_batches_create_each_serial_once(app: TestApp) {
    let (app, token) = prepare(app).await;
    let (sent, elapsed) = race_batches(&app, &token, "SKIP").await;

    let mut tally = Tally::new(&[]);
    let mut created_total = 0;
    let mut expected: BTreeMap<String, Version> = BTreeMap::new();
    let mut creator: BTreeMap<String, String> = BTreeMap::new();
    for (batch, response) in &sent {
        let Ok(data) = tally.outcome(response) else {
            continue;
        };
        let payload = &data["registerDrones"];
        let (created, updated, skipped) = counts(payload);
        assert_eq!(
            (created + skipped, updated),
            (BATCH_SIZE, 0),
            "{response:#}"
        );
        created_total += created;
        let drones = payload["drones"].as_array().unwrap();
        assert_eq!(
            drones.len(),
            created,
            "SKIP returns the created drones only"
        );
        for drone in drones {
            let version = Version::of(drone);
            assert_eq!(batch.item(&version.key()), Some(&version), "{response:#}");
            if let Some(other) = creator.insert(version.key(), batch.items[0].name.clone()) {
                panic!(
                    "{} created twice: by {other} and {}",
                    version.serial, version.name
                );
            }
            expected.insert(drone["id"].as_str().unwrap().to_string(), version);
        }
    }
    tally.check(&bulk_scenario("SKIP"), app.backend, elapsed);
    let distinct: BTreeSet<String> = sent
        .iter()
        .flat_map(|(batch, _)| batch.items.iter().map(Version::key))
        .collect();
    assert_eq!(
        created_total,
        distinct.len(),
        "sum of created over all calls"
    );
    assert_eq!(stored_drones(&app, &token).await, expected);
}

/// UPDATE never refuses: each serial number is created once (the sum of `created` is the
/// number of distinct serials, the rest count as `updated`), and each stored drone is one
/// acknowledged item whole: spelling, name and camera list from the same batch, never a mix.
async fn overlapping_update_batches_leave_one_acknowledged_version(app: TestApp) {
    let (app, token) = prepare(app).await;
    let (sent, elapsed) = race_batches(&app, &token, "UPDATE").await;

    let mut tally = Tally::new(&[]);
    let mut created_total = 0;
    let mut acknowledged: BTreeMap<String, Vec<Version>> = BTreeMap::new();
    for (batch, response) in &sent {
        let Ok(data) = tally.outcome(response) else {
            continue;
        };
        let payload = &data["registerDrones"];
        let (created, updated, skipped) = counts(payload);
        assert_eq!(
            (created + updated, skipped),
            (BATCH_SIZE, 0),
            "{response:#}"
        );
        created_total += created;
        // Cameras are read after the commit, when a later batch may have replaced them; the
        // spelling and name come from this batch's own write.
        let written: Vec<(Value, Value)> = payload["drones"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["serialNumber"].clone(), d["name"].clone()))
            .collect();
        let items: Vec<(Value, Value)> = batch
            .items
            .iter()
            .map(|v| (json!(v.serial), json!(v.name)))
            .collect();
        assert_eq!(written, items, "the batch as written, in input order");
        for item in &batch.items {
            acknowledged
                .entry(item.key())
                .or_default()
                .push(item.clone());
        }
    }
    tally.check(&bulk_scenario("UPDATE"), app.backend, elapsed);
    assert_eq!(
        created_total,
        acknowledged.len(),
        "sum of created over all calls: each serial number is created once"
    );
    let stored = stored_drones(&app, &token).await;
    let stored_keys: BTreeSet<String> = stored.values().map(Version::key).collect();
    assert_eq!(
        stored_keys,
        acknowledged.keys().cloned().collect::<BTreeSet<_>>()
    );
    for version in stored.values() {
        let candidates = &acknowledged[&version.key()];
        assert!(
            candidates.contains(version),
            "{version:?} is none of the acknowledged items {candidates:#?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// updateDrone and deleteDrone on the same drones

const FLEET: usize = 30;
const FLEET_CLIENTS: usize = 12;
const OPS_PER_CLIENT: usize = 30;

/// A third of the fleet may be deleted; the rest only ever sees updates.
fn deletable(drone: usize) -> bool {
    drone.is_multiple_of(3)
}

enum Op {
    Update { drone: usize, wanted: Version },
    Delete { drone: usize },
}

impl Op {
    fn drone(&self) -> usize {
        match self {
            Op::Update { drone, .. } | Op::Delete { drone } => *drone,
        }
    }
}

/// 12 clients update random drones of a fleet of 30 (a new name and a one-camera list each
/// time) while, among the same requests, they delete drones of the deletable third. At the
/// end every drone a client tried to delete is gone, deleted by exactly one client; every
/// other drone is present once, as one acknowledged update left it (name and cameras of one
/// update, never a merge of two).
async fn updates_and_deletes_race_without_loss(app: TestApp) {
    let (app, token) = prepare(app).await;
    let mut ids = Vec::new();
    let mut initial = Vec::new();
    for drone in 0..FLEET {
        let version = Version::new(&format!("Fleet-{drone:03}"), "Initial", CAMERAS[0]);
        let id = app
            .register_drone(
                &token,
                &version.serial,
                &version.name,
                "Acme",
                &[CAMERAS[0]],
            )
            .await;
        ids.push(id);
        initial.push(version);
    }
    let ids = Arc::new(ids);
    let initial = Arc::new(initial);

    let (done, elapsed) = race(FLEET_CLIENTS, |client| {
        let (app, token, ids, initial) = (app.clone(), token.clone(), ids.clone(), initial.clone());
        async move {
            let mut rng = StdRng::seed_from_u64(2000 + client as u64);
            let mut done = Vec::new();
            for step in 0..OPS_PER_CLIENT {
                let drone = rng.random_range(0..FLEET);
                let op = if deletable(drone) && rng.random_bool(0.3) {
                    Op::Delete { drone }
                } else {
                    let camera = CAMERAS[rng.random_range(0..CAMERAS.len())];
                    Op::Update {
                        drone,
                        wanted: Version::new(
                            &initial[drone].serial,
                            &format!("Update-{client:02}-{step:02}"),
                            camera,
                        ),
                    }
                };
                let response = match &op {
                    Op::Update { wanted, .. } => {
                        let input = json!({ "name": wanted.name, "cameraModels": wanted.cameras });
                        let variables = json!({ "id": ids[drone], "i": input });
                        app.gql(Some(&token), UPDATE_DRONE, variables).await
                    }
                    Op::Delete { .. } => {
                        let variables = json!({ "id": ids[drone] });
                        app.gql(Some(&token), DELETE_DRONE, variables).await
                    }
                };
                done.push((op, response));
            }
            done
        }
    })
    .await;

    let mut tally = Tally::new(&["CONFLICT", "NOT_FOUND"]);
    let mut deletes: BTreeMap<usize, usize> = BTreeMap::new();
    let mut delete_attempted: BTreeSet<usize> = BTreeSet::new();
    let mut updates: BTreeMap<usize, Vec<Version>> = BTreeMap::new();
    let mut not_found: BTreeSet<usize> = BTreeSet::new();
    for (op, response) in done.iter().flatten() {
        let drone = op.drone();
        if let Op::Delete { .. } = op {
            delete_attempted.insert(drone);
        }
        match (tally.outcome(response), op) {
            (Ok(data), Op::Update { wanted, .. }) => {
                // The name is the update's own write. The cameras of the answer are read after
                // the commit, so the request, not the answer, says what was acknowledged.
                assert_eq!(
                    data["updateDrone"],
                    json!({ "id": ids[drone], "name": wanted.name })
                );
                updates.entry(drone).or_default().push(wanted.clone());
            }
            (Ok(data), Op::Delete { .. }) => {
                assert_eq!(data["deleteDrone"], json!(ids[drone]));
                *deletes.entry(drone).or_default() += 1;
            }
            (Err(code), _) if code == "NOT_FOUND" => {
                not_found.insert(drone);
            }
            // Counted by the tally, whose check rejects any code outside the allowed ones.
            (Err(_), _) => {}
        }
    }
    tally.check(
        &format!(
            "updateDrone/deleteDrone: {FLEET_CLIENTS} clients x {OPS_PER_CLIENT} ops on {FLEET} drones"
        ),
        app.backend,
        elapsed,
    );

    // Several clients may delete the same drone: one succeeds, the others find it gone.
    for (drone, acknowledged) in &deletes {
        assert_eq!(*acknowledged, 1, "drone {drone}: deletes acknowledged");
    }
    assert_eq!(
        deletes.keys().copied().collect::<BTreeSet<_>>(),
        delete_attempted,
        "every drone a client tried to delete was deleted, by exactly one client"
    );
    // NOT_FOUND is legitimate only for a drone some client deleted: nothing else removes a
    // registered drone, so for any other drone it would mean a write was lost.
    let unexplained: Vec<usize> = not_found.difference(&delete_attempted).copied().collect();
    assert!(
        unexplained.is_empty(),
        "NOT_FOUND for drones nobody deleted: {unexplained:?}"
    );

    let stored = stored_drones(&app, &token).await;
    let mut expected_ids = BTreeSet::new();
    for drone in (0..FLEET).filter(|d| !deletes.contains_key(d)) {
        expected_ids.insert(ids[drone].clone());
        let version = &stored
            .get(&ids[drone])
            .unwrap_or_else(|| panic!("drone {drone} was never deleted but is gone"));
        match updates.get(&drone) {
            Some(acknowledged) => assert!(
                acknowledged.contains(version),
                "drone {drone}: {version:?} is none of its acknowledged updates {acknowledged:#?}"
            ),
            None => assert_eq!(*version, &initial[drone], "drone {drone} never updated"),
        }
    }
    assert_eq!(
        stored.keys().cloned().collect::<BTreeSet<_>>(),
        expected_ids,
        "acknowledged deletes are gone, everything else is there"
    );
}

crate::db_test!(
    contested_serials_are_registered_once,
    overlapping_fail_batches_are_all_or_nothing,
    overlapping_skip_batches_create_each_serial_once,
    overlapping_update_batches_leave_one_acknowledged_version,
    updates_and_deletes_race_without_loss,
);
