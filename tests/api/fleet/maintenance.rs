//! Maintenance: recording entries (and their bad inputs), the history newest first, the last
//! maintenance and the schedule it drives: maintenanceDueAt, maintenanceDue, the filter and
//! the MAINTENANCE_DUE_AT ordering, which must agree.

use serde_json::{Value, json};

use super::{SET_STATUS, drone_id, from_now, register, serials};
use crate::helpers::{TestApp, expect_error, timestamp};

const RECORD: &str = "mutation($d: ID!, $i: MaintenanceInput!) { recordMaintenance(droneId: $d, input: $i) {
    id kind note performedAt recordedBy { username } drone { serialNumber status lastMaintenanceAt } } }";

const HISTORY: &str = "query($s: String!, $first: Int, $after: String) { drone(serialNumber: $s) {
    lastMaintenanceAt maintenanceIntervalDays maintenanceDueAt maintenanceDue createdAt status
    maintenance(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { kind note performedAt } } } }";

fn days_ago(days: i64) -> String {
    from_now(-days * 86_400)
}

async fn maintenance_is_recorded_and_drives_the_schedule(app: TestApp) {
    let admin = app.admin_token().await;
    let id = register(
        &app,
        &admin,
        "MX-1",
        json!({ "maintenanceIntervalDays": 30 }),
    )
    .await;

    // Bad inputs, each refused whole.
    for (input, says) in [
        (
            json!({ "kind": "REPAIR", "note": "  " }),
            "note must not be empty",
        ),
        (
            json!({ "kind": "REPAIR", "note": "x", "performedAt": from_now(86_400) }),
            "future",
        ),
        (
            json!({ "kind": "REPAIR", "note": "x".repeat(2001) }),
            "at most 2000",
        ),
    ] {
        let response = app
            .gql(Some(&admin), RECORD, json!({ "d": id, "i": input }))
            .await;
        let message = expect_error(&response, "BAD_USER_INPUT");
        assert!(message.contains(says), "{message}");
    }
    let response = app
        .gql(
            Some(&admin),
            RECORD,
            json!({ "d": "999999", "i": { "kind": "REPAIR", "note": "x" } }),
        )
        .await;
    expect_error(&response, "NOT_FOUND");

    // Entries out of order: the latest performedAt wins, whatever order they are recorded in.
    let older = days_ago(40);
    let newer = days_ago(10);
    let data = app
        .ok(Some(&admin), RECORD, json!({ "d": id, "i": { "kind": "INSPECTION", "note": "all fine", "performedAt": newer } }))
        .await;
    let entry = &data["recordMaintenance"];
    assert_eq!(entry["kind"], "INSPECTION");
    assert_eq!(entry["recordedBy"], json!({ "username": "admin" }));
    assert_eq!(entry["drone"]["serialNumber"], "MX-1");
    app.ok(
        Some(&admin),
        RECORD,
        json!({ "d": id, "i": { "kind": "REPAIR", "note": "new prop", "performedAt": older } }),
    )
    .await;
    let data = app
        .ok(
            Some(&admin),
            RECORD,
            json!({ "d": id, "i": { "kind": "FIRMWARE_UPDATE", "note": "v2.1" } }),
        )
        .await;
    let now_entry = timestamp(&data["recordMaintenance"]["performedAt"]);
    assert!(
        (chrono::Utc::now() - now_entry).num_seconds().abs() < 30,
        "defaults to now"
    );

    // History newest first, paged.
    let page = app
        .ok(Some(&admin), HISTORY, json!({ "s": "MX-1", "first": 2 }))
        .await;
    let drone = &page["drone"];
    assert_eq!(drone["maintenance"]["totalCount"], 3);
    let kinds: Vec<&str> = drone["maintenance"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["FIRMWARE_UPDATE", "INSPECTION"]);
    let after = drone["maintenance"]["pageInfo"]["endCursor"].clone();
    let rest = app
        .ok(
            Some(&admin),
            HISTORY,
            json!({ "s": "MX-1", "first": 2, "after": after }),
        )
        .await;
    assert_eq!(rest["drone"]["maintenance"]["nodes"][0]["kind"], "REPAIR");
    assert_eq!(
        rest["drone"]["maintenance"]["pageInfo"]["hasNextPage"],
        false
    );

    // lastMaintenanceAt is the latest entry; due 30 days after it.
    assert_eq!(timestamp(&drone["lastMaintenanceAt"]), now_entry);
    assert_eq!(
        timestamp(&drone["maintenanceDueAt"]),
        now_entry + chrono::Duration::days(30)
    );
    assert_eq!(drone["maintenanceDue"], false);

    // Every entry is in the trail as MAINTENANCE.
    let log = app
        .ok(
            Some(&admin),
            "{ auditLog(filter: { entity: MAINTENANCE }) { totalCount nodes { action } } }",
            json!({}),
        )
        .await;
    assert_eq!(log["auditLog"]["totalCount"], 3);
    assert_eq!(log["auditLog"]["nodes"][0]["action"], "CREATE");

    // returnToService: MAINTENANCE -> AVAILABLE in the same transaction; no move otherwise.
    app.ok(
        Some(&admin),
        SET_STATUS,
        json!({ "id": id, "s": "MAINTENANCE", "note": "check" }),
    )
    .await;
    let data = app
        .ok(Some(&admin), RECORD, json!({ "d": id, "i": { "kind": "CALIBRATION", "note": "IMU", "returnToService": true } }))
        .await;
    assert_eq!(data["recordMaintenance"]["drone"]["status"], "AVAILABLE");
    let data = app
        .ok(Some(&admin), RECORD, json!({ "d": id, "i": { "kind": "INSPECTION", "note": "ok", "returnToService": true } }))
        .await;
    assert_eq!(data["recordMaintenance"]["drone"]["status"], "AVAILABLE");

    // Retired is final: nothing more is recorded.
    app.ok(
        Some(&admin),
        SET_STATUS,
        json!({ "id": id, "s": "RETIRED", "note": "crashed" }),
    )
    .await;
    let response = app
        .gql(
            Some(&admin),
            RECORD,
            json!({ "d": id, "i": { "kind": "REPAIR", "note": "x" } }),
        )
        .await;
    let message = expect_error(&response, "CONFLICT");
    assert!(message.contains("RETIRED"), "{message}");
}

