//! The drone API over HTTP: registration, look-ups, changes, deletion, the `drones` list
//! (search, filters, orderings, keyset pages and their cursors), the support-only guard on
//! inventory mutations, and the cost of a page in SQL statements. Every scenario runs on
//! SQLite and PostgreSQL.
//!
//! Names, brands, models and serial numbers are Title-case or upper-case ASCII with the same
//! punctuation, so byte order and PostgreSQL's en_US collation order them the same way.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, timestamp};

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

/// Asserts `drone` is exactly the expected fields plus its id and timestamps (checked for
/// shape), and returns its id.
fn assert_drone(drone: &Value, expected: Value) -> String {
    let id = drone["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an id: {drone:#}"));
    assert!(id.parse::<i64>().is_ok_and(|n| n > 0), "numeric id: {id}");
    assert!(
        timestamp(&drone["updatedAt"]) >= timestamp(&drone["createdAt"]),
        "{drone:#}"
    );
    let mut full = expected;
    full["id"] = drone["id"].clone();
    full["createdAt"] = drone["createdAt"].clone();
    full["updatedAt"] = drone["updatedAt"].clone();
    assert_eq!(drone, &full);
    id.to_string()
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

async fn drones_total(app: &TestApp, token: &str) -> i64 {
    let data = app
        .ok(Some(token), "{ drones { totalCount } }", json!({}))
        .await;
    data["drones"]["totalCount"].as_i64().unwrap()
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

// ---------------------------------------------------------------------------------------------
// registerDrone

async fn register_drone_returns_the_drone(app: TestApp) {
    let admin = app.admin_token().await;
    // Registered out of model order; a drone lists its cameras by model.
    register_cameras(&app, &admin, &["Zenmuse", "Alpha", "Mavic", "Hero3"]).await;
    let data = app
        .ok(
            Some(&admin),
            &register_mutation(),
            json!({ "i": {
                "serialNumber": "  SN-001 ",
                "name": " Scout ",
                "brand": "\tDji ",
                "cameraModels": ["mavic", " ZENMUSE ", "Hero3", "hero3", "ALPHA"],
            } }),
        )
        .await;
    let drone = &data["registerDrone"];
    let id = assert_drone(
        drone,
        json!({
            "serialNumber": "SN-001",
            "name": "Scout",
            "brand": "Dji",
            "cameras": cameras(&["Alpha", "Hero3", "Mavic", "Zenmuse"]),
            "registeredBy": admin_user(),
        }),
    );
    assert_eq!(drone["createdAt"], drone["updatedAt"]);
    // Stored as returned.
    assert_eq!(&fetch(&app, &admin, &id).await, drone);

    // No cameras at all is fine.
    let data = app
        .ok(
            Some(&admin),
            &register_mutation(),
            json!({ "i": { "serialNumber": "SN-002", "name": "Ranger", "brand": "Autel", "cameraModels": [] } }),
        )
        .await;
    assert_drone(
        &data["registerDrone"],
        json!({
            "serialNumber": "SN-002",
            "name": "Ranger",
            "brand": "Autel",
            "cameras": [],
            "registeredBy": admin_user(),
        }),
    );

    // Each camera counts the drones listing it.
    let data = app
        .ok(
            Some(&admin),
            "{ cameras(orderBy: [{ field: MODEL }]) { nodes { model droneCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "cameras": { "nodes": [
            { "model": "Alpha", "droneCount": 1 },
            { "model": "Hero3", "droneCount": 1 },
            { "model": "Mavic", "droneCount": 1 },
            { "model": "Zenmuse", "droneCount": 1 },
        ] } })
    );
}

async fn register_drone_rejects_invalid_input(app: TestApp) {
    let admin = app.admin_token().await;
    register_cameras(&app, &admin, &["Hero3"]).await;
    let input = |serial: &str, name: &str, brand: &str, models: &[&str]| json!({ "serialNumber": serial, "name": name, "brand": brand, "cameraModels": models });
    let cases = [
        (
            input("SN-1", "Scout", "Dji", &["Hero3", "Ghost9"]),
            "unknown camera model \"Ghost9\": register the camera first",
        ),
        (
            input("SN-1", "Scout", "Dji", &["Phantom", "hero3", " Ghost9 "]),
            "unknown camera models \"Phantom\", \"Ghost9\": register the cameras first",
        ),
        (input("SN-1", "", "Dji", &[]), "name must not be empty"),
        (input("SN-1", "   ", "Dji", &[]), "name must not be empty"),
        (
            input("  ", "Scout", "Dji", &[]),
            "serialNumber must not be empty",
        ),
        (input("SN-1", "Scout", "", &[]), "brand must not be empty"),
        (
            input("SN-1", "Scout", "Dji", &["Hero3", " "]),
            "camera model must not be empty",
        ),
    ];
    for (input, message) in cases {
        let response = app
            .gql(Some(&admin), &register_mutation(), json!({ "i": input }))
            .await;
        assert_eq!(
            expect_error(&response, "BAD_USER_INPUT"),
            message,
            "{input}"
        );
        assert_eq!(response["data"], Value::Null);
    }
    // Nothing was written, not even the camera links.
    assert_eq!(drones_total(&app, &admin).await, 0);
    let data = app
        .ok(
            Some(&admin),
            "{ camera(model: \"Hero3\") { droneCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data, json!({ "camera": { "droneCount": 0 } }));
}

async fn register_drone_rejects_a_serial_taken_in_any_case(app: TestApp) {
    let admin = app.admin_token().await;
    let id = app
        .register_drone(&admin, "SN-001", "Scout", "Dji", &[])
        .await;
    let original = fetch(&app, &admin, &id).await;
    for (serial, shown) in [
        ("sn-001", "sn-001"),
        ("SN-001", "SN-001"),
        (" Sn-001 ", "Sn-001"),
    ] {
        let response = app
            .gql(
                Some(&admin),
                &register_mutation(),
                json!({ "i": { "serialNumber": serial, "name": "Impostor", "brand": "Autel", "cameraModels": [] } }),
            )
            .await;
        assert_eq!(
            expect_error(&response, "CONFLICT"),
            format!("a drone with serial number \"{shown}\" is already registered")
        );
        assert_eq!(response["data"], Value::Null);
    }
    assert_eq!(fetch(&app, &admin, &id).await, original);
    assert_eq!(drones_total(&app, &admin).await, 1);
}

async fn registered_by_becomes_null_once_that_user_is_deleted(app: TestApp) {
    let admin = app.admin_token().await;
    let sam_id = app
        .create_user(&admin, "sam", "sam-password-1", "SUPPORT")
        .await;
    let (sam, _) = app.login("sam", "sam-password-1").await;
    let by_sam = app.register_drone(&sam, "SN-1", "Scout", "Dji", &[]).await;
    let by_admin = app
        .register_drone(&admin, "SN-2", "Ranger", "Dji", &[])
        .await;
    let registered_by =
        "query($id: ID!) { drone(id: $id) { serialNumber registeredBy { id username role } } }";
    let data = app
        .ok(Some(&admin), registered_by, json!({ "id": by_sam }))
        .await;
    assert_eq!(
        data,
        json!({ "drone": { "serialNumber": "SN-1", "registeredBy": { "id": sam_id, "username": "sam", "role": "SUPPORT" } } })
    );

    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteUser(id: $id) }",
        json!({ "id": sam_id }),
    )
    .await;
    // The drone stays; who registered it is gone.
    let data = app
        .ok(Some(&admin), registered_by, json!({ "id": by_sam }))
        .await;
    assert_eq!(
        data,
        json!({ "drone": { "serialNumber": "SN-1", "registeredBy": null } })
    );
    let data = app
        .ok(Some(&admin), registered_by, json!({ "id": by_admin }))
        .await;
    assert_eq!(data["drone"]["registeredBy"]["username"], "admin");
    let data = app
        .ok(
            Some(&admin),
            "{ drones { nodes { serialNumber registeredBy { username } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "drones": { "nodes": [
            { "serialNumber": "SN-1", "registeredBy": null },
            { "serialNumber": "SN-2", "registeredBy": { "username": "admin" } },
        ] } })
    );
}

