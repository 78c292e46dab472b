//! Bulk registration over HTTP: `registerDrones` and `registerCameras` with each `onConflict`
//! mode, per-item error reports (extensions.items), all-or-nothing writes, and the
//! 10,000-item limit. Every scenario runs on SQLite and PostgreSQL.

use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, timestamp};

mod cameras;
mod drones;

const REGISTER_DRONES: &str = "mutation($i: [RegisterDroneInput!]!, $c: OnConflict = FAIL) {
    registerDrones(inputs: $i, onConflict: $c) {
        created updated skipped
        drones { id serialNumber name brand cameras { model } registeredBy { username } } } }";
const REGISTER_CAMERAS: &str = "mutation($i: [RegisterCameraInput!]!, $c: OnConflict = FAIL) {
    registerCameras(inputs: $i, onConflict: $c) {
        created updated skipped
        cameras { id model brand megapixels } } }";
const DRONE_SERIALS: &str = "{ drones { totalCount nodes { serialNumber } } }";
const CAMERA_MODELS: &str = "{ cameras { totalCount nodes { model brand megapixels } } }";

fn drone(serial: &str, name: &str, brand: &str, models: &[&str]) -> Value {
    json!({ "serialNumber": serial, "name": name, "brand": brand, "cameraModels": models })
}

fn camera(model: &str, brand: &str, megapixels: f64) -> Value {
    json!({ "model": model, "brand": brand, "megapixels": megapixels })
}

/// `[{ model }, …]`.
fn models(models: &[&str]) -> Value {
    models.iter().map(|m| json!({ "model": m })).collect()
}

async fn register_drones(app: &TestApp, token: &str, inputs: Value, on_conflict: &str) -> Value {
    app.gql(
        Some(token),
        REGISTER_DRONES,
        json!({ "i": inputs, "c": on_conflict }),
    )
    .await
}

async fn register_cameras(app: &TestApp, token: &str, inputs: Value, on_conflict: &str) -> Value {
    app.gql(
        Some(token),
        REGISTER_CAMERAS,
        json!({ "i": inputs, "c": on_conflict }),
    )
    .await
}

/// The payload of a successful bulk call with the `id` of each row taken out (and returned).
fn payload_without_ids(response: &Value, field: &str, list: &str) -> (Value, Vec<String>) {
    assert!(response.get("errors").is_none(), "{response:#}");

    let mut payload = response["data"][field].clone();
    let mut ids = Vec::new();
    for row in payload[list].as_array_mut().unwrap() {
        let id = row.as_object_mut().unwrap().remove("id").unwrap();
        ids.push(id.as_str().unwrap().to_string());
    }
    (payload, ids)
}

/// Asserts the error's per-item report: `extensions.items` is exactly `items` (index, the
/// field within the item, message; the field reported is `inputs.<index>.<field>`), the
/// error's own `extensions.field` is the first item's, and the message lists the same items.
fn assert_items(response: &Value, code: &str, summary: &str, items: &[(usize, &str, &str)]) {
    let message = expect_error(response, code);
    let listed = items
        .iter()
        .map(|(index, _, message)| format!("item {index}: {message}"))
        .collect::<Vec<_>>()
        .join("; ");
    assert_eq!(message, format!("{summary}: {listed}"));
    let field = |index: &usize, field: &str| format!("inputs.{index}.{field}");
    let expected: Vec<Value> = items
        .iter()
        .map(|(index, f, message)| {
            json!({ "index": index, "message": message, "field": field(index, f) })
        })
        .collect();
    assert_eq!(
        response["errors"][0]["extensions"]["field"],
        json!(field(&items[0].0, items[0].1)),
        "{response:#}"
    );
    assert_eq!(
        response["errors"][0]["extensions"]["items"],
        json!(expected),
        "{response:#}"
    );
    assert_eq!(response["data"], Value::Null, "{response:#}");
}

async fn drone_serials(app: &TestApp, token: &str) -> Value {
    app.ok(Some(token), DRONE_SERIALS, json!({})).await["drones"].clone()
}

fn serial_list(serials: &[&str]) -> Value {
    json!({
        "totalCount": serials.len(),
        "nodes": serials.iter().map(|s| json!({ "serialNumber": s })).collect::<Vec<_>>(),
    })
}

async fn setup_cameras(app: &TestApp, token: &str) {
    for model in ["Alpha", "Hero3", "Zenmuse"] {
        app.register_camera(token, model, "Acme", 12.0).await;
    }
}
