//! The camera API over HTTP: registration, look-ups, changes, deletion, the `cameras` list
//! (every filter operator, every ordering, keyset pages) and the support-only guard on the
//! camera mutations. Every scenario runs on SQLite and PostgreSQL.
//!
//! Models and brands are Title-case ASCII words, so byte order and PostgreSQL's en_US
//! collation order them the same way.

use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error, timestamp};

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

/// Asserts `camera` is exactly the expected fields plus its id and timestamps (checked for
/// shape), and returns its id.
fn assert_camera(camera: &Value, expected: Value) -> String {
    let id = camera["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an id: {camera:#}"));
    assert!(id.parse::<i64>().is_ok_and(|n| n > 0), "numeric id: {id}");
    assert!(
        timestamp(&camera["updatedAt"]) >= timestamp(&camera["createdAt"]),
        "{camera:#}"
    );
    let mut full = expected;
    full["id"] = camera["id"].clone();
    full["createdAt"] = camera["createdAt"].clone();
    full["updatedAt"] = camera["updatedAt"].clone();
    assert_eq!(camera, &full);
    id.to_string()
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

async fn cameras_total(app: &TestApp, token: &str) -> i64 {
    let data = app
        .ok(Some(token), "{ cameras { totalCount } }", json!({}))
        .await;
    data["cameras"]["totalCount"].as_i64().unwrap()
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

// ---------------------------------------------------------------------------------------------
// registerCamera

async fn register_camera_returns_the_trimmed_camera(app: TestApp) {
    let admin = app.admin_token().await;
    let data = app
        .ok(
            Some(&admin),
            &register_mutation(),
            json!({ "i": { "model": "  Hero3 ", "brand": "\tGoPro  ", "megapixels": 12.5 } }),
        )
        .await;
    let camera = &data["registerCamera"];
    let id = assert_camera(
        camera,
        json!({ "model": "Hero3", "brand": "GoPro", "megapixels": 12.5, "droneCount": 0 }),
    );
    assert_eq!(camera["createdAt"], camera["updatedAt"]);
    assert!(timestamp(&camera["createdAt"]) <= chrono::Utc::now());
    // Stored as returned.
    assert_eq!(&fetch(&app, &admin, &id).await, camera);

    // The bounds of megapixels are allowed.
    for (model, megapixels) in [("Tiny", 0.01), ("Huge", 10_000.0)] {
        let data = app
            .ok(
                Some(&admin),
                &register_mutation(),
                json!({ "i": { "model": model, "brand": "Acme", "megapixels": megapixels } }),
            )
            .await;
        assert_camera(
            &data["registerCamera"],
            json!({ "model": model, "brand": "Acme", "megapixels": megapixels, "droneCount": 0 }),
        );
    }
    assert_eq!(cameras_total(&app, &admin).await, 3);
}

async fn register_camera_rejects_invalid_input(app: TestApp) {
    let admin = app.admin_token().await;
    let long = "M".repeat(101);
    let cases = [
        (
            json!({ "model": "", "brand": "GoPro", "megapixels": 12.0 }),
            "model must not be empty",
        ),
        (
            json!({ "model": "   ", "brand": "GoPro", "megapixels": 12.0 }),
            "model must not be empty",
        ),
        (
            json!({ "model": long, "brand": "GoPro", "megapixels": 12.0 }),
            "model must be at most 100 characters",
        ),
        (
            json!({ "model": "Hero3", "brand": " ", "megapixels": 12.0 }),
            "brand must not be empty",
        ),
        (
            json!({ "model": "Hero3", "brand": "GoPro", "megapixels": 0.0 }),
            "megapixels must be greater than 0, got 0",
        ),
        (
            json!({ "model": "Hero3", "brand": "GoPro", "megapixels": 0 }),
            "megapixels must be greater than 0, got 0",
        ),
        (
            json!({ "model": "Hero3", "brand": "GoPro", "megapixels": -2.5 }),
            "megapixels must be greater than 0, got -2.5",
        ),
        (
            json!({ "model": "Hero3", "brand": "GoPro", "megapixels": 10_000.5 }),
            "megapixels must be at most 10000, got 10000.5",
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
        assert_eq!(response["data"], Value::Null, "{response:#}");
    }
    // A value of the wrong type never reaches the resolver, and is still the client's input.
    let response = app
        .gql(
            Some(&admin),
            &register_mutation(),
            json!({ "i": { "model": "Hero3", "brand": "GoPro", "megapixels": "many" } }),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");

    // A failed mutation changes nothing.
    assert_eq!(cameras_total(&app, &admin).await, 0);
}

async fn register_camera_rejects_a_model_taken_in_any_case(app: TestApp) {
    let admin = app.admin_token().await;
    let id = app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    let original = fetch(&app, &admin, &id).await;
    for (model, shown) in [("HERO3", "HERO3"), ("hero3", "hero3"), (" Hero3 ", "Hero3")] {
        let response = app
            .gql(
                Some(&admin),
                &register_mutation(),
                json!({ "i": { "model": model, "brand": "Kodak", "megapixels": 20.0 } }),
            )
            .await;
        assert_eq!(
            expect_error(&response, "CONFLICT"),
            format!("camera model \"{shown}\" is already registered")
        );
        assert_eq!(response["data"], Value::Null);
    }
    // The original is untouched and alone.
    assert_eq!(fetch(&app, &admin, &id).await, original);
    assert_eq!(cameras_total(&app, &admin).await, 1);
}

// ---------------------------------------------------------------------------------------------
// camera(id:) / camera(model:)

async fn camera_lookup_by_id_or_model(app: TestApp) {
    let admin = app.admin_token().await;
    let id = app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    app.register_camera(&admin, "Hero4", "GoPro", 27.0).await;
    let hero3 = fetch(&app, &admin, &id).await;
    assert_camera(
        &hero3,
        json!({ "model": "Hero3", "brand": "GoPro", "megapixels": 12.0, "droneCount": 0 }),
    );

    // By model, in any case and with surrounding blanks.
    for model in ["Hero3", "hero3", "HERO3", "  hErO3 "] {
        let data = app
            .ok(Some(&admin), &camera_query(), json!({ "model": model }))
            .await;
        assert_eq!(data["camera"], hero3, "{model}");
    }
    // Unknown model or id: null, not an error.
    for variables in [
        json!({ "model": "Hero" }),
        json!({ "model": "Hero35" }),
        json!({ "id": "999999" }),
    ] {
        let data = app.ok(Some(&admin), &camera_query(), variables).await;
        assert_eq!(data, json!({ "camera": null }));
    }

    // Exactly one of id and model.
    for variables in [
        json!({ "id": id, "model": "Hero3" }),
        json!({}),
        json!({ "id": null, "model": null }),
    ] {
        let response = app.gql(Some(&admin), &camera_query(), variables).await;
        assert_eq!(
            expect_error(&response, "BAD_USER_INPUT"),
            "pass exactly one of `id` and `model`"
        );
    }
    // Ids are positive integers.
    for bad in ["abc", "0", "-3", "1.5"] {
        let response = app
            .gql(Some(&admin), &camera_query(), json!({ "id": bad }))
            .await;
        assert_eq!(
            expect_error(&response, "BAD_USER_INPUT"),
            format!("\"{bad}\" is not a valid id")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// updateCamera

async fn update_camera_changes_the_given_fields(app: TestApp) {
    let admin = app.admin_token().await;
    let id = app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    app.register_camera(&admin, "Mavic", "Dji", 20.0).await;
    let original = fetch(&app, &admin, &id).await;
    let update = |input: Value| update_camera(&app, &admin, &id, input);
    let updated = |response: &Value| {
        assert!(response.get("errors").is_none(), "{response:#}");
        let camera = response["data"]["updateCamera"].clone();
        assert_eq!(camera["id"], original["id"]);
        assert_eq!(camera["createdAt"], original["createdAt"]);
        camera
    };

    // The model alone, trimmed.
    let camera = updated(&update(json!({ "model": " Hero4 " })).await);
    assert_camera(
        &camera,
        json!({ "model": "Hero4", "brand": "GoPro", "megapixels": 12.0, "droneCount": 0 }),
    );
    assert!(timestamp(&camera["updatedAt"]) > timestamp(&original["updatedAt"]));
    assert_eq!(fetch(&app, &admin, &id).await, camera);
    // The old model is free, the new one found in any case.
    let data = app
        .ok(Some(&admin), &camera_query(), json!({ "model": "hero3" }))
        .await;
    assert_eq!(data, json!({ "camera": null }));
    let data = app
        .ok(Some(&admin), &camera_query(), json!({ "model": "HERO4" }))
        .await;
    assert_eq!(data["camera"], camera);

    // Brand and megapixels together.
    let camera = updated(&update(json!({ "brand": "Kodak", "megapixels": 16.5 })).await);
    assert_camera(
        &camera,
        json!({ "model": "Hero4", "brand": "Kodak", "megapixels": 16.5, "droneCount": 0 }),
    );

    // Nothing given: nothing changes but updatedAt.
    let camera = updated(&update(json!({})).await);
    assert_camera(
        &camera,
        json!({ "model": "Hero4", "brand": "Kodak", "megapixels": 16.5, "droneCount": 0 }),
    );

    // A camera may change the case of its own model.
    let camera = updated(&update(json!({ "model": "HERO4" })).await);
    assert_camera(
        &camera,
        json!({ "model": "HERO4", "brand": "Kodak", "megapixels": 16.5, "droneCount": 0 }),
    );
    let last_good = fetch(&app, &admin, &id).await;
    assert_eq!(last_good, camera);

    // Another camera's model, in any case, is taken.
    for model in ["Mavic", "mavic", " MAVIC "] {
        let response = update(json!({ "model": model, "brand": "Other" })).await;
        assert_eq!(
            expect_error(&response, "CONFLICT"),
            format!("camera model \"{}\" is already registered", model.trim())
        );
        assert_eq!(response["data"], Value::Null);
    }

    // Invalid values.
    for (input, message) in [
        (json!({ "model": "  " }), "model must not be empty"),
        (json!({ "brand": "" }), "brand must not be empty"),
        (
            json!({ "megapixels": 0.0 }),
            "megapixels must be greater than 0, got 0",
        ),
        (
            json!({ "brand": "Other", "megapixels": -1.0 }),
            "megapixels must be greater than 0, got -1",
        ),
    ] {
        let response = update(input.clone()).await;
        assert_eq!(
            expect_error(&response, "BAD_USER_INPUT"),
            message,
            "{input}"
        );
    }

    // The failures changed nothing.
    assert_eq!(fetch(&app, &admin, &id).await, last_good);

    // An unknown id.
    let response = app
        .gql(
            Some(&admin),
            &update_mutation(),
            json!({ "id": "999999", "i": { "brand": "Other" } }),
        )
        .await;
    assert_eq!(
        expect_error(&response, "NOT_FOUND"),
        "no camera with id 999999"
    );
    assert_eq!(cameras_total(&app, &admin).await, 2);
}

// ---------------------------------------------------------------------------------------------
// deleteCamera

async fn delete_camera_refuses_while_a_drone_lists_it(app: TestApp) {
    let admin = app.admin_token().await;
    let hero3 = app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    let mavic = app.register_camera(&admin, "Mavic", "Dji", 20.0).await;
    let scout = app
        .register_drone(&admin, "SN-1", "Scout", "Dji", &["Hero3"])
        .await;

    // An unused camera goes, and its id comes back.
    let data = app
        .ok(Some(&admin), DELETE_CAMERA, json!({ "id": mavic }))
        .await;
    assert_eq!(data, json!({ "deleteCamera": mavic }));
    assert_eq!(fetch(&app, &admin, &mavic).await, Value::Null);
    assert_eq!(cameras_total(&app, &admin).await, 1);

    // A listed one stays.
    let response = app
        .gql(Some(&admin), DELETE_CAMERA, json!({ "id": hero3 }))
        .await;
    assert_eq!(
        expect_error(&response, "CONFLICT"),
        "camera \"Hero3\" is still listed by 1 drone: remove it from them first"
    );
    assert_eq!(response["data"], Value::Null);
    let ranger = app
        .register_drone(&admin, "SN-2", "Ranger", "Autel", &["hero3"])
        .await;
    let response = app
        .gql(Some(&admin), DELETE_CAMERA, json!({ "id": hero3 }))
        .await;
    assert_eq!(
        expect_error(&response, "CONFLICT"),
        "camera \"Hero3\" is still listed by 2 drones: remove it from them first"
    );
    assert_eq!(
        fetch(&app, &admin, &hero3).await["droneCount"],
        json!(2),
        "still there"
    );

    // Once no drone lists it (one deleted, one changed), it can go.
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteDrone(id: $id) }",
        json!({ "id": scout }),
    )
    .await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { updateDrone(id: $id, input: { cameraModels: [] }) { id } }",
        json!({ "id": ranger }),
    )
    .await;
    let data = app
        .ok(Some(&admin), DELETE_CAMERA, json!({ "id": hero3 }))
        .await;
    assert_eq!(data, json!({ "deleteCamera": hero3 }));
    assert_eq!(cameras_total(&app, &admin).await, 0);

    // Unknown ids, including one just deleted.
    for id in [hero3.as_str(), "999999"] {
        let response = app
            .gql(Some(&admin), DELETE_CAMERA, json!({ "id": id }))
            .await;
        assert_eq!(
            expect_error(&response, "NOT_FOUND"),
            format!("no camera with id {id}")
        );
    }
    // The drone that listed it is still there, without cameras.
    let data = app
        .ok(
            Some(&admin),
            "query($id: ID!) { drone(id: $id) { serialNumber cameras { model } } }",
            json!({ "id": ranger }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "drone": { "serialNumber": "SN-2", "cameras": [] } })
    );
}

// ---------------------------------------------------------------------------------------------
// cameras: filters, orderings, pages, droneCount

/// Registers five cameras; ids follow this order, which is neither model nor brand order.
/// Two GoPro cameras share brand and megapixels, two Dji cameras share a brand.
async fn register_catalogue(app: &TestApp, token: &str) {
    for (model, brand, megapixels) in [
        ("Hero4", "GoPro", 12.0),
        ("Zenmuse", "Dji", 20.8),
        ("Hero3", "GoPro", 12.0),
        ("Alpha", "Sony", 61.0),
        ("Mavic", "Dji", 48.0),
    ] {
        app.register_camera(token, model, brand, megapixels).await;
    }
}

async fn cameras_filters(app: TestApp) {
    let admin = app.admin_token().await;
    register_catalogue(&app, &admin).await;
    let all = ["Hero4", "Zenmuse", "Hero3", "Alpha", "Mavic"];
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!(null), all.to_vec()),
        (json!({}), all.to_vec()),
        (json!({ "and": [{}] }), all.to_vec()),
        (json!({ "not": {} }), vec![]),
        // model: eq/ne/in are exact ...
        (json!({ "model": { "eq": "Hero3" } }), vec!["Hero3"]),
        (json!({ "model": { "eq": "hero3" } }), vec![]),
        (
            json!({ "model": { "ne": "Hero3" } }),
            vec!["Hero4", "Zenmuse", "Alpha", "Mavic"],
        ),
        (
            json!({ "model": { "in": ["Mavic", "Hero3", "hero4", "Nope"] } }),
            vec!["Hero3", "Mavic"],
        ),
        (json!({ "model": { "in": [] } }), vec![]),
        // ... contains/startsWith ignore case, and LIKE wildcards match literally.
        (
            json!({ "model": { "contains": "ERO" } }),
            vec!["Hero4", "Hero3"],
        ),
        (
            json!({ "model": { "contains": "a" } }),
            vec!["Alpha", "Mavic"],
        ),
        (
            json!({ "model": { "startsWith": "hE" } }),
            vec!["Hero4", "Hero3"],
        ),
        (json!({ "model": { "startsWith": "ero" } }), vec![]),
        (json!({ "model": { "contains": "%" } }), vec![]),
        (json!({ "model": { "startsWith": "_" } }), vec![]),
        (json!({ "model": { "contains": "" } }), all.to_vec()),
        // Operators of one field filter combine with AND.
        (
            json!({ "model": { "startsWith": "hero", "ne": "Hero4" } }),
            vec!["Hero3"],
        ),
        // brand
        (
            json!({ "brand": { "eq": "Dji" } }),
            vec!["Zenmuse", "Mavic"],
        ),
        (
            json!({ "brand": { "ne": "GoPro" } }),
            vec!["Zenmuse", "Alpha", "Mavic"],
        ),
        (
            json!({ "brand": { "in": ["Sony", "Dji"] } }),
            vec!["Zenmuse", "Alpha", "Mavic"],
        ),
        (
            json!({ "brand": { "contains": "PRO" } }),
            vec!["Hero4", "Hero3"],
        ),
        (json!({ "brand": { "startsWith": "s" } }), vec!["Alpha"]),
        // megapixels
        (
            json!({ "megapixels": { "eq": 12 } }),
            vec!["Hero4", "Hero3"],
        ),
        (json!({ "megapixels": { "eq": 20.8 } }), vec!["Zenmuse"]),
        (
            json!({ "megapixels": { "gt": 12 } }),
            vec!["Zenmuse", "Alpha", "Mavic"],
        ),
        (
            json!({ "megapixels": { "gte": 20.8 } }),
            vec!["Zenmuse", "Alpha", "Mavic"],
        ),
        (
            json!({ "megapixels": { "lt": 20.8 } }),
            vec!["Hero4", "Hero3"],
        ),
        (
            json!({ "megapixels": { "lte": 20.8 } }),
            vec!["Hero4", "Zenmuse", "Hero3"],
        ),
        (
            json!({ "megapixels": { "gt": 12, "lt": 61 } }),
            vec!["Zenmuse", "Mavic"],
        ),
        (json!({ "megapixels": { "gt": 61 } }), vec![]),
        // Fields of one filter combine with AND.
        (
            json!({ "brand": { "eq": "Dji" }, "megapixels": { "lt": 30 } }),
            vec!["Zenmuse"],
        ),
        // and / or / not, nested.
        (
            json!({ "and": [{ "brand": { "eq": "Dji" } }, { "megapixels": { "gt": 30 } }] }),
            vec!["Mavic"],
        ),
        (
            json!({ "or": [{ "model": { "eq": "Alpha" } }, { "brand": { "eq": "GoPro" } }] }),
            vec!["Hero4", "Hero3", "Alpha"],
        ),
        (
            json!({ "not": { "brand": { "eq": "GoPro" } } }),
            vec!["Zenmuse", "Alpha", "Mavic"],
        ),
        (
            json!({ "or": [
                { "and": [{ "brand": { "eq": "GoPro" } }, { "not": { "model": { "eq": "Hero3" } } }] },
                { "megapixels": { "gte": 61 } },
            ] }),
            vec!["Hero4", "Alpha"],
        ),
        (
            json!({ "not": { "or": [{ "brand": { "eq": "Dji" } }, { "model": { "startsWith": "hero" } }] } }),
            vec!["Alpha"],
        ),
        (
            json!({ "brand": { "eq": "GoPro" }, "not": { "not": { "model": { "contains": "4" } } } }),
            vec!["Hero4"],
        ),
    ];
    for (filter, expected) in cases {
        let data = app
            .ok(Some(&admin), CAMERA_MODELS, json!({ "f": filter }))
            .await;
        assert_eq!(data, model_list(&expected), "filter {filter}");
    }

    // A filter that is not a number never reaches the resolver.
    let response = app
        .gql(
            Some(&admin),
            CAMERA_MODELS,
            json!({ "f": { "megapixels": { "gt": "ten" } } }),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");
}

/// Filters are bounded: at most 8 levels deep, 200 parts, and 1,000 values in one `in`.
async fn cameras_filters_are_bounded(app: TestApp) {
    let admin = app.admin_token().await;
    register_catalogue(&app, &admin).await;
    let nested = |levels: usize| {
        let mut filter = json!({ "brand": { "eq": "Sony" } });
        for _ in 0..levels {
            filter = json!({ "not": { "not": filter } });
        }
        filter
    };
    let parts = |n: usize| json!({ "or": (0..n).map(|i| json!({ "model": { "eq": format!("M{i}") } })).collect::<Vec<_>>() });
    let values = |n: usize| json!({ "model": { "in": (0..n).map(|i| format!("M{i}")).collect::<Vec<_>>() } });

    // At the limits: fine.
    for (filter, expected) in [
        (nested(3), vec!["Alpha"]),
        (parts(199), vec![]),
        (values(1000), vec![]),
    ] {
        let data = app
            .ok(Some(&admin), CAMERA_MODELS, json!({ "f": filter }))
            .await;
        assert_eq!(data, model_list(&expected));
    }
    // Past them: the client's input.
    for (filter, message) in [
        (nested(4), "filter nests deeper than 8 levels"),
        (parts(200), "filter has more than 200 parts"),
        (values(1001), "`in` takes at most 1000 values, got 1001"),
    ] {
        let response = app
            .gql(Some(&admin), CAMERA_MODELS, json!({ "f": filter }))
            .await;
        assert_eq!(expect_error(&response, "BAD_USER_INPUT"), message);
        assert_eq!(response["data"], Value::Null);
    }
}

async fn cameras_orderings(app: TestApp) {
    let admin = app.admin_token().await;
    register_catalogue(&app, &admin).await;
    // Ties (equal brands, equal megapixels) break on id ascending in both directions:
    // Hero4 was registered before Hero3, Zenmuse before Mavic.
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!(null),
            vec!["Hero4", "Zenmuse", "Hero3", "Alpha", "Mavic"],
        ),
        (
            json!([{ "field": "MODEL" }]),
            vec!["Alpha", "Hero3", "Hero4", "Mavic", "Zenmuse"],
        ),
        (
            json!([{ "field": "MODEL", "direction": "ASC" }]),
            vec!["Alpha", "Hero3", "Hero4", "Mavic", "Zenmuse"],
        ),
        (
            json!([{ "field": "MODEL", "direction": "DESC" }]),
            vec!["Zenmuse", "Mavic", "Hero4", "Hero3", "Alpha"],
        ),
        (
            json!([{ "field": "BRAND", "direction": "ASC" }]),
            vec!["Zenmuse", "Mavic", "Hero4", "Hero3", "Alpha"],
        ),
        (
            json!([{ "field": "BRAND", "direction": "DESC" }]),
            vec!["Alpha", "Hero4", "Hero3", "Zenmuse", "Mavic"],
        ),
        (
            json!([{ "field": "MEGAPIXELS", "direction": "ASC" }]),
            vec!["Hero4", "Hero3", "Zenmuse", "Mavic", "Alpha"],
        ),
        (
            json!([{ "field": "MEGAPIXELS", "direction": "DESC" }]),
            vec!["Alpha", "Mavic", "Zenmuse", "Hero4", "Hero3"],
        ),
        (
            json!([{ "field": "CREATED_AT", "direction": "ASC" }]),
            vec!["Hero4", "Zenmuse", "Hero3", "Alpha", "Mavic"],
        ),
        (
            json!([{ "field": "CREATED_AT", "direction": "DESC" }]),
            vec!["Mavic", "Alpha", "Hero3", "Zenmuse", "Hero4"],
        ),
        // Several keys, in mixed directions.
        (
            json!([{ "field": "BRAND", "direction": "DESC" }, { "field": "MODEL" }]),
            vec!["Alpha", "Hero3", "Hero4", "Mavic", "Zenmuse"],
        ),
        (
            json!([{ "field": "BRAND" }, { "field": "MEGAPIXELS", "direction": "DESC" }]),
            vec!["Mavic", "Zenmuse", "Hero4", "Hero3", "Alpha"],
        ),
    ];
    for (order, expected) in cases {
        let data = app
            .ok(Some(&admin), CAMERA_MODELS, json!({ "o": order }))
            .await;
        assert_eq!(data, model_list(&expected), "orderBy {order}");

        // Pages of two, forward and backward, walk the same order (text, float and time
        // cursors; ascending, descending and mixed keysets).
        assert_eq!(
            walk_forward(&app, &admin, &order).await,
            expected,
            "forward, orderBy {order}"
        );
        assert_eq!(
            walk_backward(&app, &admin, &order).await,
            expected,
            "backward, orderBy {order}"
        );
    }
}

