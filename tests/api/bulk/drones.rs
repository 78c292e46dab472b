//! registerDrones: policies, reports, limits and planner statistics.

use super::*;

async fn register_drones_creates_every_item_in_input_order(app: TestApp) {
    let admin = app.admin_token().await;
    setup_cameras(&app, &admin).await;
    assert_eq!(drone_serials(&app, &admin).await, serial_list(&[]));
    let inputs = json!([
        drone("SN-3", " Condor ", "Dji", &["zenmuse", "HERO3"]),
        drone("SN-1", "Albatross", "Parrot", &[]),
        drone(" SN-2 ", "Buzzard", " Autel", &["Alpha", "alpha"]),
    ]);
    let response = register_drones(&app, &admin, inputs, "FAIL").await;
    let (payload, ids) = payload_without_ids(&response, "registerDrones", "drones");
    let admin_user = json!({ "username": "admin" });
    assert_eq!(
        payload,
        json!({
            "created": 3,
            "updated": 0,
            "skipped": 0,
            "drones": [
                { "serialNumber": "SN-3", "name": "Condor", "brand": "Dji",
                  "cameras": models(&["Hero3", "Zenmuse"]), "registeredBy": admin_user },
                { "serialNumber": "SN-1", "name": "Albatross", "brand": "Parrot",
                  "cameras": [], "registeredBy": admin_user },
                { "serialNumber": "SN-2", "name": "Buzzard", "brand": "Autel",
                  "cameras": models(&["Alpha"]), "registeredBy": admin_user },
            ],
        })
    );
    // Ids follow the input order, and the rows are stored as returned.
    let numeric: Vec<i64> = ids.iter().map(|id| id.parse().unwrap()).collect();
    assert!(numeric.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(
        drone_serials(&app, &admin).await,
        serial_list(&["SN-3", "SN-1", "SN-2"])
    );
    let data = app
        .ok(
            Some(&admin),
            "query($id: ID!) { drone(id: $id) { serialNumber cameras { model droneCount } } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "drone": { "serialNumber": "SN-3", "cameras": [
            { "model": "Hero3", "droneCount": 1 },
            { "model": "Zenmuse", "droneCount": 1 },
        ] } })
    );

    // An empty batch does nothing.
    let response = register_drones(&app, &admin, json!([]), "FAIL").await;
    assert_eq!(
        response,
        json!({ "data": { "registerDrones": { "created": 0, "updated": 0, "skipped": 0, "drones": [] } } })
    );
    assert_eq!(drone_serials(&app, &admin).await["totalCount"], 3);
}

async fn register_drones_fail_rejects_the_batch_on_an_existing_serial(app: TestApp) {
    let admin = app.admin_token().await;
    setup_cameras(&app, &admin).await;
    app.register_drone(&admin, "SN-2", "Old", "Dji", &["Hero3"])
        .await;
    app.register_drone(&admin, "SN-4", "Older", "Dji", &[])
        .await;
    let before = drone_serials(&app, &admin).await;
    assert_eq!(before, serial_list(&["SN-2", "SN-4"]));

    // FAIL is the default.
    let inputs = json!([
        drone("SN-1", "New", "Dji", &["Alpha"]),
        drone("sn-2", "New", "Dji", &["Alpha"]),
        drone("SN-3", "New", "Dji", &[]),
    ]);
    let response = app
        .gql(Some(&admin), REGISTER_DRONES, json!({ "i": inputs }))
        .await;
    assert_items(
        &response,
        "CONFLICT",
        "1 item already registered, nothing was written",
        &[(
            1,
            "serialNumber",
            "serial number \"sn-2\" is already registered",
        )],
    );
    // Every conflicting item is named.
    let inputs = json!([
        drone("SN-4", "New", "Dji", &[]),
        drone("SN-1", "New", "Dji", &[]),
        drone("Sn-2", "New", "Dji", &["Zenmuse"]),
    ]);
    let response = register_drones(&app, &admin, inputs, "FAIL").await;
    assert_items(
        &response,
        "CONFLICT",
        "2 items already registered, nothing was written",
        &[
            (
                0,
                "serialNumber",
                "serial number \"SN-4\" is already registered",
            ),
            (
                2,
                "serialNumber",
                "serial number \"Sn-2\" is already registered",
            ),
        ],
    );

    // Nothing was written: no new drones, the old ones unchanged, no new camera links.
    assert_eq!(drone_serials(&app, &admin).await, before);
    let data = app
        .ok(
            Some(&admin),
            "{ drone(serialNumber: \"SN-2\") { serialNumber name cameras { model } } cameras { nodes { model droneCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({
            "drone": { "serialNumber": "SN-2", "name": "Old", "cameras": models(&["Hero3"]) },
            "cameras": { "nodes": [
                { "model": "Alpha", "droneCount": 0 },
                { "model": "Hero3", "droneCount": 1 },
                { "model": "Zenmuse", "droneCount": 0 },
            ] },
        })
    );
}

