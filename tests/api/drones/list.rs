//! The drone list: search, filters and orderings.

use super::*;

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
    assert_eq!(total_count(&app, "drones", &admin).await, 0);

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

crate::db_test!(
    drones_search_and_filters,
    drones_search_is_bounded,
    drones_take_at_most_fifty_cameras,
    drones_created_at_filter,
    drones_orderings,
);