// ---------------------------------------------------------------------------------------------
// drone(id:) / drone(serialNumber:)

async fn drone_lookup_by_id_or_serial(app: TestApp) {
    let admin = app.admin_token().await;
    register_cameras(&app, &admin, &["Hero3"]).await;
    let id = app
        .register_drone(&admin, "SN-Alpha-1", "Scout", "Dji", &["Hero3"])
        .await;
    app.register_drone(&admin, "SN-Alpha-2", "Ranger", "Dji", &[])
        .await;
    let scout = fetch(&app, &admin, &id).await;
    assert_drone(
        &scout,
        json!({
            "serialNumber": "SN-Alpha-1",
            "name": "Scout",
            "brand": "Dji",
            "cameras": cameras(&["Hero3"]),
            "registeredBy": admin_user(),
        }),
    );
    for serial in ["SN-Alpha-1", "sn-alpha-1", "SN-ALPHA-1", " sN-aLpHa-1  "] {
        let data = app
            .ok(Some(&admin), &drone_query(), json!({ "serial": serial }))
            .await;
        assert_eq!(data["drone"], scout, "{serial}");
    }
    for variables in [
        json!({ "serial": "SN-Alpha" }),
        json!({ "serial": "SN-Alpha-3" }),
        json!({ "id": "999999" }),
    ] {
        let data = app.ok(Some(&admin), &drone_query(), variables).await;
        assert_eq!(data, json!({ "drone": null }));
    }
    for variables in [json!({ "id": id, "serial": "SN-Alpha-1" }), json!({})] {
        let response = app.gql(Some(&admin), &drone_query(), variables).await;
        assert_eq!(
            expect_error(&response, "BAD_USER_INPUT"),
            "pass exactly one of `id` and `serialNumber`"
        );
    }
    let response = app
        .gql(Some(&admin), &drone_query(), json!({ "id": "drone-1" }))
        .await;
    assert_eq!(
        expect_error(&response, "BAD_USER_INPUT"),
        "\"drone-1\" is not a valid id"
    );
}

// ---------------------------------------------------------------------------------------------
// updateDrone / deleteDrone

async fn update_drone_changes_fields_and_cameras(app: TestApp) {
    let admin = app.admin_token().await;
    register_cameras(&app, &admin, &["Alpha", "Hero3", "Hero4", "Zenmuse"]).await;
    let id = app
        .register_drone(&admin, "SN-1", "Scout", "Dji", &["Hero3"])
        .await;
    let original = fetch(&app, &admin, &id).await;
    let update = |input: Value| update_drone(&app, &admin, &id, input);
    let expected = |name: &str, brand: &str, models: &[&str]| {
        json!({
            "serialNumber": "SN-1",
            "name": name,
            "brand": brand,
            "cameras": cameras(models),
            "registeredBy": admin_user(),
        })
    };
    let updated = |response: &Value, expected: Value| {
        assert!(response.get("errors").is_none(), "{response:#}");
        let drone = response["data"]["updateDrone"].clone();
        assert_drone(&drone, expected);
        assert_eq!(drone["id"], original["id"]);
        assert_eq!(drone["createdAt"], original["createdAt"]);
        drone
    };

    // Name and brand, trimmed; the cameras stay.
    let drone = updated(
        &update(json!({ "name": " Ranger ", "brand": "Autel " })).await,
        expected("Ranger", "Autel", &["Hero3"]),
    );
    assert!(timestamp(&drone["updatedAt"]) > timestamp(&original["updatedAt"]));
    assert_eq!(fetch(&app, &admin, &id).await, drone);

    // cameraModels replaces the whole list (any case, duplicates once).
    updated(
        &update(json!({ "cameraModels": ["zenmuse", "ALPHA", "Alpha"] })).await,
        expected("Ranger", "Autel", &["Alpha", "Zenmuse"]),
    );
    // addCameraModels adds; one already listed is no change.
    updated(
        &update(json!({ "addCameraModels": ["hero4", "Alpha"] })).await,
        expected("Ranger", "Autel", &["Alpha", "Hero4", "Zenmuse"]),
    );
    // removeCameraModels removes; one not listed is no change.
    updated(
        &update(json!({ "removeCameraModels": ["ZENMUSE", "Hero3"] })).await,
        expected("Ranger", "Autel", &["Alpha", "Hero4"]),
    );
    // Both at once.
    updated(
        &update(json!({ "addCameraModels": ["Hero3"], "removeCameraModels": ["alpha"] })).await,
        expected("Ranger", "Autel", &["Hero3", "Hero4"]),
    );
    // An empty list clears, then a list sets again.
    updated(
        &update(json!({ "cameraModels": [] })).await,
        expected("Ranger", "Autel", &[]),
    );
    let last_good = updated(
        &update(json!({ "cameraModels": ["Hero3"] })).await,
        expected("Ranger", "Autel", &["Hero3"]),
    );
    assert_eq!(fetch(&app, &admin, &id).await, last_good);

    // Failures, each changing nothing.
    let replace_and_edit =
        "cameraModels replaces the whole list: use it without addCameraModels/removeCameraModels";
    let cases = [
        (
            json!({ "cameraModels": ["Alpha"], "addCameraModels": ["Hero4"] }),
            replace_and_edit,
        ),
        (
            json!({ "cameraModels": ["Alpha"], "removeCameraModels": ["Hero3"] }),
            replace_and_edit,
        ),
        (
            json!({ "name": "Changed", "addCameraModels": ["Hero4", "Ghost9"] }),
            "unknown camera model \"Ghost9\": register the camera first",
        ),
        (
            json!({ "name": "Changed", "cameraModels": ["Alpha", "Ghost9"] }),
            "unknown camera model \"Ghost9\": register the camera first",
        ),
        (
            json!({ "removeCameraModels": ["Hero3"], "addCameraModels": ["Ghost9"] }),
            "unknown camera model \"Ghost9\": register the camera first",
        ),
        (
            json!({ "name": "  ", "addCameraModels": ["Hero4"] }),
            "name must not be empty",
        ),
        (json!({ "brand": "" }), "brand must not be empty"),
    ];
    for (input, message) in cases {
        let response = update(input.clone()).await;
        assert_eq!(
            expect_error(&response, "BAD_USER_INPUT"),
            message,
            "{input}"
        );
        assert_eq!(response["data"], Value::Null);
        assert_eq!(fetch(&app, &admin, &id).await, last_good, "{input}");
    }

    // An unknown id.
    let response = app
        .gql(
            Some(&admin),
            &update_mutation(),
            json!({ "id": "999999", "i": { "name": "Ghost" } }),
        )
        .await;
    assert_eq!(
        expect_error(&response, "NOT_FOUND"),
        "no drone with id 999999"
    );
    assert_eq!(drones_total(&app, &admin).await, 1);
}

