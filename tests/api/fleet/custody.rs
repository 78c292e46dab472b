//! Custody: check-out to any user with an optional future due date, check-in by SUPPORT or by
//! the holder themself (the one write a MEMBER makes on a drone), and what follows from it:
//! holder, overdue, User.checkedOutDrones, and the holderId / overdue / DUE_BACK_AT list.

use std::time::Duration;

use serde_json::{Value, json};

use super::{CHECK_IN, CHECK_OUT, create_site, drone_id, from_now, my_id, register, serials};
use crate::helpers::{TestApp, expect_error, timestamp};

async fn check_out_and_back_in(app: TestApp) {
    let admin = app.admin_token().await;
    let (mia, mia_token) = app.member("mia").await;
    let (_, leo_token) = app.member("leo").await;
    let site = create_site(&app, &admin, "Lyon Depot", "Lyon", "FR").await;
    let id = register(&app, &admin, "CUST-1", json!({})).await;

    // Bad check-outs: a past due date, an unknown user, a malformed id.
    for (variables, code, says) in [
        (
            json!({ "id": id, "to": mia, "due": from_now(-60) }),
            "BAD_USER_INPUT",
            "future",
        ),
        (
            json!({ "id": id, "to": "999999" }),
            "BAD_USER_INPUT",
            "999999",
        ),
        (
            json!({ "id": id, "to": "mia" }),
            "BAD_USER_INPUT",
            "not a valid id",
        ),
        (json!({ "id": "999999", "to": mia }), "NOT_FOUND", "999999"),
    ] {
        let response = app.gql(Some(&admin), CHECK_OUT, variables).await;
        let message = expect_error(&response, code);
        assert!(message.contains(says), "{message}");
    }
    // A MEMBER may not check out, not even to themself.
    let response = app
        .gql(Some(&mia_token), CHECK_OUT, json!({ "id": id, "to": mia }))
        .await;
    expect_error(&response, "FORBIDDEN");

    let due = from_now(3 * 86_400);
    let data = app
        .ok(
            Some(&admin),
            CHECK_OUT,
            json!({ "id": id, "to": mia, "due": due, "note": "roof survey" }),
        )
        .await;
    let out = &data["checkOutDrone"];
    assert_eq!(out["status"], "CHECKED_OUT");
    assert_eq!(out["holder"], json!({ "username": "mia" }));
    assert_eq!(out["overdue"], false);
    assert_eq!(out["statusNote"], "roof survey");
    assert_eq!(timestamp(&out["dueBackAt"]), timestamp(&json!(due)));
    let checked_out_at = timestamp(&out["checkedOutAt"]);
    assert!((chrono::Utc::now() - checked_out_at).num_seconds().abs() < 30);

    // Not AVAILABLE any more: a second check-out is CONFLICT naming both states.
    let response = app
        .gql(Some(&admin), CHECK_OUT, json!({ "id": id, "to": mia }))
        .await;
    let message = expect_error(&response, "CONFLICT");
    assert!(message.contains("CHECKED_OUT"), "{message}");

    // The holder sees it among their drones.
    let mine = app
        .ok(
            Some(&mia_token),
            "{ me { checkedOutDrones { serialNumber holder { username } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["me"]["checkedOutDrones"],
        json!([{ "serialNumber": "CUST-1", "holder": { "username": "mia" } }])
    );

    // Another MEMBER may not check it in; a check-in to MAINTENANCE needs a note.
    let response = app
        .gql(Some(&leo_token), CHECK_IN, json!({ "id": id }))
        .await;
    let message = expect_error(&response, "FORBIDDEN");
    assert!(message.contains("holder"), "{message}");
    let response = app
        .gql(Some(&mia_token), CHECK_IN, json!({ "id": id, "m": true }))
        .await;
    expect_error(&response, "BAD_USER_INPUT");
    let response = app
        .gql(
            Some(&mia_token),
            CHECK_IN,
            json!({ "id": id, "site": "999999" }),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");

    // The holder checks it in themself, re-stationing it: custody is cleared.
    let data = app
        .ok(
            Some(&mia_token),
            CHECK_IN,
            json!({ "id": id, "site": site }),
        )
        .await;
    assert_eq!(
        data["checkInDrone"],
        json!({ "status": "AVAILABLE", "holder": null, "checkedOutAt": null, "dueBackAt": null,
                "statusNote": null, "site": { "name": "Lyon Depot" } })
    );
    let mine = app
        .ok(
            Some(&mia_token),
            "{ me { checkedOutDrones { serialNumber } } }",
            json!({}),
        )
        .await;
    assert_eq!(mine["me"]["checkedOutDrones"], json!([]));
    // Back in: a check-in of an AVAILABLE drone is CONFLICT (for SUPPORT), FORBIDDEN (for
    // a MEMBER who holds nothing).
    let response = app.gql(Some(&admin), CHECK_IN, json!({ "id": id })).await;
    let message = expect_error(&response, "CONFLICT");
    assert!(message.contains("AVAILABLE"), "{message}");
    let response = app
        .gql(Some(&mia_token), CHECK_IN, json!({ "id": id }))
        .await;
    expect_error(&response, "FORBIDDEN");

    // SUPPORT checks one in straight into MAINTENANCE with what is wrong.
    app.ok(Some(&admin), CHECK_OUT, json!({ "id": id, "to": mia }))
        .await;
    let data = app
        .ok(
            Some(&admin),
            CHECK_IN,
            json!({ "id": id, "m": true, "note": "motor 3 grinds" }),
        )
        .await;
    assert_eq!(data["checkInDrone"]["status"], "MAINTENANCE");
    assert_eq!(data["checkInDrone"]["statusNote"], "motor 3 grinds");
    assert_eq!(
        data["checkInDrone"]["site"]["name"], "Lyon Depot",
        "site kept"
    );
}

async fn holders_cannot_be_deleted_nor_their_drones(app: TestApp) {
    let admin = app.admin_token().await;
    let (mia, _) = app.member("mia").await;
    let id = register(&app, &admin, "HOLD-1", json!({})).await;
    app.ok(Some(&admin), CHECK_OUT, json!({ "id": id, "to": mia }))
        .await;
    let response = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deleteUser(id: $id) }",
            json!({ "id": mia }),
        )
        .await;
    let message = expect_error(&response, "CONFLICT");
    assert!(message.contains("checked out"), "{message}");
    let response = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deleteDrone(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    let message = expect_error(&response, "CONFLICT");
    assert!(message.contains("CHECKED_OUT"), "{message}");
    app.ok(Some(&admin), CHECK_IN, json!({ "id": id })).await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteUser(id: $id) }",
        json!({ "id": mia }),
    )
    .await;
}

