//! The inventory epoch cannot be forgotten: every mutation of the schema, found by
//! introspection, is run once (successfully, as SUPPORT), and each one that writes the
//! inventory must move `inventory_epoch`, while those that write only users' own rows, sessions
//! or API tokens must leave it (so remembered counts survive a sign-in). A mutation this table
//! does not know fails the test: a new one cannot ship without someone deciding which it is.

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::{
    helpers::{ADMIN, ADMIN_PASSWORD, TestApp},
    photos::{jpeg, upload},
};

/// Whether a mutation writes the inventory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Writes {
    Inventory,
    OutsideInventory,
}

use Writes::{Inventory, OutsideInventory};

/// The epoch as the count cache reads it: the sum of its slots.
async fn epoch(app: &TestApp) -> i64 {
    let backend = app.state.db.get_database_backend();
    let row = app
        .state
        .db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS epoch FROM inventory_epoch",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "epoch").unwrap()
}

/// Runs each mutation of the scenario in turn and checks the epoch around it.
struct Run<'a> {
    app: &'a TestApp,
    token: String,
    seen: BTreeSet<String>,
    wrong: Vec<String>,
}

impl Run<'_> {
    /// Runs `query` (one root field, `field`) as SUPPORT; returns the field's value.
    async fn mutation(&mut self, field: &str, writes: Writes, query: &str, vars: Value) -> Value {
        let before = epoch(self.app).await;
        let data = self.app.ok(Some(&self.token), query, vars).await;
        self.judge(field, writes, before).await;
        data[field].clone()
    }

    async fn judge(&mut self, field: &str, writes: Writes, before: i64) {
        let after = epoch(self.app).await;
        let moved = after != before;
        if moved != (writes == Inventory) {
            self.wrong.push(format!(
                "{field}: {writes:?}, but the epoch went {before} -> {after}"
            ));
        }
        self.seen.insert(format!("Mutation.{field}"));
    }
}