/// Every model, following `endCursor` in pages of two.
async fn walk_forward(app: &TestApp, token: &str, order: &Value) -> Vec<String> {
    let mut models = Vec::new();
    let mut after = Value::Null;
    for page in 0.. {
        assert!(page < 10, "paging does not end");
        let data = app
            .ok(
                Some(token),
                CAMERA_PAGE,
                json!({ "o": order, "first": 2, "after": after }),
            )
            .await;
        let connection = &data["cameras"];
        assert_eq!(connection["totalCount"], 5);
        let info = &connection["pageInfo"];
        assert_eq!(info["hasPreviousPage"], json!(page > 0), "{connection:#}");
        let edges = connection["edges"].as_array().unwrap();
        assert_eq!(info["startCursor"], edges[0]["cursor"]);
        assert_eq!(info["endCursor"], edges[edges.len() - 1]["cursor"]);
        models.extend(
            edges
                .iter()
                .map(|e| e["node"]["model"].as_str().unwrap().to_string()),
        );
        if info["hasNextPage"] == json!(false) {
            break;
        }
        after = info["endCursor"].clone();
    }
    models
}

/// Every model, following `startCursor` backward in pages of two.
async fn walk_backward(app: &TestApp, token: &str, order: &Value) -> Vec<String> {
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut before = Value::Null;
    for page in 0.. {
        assert!(page < 10, "paging does not end");
        let data = app
            .ok(
                Some(token),
                CAMERA_PAGE,
                json!({ "o": order, "last": 2, "before": before }),
            )
            .await;
        let connection = &data["cameras"];
        let info = &connection["pageInfo"];
        assert_eq!(info["hasNextPage"], json!(page > 0), "{connection:#}");
        let edges = connection["edges"].as_array().unwrap();
        assert_eq!(info["startCursor"], edges[0]["cursor"]);
        pages.push(
            edges
                .iter()
                .map(|e| e["node"]["model"].as_str().unwrap().to_string())
                .collect(),
        );
        if info["hasPreviousPage"] == json!(false) {
            break;
        }
        before = info["startCursor"].clone();
    }
    pages.into_iter().rev().flatten().collect()
}

