//! Registering, looking up, changing and deleting drones.

use super::*;

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
    let id = assert_record(
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
    assert_record(
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
    assert_eq!(total_count(&app, "drones", &admin).await, 0);
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
    assert_eq!(total_count(&app, "drones", &admin).await, 1);
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
    assert_record(
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
        assert_record(&drone, expected);
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
    assert_eq!(total_count(&app, "drones", &admin).await, 1);
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

crate::db_test!(
    register_drone_returns_the_drone,
    register_drone_rejects_invalid_input,
    register_drone_rejects_a_serial_taken_in_any_case,
    registered_by_becomes_null_once_that_user_is_deleted,
    drone_lookup_by_id_or_serial,
    update_drone_changes_fields_and_cameras,
    delete_drone_removes_it,
);
