//! registerCameras, and the one behaviour both bulk calls share.

use super::*;

async fn register_cameras_creates_every_item_in_input_order(app: TestApp) {
    let admin = app.admin_token().await;
    let inputs = json!([
        camera(" Zenmuse ", "Dji", 20.8),
        camera("Alpha", " Sony ", 61.0),
        camera("Hero3", "GoPro", 12.0),
    ]);
    let response = register_cameras(&app, &admin, inputs, "FAIL").await;
    let (payload, ids) = payload_without_ids(&response, "registerCameras", "cameras");
    assert_eq!(
        payload,
        json!({
            "created": 3,
            "updated": 0,
            "skipped": 0,
            "cameras": [
                { "model": "Zenmuse", "brand": "Dji", "megapixels": 20.8 },
                { "model": "Alpha", "brand": "Sony", "megapixels": 61.0 },
                { "model": "Hero3", "brand": "GoPro", "megapixels": 12.0 },
            ],
        })
    );
    let numeric: Vec<i64> = ids.iter().map(|id| id.parse().unwrap()).collect();
    assert!(numeric.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let data = app.ok(Some(&admin), CAMERA_MODELS, json!({})).await;
    assert_eq!(
        data,
        json!({ "cameras": { "totalCount": 3, "nodes": payload["cameras"] } })
    );
}

async fn register_cameras_handles_existing_models(app: TestApp) {
    let admin = app.admin_token().await;
    let hero3 = app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    let existing = json!({ "cameras": { "totalCount": 1, "nodes": [
        { "model": "Hero3", "brand": "GoPro", "megapixels": 12.0 },
    ] } });

    // FAIL (the default): the whole batch is refused, naming each existing model.
    let inputs = json!([
        camera("Mavic", "Dji", 20.0),
        camera("HERO3", "Kodak", 16.0),
        camera("Alpha", "Sony", 61.0),
    ]);
    let response = app
        .gql(Some(&admin), REGISTER_CAMERAS, json!({ "i": inputs }))
        .await;
    assert_items(
        &response,
        "CONFLICT",
        "1 item already registered, nothing was written",
        &[(1, "model", "model \"HERO3\" is already registered")],
    );
    assert_eq!(
        app.ok(Some(&admin), CAMERA_MODELS, json!({})).await,
        existing
    );

    // SKIP: the existing one stays as it is.
    let response = register_cameras(&app, &admin, inputs.clone(), "SKIP").await;
    let (payload, ids) = payload_without_ids(&response, "registerCameras", "cameras");
    assert_eq!(
        payload,
        json!({
            "created": 2,
            "updated": 0,
            "skipped": 1,
            "cameras": [
                { "model": "Mavic", "brand": "Dji", "megapixels": 20.0 },
                { "model": "Alpha", "brand": "Sony", "megapixels": 61.0 },
            ],
        })
    );
    assert!(!ids.contains(&hero3));
    assert_eq!(
        app.ok(Some(&admin), CAMERA_MODELS, json!({})).await,
        json!({ "cameras": { "totalCount": 3, "nodes": [
            { "model": "Hero3", "brand": "GoPro", "megapixels": 12.0 },
            { "model": "Mavic", "brand": "Dji", "megapixels": 20.0 },
            { "model": "Alpha", "brand": "Sony", "megapixels": 61.0 },
        ] } })
    );

    // UPDATE: existing rows take the item's values (model as written), new ones are created.
    let inputs = json!([
        camera("hero3", "Kodak", 16.0),
        camera("Zenmuse", "Dji", 20.8),
        camera("ALPHA", "Sony", 42.0),
    ]);
    let response = register_cameras(&app, &admin, inputs, "UPDATE").await;
    let (payload, ids) = payload_without_ids(&response, "registerCameras", "cameras");
    assert_eq!(
        payload,
        json!({
            "created": 1,
            "updated": 2,
            "skipped": 0,
            "cameras": [
                { "model": "hero3", "brand": "Kodak", "megapixels": 16.0 },
                { "model": "Zenmuse", "brand": "Dji", "megapixels": 20.8 },
                { "model": "ALPHA", "brand": "Sony", "megapixels": 42.0 },
            ],
        })
    );
    assert_eq!(ids[0], hero3, "the same row, updated");
    assert_eq!(
        app.ok(Some(&admin), CAMERA_MODELS, json!({})).await,
        json!({ "cameras": { "totalCount": 4, "nodes": [
            { "model": "hero3", "brand": "Kodak", "megapixels": 16.0 },
            { "model": "Mavic", "brand": "Dji", "megapixels": 20.0 },
            { "model": "ALPHA", "brand": "Sony", "megapixels": 42.0 },
            { "model": "Zenmuse", "brand": "Dji", "megapixels": 20.8 },
        ] } })
    );
}

async fn register_cameras_reports_every_invalid_item(app: TestApp) {
    let admin = app.admin_token().await;
    app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    let inputs = json!([
        camera("", "Dji", 1.0),
        camera("Mavic", "Dji", 2.0),
        camera("Alpha", "", 5.0),
        camera("MAVIC", "Dji", 3.0),
        camera("Hero9", "GoPro", 0.0),
        camera("Hero10", "GoPro", -1.5),
        camera("Zenmuse", "Dji", 20.8),
        camera("hero3", "GoPro", 12.0),
    ]);
    let items = [
        (0, "model", "model must not be empty"),
        (2, "brand", "brand must not be empty"),
        (3, "model", "model \"MAVIC\" repeats item 1"),
        (4, "megapixels", "megapixels must be greater than 0, got 0"),
        (
            5,
            "megapixels",
            "megapixels must be greater than 0, got -1.5",
        ),
    ];
    for on_conflict in ["FAIL", "SKIP", "UPDATE"] {
        let response = register_cameras(&app, &admin, inputs.clone(), on_conflict).await;
        assert_items(
            &response,
            "BAD_USER_INPUT",
            "5 items invalid, nothing was written",
            &items,
        );
    }
    assert_eq!(
        app.ok(Some(&admin), CAMERA_MODELS, json!({})).await,
        json!({ "cameras": { "totalCount": 1, "nodes": [
            { "model": "Hero3", "brand": "GoPro", "megapixels": 12.0 },
        ] } })
    );
}

// ---------------------------------------------------------------------------------------------
// One skeleton: the same batch reads the same for cameras and drones

/// Both domains run one bulk skeleton (service/bulk.rs); before it, their copies had drifted
/// (counting `updated` before or after the write, keeping a repeated item). The same pattern of
/// keys, existing and new, repeated and not, now answers the same for both.
async fn bulk_registration_reads_the_same_for_cameras_and_drones(app: TestApp) {
    let admin = app.admin_token().await;
    setup_cameras(&app, &admin).await;
    register_drones(
        &app,
        &admin,
        json!([drone("K-1", "D", "Acme", &[])]),
        "FAIL",
    )
    .await;
    register_cameras(&app, &admin, json!([camera("K-1", "Acme", 1.0)]), "FAIL").await;
    let as_drone = |key: &str| drone(key, "D", "Acme", &["Alpha"]);
    let as_camera = |key: &str| camera(key, "Acme", 2.0);

    // A key given three times: each repeat names the first item that has it.
    let keys = ["K-2", "k-2 ", "K-2"];
    let drones = register_drones(&app, &admin, keys.map(as_drone).into(), "UPDATE").await;
    let cameras = register_cameras(&app, &admin, keys.map(as_camera).into(), "UPDATE").await;
    assert_items(
        &drones,
        "BAD_USER_INPUT",
        "2 items invalid, nothing was written",
        &[
            (1, "serialNumber", "serial number \"k-2\" repeats item 0"),
            (2, "serialNumber", "serial number \"K-2\" repeats item 0"),
        ],
    );
    assert_items(
        &cameras,
        "BAD_USER_INPUT",
        "2 items invalid, nothing was written",
        &[
            (1, "model", "model \"k-2\" repeats item 0"),
            (2, "model", "model \"K-2\" repeats item 0"),
        ],
    );

    // One existing key (in another case) and two new ones, under each policy.
    let counts = |response: &Value, field: &str| {
        let payload = &response["data"][field];
        json!([payload["created"], payload["updated"], payload["skipped"]])
    };
    for (policy, keys, expected) in [
        ("SKIP", ["k-1", "K-3", "K-4"], json!([2, 0, 1])),
        ("UPDATE", ["K-1", "K-5", "k-3"], json!([1, 2, 0])),
    ] {
        let drones = register_drones(&app, &admin, keys.map(as_drone).into(), policy).await;
        let cameras = register_cameras(&app, &admin, keys.map(as_camera).into(), policy).await;
        assert_eq!(
            counts(&drones, "registerDrones"),
            expected,
            "{policy}: {drones:#}"
        );
        assert_eq!(
            counts(&cameras, "registerCameras"),
            expected,
            "{policy}: {cameras:#}"
        );
    }
}

crate::db_test!(
    bulk_registration_reads_the_same_for_cameras_and_drones,
    register_cameras_creates_every_item_in_input_order,
    register_cameras_handles_existing_models,
    register_cameras_reports_every_invalid_item,
);
