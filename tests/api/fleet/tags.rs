//! Tags: normalised on the way in, replaced/added/removed by update, matched any/all, counted
//! by droneTags; and bulk registration with sites, tags and schedules.

use serde_json::{Value, json};

use super::{create_site, drone_id, register, serials};
use crate::helpers::{TestApp, expect_error};

async fn tags_are_normalised_filtered_and_counted(app: TestApp) {
    let admin = app.admin_token().await;
    let a = register(
        &app,
        &admin,
        "T-1",
        json!({ "tags": [" Night-Ops ", "thermal", "THERMAL", "lab 2"] }),
    )
    .await;
    register(&app, &admin, "T-2", json!({ "tags": ["thermal"] })).await;
    register(&app, &admin, "T-3", json!({ "tags": ["mapping", "rtk"] })).await;
    register(&app, &admin, "T-4", json!({})).await;
    let data = app
        .ok(
            Some(&admin),
            "{ drone(serialNumber: \"T-1\") { tags } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["drone"]["tags"],
        json!(["lab 2", "night-ops", "thermal"]),
        "sorted, unique"
    );

    for (tags, says) in [
        (json!(["a/b"]), "'/'"),
        (json!(["café"]), "'é'"),
        (json!(["   "]), "1-40"),
        (json!(["x".repeat(41)]), "1-40"),
        (
            json!((0..21).map(|i| format!("t{i}")).collect::<Vec<_>>()),
            "at most 20",
        ),
    ] {
        let response = app
            .gql(
                Some(&admin),
                "mutation($t: [String!]) { registerDrone(input: { serialNumber: \"BAD\", name: \"x\", brand: \"x\", cameraModels: [], tags: $t }) { id } }",
                json!({ "t": tags }),
            )
            .await;
        let message = expect_error(&response, "BAD_USER_INPUT");
        assert!(message.contains(says), "{message}");
    }

    let order = json!([{ "field": "SERIAL_NUMBER" }]);
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({ "tags": { "any": ["THERMAL", "rtk"] } }),
            order.clone()
        )
        .await,
        ["T-1", "T-2", "T-3"]
    );
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({ "tags": { "all": ["thermal", "night-ops"] } }),
            order.clone()
        )
        .await,
        ["T-1"]
    );
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({ "tags": { "any": [] } }),
            order.clone()
        )
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({ "not": { "tags": { "any": ["thermal"] } } }),
            order.clone()
        )
        .await,
        ["T-3", "T-4"]
    );
    let response = app
        .gql(
            Some(&admin),
            "{ drones(filter: { tags: { any: [\"no/slash\"] } }) { totalCount } }",
            json!({}),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");

    let counts = app
        .ok(Some(&admin), "{ droneTags { tag droneCount } }", json!({}))
        .await;
    assert_eq!(
        counts["droneTags"],
        json!([
            { "tag": "thermal", "droneCount": 2 },
            { "tag": "lab 2", "droneCount": 1 },
            { "tag": "mapping", "droneCount": 1 },
            { "tag": "night-ops", "droneCount": 1 },
            { "tag": "rtk", "droneCount": 1 },
        ]),
        "most used first, ties by tag"
    );

    let update =
        "mutation($id: ID!, $i: UpdateDroneInput!) { updateDrone(id: $id, input: $i) { tags } }";
    let data = app
        .ok(
            Some(&admin),
            update,
            json!({ "id": a, "i": { "addTags": ["Spare"], "removeTags": ["LAB 2", "unknown"] } }),
        )
        .await;
    assert_eq!(
        data["updateDrone"]["tags"],
        json!(["night-ops", "spare", "thermal"])
    );
    let data = app
        .ok(
            Some(&admin),
            update,
            json!({ "id": a, "i": { "tags": ["solo"] } }),
        )
        .await;
    assert_eq!(data["updateDrone"]["tags"], json!(["solo"]));
    let response = app
        .gql(
            Some(&admin),
            update,
            json!({ "id": a, "i": { "tags": ["a"], "addTags": ["b"] } }),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");
    let too_many: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
    let response = app
        .gql(
            Some(&admin),
            update,
            json!({ "id": a, "i": { "addTags": too_many } }),
        )
        .await;
    let message = expect_error(&response, "BAD_USER_INPUT");
    assert!(message.contains("at most 20"), "{message}");
    let data = app
        .ok(
            Some(&admin),
            update,
            json!({ "id": a, "i": { "tags": [] } }),
        )
        .await;
    assert_eq!(data["updateDrone"]["tags"], json!([]));
}

const REGISTER_MANY: &str = "mutation($i: [RegisterDroneInput!]!, $c: OnConflict) {
    registerDrones(inputs: $i, onConflict: $c) { created updated skipped
        drones { serialNumber status tags maintenanceIntervalDays site { name } } } }";