async fn register_drones_skip_keeps_existing_drones(app: TestApp) {
    let admin = app.admin_token().await;
    setup_cameras(&app, &admin).await;
    let existing = app
        .register_drone(&admin, "SN-2", "Old", "Dji", &["Hero3"])
        .await;
    let inputs = json!([
        drone("SN-1", "First", "Autel", &["Alpha"]),
        drone("sn-2", "New", "Autel", &["Zenmuse"]),
        drone("SN-3", "Third", "Autel", &[]),
    ]);
    let response = register_drones(&app, &admin, inputs, "SKIP").await;
    let (payload, ids) = payload_without_ids(&response, "registerDrones", "drones");
    let admin_user = json!({ "username": "admin" });
    assert_eq!(
        payload,
        json!({
            "created": 2,
            "updated": 0,
            "skipped": 1,
            "drones": [
                { "serialNumber": "SN-1", "name": "First", "brand": "Autel",
                  "cameras": models(&["Alpha"]), "registeredBy": admin_user },
                { "serialNumber": "SN-3", "name": "Third", "brand": "Autel",
                  "cameras": [], "registeredBy": admin_user },
            ],
        })
    );
    assert!(!ids.contains(&existing));
    // The existing drone is untouched.
    let data = app
        .ok(
            Some(&admin),
            "query($id: ID!) { drone(id: $id) { serialNumber name brand cameras { model } } }",
            json!({ "id": existing }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "drone": { "serialNumber": "SN-2", "name": "Old", "brand": "Dji", "cameras": models(&["Hero3"]) } })
    );
    assert_eq!(
        drone_serials(&app, &admin).await,
        serial_list(&["SN-2", "SN-1", "SN-3"])
    );

    // Everything existing: all skipped.
    let inputs = json!([
        drone("SN-1", "Again", "Dji", &[]),
        drone("SN-3", "Again", "Dji", &[])
    ]);
    let response = register_drones(&app, &admin, inputs, "SKIP").await;
    assert_eq!(
        response,
        json!({ "data": { "registerDrones": { "created": 0, "updated": 0, "skipped": 2, "drones": [] } } })
    );
}

async fn register_drones_update_overwrites_existing_drones(app: TestApp) {
    let admin = app.admin_token().await;
    setup_cameras(&app, &admin).await;
    let existing = app
        .register_drone(&admin, "SN-2", "Old", "Dji", &["Hero3", "Zenmuse"])
        .await;
    let before = app
        .ok(
            Some(&admin),
            "query($id: ID!) { drone(id: $id) { createdAt updatedAt } }",
            json!({ "id": existing }),
        )
        .await;
    let inputs = json!([
        drone("SN-4", "Fourth", "Parrot", &["Hero3"]),
        drone("sn-2", " New ", "Autel", &["alpha"]),
    ]);
    let response = register_drones(&app, &admin, inputs, "UPDATE").await;
    let (payload, ids) = payload_without_ids(&response, "registerDrones", "drones");
    let admin_user = json!({ "username": "admin" });
    // The item overwrites the row: serial number as written in the item, name, brand, and
    // the whole camera list.
    assert_eq!(
        payload,
        json!({
            "created": 1,
            "updated": 1,
            "skipped": 0,
            "drones": [
                { "serialNumber": "SN-4", "name": "Fourth", "brand": "Parrot",
                  "cameras": models(&["Hero3"]), "registeredBy": admin_user },
                { "serialNumber": "sn-2", "name": "New", "brand": "Autel",
                  "cameras": models(&["Alpha"]), "registeredBy": admin_user },
            ],
        })
    );
    assert_eq!(ids[1], existing, "the same row, updated");
    let after = app
        .ok(
            Some(&admin),
            "query($id: ID!) { drone(id: $id) { name cameras { model } createdAt updatedAt } }",
            json!({ "id": existing }),
        )
        .await;
    assert_eq!(after["drone"]["name"], "New");
    assert_eq!(after["drone"]["cameras"], models(&["Alpha"]));
    assert_eq!(after["drone"]["createdAt"], before["drone"]["createdAt"]);
    assert!(timestamp(&after["drone"]["updatedAt"]) > timestamp(&before["drone"]["updatedAt"]));
    assert_eq!(
        drone_serials(&app, &admin).await,
        serial_list(&["sn-2", "SN-4"])
    );
    // The replaced links are gone.
    let data = app
        .ok(
            Some(&admin),
            "{ cameras { nodes { model droneCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "cameras": { "nodes": [
            { "model": "Alpha", "droneCount": 1 },
            { "model": "Hero3", "droneCount": 1 },
            { "model": "Zenmuse", "droneCount": 0 },
        ] } })
    );
}