async fn delete_drone_removes_it(app: TestApp) {
    let admin = app.admin_token().await;
    register_cameras(&app, &admin, &["Hero3"]).await;
    let scout = app
        .register_drone(&admin, "SN-1", "Scout", "Dji", &["Hero3"])
        .await;
    let ranger = app
        .register_drone(&admin, "SN-2", "Ranger", "Dji", &["Hero3"])
        .await;

    let data = app
        .ok(Some(&admin), DELETE_DRONE, json!({ "id": scout }))
        .await;
    assert_eq!(data, json!({ "deleteDrone": scout }));
    assert_eq!(fetch(&app, &admin, &scout).await, Value::Null);
    let data = app
        .ok(Some(&admin), &drone_query(), json!({ "serial": "sn-1" }))
        .await;
    assert_eq!(data, json!({ "drone": null }));
    assert_eq!(
        app.ok(Some(&admin), DRONE_SERIALS, json!({})).await,
        serial_list(&["SN-2"])
    );
    let data = app
        .ok(
            Some(&admin),
            "{ camera(model: \"Hero3\") { droneCount } }",
            json!({}),
        )
        .await;
    assert_eq!(data, json!({ "camera": { "droneCount": 1 } }));

    // Gone is gone; unknown ids are NOT_FOUND.
    for id in [scout.as_str(), "999999"] {
        let response = app
            .gql(Some(&admin), DELETE_DRONE, json!({ "id": id }))
            .await;
        assert_eq!(
            expect_error(&response, "NOT_FOUND"),
            format!("no drone with id {id}")
        );
        assert_eq!(response["data"], Value::Null);
    }
    // Its serial number is free again.
    let again = app
        .register_drone(&admin, "sn-1", "Scout", "Dji", &[])
        .await;
    assert_ne!(again, scout);
    assert_eq!(
        app.ok(Some(&admin), DRONE_SERIALS, json!({})).await,
        serial_list(&["SN-2", "sn-1"])
    );
    assert!(fetch(&app, &admin, &ranger).await.is_object());
}

// ---------------------------------------------------------------------------------------------
// drones: search and filters

async fn drones_search_and_filters(app: TestApp) {
    let admin = app.admin_token().await;
    for (model, brand, megapixels) in [
        ("Alpha", "Sony", 61.0),
        ("Hero3", "GoPro", 12.0),
        ("Hero4", "GoPro", 27.0),
        ("Zenmuse", "Dji", 20.8),
    ] {
        app.register_camera(&admin, model, brand, megapixels).await;
    }
    for (serial, name, brand, models) in [
        ("SN-100", "Scout", "Dji", vec!["Zenmuse", "Hero3", "Hero4"]),
        ("SN-200", "Ranger", "Autel", vec!["Hero3"]),
        ("AX-300", "Falcon", "Parrot", vec![]),
        ("SN-400", "Osprey", "Skydio", vec!["Alpha"]),
        ("PX-500", "Djinn", "Parrot", vec!["Hero4", "Alpha"]),
    ] {
        app.register_drone(&admin, serial, name, brand, &models)
            .await;
    }
    let all = ["SN-100", "SN-200", "AX-300", "SN-400", "PX-500"];
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!(null), all.to_vec()),
        // search: serial number, name or brand, ignoring case.
        (json!({ "search": "dji" }), vec!["SN-100", "PX-500"]),
        (json!({ "search": "ax-3" }), vec!["AX-300"]),
        (json!({ "search": "RANG" }), vec!["SN-200"]),
        (json!({ "search": "parrot" }), vec!["AX-300", "PX-500"]),
        (json!({ "search": "00" }), all.to_vec()),
        (json!({ "search": "  " }), all.to_vec()),
        (json!({ "search": " scout " }), vec!["SN-100"]),
        (json!({ "search": "%" }), vec![]),
        (json!({ "search": "nothing" }), vec![]),
        // serialNumber / name / brand
        (
            json!({ "serialNumber": { "eq": "SN-200" } }),
            vec!["SN-200"],
        ),
        (json!({ "serialNumber": { "eq": "sn-200" } }), vec![]),
        (
            json!({ "serialNumber": { "ne": "SN-200" } }),
            vec!["SN-100", "AX-300", "SN-400", "PX-500"],
        ),
        (
            json!({ "serialNumber": { "in": ["PX-500", "SN-100", "px-500"] } }),
            vec!["SN-100", "PX-500"],
        ),
        (
            json!({ "serialNumber": { "startsWith": "sn-" } }),
            vec!["SN-100", "SN-200", "SN-400"],
        ),
        (
            json!({ "serialNumber": { "contains": "X-" } }),
            vec!["AX-300", "PX-500"],
        ),
        (
            json!({ "name": { "contains": "O" } }),
            vec!["SN-100", "AX-300", "SN-400"],
        ),
        (json!({ "name": { "eq": "Falcon" } }), vec!["AX-300"]),
        (json!({ "name": { "startsWith": "d" } }), vec!["PX-500"]),
        (
            json!({ "brand": { "eq": "Parrot" } }),
            vec!["AX-300", "PX-500"],
        ),
        (
            json!({ "brand": { "in": ["Dji", "Skydio"] } }),
            vec!["SN-100", "SN-400"],
        ),
        // camera: drones with at least one matching camera, each once.
        (
            json!({ "camera": { "brand": { "eq": "GoPro" } } }),
            vec!["SN-100", "SN-200", "PX-500"],
        ),
        (
            json!({ "camera": { "megapixels": { "gt": 10 } } }),
            vec!["SN-100", "SN-200", "SN-400", "PX-500"],
        ),
        (
            json!({ "camera": { "model": { "startsWith": "HERO" } } }),
            vec!["SN-100", "SN-200", "PX-500"],
        ),
        (
            json!({ "camera": { "model": { "eq": "Alpha" } } }),
            vec!["SN-400", "PX-500"],
        ),
        (
            json!({ "camera": { "or": [{ "model": { "eq": "Zenmuse" } }, { "megapixels": { "gte": 61 } }] } }),
            vec!["SN-100", "SN-400", "PX-500"],
        ),
        (json!({ "camera": { "model": { "eq": "Ghost9" } } }), vec![]),
        (
            json!({ "camera": {} }),
            vec!["SN-100", "SN-200", "SN-400", "PX-500"],
        ),
        (json!({ "not": { "camera": {} } }), vec!["AX-300"]),
        // A drone with a non-GoPro camera, not a drone without GoPro cameras.
        (
            json!({ "camera": { "not": { "brand": { "eq": "GoPro" } } } }),
            vec!["SN-100", "SN-400", "PX-500"],
        ),
        (
            json!({ "not": { "camera": { "brand": { "eq": "GoPro" } } } }),
            vec!["AX-300", "SN-400"],
        ),
        // and / or / not
        (
            json!({ "or": [{ "brand": { "eq": "Dji" } }, { "name": { "eq": "Falcon" } }] }),
            vec!["SN-100", "AX-300"],
        ),
        (
            json!({ "and": [{ "search": "sn" }, { "camera": { "model": { "eq": "Hero3" } } }] }),
            vec!["SN-100", "SN-200"],
        ),
        (
            json!({ "not": { "serialNumber": { "startsWith": "SN" } } }),
            vec!["AX-300", "PX-500"],
        ),
        (
            json!({ "brand": { "eq": "Parrot" }, "not": { "search": "djinn" } }),
            vec!["AX-300"],
        ),
        (
            json!({ "or": [
                { "and": [{ "brand": { "eq": "Parrot" } }, { "camera": {} }] },
                { "not": { "or": [{ "search": "sn-" }, { "search": "parrot" }] } },
            ] }),
            vec!["PX-500"],
        ),
    ];
    for (filter, expected) in cases {
        let data = app
            .ok(Some(&admin), DRONE_SERIALS, json!({ "f": filter }))
            .await;
        assert_eq!(data, serial_list(&expected), "filter {filter}");
    }

    // SN-100 has three GoPro-or-Zenmuse cameras and still counts once, on any page size.
    let filter = json!({ "camera": { "or": [{ "brand": { "eq": "GoPro" } }, { "model": { "eq": "Zenmuse" } }] } });
    let data = app
        .ok(
            Some(&admin),
            DRONE_SERIALS,
            json!({ "f": filter, "first": 1 }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "drones": { "totalCount": 3, "nodes": [{ "serialNumber": "SN-100" }] } })
    );
    let data = app
        .ok(
            Some(&admin),
            DRONE_SERIALS,
            json!({ "f": filter, "o": [{ "field": "NAME" }] }),
        )
        .await;
    assert_eq!(data, serial_list(&["PX-500", "SN-200", "SN-100"]));
}