async fn every_mutation_that_writes_inventory_moves_the_epoch(app: TestApp) {
    let (token, refresh) = app.login(ADMIN, ADMIN_PASSWORD).await;
    let mut run = Run {
        app: &app,
        token,
        seen: BTreeSet::new(),
        wrong: Vec::new(),
    };

    // Sessions, profiles, users and tokens: outside the inventory.
    run.mutation(
        "login",
        OutsideInventory,
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }",
        json!({ "u": ADMIN, "p": ADMIN_PASSWORD }),
    )
    .await;
    let rotated = run
        .mutation(
            "refreshToken",
            OutsideInventory,
            "mutation($r: String!) { refreshToken(refreshToken: $r) { refreshToken } }",
            json!({ "r": refresh }),
        )
        .await;
    run.mutation(
        "logout",
        OutsideInventory,
        "mutation($r: String!) { logout(refreshToken: $r) }",
        json!({ "r": rotated["refreshToken"] }),
    )
    .await;
    run.mutation(
        "updateProfile",
        OutsideInventory,
        r#"mutation { updateProfile(input: { firstName: "Ada" }) { id } }"#,
        json!({}),
    )
    .await;
    let member = run
        .mutation(
            "createUser",
            OutsideInventory,
            r#"mutation { createUser(input: { username: "epoch-pilot", password: "member-password-1", role: MEMBER }) { id } }"#,
            json!({}),
        )
        .await["id"]
        .clone();
    run.mutation(
        "updateUser",
        OutsideInventory,
        r#"mutation($id: ID!) { updateUser(id: $id, input: { firstName: "Mo" }) { id } }"#,
        json!({ "id": member }),
    )
    .await;
    let api_token = run
        .mutation(
            "createApiToken",
            OutsideInventory,
            r#"mutation { createApiToken(name: "epoch", scope: READ) { token { id } } }"#,
            json!({}),
        )
        .await["token"]["id"]
        .clone();
    run.mutation(
        "revokeApiToken",
        OutsideInventory,
        "mutation($id: ID!) { revokeApiToken(id: $id) }",
        json!({ "id": api_token }),
    )
    .await;

    // The inventory.
    run.mutation(
        "registerCamera",
        Inventory,
        r#"mutation { registerCamera(input: { model: "Epoch One", brand: "DJI", megapixels: 20 }) { id } }"#,
        json!({}),
    )
    .await;
    let spare = run
        .mutation(
            "registerCameras",
            Inventory,
            r#"mutation { registerCameras(inputs: [{ model: "Epoch Two", brand: "DJI", megapixels: 12 }]) { cameras { id } } }"#,
            json!({}),
        )
        .await["cameras"][0]["id"]
        .clone();
    run.mutation(
        "updateCamera",
        Inventory,
        r#"mutation($id: ID!) { updateCamera(id: $id, input: { brand: "Sony" }) { id } }"#,
        json!({ "id": spare }),
    )
    .await;
    let site = run
        .mutation(
            "createSite",
            Inventory,
            r#"mutation { createSite(input: { name: "Hangar A", city: "Lyon", country: "FR" }) { id } }"#,
            json!({}),
        )
        .await["id"]
        .clone();
    run.mutation(
        "updateSite",
        Inventory,
        r#"mutation($id: ID!) { updateSite(id: $id, input: { city: "Paris" }) { id } }"#,
        json!({ "id": site }),
    )
    .await;
    let drone = run
        .mutation(
            "registerDrone",
            Inventory,
            r#"mutation { registerDrone(input: { serialNumber: "EPOCH-1", name: "Mavic 3", brand: "DJI", cameraModels: ["Epoch One"], site: "Hangar A" }) { id } }"#,
            json!({}),
        )
        .await["id"]
        .clone();
    let other = run
        .mutation(
            "registerDrones",
            Inventory,
            r#"mutation { registerDrones(inputs: [{ serialNumber: "EPOCH-2", name: "Air 3", brand: "DJI", cameraModels: [] }]) { drones { id } } }"#,
            json!({}),
        )
        .await["drones"][0]["id"]
        .clone();
    run.mutation(
        "updateDrone",
        Inventory,
        r#"mutation($id: ID!) { updateDrone(id: $id, input: { name: "Mavic 3 Pro" }) { id } }"#,
        json!({ "id": drone }),
    )
    .await;
    run.mutation(
        "checkOutDrone",
        Inventory,
        "mutation($id: ID!, $to: ID!) { checkOutDrone(id: $id, to: $to) { id } }",
        json!({ "id": drone, "to": member }),
    )
    .await;
    run.mutation(
        "checkInDrone",
        Inventory,
        "mutation($id: ID!) { checkInDrone(id: $id) { id } }",
        json!({ "id": drone }),
    )
    .await;
    run.mutation(
        "setDroneStatus",
        Inventory,
        r#"mutation($id: ID!) { setDroneStatus(id: $id, status: MAINTENANCE, note: "props") { id } }"#,
        json!({ "id": drone }),
    )
    .await;
    run.mutation(
        "recordMaintenance",
        Inventory,
        r#"mutation($id: ID!) { recordMaintenance(droneId: $id, input: { kind: REPAIR, note: "new props", returnToService: true }) { id } }"#,
        json!({ "id": drone }),
    )
    .await;
    let before = epoch(&app).await;
    let drone_id = drone.as_str().unwrap();
    let (status, body) = upload(&app, Some(&run.token), drone_id, jpeg(64, 48), None, true).await;
    assert_eq!(status, 200, "{body}");
    let photo = body["data"]["addDronePhoto"]["id"].clone();
    assert!(photo.is_string(), "{body}");
    run.judge("addDronePhoto", Inventory, before).await;
    run.mutation(
        "deleteDronePhoto",
        Inventory,
        "mutation($id: ID!) { deleteDronePhoto(id: $id) }",
        json!({ "id": photo }),
    )
    .await;
    run.mutation(
        "deleteDrone",
        Inventory,
        "mutation($id: ID!) { deleteDrone(id: $id) }",
        json!({ "id": other }),
    )
    .await;
    run.mutation(
        "deleteCamera",
        Inventory,
        "mutation($id: ID!) { deleteCamera(id: $id) }",
        json!({ "id": spare }),
    )
    .await;
    let empty = app
        .ok(
            Some(&run.token),
            r#"mutation { createSite(input: { name: "Hangar B", city: "Nice", country: "FR" }) { id } }"#,
            json!({}),
        )
        .await["createSite"]["id"]
        .clone();
    run.mutation(
        "deleteSite",
        Inventory,
        "mutation($id: ID!) { deleteSite(id: $id) }",
        json!({ "id": empty }),
    )
    .await;
    // Deleting a user clears `registeredBy` on their drones: an inventory write.
    run.mutation(
        "deleteUser",
        Inventory,
        "mutation($id: ID!) { deleteUser(id: $id) }",
        json!({ "id": member }),
    )
    .await;
    run.mutation(
        "changePassword",
        OutsideInventory,
        r#"mutation($p: String!) { changePassword(currentPassword: $p, newPassword: "a-new-password-2") }"#,
        json!({ "p": ADMIN_PASSWORD }),
    )
    .await;

    let schema = app
        .ok(
            None,
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let all: BTreeSet<String> = schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("Mutation.{}", f["name"].as_str().unwrap()))
        .collect();
    let untried: Vec<&String> = all.difference(&run.seen).collect();
    assert!(
        untried.is_empty(),
        "mutations this test does not run (add each, saying whether it writes the inventory): {untried:?}"
    );
    assert!(run.wrong.is_empty(), "{:#?}", run.wrong);
}

crate::db_test!(every_mutation_that_writes_inventory_moves_the_epoch);