async fn register_drones_reports_every_invalid_item(app: TestApp) {
    let admin = app.admin_token().await;
    setup_cameras(&app, &admin).await;
    app.register_drone(&admin, "SN-9", "Existing", "Dji", &[])
        .await;
    let inputs = json!([
        drone("SN-1", "Valid", "Dji", &["Hero3"]),
        drone("   ", "No serial", "Dji", &[]),
        drone("SN-2", "Unknown camera", "Dji", &["Hero3", "Ghost9"]),
        drone("sn-1", "Repeated serial", "Dji", &[]),
        drone("SN-4", "Valid", "Dji", &["Alpha"]),
        drone("SN-5", "", "Dji", &[]),
        drone("SN-6", "Unknown cameras", "Dji", &["Ghost9", "Phantom"]),
        drone(
            "SN-9",
            "Existing serial, reported only once the items are valid",
            "Dji",
            &[]
        ),
    ]);
    let items = [
        (1, "serialNumber", "serialNumber must not be empty"),
        (
            2,
            "cameraModels.1",
            "unknown camera model \"Ghost9\": register the camera first",
        ),
        (3, "serialNumber", "serial number \"sn-1\" repeats item 0"),
        (5, "name", "name must not be empty"),
        (
            6,
            "cameraModels.0",
            "unknown camera models \"Ghost9\", \"Phantom\": register the cameras first",
        ),
    ];
    // Whatever onConflict says.
    for on_conflict in ["FAIL", "SKIP", "UPDATE"] {
        let response = register_drones(&app, &admin, inputs.clone(), on_conflict).await;
        assert_items(
            &response,
            "BAD_USER_INPUT",
            "5 items invalid, nothing was written",
            &items,
        );
    }
    assert_eq!(drone_serials(&app, &admin).await, serial_list(&["SN-9"]));
    let data = app
        .ok(
            Some(&admin),
            "{ cameras { nodes { droneCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "cameras": { "nodes": [{ "droneCount": 0 }, { "droneCount": 0 }, { "droneCount": 0 }] } })
    );

    // The message lists ten items; extensions list them all.
    let inputs: Vec<Value> = (0..12).map(|_| drone("", "Nameless", "Dji", &[])).collect();
    let response = register_drones(&app, &admin, json!(inputs), "FAIL").await;
    let message = expect_error(&response, "BAD_USER_INPUT");
    let listed = (0..10)
        .map(|i| format!("item {i}: serialNumber must not be empty"))
        .collect::<Vec<_>>()
        .join("; ");
    assert_eq!(
        message,
        format!(
            "12 items invalid, nothing was written: {listed}; and 2 more (see extensions.items)"
        )
    );
    let items = response["errors"][0]["extensions"]["items"]
        .as_array()
        .unwrap();
    assert_eq!(items.len(), 12);
    assert_eq!(
        items[11],
        json!({
            "index": 11,
            "message": "serialNumber must not be empty",
            "field": "inputs.11.serialNumber"
        })
    );
    assert_eq!(drone_serials(&app, &admin).await["totalCount"], 1);
}