async fn camera_drone_counts(app: TestApp) {
    let admin = app.admin_token().await;
    for model in ["Hero3", "Hero4", "Mavic"] {
        app.register_camera(&admin, model, "Acme", 12.0).await;
    }
    let scout = app
        .register_drone(&admin, "SN-1", "Scout", "Dji", &["Hero3", "hero4"])
        .await;
    app.register_drone(&admin, "SN-2", "Ranger", "Dji", &["HERO3"])
        .await;
    app.register_drone(&admin, "SN-3", "Falcon", "Dji", &[])
        .await;
    let counts = "{ cameras(orderBy: [{ field: MODEL }]) { nodes { model droneCount } } }";
    let expected = |hero3: i64, hero4: i64| {
        json!({ "cameras": { "nodes": [
            { "model": "Hero3", "droneCount": hero3 },
            { "model": "Hero4", "droneCount": hero4 },
            { "model": "Mavic", "droneCount": 0 },
        ] } })
    };
    assert_eq!(
        app.ok(Some(&admin), counts, json!({})).await,
        expected(2, 1)
    );
    let one = app
        .ok(
            Some(&admin),
            "{ camera(model: \"hero3\") { model droneCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        one,
        json!({ "camera": { "model": "Hero3", "droneCount": 2 } })
    );

    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteDrone(id: $id) }",
        json!({ "id": scout }),
    )
    .await;
    assert_eq!(
        app.ok(Some(&admin), counts, json!({})).await,
        expected(1, 0)
    );
}

