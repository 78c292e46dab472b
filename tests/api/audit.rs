//! The audit trail: every mutation of users, cameras and drones leaves one row per entity
//! changed (actor, action, entity, id, before/after, time) in the same transaction, a failed
//! mutation leaves none, and `auditLog` pages and filters it for the support team only.

use serde_json::{Value, json};

use crate::helpers::{ADMIN, TestApp, expect_error, timestamp};

const LOG: &str = "query($f: AuditLogFilter, $first: Int, $after: String, $d: SortDirection) {
    auditLog(filter: $f, first: $first, after: $after, direction: $d) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { id at actorId actorUsername actor { username } action entity entityId before after }
    } }";

async fn log(app: &TestApp, token: &str, filter: Value) -> Value {
    app.ok(Some(token), LOG, json!({ "f": filter, "first": 100 }))
        .await["auditLog"]
        .clone()
}

/// (action, entityId) of each entry, newest first.
fn actions(log: &Value) -> Vec<(String, String)> {
    log["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["action"].as_str().unwrap().to_owned(),
                n["entityId"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn every_mutation_is_recorded(app: TestApp) {
    let admin = app.admin_token().await;
    let admin_id = app.ok(Some(&admin), "{ me { id } }", json!({})).await["me"]["id"].clone();

    // Cameras: create, update, delete.
    let cam = app
        .register_camera(&admin, "Zenmuse H20", "DJI", 20.0)
        .await;
    app.register_camera(&admin, "Zenmuse P1", "DJI", 45.0).await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { updateCamera(id: $id, input: { megapixels: 21 }) { id } }",
        json!({ "id": cam }),
    )
    .await;
    let spare = app.register_camera(&admin, "Spare", "Sony", 12.0).await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteCamera(id: $id) }",
        json!({ "id": spare }),
    )
    .await;
    let cameras = log(&app, &admin, json!({ "entity": "CAMERA" })).await;
    assert_eq!(
        actions(&cameras),
        vec![
            ("DELETE".into(), spare.clone()),
            ("CREATE".into(), spare.clone()),
            ("UPDATE".into(), cam.clone()),
            ("CREATE".into(), "2".into()),
            ("CREATE".into(), cam.clone()),
        ]
    );
    let update = &cameras["nodes"][2];
    assert_eq!(update["before"]["megapixels"], json!(20.0));
    assert_eq!(update["after"]["megapixels"], json!(21.0));
    assert_eq!(update["actorId"], admin_id);
    assert_eq!(update["actorUsername"], json!(ADMIN));
    assert_eq!(update["actor"]["username"], json!(ADMIN));
    assert_eq!(cameras["nodes"][0]["after"], Value::Null);
    assert_eq!(cameras["nodes"][0]["before"]["model"], json!("Spare"));

    // Drones: create, update (name and cameras), delete; snapshots carry the camera models.
    let drone = app
        .register_drone(&admin, "SN-1", "Mavic", "DJI", &["zenmuse h20"])
        .await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { updateDrone(id: $id, input: { name: \"Mavic 3\", addCameraModels: [\"Zenmuse P1\"] }) { id } }",
        json!({ "id": drone }),
    )
    .await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteDrone(id: $id) }",
        json!({ "id": drone }),
    )
    .await;
    let drones = log(
        &app,
        &admin,
        json!({ "entity": "DRONE", "entityId": drone }),
    )
    .await;
    assert_eq!(
        actions(&drones),
        vec![
            ("DELETE".into(), drone.clone()),
            ("UPDATE".into(), drone.clone()),
            ("CREATE".into(), drone.clone()),
        ]
    );
    let created = &drones["nodes"][2]["after"];
    assert_eq!(created["serialNumber"], json!("SN-1"));
    // The model as registered, not as typed in the input.
    assert_eq!(created["cameraModels"], json!(["Zenmuse H20"]));
    let updated = &drones["nodes"][1];
    assert_eq!(updated["before"]["name"], json!("Mavic"));
    assert_eq!(updated["after"]["name"], json!("Mavic 3"));
    assert_eq!(
        updated["after"]["cameraModels"],
        json!(["Zenmuse H20", "Zenmuse P1"])
    );
    assert_eq!(
        drones["nodes"][0]["before"]["cameraModels"],
        json!(["Zenmuse H20", "Zenmuse P1"])
    );

    // Users: created by support, edited by themselves, password changed, deleted.
    let (member_id, member) = app.member("mia").await;
    app.ok(
        Some(&member),
        "mutation { updateProfile(input: { firstName: \"Mia\" }) { id } }",
        json!({}),
    )
    .await;
    app.ok(
        Some(&member),
        "mutation { changePassword(currentPassword: \"member-password-1\", newPassword: \"member-password-2\") }",
        json!({}),
    )
    .await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteUser(id: $id) }",
        json!({ "id": member_id }),
    )
    .await;
    let users = log(
        &app,
        &admin,
        json!({ "entity": "USER", "entityId": member_id }),
    )
    .await;
    assert_eq!(
        actions(&users),
        vec![
            ("DELETE".into(), member_id.clone()),
            ("UPDATE".into(), member_id.clone()),
            ("UPDATE".into(), member_id.clone()),
            ("CREATE".into(), member_id.clone()),
        ]
    );
    let nodes = users["nodes"].as_array().unwrap();
    assert_eq!(nodes[3]["actorUsername"], json!(ADMIN));
    // The member acted on their own profile; the user row is gone but the name stays.
    assert_eq!(nodes[2]["actorUsername"], json!("mia"));
    assert_eq!(nodes[2]["actor"], Value::Null);
    assert_eq!(nodes[2]["after"]["firstName"], json!("Mia"));
    assert_eq!(nodes[1]["after"]["passwordChanged"], json!(true));
    assert_eq!(nodes[0]["before"]["username"], json!("mia"));
    let text = users.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("password-"),
        "no password or hash in the trail: {text}"
    );

    // Entries are newest first, and `at` never goes backwards.
    let all = log(&app, &admin, json!({})).await;
    let times: Vec<_> = all["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| timestamp(&n["at"]))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
}