async fn register_drones_takes_ten_thousand_items(app: TestApp) {
    let admin = app.admin_token().await;
    app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    let inputs: Vec<Value> = (0..10_000)
        .map(|i| {
            drone(
                &format!("SN-{i:05}"),
                &format!("Drone{i:05}"),
                "Acme",
                &["hero3"],
            )
        })
        .collect();
    let data = app
        .ok(
            Some(&admin),
            "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }",
            json!({ "i": inputs }),
        )
        .await;
    assert_eq!(data, json!({ "registerDrones": { "created": 10_000 } }));
    let data = app
        .ok(
            Some(&admin),
            "{ drones(last: 1) { totalCount nodes { serialNumber cameras { model droneCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "drones": { "totalCount": 10_000, "nodes": [{
            "serialNumber": "SN-09999",
            "cameras": [{ "model": "Hero3", "droneCount": 10_000 }],
        }] } })
    );
}

async fn bulk_calls_refuse_more_than_ten_thousand_items(app: TestApp) {
    let admin = app.admin_token().await;
    let drones: Vec<Value> = (0..10_001)
        .map(|i| drone(&format!("SN-{i:05}"), "Drone", "Acme", &[]))
        .collect();
    let response = app
        .gql(
            Some(&admin),
            "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }",
            json!({ "i": drones }),
        )
        .await;
    assert_eq!(
        expect_error(&response, "BAD_USER_INPUT"),
        "at most 10000 items per call, got 10001: split the batch"
    );
    assert_eq!(response["data"], Value::Null);

    let cameras: Vec<Value> = (0..10_001)
        .map(|i| camera(&format!("M{i:05}"), "Acme", 12.0))
        .collect();
    let response = app
        .gql(
            Some(&admin),
            "mutation($i: [RegisterCameraInput!]!) { registerCameras(inputs: $i, onConflict: SKIP) { created } }",
            json!({ "i": cameras }),
        )
        .await;
    assert_eq!(
        expect_error(&response, "BAD_USER_INPUT"),
        "at most 10000 items per call, got 10001: split the batch"
    );
    let data = app
        .ok(
            Some(&admin),
            "{ drones { totalCount } cameras { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "drones": { "totalCount": 0 }, "cameras": { "totalCount": 0 } })
    );
}

// ---------------------------------------------------------------------------------------------
// registerCameras

/// PostgreSQL: a bulk registration larger than autovacuum's threshold refreshes the planner's
/// statistics of the tables it filled, so no pooled connection keeps a plan made against the
/// empty table (bench/RESULTS.md: such a plan made later calls 12-17 times slower).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
async fn postgres_statistics_follow_a_bulk_registration() {
    let app = TestApp::spawn_postgres().await;
    let admin = app.admin_token().await;
    let analyzed = |table: &'static str| {
        let db = app.state.db.clone();
        async move {
            use sea_orm::ConnectionTrait;
            db.query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('{table}')"
                ),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<i64>(0)
            .unwrap()
        }
    };
    assert!(analyzed("drones").await <= 0, "never analyzed yet");
    let inputs: Vec<Value> = (0..1500)
        .map(|i| {
            json!({ "serialNumber": format!("AN-{i:04}"), "name": "x", "brand": "DJI",
                         "cameraModels": [], "tags": ["fleet"] })
        })
        .collect();
    app.ok(
        Some(&admin),
        "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }",
        json!({ "i": inputs }),
    )
    .await;
    // The refresh runs in the background, after the answer.
    let mut known = (0, 0);
    for _ in 0..100 {
        known = (analyzed("drones").await, analyzed("drone_tags").await);
        if known == (1500, 1500) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        known,
        (1500, 1500),
        "the statistics know the rows just written"
    );
}

crate::db_test!(
    register_drones_creates_every_item_in_input_order,
    register_drones_fail_rejects_the_batch_on_an_existing_serial,
    register_drones_skip_keeps_existing_drones,
    register_drones_update_overwrites_existing_drones,
    register_drones_reports_every_invalid_item,
    register_drones_takes_ten_thousand_items,
    bulk_calls_refuse_more_than_ten_thousand_items,
);
