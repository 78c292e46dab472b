//! The status lifecycle: every one of the 25 moves between the five states is tried through
//! the mutation the contract names for it; the allowed ones work and every other is CONFLICT
//! naming both states. Concurrent check-outs of one drone: exactly one wins.

use serde_json::{Value, json};

use super::{CHECK_IN, CHECK_OUT, SET_STATUS, my_id, register};
use crate::helpers::{TestApp, error_codes, expect_error};

const STATES: [&str; 5] = ["AVAILABLE", "CHECKED_OUT", "MAINTENANCE", "LOST", "RETIRED"];

/// The contract's diagram.
fn allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        (
            "AVAILABLE",
            "CHECKED_OUT" | "MAINTENANCE" | "LOST" | "RETIRED"
        ) | ("CHECKED_OUT", "AVAILABLE" | "MAINTENANCE" | "LOST")
            | ("MAINTENANCE", "AVAILABLE" | "RETIRED")
            | ("LOST", "AVAILABLE" | "RETIRED")
    )
}

/// Moves drone `id` to `to` through the mutation the contract names for that move.
async fn attempt(
    app: &TestApp,
    token: &str,
    id: &str,
    from: &str,
    to: &str,
    to_user: &str,
) -> Value {
    match (from, to) {
        (_, "CHECKED_OUT") => {
            app.gql(Some(token), CHECK_OUT, json!({ "id": id, "to": to_user }))
                .await
        }
        ("CHECKED_OUT", "AVAILABLE") => app.gql(Some(token), CHECK_IN, json!({ "id": id })).await,
        ("CHECKED_OUT", "MAINTENANCE") => {
            app.gql(
                Some(token),
                CHECK_IN,
                json!({ "id": id, "m": true, "note": "props chipped" }),
            )
            .await
        }
        _ => {
            app.gql(
                Some(token),
                SET_STATUS,
                json!({ "id": id, "s": to, "note": "for the test" }),
            )
            .await
        }
    }
}

/// Brings a fresh drone to `state` by allowed moves.
async fn bring_to(app: &TestApp, token: &str, id: &str, state: &str, to_user: &str) {
    if state != "AVAILABLE" {
        let response = attempt(app, token, id, "AVAILABLE", state, to_user).await;
        assert!(response.get("errors").is_none(), "{response}");
    }
}

fn status_of(response: &Value) -> &Value {
    let data = &response["data"];
    ["checkOutDrone", "checkInDrone", "setDroneStatus"]
        .iter()
        .map(|f| &data[f])
        .find(|v| !v.is_null())
        .map_or(&Value::Null, |v| &v["status"])
}

async fn every_move_of_the_diagram_and_no_other(app: TestApp) {
    let admin = app.admin_token().await;
    let me = my_id(&app, &admin).await;
    let mut tried = 0;
    for from in STATES {
        for to in STATES {
            let id = register(&app, &admin, &format!("MOVE-{from}-{to}"), json!({})).await;
            bring_to(&app, &admin, &id, from, &me).await;
            let response = attempt(&app, &admin, &id, from, to, &me).await;
            if allowed(from, to) {
                assert!(
                    response.get("errors").is_none(),
                    "{from} -> {to}: {response}"
                );
                assert_eq!(status_of(&response), to, "{from} -> {to}");
            } else {
                let message = expect_error(&response, "CONFLICT");
                assert!(
                    message.contains(from) && message.contains(to),
                    "{from} -> {to} names both states: {message}"
                );
                // Nothing moved.
                let now = app
                    .ok(
                        Some(&admin),
                        "query($id: ID!) { drone(id: $id) { status } }",
                        json!({ "id": id }),
                    )
                    .await;
                assert_eq!(
                    now["drone"]["status"], from,
                    "{from} -> {to} refused, unchanged"
                );
            }
            tried += 1;
        }
    }
    assert_eq!(tried, 25);

    // A move of the diagram through the wrong mutation: CONFLICT naming the right one.
    let id = register(&app, &admin, "WRONG-WAY", json!({})).await;
    let response = app
        .gql(
            Some(&admin),
            SET_STATUS,
            json!({ "id": id, "s": "CHECKED_OUT" }),
        )
        .await;
    let message = expect_error(&response, "CONFLICT");
    assert!(
        message.contains("checkOutDrone") && message.contains("AVAILABLE -> CHECKED_OUT"),
        "{message}"
    );
    bring_to(&app, &admin, &id, "CHECKED_OUT", &me).await;
    let response = app
        .gql(
            Some(&admin),
            SET_STATUS,
            json!({ "id": id, "s": "AVAILABLE" }),
        )
        .await;
    let message = expect_error(&response, "CONFLICT");
    assert!(message.contains("checkInDrone"), "{message}");

    // CHECKED_OUT -> LOST (setDroneStatus) clears the custody.
    let response = app
        .gql(
            Some(&admin),
            SET_STATUS,
            json!({ "id": id, "s": "LOST", "note": "never came back" }),
        )
        .await;
    assert_eq!(
        response["data"]["setDroneStatus"],
        json!({ "status": "LOST", "statusNote": "never came back", "holder": null })
    );

    // LOST and RETIRED need a note; a blank one is none.
    let id = register(&app, &admin, "NOTE-1", json!({})).await;
    for (status, note) in [("LOST", Value::Null), ("RETIRED", json!("   "))] {
        let response = app
            .gql(
                Some(&admin),
                SET_STATUS,
                json!({ "id": id, "s": status, "note": note }),
            )
            .await;
        let message = expect_error(&response, "BAD_USER_INPUT");
        assert!(message.contains("note"), "{message}");
    }
    let response = app
        .gql(
            Some(&admin),
            SET_STATUS,
            json!({ "id": "999999", "s": "LOST", "note": "x" }),
        )
        .await;
    expect_error(&response, "NOT_FOUND");
}