async fn bulk_registration_takes_sites_tags_and_schedules(app: TestApp) {
    let admin = app.admin_token().await;
    create_site(&app, &admin, "Paris HQ", "Paris", "FR").await;
    let item = |serial: &str, extra: Value| {
        let mut item =
            json!({ "serialNumber": serial, "name": "Air 3", "brand": "DJI", "cameraModels": [] });
        for (k, v) in extra.as_object().unwrap() {
            item[k] = v.clone();
        }
        item
    };
    // Unknown sites named by item index; nothing written.
    let response = app
        .gql(
            Some(&admin),
            REGISTER_MANY,
            json!({ "i": [
                item("B-0", json!({ "site": "paris hq" })),
                item("B-1", json!({ "site": "Atlantis" })),
                item("B-2", json!({ "tags": ["ok", "not/ok"] })),
                item("B-3", json!({ "maintenanceIntervalDays": 0 })),
                item("B-4", json!({ "site": "Atlantis" })),
            ] }),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");
    let items = &response["errors"][0]["extensions"]["items"];
    assert!(items.is_array(), "{response:#}");
    let indexes: Vec<i64> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["index"].as_i64().unwrap())
        .collect();
    assert_eq!(indexes, [1, 2, 3, 4], "{items}");
    assert!(
        items[0]["message"]
            .as_str()
            .unwrap()
            .contains("\"Atlantis\"")
    );
    assert_eq!(
        serials(&app, &admin, json!({}), json!([])).await,
        Vec::<String>::new()
    );

    let data = app
        .ok(
            Some(&admin),
            REGISTER_MANY,
            json!({ "i": [
                item("B-0", json!({ "site": "paris hq", "tags": ["Spare"], "maintenanceIntervalDays": 90 })),
                item("B-1", json!({})),
            ] }),
        )
        .await;
    assert_eq!(
        data["registerDrones"],
        json!({ "created": 2, "updated": 0, "skipped": 0, "drones": [
            { "serialNumber": "B-0", "status": "AVAILABLE", "tags": ["spare"], "maintenanceIntervalDays": 90, "site": { "name": "Paris HQ" } },
            { "serialNumber": "B-1", "status": "AVAILABLE", "tags": [], "maintenanceIntervalDays": null, "site": null },
        ] })
    );

    // UPDATE overwrites what an item gives and keeps what it omits; status is the drone's own.
    let id = drone_id(&app, &admin, "B-0").await;
    app.ok(
        Some(&admin),
        super::SET_STATUS,
        json!({ "id": id, "s": "MAINTENANCE", "note": "check" }),
    )
    .await;
    let data = app
        .ok(
            Some(&admin),
            REGISTER_MANY,
            json!({ "c": "UPDATE", "i": [
                item("B-0", json!({})),
                item("B-1", json!({ "site": "Paris HQ", "tags": ["new"], "maintenanceIntervalDays": 30 })),
            ] }),
        )
        .await;
    assert_eq!(
        data["registerDrones"],
        json!({ "created": 0, "updated": 2, "skipped": 0, "drones": [
            { "serialNumber": "B-0", "status": "MAINTENANCE", "tags": ["spare"], "maintenanceIntervalDays": 90, "site": { "name": "Paris HQ" } },
            { "serialNumber": "B-1", "status": "AVAILABLE", "tags": ["new"], "maintenanceIntervalDays": 30, "site": { "name": "Paris HQ" } },
        ] })
    );
    // The trail says what the drone is after the overwrite: its tags kept.
    let log = app
        .ok(
            Some(&admin),
            "query($id: ID!) { auditLog(filter: { entity: DRONE, entityId: $id, action: UPDATE }, first: 1) { nodes { after } } }",
            json!({ "id": id }),
        )
        .await;
    let after = &log["auditLog"]["nodes"][0]["after"];
    let after: Value = match after {
        Value::String(s) => serde_json::from_str(s).unwrap(),
        other => other.clone(),
    };
    assert_eq!(after["tags"], json!(["spare"]));
    assert_eq!(after["status"], "MAINTENANCE");
    let due = app
        .ok(
            Some(&admin),
            "{ drone(serialNumber: \"B-1\") { createdAt maintenanceDueAt } }",
            json!({}),
        )
        .await;
    assert_eq!(
        crate::helpers::timestamp(&due["drone"]["maintenanceDueAt"]),
        crate::helpers::timestamp(&due["drone"]["createdAt"]) + chrono::Duration::days(30),
        "the schedule an UPDATE sets counts from the drone's own history"
    );
}

crate::db_test!(
    tags_are_normalised_filtered_and_counted,
    bulk_registration_takes_sites_tags_and_schedules,
);
