//! A BAD_USER_INPUT about an input names it: `extensions.field` holds the input's path from
//! the operation's argument (`input.serialNumber`, `inputs.3.cameraModels.1`,
//! `filter.and.0.name.in`), so a client shows each message beside its field without reading
//! the English. Each case checks the code, the field and the message exactly.

use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};

/// The one error's (message, field).
fn field_error(response: &Value) -> (String, Value) {
    let message = expect_error(response, "BAD_USER_INPUT");
    (
        message,
        response["errors"][0]["extensions"]["field"].clone(),
    )
}

const REGISTER: &str = "mutation($i: RegisterDroneInput!) { registerDrone(input: $i) { id } }";

async fn single_inputs_name_their_field(app: TestApp) {
    let admin = app.admin_token().await;
    app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    let drone = |overrides: Value| {
        let mut input =
            json!({ "serialNumber": "FE-1", "name": "Mavic", "brand": "DJI", "cameraModels": [] });
        input
            .as_object_mut()
            .unwrap()
            .extend(overrides.as_object().unwrap().clone());
        input
    };
    let cases = [
        (
            drone(json!({ "name": "x".repeat(201) })),
            "name must be at most 200 characters",
            "input.name",
        ),
        (
            drone(json!({ "cameraModels": ["Hero3", "Nope 9"] })),
            "unknown camera model \"Nope 9\": register the camera first",
            "input.cameraModels.1",
        ),
        (
            drone(json!({ "cameraModels": ["Hero3", " "] })),
            "camera model must not be empty",
            "input.cameraModels.1",
        ),
        (
            drone(json!({ "site": "Nowhere" })),
            "unknown site \"Nowhere\": create the site first",
            "input.site",
        ),
        (
            drone(json!({ "maintenanceIntervalDays": 0 })),
            "maintenanceIntervalDays must be between 1 and 3650, got 0",
            "input.maintenanceIntervalDays",
        ),
    ];
    for (input, message, field) in cases {
        let response = app.gql(Some(&admin), REGISTER, json!({ "i": input })).await;
        assert_eq!(field_error(&response), (message.to_string(), json!(field)));
    }

    let id = app.register_drone(&admin, "FE-2", "Air", "DJI", &[]).await;
    let response = app
        .gql(
            Some(&admin),
            r#"mutation($id: ID!) { updateDrone(id: $id, input: { cameraModels: [], addCameraModels: ["Hero3"] }) { id } }"#,
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        field_error(&response),
        (
            "cameraModels replaces the whole list: use it without addCameraModels/removeCameraModels"
                .to_string(),
            json!("input.cameraModels")
        )
    );
    let response = app
        .gql(
            Some(&admin),
            r#"mutation($id: ID!) { recordMaintenance(droneId: $id, input: { kind: REPAIR, note: "  " }) { id } }"#,
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        field_error(&response),
        ("note must not be empty".to_string(), json!("input.note"))
    );
    let response = app
        .gql(
            Some(&admin),
            r#"mutation($id: ID!) { checkOutDrone(id: $id, to: "nobody") { id } }"#,
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        field_error(&response),
        ("\"nobody\" is not a valid id".to_string(), json!("to"))
    );
    let response = app
        .gql(
            Some(&admin),
            r#"mutation { createUser(input: { username: "No Spaces", password: "long-enough-1", role: MEMBER }) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        field_error(&response).1,
        json!("input.username"),
        "{response}"
    );
}

async fn bulk_items_name_their_index_and_field(app: TestApp) {
    let admin = app.admin_token().await;
    let inputs = json!([
        { "serialNumber": "B-0", "name": "A", "brand": "DJI", "cameraModels": [] },
        { "serialNumber": "B-1", "name": "A", "brand": "DJI", "cameraModels": [] },
        { "serialNumber": "B-2", "name": "A", "brand": "DJI", "cameraModels": [] },
        { "serialNumber": "B-3", "name": "A", "brand": "DJI", "cameraModels": ["ok", ""] },
        { "serialNumber": "b-1", "name": "A", "brand": "DJI", "cameraModels": [] },
    ]);
    let response = app
        .gql(
            Some(&admin),
            "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }",
            json!({ "i": inputs }),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");
    let extensions = &response["errors"][0]["extensions"];
    assert_eq!(extensions["field"], "inputs.3.cameraModels.1");
    assert_eq!(
        extensions["items"],
        json!([
            { "index": 3, "message": "camera model must not be empty", "field": "inputs.3.cameraModels.1" },
            { "index": 4, "message": "serial number \"b-1\" repeats item 1", "field": "inputs.4.serialNumber" },
        ])
    );
}

async fn list_arguments_and_filters_name_their_path(app: TestApp) {
    let admin = app.admin_token().await;
    let response = app
        .gql(
            Some(&admin),
            "{ drones(first: 1000) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        field_error(&response),
        (
            "`first` must be between 0 and 100, got 1000".to_string(),
            json!("first")
        )
    );
    let many: Vec<String> = (0..1001).map(|i| format!("n{i}")).collect();
    let response = app
        .gql(
            Some(&admin),
            "query($n: [String!]!) { drones(filter: { and: [{ brand: { eq: \"DJI\" } }, { name: { in: $n } }] }) { totalCount } }",
            json!({ "n": many }),
        )
        .await;
    assert_eq!(
        field_error(&response),
        (
            "`in` takes at most 1000 values, got 1001".to_string(),
            json!("filter.and.1.name.in")
        )
    );
    let response = app
        .gql(
            Some(&admin),
            "query($n: [String!]!) { drones(filter: { not: { site: { name: { in: $n } } } }) { totalCount } }",
            json!({ "n": many }),
        )
        .await;
    assert_eq!(field_error(&response).1, json!("filter.not.site.name.in"));
    let response = app
        .gql(
            Some(&admin),
            r#"{ drones(filter: { and: [{ brand: { eq: "DJI" } }, { holderId: "me" }] }) { totalCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        field_error(&response),
        (
            "\"me\" is not a valid id".to_string(),
            json!("filter.and.1.holderId")
        )
    );
}

crate::db_test!(
    single_inputs_name_their_field,
    bulk_items_name_their_index_and_field,
    list_arguments_and_filters_name_their_path,
);
