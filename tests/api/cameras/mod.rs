//! The camera API over HTTP: registration, look-ups, changes, deletion, the `cameras` list
//! (every filter operator, every ordering, keyset pages) and the support-only guard on the
//! camera mutations. Every scenario runs on SQLite and PostgreSQL.
//!
//! Models and brands are Title-case ASCII words, so byte order and PostgreSQL's en_US
//! collation order them the same way.

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_record, expect_error, timestamp, total_count};

mod crud;
mod list;

const CAMERA_FIELDS: &str = "id model brand megapixels droneCount createdAt updatedAt";
const DELETE_CAMERA: &str = "mutation($id: ID!) { deleteCamera(id: $id) }";
const CAMERA_MODELS: &str = "query($f: CameraFilter, $o: [CameraOrder!]) {
    cameras(filter: $f, orderBy: $o) { totalCount nodes { model } } }";
const CAMERA_PAGE: &str =
    "query($o: [CameraOrder!], $first: Int, $after: String, $last: Int, $before: String) {
    cameras(orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        edges { cursor node { model } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";

fn register_mutation() -> String {
    format!(
        "mutation($i: RegisterCameraInput!) {{ registerCamera(input: $i) {{ {CAMERA_FIELDS} }} }}"
    )
}

fn update_mutation() -> String {
    format!(
        "mutation($id: ID!, $i: UpdateCameraInput!) {{ updateCamera(id: $id, input: $i) {{ {CAMERA_FIELDS} }} }}"
    )
}

fn camera_query() -> String {
    format!(
        "query($id: ID, $model: String) {{ camera(id: $id, model: $model) {{ {CAMERA_FIELDS} }} }}"
    )
}

/// Runs `updateCamera` on `id` with `input`.
async fn update_camera(app: &TestApp, token: &str, id: &str, input: Value) -> Value {
    app.gql(
        Some(token),
        &update_mutation(),
        json!({ "id": id, "i": input }),
    )
    .await
}

async fn fetch(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(Some(token), &camera_query(), json!({ "id": id }))
        .await["camera"]
        .clone()
}

/// `{ totalCount, nodes: [{ model }] }` as the list answers it for `models`.
fn model_list(models: &[&str]) -> Value {
    json!({
        "cameras": {
            "totalCount": models.len(),
            "nodes": models.iter().map(|m| json!({ "model": m })).collect::<Vec<_>>(),
        }
    })
}
