//! The drone API over HTTP: registration, look-ups, changes, deletion, the `drones` list
//! (search, filters, orderings, keyset pages and their cursors), the support-only guard on
//! inventory mutations, and the cost of a page in SQL statements. Every scenario runs on
//! SQLite and PostgreSQL.
//!
//! Names, brands, models and serial numbers are Title-case or upper-case ASCII with the same
//! punctuation, so byte order and PostgreSQL's en_US collation order them the same way.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_record, expect_error, timestamp, total_count};

mod cost;
mod crud;
mod list;
mod paging;

const DRONE_FIELDS: &str =
    "id serialNumber name brand cameras { model } registeredBy { username } createdAt updatedAt";
const DELETE_DRONE: &str = "mutation($id: ID!) { deleteDrone(id: $id) }";
const REGISTER_DRONES: &str =
    "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }";
const DRONE_SERIALS: &str = "query($f: DroneFilter, $o: [DroneOrder!], $first: Int) {
    drones(filter: $f, orderBy: $o, first: $first) { totalCount nodes { serialNumber } } }";
const DRONE_PAGE: &str =
    "query($o: [DroneOrder!], $first: Int, $after: String, $last: Int, $before: String) {
    drones(orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        edges { cursor node { serialNumber name } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";

fn register_mutation() -> String {
    format!("mutation($i: RegisterDroneInput!) {{ registerDrone(input: $i) {{ {DRONE_FIELDS} }} }}")
}

fn update_mutation() -> String {
    format!(
        "mutation($id: ID!, $i: UpdateDroneInput!) {{ updateDrone(id: $id, input: $i) {{ {DRONE_FIELDS} }} }}"
    )
}

fn drone_query() -> String {
    format!(
        "query($id: ID, $serial: String) {{ drone(id: $id, serialNumber: $serial) {{ {DRONE_FIELDS} }} }}"
    )
}

/// `[{ model }, …]`.
fn cameras(models: &[&str]) -> Value {
    models.iter().map(|m| json!({ "model": m })).collect()
}

fn admin_user() -> Value {
    json!({ "username": "admin" })
}

/// Runs `updateDrone` on `id` with `input`.
async fn update_drone(app: &TestApp, token: &str, id: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &update_mutation(),
        json!({ "id": id, "i": input }),
    )
    .await
}

async fn fetch(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(Some(token), &drone_query(), json!({ "id": id }))
        .await["drone"]
        .clone()
}

/// `{ drones: { totalCount, nodes: [{ serialNumber }] } }` for `serials`.
fn serial_list(serials: &[&str]) -> Value {
    json!({
        "drones": {
            "totalCount": serials.len(),
            "nodes": serials.iter().map(|s| json!({ "serialNumber": s })).collect::<Vec<_>>(),
        }
    })
}

async fn register_cameras(app: &TestApp, token: &str, models: &[&str]) {
    for model in models {
        app.register_camera(token, model, "Acme", 12.0).await;
    }
}

/// How a walk through the pages goes: forward or backward, so many a page.
#[derive(Clone, Copy)]
enum Walk {
    Forward(i64),
    Backward(i64),
}

/// One page of `DRONE_PAGE`: its nodes and pageInfo.
struct Page {
    nodes: Vec<Value>,
    info: Value,
}

async fn page(app: &TestApp, token: &str, variables: Value) -> Page {
    let data = app.ok(Some(token), DRONE_PAGE, variables).await;
    let connection = &data["drones"];
    let edges = connection["edges"].as_array().unwrap();
    let info = connection["pageInfo"].clone();
    assert_eq!(
        info["startCursor"],
        edges.first().map_or(Value::Null, |e| e["cursor"].clone())
    );
    assert_eq!(
        info["endCursor"],
        edges.last().map_or(Value::Null, |e| e["cursor"].clone())
    );
    Page {
        nodes: edges.iter().map(|e| e["node"].clone()).collect(),
        info,
    }
}

/// Walks every page of `order` and returns the nodes in list order, checking pageInfo on
/// the way.
async fn walk(app: &TestApp, token: &str, order: &Value, how: Walk) -> Vec<Value> {
    let mut pages: Vec<Vec<Value>> = Vec::new();
    let mut cursor = Value::Null;
    loop {
        assert!(pages.len() < 100, "paging does not end");
        let first_page = pages.is_empty();
        let variables = match how {
            Walk::Forward(n) => json!({ "o": order, "first": n, "after": cursor }),
            Walk::Backward(n) => json!({ "o": order, "last": n, "before": cursor }),
        };
        let fetched = page(app, token, variables).await;
        let more = match how {
            Walk::Forward(_) => {
                assert_eq!(fetched.info["hasPreviousPage"], json!(!first_page));
                cursor = fetched.info["endCursor"].clone();
                fetched.info["hasNextPage"].as_bool().unwrap()
            }
            Walk::Backward(_) => {
                assert_eq!(fetched.info["hasNextPage"], json!(!first_page));
                cursor = fetched.info["startCursor"].clone();
                fetched.info["hasPreviousPage"].as_bool().unwrap()
            }
        };
        pages.push(fetched.nodes);
        if !more {
            break;
        }
    }
    if matches!(how, Walk::Backward(_)) {
        pages.reverse();
    }
    pages.into_iter().flatten().collect()
}

fn serials(nodes: &[Value]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n["serialNumber"].as_str().unwrap().to_string())
        .collect()
}

fn names(nodes: &[Value]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_string())
        .collect()
}
