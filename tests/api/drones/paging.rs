//! Keyset pages of drones and their cursors.

use super::*;

async fn drones_keyset_pagination(app: TestApp) {
    let admin = app.admin_token().await;
    // 25 drones whose names are not in id order: name k is given to drone (7 k) mod 25.
    let inputs: Vec<Value> = (0..25)
        .map(|i| {
            json!({
                "serialNumber": format!("SN-{i:02}"),
                "name": format!("Drone{:02}", (i * 7) % 25),
                "brand": "Dji",
                "cameraModels": [],
            })
        })
        .collect();
    let data = app
        .ok(Some(&admin), REGISTER_DRONES, json!({ "i": inputs }))
        .await;
    assert_eq!(data, json!({ "registerDrones": { "created": 25 } }));
    let by_id: Vec<String> = (0..25).map(|i| format!("SN-{i:02}")).collect();
    let mut by_name: Vec<(String, String)> = (0..25)
        .map(|i| (format!("Drone{:02}", (i * 7) % 25), format!("SN-{i:02}")))
        .collect();
    by_name.sort();
    let by_name: Vec<String> = by_name.into_iter().map(|(_, serial)| serial).collect();
    let mut by_name_desc = by_name.clone();
    by_name_desc.reverse();

    for (order, expected) in [
        (json!(null), &by_id),
        (json!([{ "field": "NAME" }]), &by_name),
        (
            json!([{ "field": "NAME", "direction": "DESC" }]),
            &by_name_desc,
        ),
    ] {
        for how in [
            Walk::Forward(10),
            Walk::Backward(10),
            Walk::Forward(7),
            Walk::Backward(1),
        ] {
            let nodes = walk(&app, &admin, &order, how).await;
            // Every drone exactly once, in order.
            assert_eq!(&serials(&nodes), expected, "orderBy {order}");
        }
    }

    // Page by page with first: 10 by name: 10, 10, 5.
    let by_name_order = json!([{ "field": "NAME" }]);
    let one = page(&app, &admin, json!({ "o": by_name_order, "first": 10 })).await;
    assert_eq!(serials(&one.nodes), by_name[..10]);
    assert_eq!(one.info["hasNextPage"], true);
    assert_eq!(one.info["hasPreviousPage"], false);
    let two = page(
        &app,
        &admin,
        json!({ "o": by_name_order, "first": 10, "after": one.info["endCursor"] }),
    )
    .await;
    assert_eq!(serials(&two.nodes), by_name[10..20]);
    assert_eq!(two.info["hasNextPage"], true);
    assert_eq!(two.info["hasPreviousPage"], true);
    let three = page(
        &app,
        &admin,
        json!({ "o": by_name_order, "first": 10, "after": two.info["endCursor"] }),
    )
    .await;
    assert_eq!(serials(&three.nodes), by_name[20..]);
    assert_eq!(three.info["hasNextPage"], false);
    // Backward from the last page's start gives the page before it again.
    let back = page(
        &app,
        &admin,
        json!({ "o": by_name_order, "last": 10, "before": three.info["startCursor"] }),
    )
    .await;
    assert_eq!(serials(&back.nodes), by_name[10..20]);
    assert_eq!(back.info["hasPreviousPage"], true);
    assert_eq!(back.info["hasNextPage"], true);
    // `last` alone is the end of the list.
    let end = page(&app, &admin, json!({ "o": by_name_order, "last": 3 })).await;
    assert_eq!(serials(&end.nodes), by_name[22..]);
    assert_eq!(end.info["hasPreviousPage"], true);
    assert_eq!(end.info["hasNextPage"], false);
    // Past the end: an empty page.
    let past = page(
        &app,
        &admin,
        json!({ "o": by_name_order, "first": 10, "after": end.info["endCursor"] }),
    )
    .await;
    assert!(past.nodes.is_empty());
    assert_eq!(past.info["hasNextPage"], false);
    // The default page size is 20, and 100 is allowed.
    let default = page(&app, &admin, json!({})).await;
    assert_eq!(serials(&default.nodes), by_id[..20]);
    assert_eq!(default.info["hasNextPage"], true);
    let hundred = page(&app, &admin, json!({ "first": 100 })).await;
    assert_eq!(serials(&hundred.nodes), by_id);
    assert_eq!(hundred.info["hasNextPage"], false);
}