async fn drones_search_is_bounded(app: TestApp) {
    let admin = app.admin_token().await;
    app.register_drone(&admin, "SN-1", "Scout", "Dji", &[])
        .await;
    let data = app
        .ok(
            Some(&admin),
            DRONE_SERIALS,
            json!({ "f": { "search": "s".repeat(200) } }),
        )
        .await;
    assert_eq!(data, serial_list(&[]));
    let response = app
        .gql(
            Some(&admin),
            DRONE_SERIALS,
            json!({ "f": { "search": "s".repeat(201) } }),
        )
        .await;
    assert_eq!(
        expect_error(&response, "BAD_USER_INPUT"),
        "search must be at most 200 characters"
    );
    // A camera sub-filter counts towards the depth: 8 levels with it, 9 too many.
    let nested = |levels: usize| {
        let mut filter = json!({ "name": { "eq": "Scout" } });
        for _ in 0..levels {
            filter = json!({ "and": [filter] });
        }
        filter
    };
    let data = app
        .ok(Some(&admin), DRONE_SERIALS, json!({ "f": nested(7) }))
        .await;
    assert_eq!(data, serial_list(&["SN-1"]));
    for filter in [
        nested(8),
        json!({ "and": [{ "and": [{ "and": [{ "and": [{ "and": [{ "and": [{ "and": [
            { "camera": { "model": { "eq": "Hero3" } } },
        ] }] }] }] }] }] }] }),
    ] {
        let response = app
            .gql(Some(&admin), DRONE_SERIALS, json!({ "f": filter }))
            .await;
        assert_eq!(
            expect_error(&response, "BAD_USER_INPUT"),
            "filter nests deeper than 8 levels"
        );
    }
}

