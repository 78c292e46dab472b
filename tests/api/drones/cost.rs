//! Who may change drones, and what a page costs in SQL statements.

use super::*;

async fn drone_mutations_require_support(app: TestApp) {
    let admin = app.admin_token().await;
    register_cameras(&app, &admin, &["Hero3"]).await;
    let id = app
        .register_drone(&admin, "SN-1", "Scout", "Dji", &["Hero3"])
        .await;
    let before = fetch(&app, &admin, &id).await;
    let (_, member) = app.member("mia").await;
    let new_drone = json!({ "serialNumber": "SN-2", "name": "Ranger", "brand": "Dji", "cameraModels": ["Hero3"] });
    let mutations = [
        (
            "mutation($i: RegisterDroneInput!) { registerDrone(input: $i) { id } }",
            json!({ "i": new_drone }),
        ),
        (
            "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i, onConflict: UPDATE) { created } }",
            json!({ "i": [new_drone] }),
        ),
        (
            "mutation($id: ID!) { updateDrone(id: $id, input: { name: \"Stolen\", cameraModels: [] }) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { deleteDrone(id: $id) }",
            json!({ "id": id }),
        ),
    ];
    for (mutation, variables) in mutations {
        let response = app.gql(Some(&member), mutation, variables.clone()).await;
        assert_eq!(
            expect_error(&response, "FORBIDDEN"),
            "only the support team may do this",
            "{mutation}"
        );
        assert_eq!(response["data"], Value::Null, "{mutation}");
        let response = app.gql(None, mutation, variables).await;
        expect_error(&response, "UNAUTHENTICATED");
        assert_eq!(response["data"], Value::Null, "{mutation}");
    }
    // Nothing changed.
    assert_eq!(fetch(&app, &admin, &id).await, before);
    assert_eq!(total_count(&app, "drones", &admin).await, 1);

    // Members read drones; anonymous clients do not.
    assert_eq!(fetch(&app, &member, &id).await, before);
    assert_eq!(
        app.ok(
            Some(&member),
            DRONE_SERIALS,
            json!({ "f": { "search": "sn" } })
        )
        .await,
        serial_list(&["SN-1"])
    );
    let response = app.gql(None, DRONE_SERIALS, json!({})).await;
    expect_error(&response, "UNAUTHENTICATED");
    assert_eq!(response["data"], Value::Null);
    let response = app.gql(None, &drone_query(), json!({ "id": id })).await;
    expect_error(&response, "UNAUTHENTICATED");
}

// ---------------------------------------------------------------------------------------------
// Statements per page

/// Five cameras; drone `i` lists cameras i, i+1 (mod 5) and, for even i, i+2.
const STATEMENT_MODELS: [&str; 5] = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"];

fn statement_drone_cameras(i: usize) -> Vec<usize> {
    let mut cameras = vec![i % 5, (i + 1) % 5];
    if i.is_multiple_of(2) {
        cameras.push((i + 2) % 5);
    }
    cameras.sort();
    cameras
}