async fn drones_pages_are_stable_under_inserts(app: TestApp) {
    let admin = app.admin_token().await;
    for name in ["Bravo", "Delta", "Foxtrot", "Hotel", "Juliet", "Lima"] {
        app.register_drone(&admin, &format!("SN-{name}"), name, "Dji", &[])
            .await;
    }
    let by_name = json!([{ "field": "NAME" }]);
    let one = page(&app, &admin, json!({ "o": by_name, "first": 3 })).await;
    assert_eq!(names(&one.nodes), ["Bravo", "Delta", "Foxtrot"]);
    let cursor = one.info["endCursor"].clone();

    // Drones inserted before the cursor neither shift nor repeat the next page.
    for name in ["Alpha", "Charlie", "Echo"] {
        app.register_drone(&admin, &format!("SN-{name}"), name, "Dji", &[])
            .await;
    }
    let two = page(
        &app,
        &admin,
        json!({ "o": by_name, "first": 3, "after": cursor }),
    )
    .await;
    assert_eq!(names(&two.nodes), ["Hotel", "Juliet", "Lima"]);
    assert_eq!(two.info["hasNextPage"], false);

    // One inserted after the cursor shows up where it belongs.
    app.register_drone(&admin, "SN-Golf", "Golf", "Dji", &[])
        .await;
    let two = page(
        &app,
        &admin,
        json!({ "o": by_name, "first": 3, "after": cursor }),
    )
    .await;
    assert_eq!(names(&two.nodes), ["Golf", "Hotel", "Juliet"]);
    assert_eq!(two.info["hasNextPage"], true);

    // The cursor's own row may go: the cursor still works.
    let data = app
        .ok(
            Some(&admin),
            "{ drone(serialNumber: \"SN-Foxtrot\") { id } }",
            json!({}),
        )
        .await;
    app.ok(
        Some(&admin),
        DELETE_DRONE,
        json!({ "id": data["drone"]["id"] }),
    )
    .await;
    let two = page(
        &app,
        &admin,
        json!({ "o": by_name, "first": 3, "after": cursor }),
    )
    .await;
    assert_eq!(names(&two.nodes), ["Golf", "Hotel", "Juliet"]);
    let back = page(
        &app,
        &admin,
        json!({ "o": by_name, "last": 10, "before": cursor }),
    )
    .await;
    assert_eq!(
        names(&back.nodes),
        ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    );
}

/// Re-encodes `cursor` after `change` edits its JSON body.
fn tamper(cursor: &Value, change: impl FnOnce(&mut Value)) -> String {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.as_str().unwrap())
        .expect("cursors are base64url");
    let mut body: Value = serde_json::from_slice(&bytes).expect("cursors are JSON");
    change(&mut body);
    URL_SAFE_NO_PAD.encode(body.to_string())
}