// ---------------------------------------------------------------------------------------------
// Access

async fn camera_mutations_require_support(app: TestApp) {
    let admin = app.admin_token().await;
    let id = app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    let before = fetch(&app, &admin, &id).await;
    let (_, member) = app.member("mia").await;
    let mutations = [
        (
            "mutation { registerCamera(input: { model: \"Mavic\", brand: \"Dji\", megapixels: 20 }) { id } }",
            json!({}),
        ),
        (
            "mutation { registerCameras(inputs: [{ model: \"Mavic\", brand: \"Dji\", megapixels: 20 }]) { created } }",
            json!({}),
        ),
        (
            "mutation($id: ID!) { updateCamera(id: $id, input: { brand: \"Evil\" }) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { deleteCamera(id: $id) }",
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
    assert_eq!(cameras_total(&app, &admin).await, 1);

    // Members read cameras; anonymous clients do not.
    assert_eq!(fetch(&app, &member, &id).await, before);
    let list = "{ cameras { totalCount nodes { model } } }";
    assert_eq!(
        app.ok(Some(&member), list, json!({})).await,
        model_list(&["Hero3"])
    );
    let response = app.gql(None, list, json!({})).await;
    expect_error(&response, "UNAUTHENTICATED");
    let response = app
        .gql(None, &camera_query(), json!({ "model": "Hero3" }))
        .await;
    expect_error(&response, "UNAUTHENTICATED");
}

crate::db_test!(
    register_camera_returns_the_trimmed_camera,
    register_camera_rejects_invalid_input,
    register_camera_rejects_a_model_taken_in_any_case,
    camera_lookup_by_id_or_model,
    update_camera_changes_the_given_fields,
    delete_camera_refuses_while_a_drone_lists_it,
    cameras_filters,
    cameras_filters_are_bounded,
    cameras_orderings,
    camera_drone_counts,
    camera_mutations_require_support,
);