async fn drones_take_at_most_fifty_cameras(app: TestApp) {
    let admin = app.admin_token().await;
    let models: Vec<String> = (0..51).map(|i| format!("Cam{i:02}")).collect();
    let data = app
        .ok(
            Some(&admin),
            "mutation($i: [RegisterCameraInput!]!) { registerCameras(inputs: $i) { created } }",
            json!({ "i": models.iter().map(|m| json!({ "model": m, "brand": "Acme", "megapixels": 8.0 })).collect::<Vec<_>>() }),
        )
        .await;
    assert_eq!(data, json!({ "registerCameras": { "created": 51 } }));
    let fifty: Vec<&str> = models[..50].iter().map(String::as_str).collect();
    let all: Vec<&str> = models.iter().map(String::as_str).collect();
    let limit = "at most 50 camera models per drone";

    // 51 at registration: refused.
    let response = app
        .gql(
            Some(&admin),
            &register_mutation(),
            json!({ "i": { "serialNumber": "SN-1", "name": "Scout", "brand": "Dji", "cameraModels": all } }),
        )
        .await;
    assert_eq!(expect_error(&response, "BAD_USER_INPUT"), limit);
    assert_eq!(drones_total(&app, &admin).await, 0);

    // 50 is fine; a 51st, by replacing or adding, is refused and changes nothing.
    let id = app
        .register_drone(&admin, "SN-1", "Scout", "Dji", &fifty)
        .await;
    let before = fetch(&app, &admin, &id).await;
    assert_eq!(before["cameras"].as_array().unwrap().len(), 50);
    for input in [
        json!({ "cameraModels": all }),
        json!({ "name": "Changed", "addCameraModels": ["Cam50"] }),
    ] {
        let response = update_drone(&app, &admin, &id, input.clone()).await;
        assert_eq!(expect_error(&response, "BAD_USER_INPUT"), limit, "{input}");
        assert_eq!(fetch(&app, &admin, &id).await, before, "{input}");
    }
    // Swapping one for another stays at 50.
    let data = app
        .ok(
            Some(&admin),
            "mutation($id: ID!) { updateDrone(id: $id, input: { addCameraModels: [\"Cam50\"], removeCameraModels: [\"Cam00\"] }) { cameras { model } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["updateDrone"]["cameras"], cameras(&all[1..]));
}

async fn drones_created_at_filter(app: TestApp) {
    let admin = app.admin_token().await;
    let mut created = Vec::new();
    for serial in ["SN-1", "SN-2", "SN-3"] {
        let id = app
            .register_drone(&admin, serial, "Scout", "Dji", &[])
            .await;
        created.push(fetch(&app, &admin, &id).await["createdAt"].clone());
    }
    assert!(timestamp(&created[0]) < timestamp(&created[1]));
    assert!(timestamp(&created[1]) < timestamp(&created[2]));
    let (first, second, third) = (&created[0], &created[1], &created[2]);
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({ "gt": first }), vec!["SN-2", "SN-3"]),
        (json!({ "gte": first }), vec!["SN-1", "SN-2", "SN-3"]),
        (json!({ "lt": third }), vec!["SN-1", "SN-2"]),
        (json!({ "lte": third }), vec!["SN-1", "SN-2", "SN-3"]),
        (json!({ "gte": second, "lte": second }), vec!["SN-2"]),
        (json!({ "gt": first, "lt": third }), vec!["SN-2"]),
        (json!({ "gt": third }), vec![]),
        (json!({ "lt": first }), vec![]),
        (
            json!({ "gt": "2000-01-01T00:00:00Z", "lt": "2999-01-01T00:00:00+02:00" }),
            vec!["SN-1", "SN-2", "SN-3"],
        ),
    ];
    for (range, expected) in cases {
        let data = app
            .ok(
                Some(&admin),
                DRONE_SERIALS,
                json!({ "f": { "createdAt": range } }),
            )
            .await;
        assert_eq!(data, serial_list(&expected), "createdAt {range}");
    }
    // With and / or / not.
    let data = app
        .ok(
            Some(&admin),
            DRONE_SERIALS,
            json!({ "f": { "or": [{ "createdAt": { "lt": second } }, { "not": { "createdAt": { "lte": second } } }] } }),
        )
        .await;
    assert_eq!(data, serial_list(&["SN-1", "SN-3"]));

    // Not a timestamp: the client's input.
    let response = app
        .gql(
            Some(&admin),
            DRONE_SERIALS,
            json!({ "f": { "createdAt": { "gt": "yesterday" } } }),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");
}

// ---------------------------------------------------------------------------------------------
// drones: orderings and pages

async fn drones_orderings(app: TestApp) {
    let admin = app.admin_token().await;
    // Ids 1-4 one at a time, 5 and 6 in one call (equal timestamps); ties in name, brand,
    // createdAt and updatedAt all break on id ascending.
    for (serial, name, brand) in [
        ("SN-C", "Condor", "Dji"),
        ("SN-A", "Albatross", "Parrot"),
        ("SN-B", "Buzzard", "Dji"),
        ("SN-D", "Condor", "Autel"),
    ] {
        app.register_drone(&admin, serial, name, brand, &[]).await;
    }
    let data = app
        .ok(
            Some(&admin),
            REGISTER_DRONES,
            json!({ "i": [
                { "serialNumber": "SN-E", "name": "Eagle", "brand": "Autel", "cameraModels": [] },
                { "serialNumber": "SN-F", "name": "Falcon", "brand": "Autel", "cameraModels": [] },
            ] }),
        )
        .await;
    assert_eq!(data, json!({ "registerDrones": { "created": 2 } }));
    // SN-A changes last.
    let data = app
        .ok(
            Some(&admin),
            "{ drone(serialNumber: \"SN-A\") { id createdAt updatedAt } }",
            json!({}),
        )
        .await;
    let sn_a = data["drone"].clone();
    let data = app
        .ok(
            Some(&admin),
            "mutation($id: ID!) { updateDrone(id: $id, input: { brand: \"Parrot\" }) { updatedAt } }",
            json!({ "id": sn_a["id"] }),
        )
        .await;
    assert!(timestamp(&data["updateDrone"]["updatedAt"]) > timestamp(&sn_a["updatedAt"]));

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!(null),
            vec!["SN-C", "SN-A", "SN-B", "SN-D", "SN-E", "SN-F"],
        ),
        (
            json!([{ "field": "NAME" }]),
            vec!["SN-A", "SN-B", "SN-C", "SN-D", "SN-E", "SN-F"],
        ),
        (
            json!([{ "field": "NAME", "direction": "DESC" }]),
            vec!["SN-F", "SN-E", "SN-C", "SN-D", "SN-B", "SN-A"],
        ),
        (
            json!([{ "field": "BRAND", "direction": "ASC" }]),
            vec!["SN-D", "SN-E", "SN-F", "SN-C", "SN-B", "SN-A"],
        ),
        (
            json!([{ "field": "BRAND", "direction": "DESC" }]),
            vec!["SN-A", "SN-C", "SN-B", "SN-D", "SN-E", "SN-F"],
        ),
        (
            json!([{ "field": "SERIAL_NUMBER", "direction": "ASC" }]),
            vec!["SN-A", "SN-B", "SN-C", "SN-D", "SN-E", "SN-F"],
        ),
        (
            json!([{ "field": "SERIAL_NUMBER", "direction": "DESC" }]),
            vec!["SN-F", "SN-E", "SN-D", "SN-C", "SN-B", "SN-A"],
        ),
        (
            json!([{ "field": "CREATED_AT", "direction": "ASC" }]),
            vec!["SN-C", "SN-A", "SN-B", "SN-D", "SN-E", "SN-F"],
        ),
        (
            json!([{ "field": "CREATED_AT", "direction": "DESC" }]),
            vec!["SN-E", "SN-F", "SN-D", "SN-B", "SN-A", "SN-C"],
        ),
        (
            json!([{ "field": "UPDATED_AT", "direction": "ASC" }]),
            vec!["SN-C", "SN-B", "SN-D", "SN-E", "SN-F", "SN-A"],
        ),
        (
            json!([{ "field": "UPDATED_AT", "direction": "DESC" }]),
            vec!["SN-A", "SN-E", "SN-F", "SN-D", "SN-B", "SN-C"],
        ),
        // Several keys, mixed directions.
        (
            json!([{ "field": "BRAND" }, { "field": "NAME", "direction": "DESC" }]),
            vec!["SN-F", "SN-E", "SN-D", "SN-C", "SN-B", "SN-A"],
        ),
        (
            json!([{ "field": "NAME", "direction": "DESC" }, { "field": "BRAND" }]),
            vec!["SN-F", "SN-E", "SN-D", "SN-C", "SN-B", "SN-A"],
        ),
    ];
    for (order, expected) in cases {
        let data = app
            .ok(Some(&admin), DRONE_SERIALS, json!({ "o": order }))
            .await;
        assert_eq!(data, serial_list(&expected), "orderBy {order}");
        // Pages of two, forward and backward, walk the same order.
        let forward = walk(&app, &admin, &order, Walk::Forward(2)).await;
        assert_eq!(serials(&forward), expected, "forward, orderBy {order}");
        let backward = walk(&app, &admin, &order, Walk::Backward(2)).await;
        assert_eq!(serials(&backward), expected, "backward, orderBy {order}");
    }
}

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