async fn drones_page_costs_the_same_statements_for_any_size(app: TestApp) {
    let admin = app.admin_token().await;
    for (j, model) in STATEMENT_MODELS.iter().enumerate() {
        app.register_camera(&admin, model, "Acme", 10.0 + j as f64)
            .await;
    }
    let inputs: Vec<Value> = (0..100)
        .map(|i| {
            json!({
                "serialNumber": format!("SN-{i:03}"),
                "name": format!("Drone{i:03}"),
                "brand": "Acme",
                "cameraModels": statement_drone_cameras(i)
                    .into_iter()
                    .map(|j| STATEMENT_MODELS[j].to_lowercase())
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let data = app
        .ok(Some(&admin), REGISTER_DRONES, json!({ "i": inputs }))
        .await;
    assert_eq!(data, json!({ "registerDrones": { "created": 100 } }));

    let mut drone_counts = [0; 5];
    for i in 0..100 {
        for j in statement_drone_cameras(i) {
            drone_counts[j] += 1;
        }
    }
    let expected_node = |i: usize| {
        json!({
            "serialNumber": format!("SN-{i:03}"),
            "cameras": statement_drone_cameras(i).into_iter().map(|j| json!({
                "model": STATEMENT_MODELS[j],
                "megapixels": 10.0 + j as f64,
                "droneCount": drone_counts[j],
            })).collect::<Vec<_>>(),
            "registeredBy": { "username": "admin" },
        })
    };

    let query = "query($n: Int) { drones(first: $n) { totalCount edges { node {
        id serialNumber cameras { model megapixels droneCount } registeredBy { username } } } } }";
    let mut costs = Vec::new();
    for n in [1usize, 10, 100] {
        let before = app.statements();
        let data = app.ok(Some(&admin), query, json!({ "n": n })).await;
        costs.push(app.statements() - before);

        let connection = &data["drones"];
        assert_eq!(connection["totalCount"], 100);
        let edges = connection["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n);
        for (i, edge) in edges.iter().enumerate() {
            let mut node = edge["node"].clone();
            assert!(node["id"].is_string());
            node.as_object_mut().unwrap().remove("id");
            assert_eq!(node, expected_node(i));
        }
    }
    eprintln!(
        "statements per drones page ({:?}) for first = 1, 10, 100: {costs:?}",
        app.backend
    );
    // The page, totalCount, then one batch each for Drone.cameras, Drone.registeredBy and
    // Camera.droneCount (the viewer's role is cached).
    assert_eq!(
        costs,
        vec![5, 5, 5],
        "a page of N drones costs O(1) statements"
    );

    // The same query over graphql-ws (one request context for both transports): the same
    // answer for the same statements.
    let mut socket = crate::subscriptions::open_signed_in(&app, &admin).await;
    for (i, n) in [1usize, 10, 100].into_iter().enumerate() {
        let over_http = app.ok(Some(&admin), query, json!({ "n": n })).await;
        let before = app.statements();
        let answer =
            crate::subscriptions::operate(&mut socket, &format!("q{n}"), query, json!({ "n": n }))
                .await;
        assert_eq!(
            app.statements() - before,
            costs[i],
            "first = {n} over graphql-ws"
        );
        assert_eq!(answer, json!({ "data": over_http }));
    }

    // The list query of the contract (and of the benchmark): cameras and registeredBy with
    // totalCount costs four statements whatever the page size.
    let query = "query($n: Int) { drones(first: $n, filter: {brand: {eq: \"Acme\"}}, orderBy: [{field: NAME}]) {
        totalCount edges { node { id serialNumber name brand cameras { model megapixels brand }
        registeredBy { username } } } } }";
    let mut costs = Vec::new();
    for n in [1usize, 10, 100] {
        let before = app.statements();
        let data = app.ok(Some(&admin), query, json!({ "n": n })).await;
        costs.push(app.statements() - before);
        assert_eq!(data["drones"]["edges"].as_array().unwrap().len(), n);
    }
    assert_eq!(
        costs,
        vec![4, 4, 4],
        "page + totalCount + cameras + registeredBy"
    );
}

/// Runs with a viewer cache that cannot expire during the test, so that the count does not
/// depend on timing: the bearer token's user is looked up once, by the first request.
mod drones_page_costs_the_same_statements_for_any_size {
    use crate::helpers::{Backend, TestApp};

    const CONFIG: &[(&str, &str)] = &[("HANGAR_AUTH_CACHE_TTL", "1h")];

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = TestApp::spawn_with(Backend::Sqlite, CONFIG).await;
        super::drones_page_costs_the_same_statements_for_any_size(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
    async fn postgres() {
        let app = TestApp::spawn_postgres_with(CONFIG).await;
        super::drones_page_costs_the_same_statements_for_any_size(app).await;
    }
}

crate::db_test!(drone_mutations_require_support,);