async fn status_moves_are_audited_and_announced(app: TestApp) {
    let admin = app.admin_token().await;
    let id = register(&app, &admin, "AUD-1", json!({})).await;
    let mut socket = crate::subscriptions::subscribe(&app, &admin).await;
    app.ok(
        Some(&admin),
        SET_STATUS,
        json!({ "id": id, "s": "MAINTENANCE", "note": "gimbal drift" }),
    )
    .await;
    let event = crate::subscriptions::next_event(&mut socket).await;
    assert_eq!(event["kind"], "UPDATED");
    assert_eq!(event["droneId"], id.as_str());

    let log = app
        .ok(
            Some(&admin),
            "query($id: ID!) { auditLog(filter: { entity: DRONE, entityId: $id, action: UPDATE }, first: 1) { nodes { before after } } }",
            json!({ "id": id }),
        )
        .await;
    let entry = &log["auditLog"]["nodes"][0];
    let parse = |v: &Value| -> Value {
        match v {
            Value::String(s) => serde_json::from_str(s).unwrap(),
            other => other.clone(),
        }
    };
    let (before, after) = (parse(&entry["before"]), parse(&entry["after"]));
    assert_eq!(before["status"], "AVAILABLE");
    assert_eq!(after["status"], "MAINTENANCE");
    assert_eq!(after["statusNote"], "gimbal drift");
}

async fn concurrent_check_outs_of_one_drone_never_both_win(app: TestApp) {
    let admin = app.admin_token().await;
    let (member, _) = app.member("racer").await;
    let id = register(&app, &admin, "RACE-1", json!({})).await;
    let attempts =
        (0..8).map(|_| app.gql(Some(&admin), CHECK_OUT, json!({ "id": id, "to": member })));
    let responses = futures_util::future::join_all(attempts).await;
    let won = responses
        .iter()
        .filter(|r| r.get("errors").is_none())
        .count();
    let lost: Vec<Vec<String>> = responses
        .iter()
        .filter(|r| r.get("errors").is_some())
        .map(error_codes)
        .collect();
    assert_eq!(won, 1, "{responses:#?}");
    assert!(lost.iter().all(|codes| codes == &["CONFLICT"]), "{lost:?}");
    for response in responses.iter().filter(|r| r.get("errors").is_some()) {
        let message = response["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("CHECKED_OUT"), "{message}");
    }
    // The trail holds exactly one check-out.
    let log = app
        .ok(
            Some(&admin),
            "query($id: ID!) { auditLog(filter: { entity: DRONE, entityId: $id, action: UPDATE }) { totalCount } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(log["auditLog"]["totalCount"], 1);
}

crate::db_test!(
    every_move_of_the_diagram_and_no_other,
    status_moves_are_audited_and_announced,
    concurrent_check_outs_of_one_drone_never_both_win,
);