async fn drones_keyset_pagination(app: TestApp) {
    let admin = app.admin_token().await;
    // 25 drones whose names are not in id order: name k is given to drone (7 k) mod 25.
    let inputs: Vec<Value> = (0..25)
        .map(|i| {
            json!({
                "serialNumber": format!("SN-{i:02}"),
                "name": format!("Drone{:02}", (i * 7) % 25),
                "brand": "Dji",
                "cameraModels": [],
            })
        })
        .collect();
    let data = app
        .ok(Some(&admin), REGISTER_DRONES, json!({ "i": inputs }))
        .await;
    assert_eq!(data, json!({ "registerDrones": { "created": 25 } }));
    let by_id: Vec<String> = (0..25).map(|i| format!("SN-{i:02}")).collect();
    let mut by_name: Vec<(String, String)> = (0..25)
        .map(|i| (format!("Drone{:02}", (i * 7) % 25), format!("SN-{i:02}")))
        .collect();
    by_name.sort();
    let by_name: Vec<String> = by_name.into_iter().map(|(_, serial)| serial).collect();
    let mut by_name_desc = by_name.clone();
    by_name_desc.reverse();

    for (order, expected) in [
        (json!(null), &by_id),
        (json!([{ "field": "NAME" }]), &by_name),
        (
            json!([{ "field": "NAME", "direction": "DESC" }]),
            &by_name_desc,
        ),
    ] {
        for how in [
            Walk::Forward(10),
            Walk::Backward(10),
            Walk::Forward(7),
            Walk::Backward(1),
        ] {
            let nodes = walk(&app, &admin, &order, how).await;
            // Every drone exactly once, in order.
            assert_eq!(&serials(&nodes), expected, "orderBy {order}");
        }
    }

    // Page by page with first: 10 by name: 10, 10, 5.
    let by_name_order = json!([{ "field": "NAME" }]);
    let one = page(&app, &admin, json!({ "o": by_name_order, "first": 10 })).await;
    assert_eq!(serials(&one.nodes), by_name[..10]);
    assert_eq!(one.info["hasNextPage"], true);
    assert_eq!(one.info["hasPreviousPage"], false);
    let two = page(
        &app,
        &admin,
        json!({ "o": by_name_order, "first": 10, "after": one.info["endCursor"] }),
    )
    .await;
    assert_eq!(serials(&two.nodes), by_name[10..20]);
    assert_eq!(two.info["hasNextPage"], true);
    assert_eq!(two.info["hasPreviousPage"], true);
    let three = page(
        &app,
        &admin,
        json!({ "o": by_name_order, "first": 10, "after": two.info["endCursor"] }),
    )
    .await;
    assert_eq!(serials(&three.nodes), by_name[20..]);
    assert_eq!(three.info["hasNextPage"], false);
    // Backward from the last page's start gives the page before it again.
    let back = page(
        &app,
        &admin,
        json!({ "o": by_name_order, "last": 10, "before": three.info["startCursor"] }),
    )
    .await;
    assert_eq!(serials(&back.nodes), by_name[10..20]);
    assert_eq!(back.info["hasPreviousPage"], true);
    assert_eq!(back.info["hasNextPage"], true);
    // `last` alone is the end of the list.
    let end = page(&app, &admin, json!({ "o": by_name_order, "last": 3 })).await;
    assert_eq!(serials(&end.nodes), by_name[22..]);
    assert_eq!(end.info["hasPreviousPage"], true);
    assert_eq!(end.info["hasNextPage"], false);
    // Past the end: an empty page.
    let past = page(
        &app,
        &admin,
        json!({ "o": by_name_order, "first": 10, "after": end.info["endCursor"] }),
    )
    .await;
    assert!(past.nodes.is_empty());
    assert_eq!(past.info["hasNextPage"], false);
    // The default page size is 20, and 100 is allowed.
    let default = page(&app, &admin, json!({})).await;
    assert_eq!(serials(&default.nodes), by_id[..20]);
    assert_eq!(default.info["hasNextPage"], true);
    let hundred = page(&app, &admin, json!({ "first": 100 })).await;
    assert_eq!(serials(&hundred.nodes), by_id);
    assert_eq!(hundred.info["hasNextPage"], false);
}

async fn drones_pages_are_stable_under_inserts(app: TestApp) {
    let admin = app.admin_token().await;
    for name in ["Bravo", "Delta", "Foxtrot", "Hotel", "Juliet", "Lima"] {
        app.register_drone(&admin, &format!("SN-{name}"), name, "Dji", &[])
            .await;
    }
    let by_name = json!([{ "field": "NAME" }]);
    let one = page(&app, &admin, json!({ "o": by_name, "first": 3 })).await;
    assert_eq!(names(&one.nodes), ["Bravo", "Delta", "Foxtrot"]);
    let cursor = one.info["endCursor"].clone();

    // Drones inserted before the cursor neither shift nor repeat the next page.
    for name in ["Alpha", "Charlie", "Echo"] {
        app.register_drone(&admin, &format!("SN-{name}"), name, "Dji", &[])
            .await;
    }
    let two = page(
        &app,
        &admin,
        json!({ "o": by_name, "first": 3, "after": cursor }),
    )
    .await;
    assert_eq!(names(&two.nodes), ["Hotel", "Juliet", "Lima"]);
    assert_eq!(two.info["hasNextPage"], false);

    // One inserted after the cursor shows up where it belongs.
    app.register_drone(&admin, "SN-Golf", "Golf", "Dji", &[])
        .await;
    let two = page(
        &app,
        &admin,
        json!({ "o": by_name, "first": 3, "after": cursor }),
    )
    .await;
    assert_eq!(names(&two.nodes), ["Golf", "Hotel", "Juliet"]);
    assert_eq!(two.info["hasNextPage"], true);

    // The cursor's own row may go: the cursor still works.
    let data = app
        .ok(
            Some(&admin),
            "{ drone(serialNumber: \"SN-Foxtrot\") { id } }",
            json!({}),
        )
        .await;
    app.ok(
        Some(&admin),
        DELETE_DRONE,
        json!({ "id": data["drone"]["id"] }),
    )
    .await;
    let two = page(
        &app,
        &admin,
        json!({ "o": by_name, "first": 3, "after": cursor }),
    )
    .await;
    assert_eq!(names(&two.nodes), ["Golf", "Hotel", "Juliet"]);
    let back = page(
        &app,
        &admin,
        json!({ "o": by_name, "last": 10, "before": cursor }),
    )
    .await;
    assert_eq!(
        names(&back.nodes),
        ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    );
}