async fn maintenance_due_filter_and_ordering_agree(app: TestApp) {
    let admin = app.admin_token().await;
    // S-1: interval 1 day, serviced 3 days ago: due 2 days ago.
    // S-2: interval 30, serviced 10 days ago: due in 20 days.
    // S-3: interval 5, never serviced (registered now): due in 5 days.
    // S-4: no schedule. S-5: like S-1 but RETIRED: never due.
    for (serial, interval) in [
        ("S-1", json!(1)),
        ("S-2", json!(30)),
        ("S-3", json!(5)),
        ("S-4", Value::Null),
        ("S-5", json!(1)),
    ] {
        let id = register(
            &app,
            &admin,
            serial,
            json!({ "maintenanceIntervalDays": interval }),
        )
        .await;
        let serviced = match serial {
            "S-1" | "S-5" => Some(3),
            "S-2" => Some(10),
            _ => None,
        };
        if let Some(days) = serviced {
            app.ok(Some(&admin), RECORD, json!({ "d": id, "i": { "kind": "INSPECTION", "note": "ok", "performedAt": days_ago(days) } }))
                .await;
        }
        if serial == "S-5" {
            app.ok(
                Some(&admin),
                SET_STATUS,
                json!({ "id": id, "s": "RETIRED", "note": "old" }),
            )
            .await;
        }
    }
    let by_serial = json!([{ "field": "SERIAL_NUMBER" }]);
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({ "maintenanceDue": true }),
            by_serial.clone()
        )
        .await,
        ["S-1"]
    );
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({ "maintenanceDue": false }),
            by_serial.clone()
        )
        .await,
        ["S-2", "S-3", "S-4", "S-5"]
    );
    for serial in ["S-1", "S-2", "S-3", "S-4", "S-5"] {
        let data = app.ok(Some(&admin), HISTORY, json!({ "s": serial })).await;
        assert_eq!(data["drone"]["maintenanceDue"], serial == "S-1", "{serial}");
        assert_eq!(
            data["drone"]["maintenanceDueAt"].is_null(),
            serial == "S-4",
            "{serial}"
        );
    }
    let s3 = app.ok(Some(&admin), HISTORY, json!({ "s": "S-3" })).await;
    assert_eq!(
        timestamp(&s3["drone"]["maintenanceDueAt"]),
        timestamp(&s3["drone"]["createdAt"]) + chrono::Duration::days(5),
        "without maintenance, the schedule counts from registration"
    );
    // S-1 and S-5 are due at the same instant within the same second; id breaks the tie.
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({}),
            json!([{ "field": "MAINTENANCE_DUE_AT" }])
        )
        .await,
        ["S-1", "S-5", "S-3", "S-2", "S-4"]
    );
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({}),
            json!([{ "field": "MAINTENANCE_DUE_AT", "direction": "DESC" }])
        )
        .await,
        ["S-4", "S-2", "S-3", "S-5", "S-1"]
    );

    // The interval: 1-3650 on register and update; explicit null drops the schedule.
    for days in [0, 3651, -1] {
        let response = app
            .gql(
                Some(&admin),
                "mutation($d: Int) { registerDrone(input: { serialNumber: \"BAD\", name: \"x\", brand: \"x\", cameraModels: [], maintenanceIntervalDays: $d }) { id } }",
                json!({ "d": days }),
            )
            .await;
        let message = expect_error(&response, "BAD_USER_INPUT");
        assert!(message.contains("between 1 and 3650"), "{message}");
    }
    let id = drone_id(&app, &admin, "S-2").await;
    let update = "mutation($id: ID!, $d: Int) { updateDrone(id: $id, input: { maintenanceIntervalDays: $d }) {
        maintenanceIntervalDays maintenanceDueAt lastMaintenanceAt } }";
    let response = app
        .gql(Some(&admin), update, json!({ "id": id, "d": 4000 }))
        .await;
    expect_error(&response, "BAD_USER_INPUT");
    let data = app
        .ok(Some(&admin), update, json!({ "id": id, "d": 5 }))
        .await;
    let drone = &data["updateDrone"];
    assert_eq!(drone["maintenanceIntervalDays"], 5);
    assert_eq!(
        timestamp(&drone["maintenanceDueAt"]),
        timestamp(&drone["lastMaintenanceAt"]) + chrono::Duration::days(5)
    );
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({ "maintenanceDue": true }),
            by_serial.clone()
        )
        .await,
        ["S-1", "S-2"]
    );
    let data = app
        .ok(Some(&admin), update, json!({ "id": id, "d": null }))
        .await;
    assert_eq!(data["updateDrone"]["maintenanceDueAt"], Value::Null);
}

crate::db_test!(
    maintenance_is_recorded_and_drives_the_schedule,
    maintenance_due_filter_and_ordering_agree,
);