async fn bulk_calls_record_each_item_and_what_update_overwrote(app: TestApp) {
    let admin = app.admin_token().await;
    app.register_camera(&admin, "Cam A", "DJI", 12.0).await;
    let existing = app
        .register_drone(&admin, "SN-0", "Old name", "DJI", &[])
        .await;
    // 1,500 items: the trail is written in several multi-row INSERTs.
    let items: Vec<Value> = (0..1500)
        .map(|n| {
            json!({ "serialNumber": format!("SN-{n}"), "name": format!("Drone {n}"),
                    "brand": "DJI", "cameraModels": ["cam a"] })
        })
        .collect();
    let outcome = app
        .ok(
            Some(&admin),
            "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i, onConflict: UPDATE) { created updated } }",
            json!({ "i": items }),
        )
        .await;
    assert_eq!(
        outcome["registerDrones"],
        json!({ "created": 1499, "updated": 1 })
    );
    let created = app
        .ok(
            Some(&admin),
            "{ auditLog(filter: { entity: DRONE, action: CREATE }) { totalCount } }",
            json!({}),
        )
        .await;
    // 1,499 from the bulk call, 1 from the first registration.
    assert_eq!(created["auditLog"]["totalCount"], json!(1500));
    let overwritten = log(
        &app,
        &admin,
        json!({ "entity": "DRONE", "entityId": existing, "action": "UPDATE" }),
    )
    .await;
    assert_eq!(overwritten["totalCount"], json!(1));
    let entry = &overwritten["nodes"][0];
    assert_eq!(entry["before"]["name"], json!("Old name"));
    assert_eq!(entry["before"]["cameraModels"], json!([]));
    assert_eq!(entry["after"]["name"], json!("Drone 0"));
    assert_eq!(entry["after"]["cameraModels"], json!(["Cam A"]));
}

async fn a_failed_mutation_leaves_no_entry(app: TestApp) {
    let admin = app.admin_token().await;
    app.register_drone(&admin, "SN-1", "One", "DJI", &[]).await;
    let before = log(&app, &admin, json!({})).await["totalCount"].clone();
    // FAIL mode: the second item conflicts, so nothing is written, trail included.
    let refused = app
        .gql(
            Some(&admin),
            "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }",
            json!({ "i": [
                { "serialNumber": "SN-2", "name": "Two", "brand": "DJI", "cameraModels": [] },
                { "serialNumber": "sn-1", "name": "Again", "brand": "DJI", "cameraModels": [] },
            ] }),
        )
        .await;
    expect_error(&refused, "CONFLICT");
    // A mutation that fails on its last step (unknown camera) after reading rows.
    let refused = app
        .gql(
            Some(&admin),
            "mutation { updateDrone(id: \"1\", input: { name: \"X\", cameraModels: [\"nope\"] }) { id } }",
            json!({}),
        )
        .await;
    expect_error(&refused, "BAD_USER_INPUT");
    assert_eq!(log(&app, &admin, json!({})).await["totalCount"], before);
}

async fn audit_log_pages_filters_and_is_for_support_only(app: TestApp) {
    let admin = app.admin_token().await;
    for n in 0..5 {
        app.register_drone(&admin, &format!("SN-{n}"), "D", "DJI", &[])
            .await;
    }
    let (member_id, member) = app.member("leo").await;

    let refused = app.gql(Some(&member), LOG, json!({})).await;
    expect_error(&refused, "FORBIDDEN");
    let refused = app.gql(None, LOG, json!({})).await;
    expect_error(&refused, "UNAUTHENTICATED");

    // Pages of two, newest first, then oldest first.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .ok(
                Some(&admin),
                LOG,
                json!({ "f": { "entity": "DRONE" }, "first": 2, "after": after }),
            )
            .await["auditLog"]
            .clone();
        seen.extend(actions(&page).into_iter().map(|(_, id)| id));
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, ["5", "4", "3", "2", "1"]);
    let oldest_first = app
        .ok(
            Some(&admin),
            LOG,
            json!({ "f": { "entity": "DRONE" }, "first": 2, "d": "ASC" }),
        )
        .await;
    assert_eq!(
        actions(&oldest_first["auditLog"])
            .into_iter()
            .map(|(_, id)| id)
            .collect::<Vec<_>>(),
        ["1", "2"]
    );

    // By actor: the member's creation was the admin's doing, not the member's.
    let by_member = log(&app, &admin, json!({ "actorId": member_id })).await;
    assert_eq!(by_member["totalCount"], json!(0));
    // By time: nothing after now, everything before.
    let now = chrono::Utc::now().to_rfc3339();
    let later = log(&app, &admin, json!({ "at": { "gt": now } })).await;
    assert_eq!(later["totalCount"], json!(0));
    let earlier = log(&app, &admin, json!({ "at": { "lte": now } })).await;
    // The five drones, the member, and the first-start admin (created by the system).
    assert_eq!(earlier["totalCount"], json!(7));

    // entityId without entity is ambiguous.
    let refused = app
        .gql(Some(&admin), LOG, json!({ "f": { "entityId": "1" } }))
        .await;
    expect_error(&refused, "BAD_USER_INPUT");
}

crate::db_test!(
    every_mutation_is_recorded,
    bulk_calls_record_each_item_and_what_update_overwrote,
    a_failed_mutation_leaves_no_entry,
    audit_log_pages_filters_and_is_for_support_only,
);