/// Re-encodes `cursor` after `change` edits its JSON body.
fn tamper(cursor: &Value, change: impl FnOnce(&mut Value)) -> String {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.as_str().unwrap())
        .expect("cursors are base64url");
    let mut body: Value = serde_json::from_slice(&bytes).expect("cursors are JSON");
    change(&mut body);
    URL_SAFE_NO_PAD.encode(body.to_string())
}

async fn drones_rejects_bad_cursors_and_page_sizes(app: TestApp) {
    let admin = app.admin_token().await;
    for name in ["Bravo", "Delta", "Foxtrot"] {
        app.register_drone(&admin, &format!("SN-{name}"), name, "Dji", &[])
            .await;
    }
    let by_name = json!([{ "field": "NAME" }]);
    let by_name_desc = json!([{ "field": "NAME", "direction": "DESC" }]);
    let by_brand = json!([{ "field": "BRAND" }]);
    let by_created = json!([{ "field": "CREATED_AT" }]);
    let name_cursor = page(&app, &admin, json!({ "o": by_name, "first": 1 }))
        .await
        .info["endCursor"]
        .clone();
    let created_cursor = page(&app, &admin, json!({ "o": by_created, "first": 1 }))
        .await
        .info["endCursor"]
        .clone();
    let default_cursor = page(&app, &admin, json!({ "first": 1 })).await.info["endCursor"].clone();
    // The cursors work where they belong.
    let next = page(
        &app,
        &admin,
        json!({ "o": by_name, "first": 1, "after": name_cursor }),
    )
    .await;
    assert_eq!(names(&next.nodes), ["Delta"]);

    let other_ordering =
        "cursor was made for another ordering: use cursors with the orderBy they came from";
    let malformed = "malformed cursor: pass a cursor this API returned";
    let cases: Vec<(Value, &str)> = vec![
        // A cursor from another orderBy, either way.
        (
            json!({ "o": by_brand, "after": name_cursor }),
            other_ordering,
        ),
        (
            json!({ "o": by_name_desc, "after": name_cursor }),
            other_ordering,
        ),
        (
            json!({ "o": by_name, "after": default_cursor }),
            other_ordering,
        ),
        (json!({ "after": name_cursor }), other_ordering),
        (
            json!({ "o": by_brand, "before": name_cursor }),
            other_ordering,
        ),
        (
            json!({ "o": by_name, "last": 2, "before": created_cursor }),
            other_ordering,
        ),
        // Tampered: another ordering written into it.
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["o"] = json!("BRAND.ASC,ID.ASC")) }),
            other_ordering,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["o"] = json!("NAME.DESC,ID.ASC")) }),
            other_ordering,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["o"] = json!("NAME.ASC")) }),
            other_ordering,
        ),
        // Tampered: values that do not fit the ordering.
        (
            json!({ "o": by_created, "after": tamper(&created_cursor, |b| b["k"] = json!(["yesterday"])) }),
            malformed,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["k"] = json!([])) }),
            malformed,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["k"] = json!(["Bravo", "Delta"])) }),
            malformed,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["i"] = json!(0)) }),
            malformed,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["i"] = json!("1")) }),
            malformed,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| { b.as_object_mut().unwrap().remove("k"); }) }),
            malformed,
        ),
        // Garbage.
        (json!({ "after": "not a cursor!" }), malformed),
        (json!({ "after": "" }), malformed),
        (json!({ "before": "Zm9v" }), malformed),
        (json!({ "after": "eyJhIjoxfQ" }), malformed),
        (
            json!({ "after": URL_SAFE_NO_PAD.encode("[1, 2, 3]") }),
            malformed,
        ),
        (
            json!({ "o": by_name, "after": "x".repeat(5000) }),
            malformed,
        ),
    ];
    for (variables, message) in cases {
        let response = app.gql(Some(&admin), DRONE_PAGE, variables.clone()).await;
        assert_eq!(
            expect_error(&response, "BAD_USER_INPUT"),
            message,
            "{variables}"
        );
        assert_eq!(response["data"], Value::Null, "{variables}");
    }

    // Page sizes.
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({ "first": 101 }),
            "`first` must be between 0 and 100, got 101",
        ),
        (
            json!({ "last": 101 }),
            "`last` must be between 0 and 100, got 101",
        ),
        (
            json!({ "first": -1 }),
            "`first` must be between 0 and 100, got -1",
        ),
        (
            json!({ "first": 1, "last": 1 }),
            "pass either `first` or `last`, not both",
        ),
        (
            json!({ "after": name_cursor, "before": name_cursor, "o": by_name }),
            "pass either `after` or `before`, not both",
        ),
        (
            json!({ "first": 1, "before": name_cursor, "o": by_name }),
            "page forward with `first`/`after` or backward with `last`/`before`, not both",
        ),
    ];
    for (variables, message) in cases {
        let response = app.gql(Some(&admin), DRONE_PAGE, variables.clone()).await;
        assert_eq!(
            expect_error(&response, "BAD_USER_INPUT"),
            message,
            "{variables}"
        );
    }
    let hundred = page(&app, &admin, json!({ "first": 100 })).await;
    assert_eq!(hundred.nodes.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Access

async fn drone_mutations_require_support(app: TestApp) {
    let admin = app.admin_token().await;
    register_cameras(&app, &admin, &["Hero3"]).await;
    let id = app
        .register_drone(&admin, "SN-1", "Scout", "Dji", &["Hero3"])
        .await;
    let before = fetch(&app, &admin, &id).await;
    let (_, member) = app.member("mia").await;
    let new_drone = json!({ "serialNumber": "SN-2", "name": "Ranger", "brand": "Dji", "cameraModels": ["Hero3"] });
    let mutations = [
        (
            "mutation($i: RegisterDroneInput!) { registerDrone(input: $i) { id } }",
            json!({ "i": new_drone }),
        ),
        (
            "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i, onConflict: UPDATE) { created } }",
            json!({ "i": [new_drone] }),
        ),
        (
            "mutation($id: ID!) { updateDrone(id: $id, input: { name: \"Stolen\", cameraModels: [] }) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { deleteDrone(id: $id) }",
            json!({ "id": id }),
        ),
    ];
    for (mutation, variables) in mutations {
        let response = app.gql(Some(&member), mutation, variables.clone()).await;
        assert_eq!(
            expect_error(&response, "FORBIDDEN"),
            "only the support team may do this",
            "{mutation}"
        );
        assert_eq!(response["data"], Value::Null, "{mutation}");
        let response = app.gql(None, mutation, variables).await;
        expect_error(&response, "UNAUTHENTICATED");
        assert_eq!(response["data"], Value::Null, "{mutation}");
    }
    // Nothing changed.
    assert_eq!(fetch(&app, &admin, &id).await, before);
    assert_eq!(drones_total(&app, &admin).await, 1);

    // Members read drones; anonymous clients do not.
    assert_eq!(fetch(&app, &member, &id).await, before);
    assert_eq!(
        app.ok(
            Some(&member),
            DRONE_SERIALS,
            json!({ "f": { "search": "sn" } })
        )
        .await,
        serial_list(&["SN-1"])
    );
    let response = app.gql(None, DRONE_SERIALS, json!({})).await;
    expect_error(&response, "UNAUTHENTICATED");
    assert_eq!(response["data"], Value::Null);
    let response = app.gql(None, &drone_query(), json!({ "id": id })).await;
    expect_error(&response, "UNAUTHENTICATED");
}

// ---------------------------------------------------------------------------------------------
// Statements per page

/// Five cameras; drone `i` lists cameras i, i+1 (mod 5) and, for even i, i+2.
const STATEMENT_MODELS: [&str; 5] = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"];

fn statement_drone_cameras(i: usize) -> Vec<usize> {
    let mut cameras = vec![i % 5, (i + 1) % 5];
    if i.is_multiple_of(2) {
        cameras.push((i + 2) % 5);
    }
    cameras.sort();
    cameras
}

async fn drones_page_costs_the_same_statements_for_any_size(app: TestApp) {
    let admin = app.admin_token().await;
    for (j, model) in STATEMENT_MODELS.iter().enumerate() {
        app.register_camera(&admin, model, "Acme", 10.0 + j as f64)
            .await;
    }
    let inputs: Vec<Value> = (0..100)
        .map(|i| {
            json!({
                "serialNumber": format!("SN-{i:03}"),
                "name": format!("Drone{i:03}"),
                "brand": "Acme",
                "cameraModels": statement_drone_cameras(i)
                    .into_iter()
                    .map(|j| STATEMENT_MODELS[j].to_lowercase())
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let data = app
        .ok(Some(&admin), REGISTER_DRONES, json!({ "i": inputs }))
        .await;
    assert_eq!(data, json!({ "registerDrones": { "created": 100 } }));

    let mut drone_counts = [0; 5];
    for i in 0..100 {
        for j in statement_drone_cameras(i) {
            drone_counts[j] += 1;
        }
    }
    let expected_node = |i: usize| {
        json!({
            "serialNumber": format!("SN-{i:03}"),
            "cameras": statement_drone_cameras(i).into_iter().map(|j| json!({
                "model": STATEMENT_MODELS[j],
                "megapixels": 10.0 + j as f64,
                "droneCount": drone_counts[j],
            })).collect::<Vec<_>>(),
            "registeredBy": { "username": "admin" },
        })
    };

    let query = "query($n: Int) { drones(first: $n) { totalCount edges { node {
        id serialNumber cameras { model megapixels droneCount } registeredBy { username } } } } }";
    let mut costs = Vec::new();
    for n in [1usize, 10, 100] {
        let before = app.statements();
        let data = app.ok(Some(&admin), query, json!({ "n": n })).await;
        costs.push(app.statements() - before);

        let connection = &data["drones"];
        assert_eq!(connection["totalCount"], 100);
        let edges = connection["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n);
        for (i, edge) in edges.iter().enumerate() {
            let mut node = edge["node"].clone();
            assert!(node["id"].is_string());
            node.as_object_mut().unwrap().remove("id");
            assert_eq!(node, expected_node(i));
        }
    }
    eprintln!(
        "statements per drones page ({:?}) for first = 1, 10, 100: {costs:?}",
        app.backend
    );
    // The page, totalCount, then one batch each for Drone.cameras, Drone.registeredBy and
    // Camera.droneCount (the viewer's role is cached).
    assert_eq!(
        costs,
        vec![5, 5, 5],
        "a page of N drones costs O(1) statements"
    );

    // The same query over graphql-ws (one request context for both transports): the same
    // answer for the same statements.
    let mut socket = crate::subscriptions::open_signed_in(&app, &admin).await;
    for (i, n) in [1usize, 10, 100].into_iter().enumerate() {
        let over_http = app.ok(Some(&admin), query, json!({ "n": n })).await;
        let before = app.statements();
        let answer =
            crate::subscriptions::operate(&mut socket, &format!("q{n}"), query, json!({ "n": n }))
                .await;
        assert_eq!(
            app.statements() - before,
            costs[i],
            "first = {n} over graphql-ws"
        );
        assert_eq!(answer, json!({ "data": over_http }));
    }

    // The list query of the contract (and of the benchmark): cameras and registeredBy with
    // totalCount costs four statements whatever the page size.
    let query = "query($n: Int) { drones(first: $n, filter: {brand: {eq: \"Acme\"}}, orderBy: [{field: NAME}]) {
        totalCount edges { node { id serialNumber name brand cameras { model megapixels brand }
        registeredBy { username } } } } }";
    let mut costs = Vec::new();
    for n in [1usize, 10, 100] {
        let before = app.statements();
        let data = app.ok(Some(&admin), query, json!({ "n": n })).await;
        costs.push(app.statements() - before);
        assert_eq!(data["drones"]["edges"].as_array().unwrap().len(), n);
    }
    assert_eq!(
        costs,
        vec![4, 4, 4],
        "page + totalCount + cameras + registeredBy"
    );
}