async fn overdue_holder_and_due_back_lists(app: TestApp) {
    let admin = app.admin_token().await;
    let me = my_id(&app, &admin).await;
    let (mia, mia_token) = app.member("mia").await;
    for serial in ["D-1", "D-2", "D-3", "D-4", "D-5"] {
        register(&app, &admin, serial, json!({})).await;
    }
    let id = |serial: &'static str| drone_id(&app, &admin, serial);
    // D-1 is due in 2 s (overdue soon), D-2 in a week, D-3 has no due date; D-4, D-5 stay in.
    app.ok(
        Some(&admin),
        CHECK_OUT,
        json!({ "id": id("D-1").await, "to": mia, "due": from_now(2) }),
    )
    .await;
    app.ok(
        Some(&admin),
        CHECK_OUT,
        // Nanoseconds: kept to the microsecond, as every stored time (SQLite would otherwise
        // keep text no cursor matches, and the walk below would not end).
        json!({ "id": id("D-2").await, "to": mia,
                "due": format!("{}789Z", from_now(7 * 86_400).trim_end_matches('Z')) }),
    )
    .await;
    app.ok(
        Some(&admin),
        CHECK_OUT,
        json!({ "id": id("D-3").await, "to": me }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let none = json!([]);
    assert_eq!(
        serials(&app, &admin, json!({ "overdue": true }), none.clone()).await,
        ["D-1"]
    );
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({ "overdue": false }),
            json!([{ "field": "SERIAL_NUMBER" }])
        )
        .await,
        ["D-2", "D-3", "D-4", "D-5"],
        "a check-out without a due date is never overdue"
    );
    let drone = app
        .ok(
            Some(&admin),
            "{ drone(serialNumber: \"D-1\") { overdue } }",
            json!({}),
        )
        .await;
    assert_eq!(
        drone["drone"]["overdue"], true,
        "the field says what the filter found"
    );
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({ "holderId": mia }),
            json!([{ "field": "SERIAL_NUMBER" }])
        )
        .await,
        ["D-1", "D-2"]
    );
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({ "not": { "holderId": mia } }),
            json!([{ "field": "SERIAL_NUMBER" }])
        )
        .await,
        ["D-3", "D-4", "D-5"],
        "drones nobody holds are not held by mia"
    );
    let response = app
        .gql(
            Some(&admin),
            "{ drones(filter: { holderId: \"x\" }) { totalCount } }",
            json!({}),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");

    // User.checkedOutDrones: by dueBackAt, nulls last.
    let mine = app
        .ok(
            Some(&mia_token),
            "{ me { checkedOutDrones { serialNumber overdue } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["me"]["checkedOutDrones"],
        json!([{ "serialNumber": "D-1", "overdue": true }, { "serialNumber": "D-2", "overdue": false }])
    );

    // DUE_BACK_AT: soonest first and drones without a due date last; descending the reverse.
    // Walked one row at a time, so cursors cross the nulls too.
    let walk = |direction: &'static str, backward: bool| {
        let app = &app;
        let admin = &admin;
        async move {
            let query = "query($o: [DroneOrder!], $first: Int, $after: String, $last: Int, $before: String) {
                drones(orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
                    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { serialNumber } } }";
            let order = json!([{ "field": "DUE_BACK_AT", "direction": direction }]);
            let mut seen: Vec<String> = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let variables = if backward {
                    json!({ "o": order, "last": 1, "before": cursor })
                } else {
                    json!({ "o": order, "first": 1, "after": cursor })
                };
                let data = app.ok(Some(admin), query, variables).await;
                let page = &data["drones"];
                let serial = page["nodes"][0]["serialNumber"]
                    .as_str()
                    .unwrap()
                    .to_string();
                if backward {
                    seen.insert(0, serial);
                } else {
                    seen.push(serial);
                }
                let more = if backward {
                    "hasPreviousPage"
                } else {
                    "hasNextPage"
                };
                if page["pageInfo"][more] != true {
                    break;
                }
                let at = if backward { "startCursor" } else { "endCursor" };
                cursor = page["pageInfo"][at].as_str().map(String::from);
            }
            seen
        }
    };
    let ascending = ["D-1", "D-2", "D-3", "D-4", "D-5"];
    let descending = ["D-3", "D-4", "D-5", "D-2", "D-1"];
    assert_eq!(walk("ASC", false).await, ascending);
    assert_eq!(walk("ASC", true).await, ascending);
    assert_eq!(walk("DESC", false).await, descending);
    assert_eq!(walk("DESC", true).await, descending);
    let _ = Value::Null;
}

crate::db_test!(
    check_out_and_back_in,
    holders_cannot_be_deleted_nor_their_drones,
    overdue_holder_and_due_back_lists,
);
