//! The fleet (issue #12): sites, the status lifecycle, custody, maintenance, tags and the
//! dashboards, over HTTP on both engines. Shared set-up lives here; each part has its module.

mod custody;
mod lifecycle;
mod maintenance;
mod sites;
mod stats;
mod tags;

use serde_json::{Value, json};

use crate::helpers::TestApp;

/// Creates a site as `token`; returns its id.
pub(crate) async fn create_site(
    app: &TestApp,
    token: &str,
    name: &str,
    city: &str,
    country: &str,
) -> String {
    let data = app
        .ok(
            Some(token),
            "mutation($i: CreateSiteInput!) { createSite(input: $i) { id } }",
            json!({ "i": { "name": name, "city": city, "country": country } }),
        )
        .await;
    data["createSite"]["id"].as_str().unwrap().to_string()
}

/// Registers a drone with fleet fields (`extra` is merged into the input); returns its id.
pub(crate) async fn register(app: &TestApp, token: &str, serial: &str, extra: Value) -> String {
    let mut input = json!({
        "serialNumber": serial,
        "name": format!("Drone {serial}"),
        "brand": "DJI",
        "cameraModels": [],
    });
    for (key, value) in extra.as_object().unwrap() {
        input[key] = value.clone();
    }
    let data = app
        .ok(
            Some(token),
            "mutation($i: RegisterDroneInput!) { registerDrone(input: $i) { id } }",
            json!({ "i": input }),
        )
        .await;
    data["registerDrone"]["id"].as_str().unwrap().to_string()
}

pub(crate) const CHECK_OUT: &str = "mutation($id: ID!, $to: ID!, $due: DateTime, $note: String) {
    checkOutDrone(id: $id, to: $to, dueBackAt: $due, note: $note) {
        status holder { username } checkedOutAt dueBackAt overdue statusNote } }";

pub(crate) const CHECK_IN: &str = "mutation($id: ID!, $site: ID, $m: Boolean, $note: String) {
    checkInDrone(id: $id, siteId: $site, toMaintenance: $m, note: $note) {
        status holder { username } checkedOutAt dueBackAt statusNote site { name } } }";

pub(crate) const SET_STATUS: &str = "mutation($id: ID!, $s: DroneStatus!, $note: String) {
    setDroneStatus(id: $id, status: $s, note: $note) { status statusNote holder { id } } }";

/// The id of the signed-in user behind `token`.
pub(crate) async fn my_id(app: &TestApp, token: &str) -> String {
    app.ok(Some(token), "{ me { id } }", json!({})).await["me"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The id of the drone with `serial`.
pub(crate) async fn drone_id(app: &TestApp, token: &str, serial: &str) -> String {
    app.ok(
        Some(token),
        "query($s: String!) { drone(serialNumber: $s) { id } }",
        json!({ "s": serial }),
    )
    .await["drone"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Serial numbers of `drones(filter, orderBy)`, first 100.
pub(crate) async fn serials(
    app: &TestApp,
    token: &str,
    filter: Value,
    order: Value,
) -> Vec<String> {
    let data = app
        .ok(
            Some(token),
            "query($f: DroneFilter, $o: [DroneOrder!]) { drones(filter: $f, orderBy: $o, first: 100) { nodes { serialNumber } } }",
            json!({ "f": filter, "o": order }),
        )
        .await;
    data["drones"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["serialNumber"].as_str().unwrap().to_string())
        .collect()
}

/// An RFC 3339 time `seconds` from now.
pub(crate) fn from_now(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