crate::db_test!(
    register_drone_returns_the_drone,
    register_drone_rejects_invalid_input,
    register_drone_rejects_a_serial_taken_in_any_case,
    registered_by_becomes_null_once_that_user_is_deleted,
    drone_lookup_by_id_or_serial,
    update_drone_changes_fields_and_cameras,
    delete_drone_removes_it,
    drones_search_and_filters,
    drones_search_is_bounded,
    drones_take_at_most_fifty_cameras,
    drones_created_at_filter,
    drones_orderings,
    drones_keyset_pagination,
    drones_pages_are_stable_under_inserts,
    drones_rejects_bad_cursors_and_page_sizes,
    drone_mutations_require_support,
);

/// Runs with a viewer cache that cannot expire during the test, so that the count does not
/// depend on timing: the bearer token's user is looked up once, by the first request.
mod drones_page_costs_the_same_statements_for_any_size {
    use crate::helpers::{Backend, TestApp};

    const CONFIG: &[(&str, &str)] = &[("HANGAR_AUTH_CACHE_TTL", "1h")];

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = TestApp::spawn_with(Backend::Sqlite, CONFIG).await;
        super::drones_page_costs_the_same_statements_for_any_size(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
    async fn postgres() {
        let app = TestApp::spawn_postgres_with(CONFIG).await;
        super::drones_page_costs_the_same_statements_for_any_size(app).await;
    }
}
