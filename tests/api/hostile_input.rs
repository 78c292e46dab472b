//! Hostile input the unit properties (src/service/*/props.rs) cannot reach because it would
//! fail only in the database: each request here once passed the service checks and then broke
//! a database limit (INTERNAL_SERVER_ERROR, or for orderBy unbounded work). The server refuses
//! them itself now; every test asserts BAD_USER_INPUT on SQLite and PostgreSQL.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};

const DRONES: &str = "query($f: DroneFilter, $o: [DroneOrder!], $first: Int, $after: String) {
    drones(filter: $f, orderBy: $o, first: $first, after: $after) {
        edges { cursor node { serialNumber } } } }";

/// PostgreSQL text cannot hold NUL (U+0000): binding it fails the statement (SQLSTATE
/// 22021). Validated inventory text already refuses control characters; filter text, cursor
/// text and personal names do not, and reach the database.
async fn text_with_nul_is_bad_input(app: TestApp) {
    let admin = app.admin_token().await;
    app.register_drone(&admin, "SN-1", "Falcon", "Acme", &[])
        .await;
    let forged = json!({ "o": "NAME.ASC,ID.ASC", "k": ["a\u{0}"], "i": 1 });
    let cursor = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
    let cases: [(&str, Value); 5] = [
        ("eq", json!({ "f": { "name": { "eq": "a\u{0}b" } } })),
        ("in", json!({ "f": { "brand": { "in": ["\u{0}"] } } })),
        (
            "contains",
            json!({ "f": { "brand": { "contains": "\u{0}" } } }),
        ),
        ("search", json!({ "f": { "search": "Fal\u{0}" } })),
        (
            "cursor",
            json!({ "o": [{ "field": "NAME", "direction": "ASC" }], "after": cursor }),
        ),
    ];
    for (case, variables) in cases {
        let response = app.gql(Some(&admin), DRONES, variables).await;
        assert_eq!(response["data"], Value::Null, "{case}: {response:#}");
        expect_error(&response, "BAD_USER_INPUT");
    }

    let response = app
        .gql(
            Some(&admin),
            "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
            json!({ "i": {
                "username": "nul-name",
                "password": "member-password-1",
                "role": "MEMBER",
                "firstName": "Ada\u{0}",
            } }),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");
}

/// `orderBy` is an unbounded list that may repeat a field. Each entry adds an ORDER BY term
/// and a value to every row's cursor: past 2,000 terms SQLite fails the statement, PostgreSQL
/// answers (100,000 entries: a 42 MB response for one row), and from five repeats of a long
/// name on, the cursors the API returns exceed the 4,096-character cursor cap and are refused
/// as "malformed" on the next page. A repeated field orders nothing more.
async fn repeated_order_fields_are_bad_input(app: TestApp) {
    let admin = app.admin_token().await;
    app.register_drone(&admin, "SN-1", "Falcon", "Acme", &[])
        .await;
    let name = json!({ "field": "NAME", "direction": "ASC" });
    for order in [
        vec![name.clone(), name.clone()],
        vec![
            name.clone(),
            json!({ "field": "NAME", "direction": "DESC" }),
        ],
        vec![name; 2001],
    ] {
        let response = app
            .gql(Some(&admin), DRONES, json!({ "o": order, "first": 1 }))
            .await;
        assert_eq!(response["data"], Value::Null, "{} entries", order.len());
        expect_error(&response, "BAD_USER_INPUT");
    }
}

/// Each `in` list is capped at 1,000 values, but a filter's 200 parts may each carry several
/// lists: 40 lists exceed SQLite's 32,766 bind parameters, 70 PostgreSQL's 65,535, and the
/// statement fails.
async fn in_values_across_a_filter_are_bounded(app: TestApp) {
    let admin = app.admin_token().await;
    let values: Vec<String> = (0..1000).map(|i| format!("SN-{i}")).collect();
    let or: Vec<Value> = (0..70)
        .map(|_| json!({ "serialNumber": { "in": values } }))
        .collect();
    let response = app
        .gql(Some(&admin), DRONES, json!({ "f": { "or": or } }))
        .await;
    assert_eq!(response["data"], Value::Null, "{response:#}");
    expect_error(&response, "BAD_USER_INPUT");
}

crate::db_test!(
    text_with_nul_is_bad_input,
    repeated_order_fields_are_bad_input,
    in_values_across_a_filter_are_bounded,
);