async fn drones_rejects_bad_cursors_and_page_sizes(app: TestApp) {
    let admin = app.admin_token().await;
    for name in ["Bravo", "Delta", "Foxtrot"] {
        app.register_drone(&admin, &format!("SN-{name}"), name, "Dji", &[])
            .await;
    }
    let by_name = json!([{ "field": "NAME" }]);
    let by_name_desc = json!([{ "field": "NAME", "direction": "DESC" }]);
    let by_brand = json!([{ "field": "BRAND" }]);
    let by_created = json!([{ "field": "CREATED_AT" }]);
    let name_cursor = page(&app, &admin, json!({ "o": by_name, "first": 1 }))
        .await
        .info["endCursor"]
        .clone();
    let created_cursor = page(&app, &admin, json!({ "o": by_created, "first": 1 }))
        .await
        .info["endCursor"]
        .clone();
    let default_cursor = page(&app, &admin, json!({ "first": 1 })).await.info["endCursor"].clone();
    // The cursors work where they belong.
    let next = page(
        &app,
        &admin,
        json!({ "o": by_name, "first": 1, "after": name_cursor }),
    )
    .await;
    assert_eq!(names(&next.nodes), ["Delta"]);

    let other_ordering =
        "cursor was made for another ordering: use cursors with the orderBy they came from";
    let malformed = "malformed cursor: pass a cursor this API returned";
    let cases: Vec<(Value, &str)> = vec![
        // A cursor from another orderBy, either way.
        (
            json!({ "o": by_brand, "after": name_cursor }),
            other_ordering,
        ),
        (
            json!({ "o": by_name_desc, "after": name_cursor }),
            other_ordering,
        ),
        (
            json!({ "o": by_name, "after": default_cursor }),
            other_ordering,
        ),
        (json!({ "after": name_cursor }), other_ordering),
        (
            json!({ "o": by_brand, "before": name_cursor }),
            other_ordering,
        ),
        (
            json!({ "o": by_name, "last": 2, "before": created_cursor }),
            other_ordering,
        ),
        // Tampered: another ordering written into it.
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["o"] = json!("BRAND.ASC,ID.ASC")) }),
            other_ordering,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["o"] = json!("NAME.DESC,ID.ASC")) }),
            other_ordering,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["o"] = json!("NAME.ASC")) }),
            other_ordering,
        ),
        // Tampered: values that do not fit the ordering.
        (
            json!({ "o": by_created, "after": tamper(&created_cursor, |b| b["k"] = json!(["yesterday"])) }),
            malformed,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["k"] = json!([])) }),
            malformed,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["k"] = json!(["Bravo", "Delta"])) }),
            malformed,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["i"] = json!(0)) }),
            malformed,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| b["i"] = json!("1")) }),
            malformed,
        ),
        (
            json!({ "o": by_name, "after": tamper(&name_cursor, |b| { b.as_object_mut().unwrap().remove("k"); }) }),
            malformed,
        ),
        // Garbage.
        (json!({ "after": "not a cursor!" }), malformed),
        (json!({ "after": "" }), malformed),
        (json!({ "before": "Zm9v" }), malformed),
        (json!({ "after": "eyJhIjoxfQ" }), malformed),
        (
            json!({ "after": URL_SAFE_NO_PAD.encode("[1, 2, 3]") }),
            malformed,
        ),
        (
            json!({ "o": by_name, "after": "x".repeat(5000) }),
            malformed,
        ),
    ];
    for (variables, message) in cases {
        let response = app.gql(Some(&admin), DRONE_PAGE, variables.clone()).await;
        assert_eq!(
            expect_error(&response, "BAD_USER_INPUT"),
            message,
            "{variables}"
        );
        assert_eq!(response["data"], Value::Null, "{variables}");
    }

    // Page sizes.
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({ "first": 101 }),
            "`first` must be between 0 and 100, got 101",
        ),
        (
            json!({ "last": 101 }),
            "`last` must be between 0 and 100, got 101",
        ),
        (
            json!({ "first": -1 }),
            "`first` must be between 0 and 100, got -1",
        ),
        (
            json!({ "first": 1, "last": 1 }),
            "pass either `first` or `last`, not both",
        ),
        (
            json!({ "after": name_cursor, "before": name_cursor, "o": by_name }),
            "pass either `after` or `before`, not both",
        ),
        (
            json!({ "first": 1, "before": name_cursor, "o": by_name }),
            "page forward with `first`/`after` or backward with `last`/`before`, not both",
        ),
    ];
    for (variables, message) in cases {
        let response = app.gql(Some(&admin), DRONE_PAGE, variables.clone()).await;
        assert_eq!(
            expect_error(&response, "BAD_USER_INPUT"),
            message,
            "{variables}"
        );
    }
    let hundred = page(&app, &admin, json!({ "first": 100 })).await;
    assert_eq!(hundred.nodes.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// Access

crate::db_test!(
    drones_keyset_pagination,
    drones_pages_are_stable_under_inserts,
    drones_rejects_bad_cursors_and_page_sizes,
);
