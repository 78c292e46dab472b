//! Registering, looking up, changing and deleting cameras.

use super::*;

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
    let id = assert_record(
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
        assert_record(
            &data["registerCamera"],
            json!({ "model": model, "brand": "Acme", "megapixels": megapixels, "droneCount": 0 }),
        );
    }
    assert_eq!(total_count(&app, "cameras", &admin).await, 3);
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
    assert_eq!(total_count(&app, "cameras", &admin).await, 0);
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
    assert_eq!(total_count(&app, "cameras", &admin).await, 1);
}

// ---------------------------------------------------------------------------------------------
// camera(id:) / camera(model:)

async fn camera_lookup_by_id_or_model(app: TestApp) {
    let admin = app.admin_token().await;
    let id = app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    app.register_camera(&admin, "Hero4", "GoPro", 27.0).await;
    let hero3 = fetch(&app, &admin, &id).await;
    assert_record(
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
    assert_record(
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
    assert_record(
        &camera,
        json!({ "model": "Hero4", "brand": "Kodak", "megapixels": 16.5, "droneCount": 0 }),
    );

    // Nothing given: nothing changes but updatedAt.
    let camera = updated(&update(json!({})).await);
    assert_record(
        &camera,
        json!({ "model": "Hero4", "brand": "Kodak", "megapixels": 16.5, "droneCount": 0 }),
    );

    // A camera may change the case of its own model.
    let camera = updated(&update(json!({ "model": "HERO4" })).await);
    assert_record(
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
    assert_eq!(total_count(&app, "cameras", &admin).await, 2);
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
    assert_eq!(total_count(&app, "cameras", &admin).await, 1);

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
    assert_eq!(total_count(&app, "cameras", &admin).await, 0);

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

crate::db_test!(
    register_camera_returns_the_trimmed_camera,
    register_camera_rejects_invalid_input,
    register_camera_rejects_a_model_taken_in_any_case,
    camera_lookup_by_id_or_model,
    update_camera_changes_the_given_fields,
    delete_camera_refuses_while_a_drone_lists_it,
);
