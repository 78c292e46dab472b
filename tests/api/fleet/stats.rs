//! Dashboards: droneStats counts what its filter matches with one grouped statement per list
//! (a test counts them), and remembers each part while the inventory and the clock leave it
//! true (issue #15: one look at the epoch per refresh); a page of 100 drones with site,
//! holder, tags and the maintenance fields stays a small constant number of statements.

use serde_json::{Value, json};

use super::{CHECK_OUT, SET_STATUS, create_site, drone_id, from_now, my_id};
use crate::helpers::{Backend, TestApp};

const STATS: &str = "query($f: DroneFilter) { droneStats(filter: $f) {
    total overdue maintenanceDue
    byStatus { status count }
    byBrand { brand count }
    bySite { site { name } count } } }";

/// A small fleet: brands DJI x4, Parrot x2, Autel x2 (a tie broken by brand); sites Paris x3,
/// Berlin x2, nowhere x3; two checked out (one overdue), one lost, one retired, one due.
async fn small_fleet(app: &TestApp, admin: &str) {
    create_site(app, admin, "Paris HQ", "Paris", "FR").await;
    create_site(app, admin, "Berlin Lab", "Berlin", "DE").await;
    let me = my_id(app, admin).await;
    let fleet = [
        ("F-1", "DJI", Some("Paris HQ")),
        ("F-2", "DJI", Some("Paris HQ")),
        ("F-3", "DJI", Some("Berlin Lab")),
        ("F-4", "DJI", None),
        ("F-5", "Parrot", Some("Paris HQ")),
        ("F-6", "Parrot", None),
        ("F-7", "Autel", Some("Berlin Lab")),
        ("F-8", "Autel", None),
    ];
    let inputs: Vec<Value> = fleet
        .iter()
        .map(|(serial, brand, site)| {
            json!({ "serialNumber": serial, "name": "x", "brand": brand, "cameraModels": [], "site": site,
                    "maintenanceIntervalDays": if *serial == "F-5" { Value::Null } else { json!(365) } })
        })
        .collect();
    app.ok(
        Some(admin),
        "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }",
        json!({ "i": inputs }),
    )
    .await;
    let id = |serial: &'static str| drone_id(app, admin, serial);
    app.ok(
        Some(admin),
        CHECK_OUT,
        json!({ "id": id("F-1").await, "to": me, "due": from_now(1) }),
    )
    .await;
    app.ok(
        Some(admin),
        CHECK_OUT,
        json!({ "id": id("F-2").await, "to": me, "due": from_now(86_400) }),
    )
    .await;
    app.ok(
        Some(admin),
        SET_STATUS,
        json!({ "id": id("F-6").await, "s": "LOST", "note": "lake" }),
    )
    .await;
    app.ok(
        Some(admin),
        SET_STATUS,
        json!({ "id": id("F-8").await, "s": "RETIRED", "note": "crash" }),
    )
    .await;
    // F-3: serviced two years ago on a yearly schedule: due.
    app.ok(
        Some(admin),
        "mutation($d: ID!, $at: DateTime) { recordMaintenance(droneId: $d, input: { kind: INSPECTION, note: \"ok\", performedAt: $at }) { id } }",
        json!({ "d": id("F-3").await, "at": from_now(-2 * 365 * 86_400) }),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
}

async fn drone_stats_count_what_the_filter_matches(app: TestApp) {
    let admin = app.admin_token().await;
    small_fleet(&app, &admin).await;

    let before = app.statements();
    let data = app.ok(Some(&admin), STATS, json!({})).await;
    let statements = app.statements() - before;
    assert_eq!(
        data["droneStats"],
        json!({
            "total": 8, "overdue": 1, "maintenanceDue": 1,
            "byStatus": [
                { "status": "AVAILABLE", "count": 4 }, { "status": "CHECKED_OUT", "count": 2 },
                { "status": "LOST", "count": 1 }, { "status": "RETIRED", "count": 1 },
            ],
            "byBrand": [{ "brand": "DJI", "count": 4 }, { "brand": "Autel", "count": 2 }, { "brand": "Parrot", "count": 2 }],
            "bySite": [{ "site": { "name": "Paris HQ" }, "count": 3 }, { "site": null, "count": 3 }, { "site": { "name": "Berlin Lab" }, "count": 2 }],
        })
    );
    // The viewer look-up (first request of this token), the epoch, then one statement for
    // the three totals, one per list, one batch for bySite's sites.
    assert!(
        (6..=7).contains(&statements),
        "droneStats costs one grouped statement per list: {statements}"
    );
    let before = app.statements();
    let again = app.ok(Some(&admin), STATS, json!({})).await;
    assert_eq!(again, data);
    assert_eq!(
        app.statements() - before,
        2,
        "remembered: the epoch, and the batch of bySite's sites"
    );

    // The filter narrows every count.
    let data = app
        .ok(
            Some(&admin),
            STATS,
            json!({ "f": { "site": { "name": { "eq": "Paris HQ" } } } }),
        )
        .await;
    assert_eq!(
        data["droneStats"],
        json!({
            "total": 3, "overdue": 1, "maintenanceDue": 0,
            "byStatus": [{ "status": "AVAILABLE", "count": 1 }, { "status": "CHECKED_OUT", "count": 2 }],
            "byBrand": [{ "brand": "DJI", "count": 2 }, { "brand": "Parrot", "count": 1 }],
            "bySite": [{ "site": { "name": "Paris HQ" }, "count": 3 }],
        })
    );
    let data = app
        .ok(
            Some(&admin),
            STATS,
            json!({ "f": { "serialNumber": { "eq": "none" } } }),
        )
        .await;
    assert_eq!(
        data["droneStats"],
        json!({ "total": 0, "overdue": 0, "maintenanceDue": 0, "byStatus": [], "byBrand": [], "bySite": [] })
    );
}

/// Remembered parts are exact: a write on either instance, and the clock passing a due date
/// while nothing is written, are both in the very next answer.
async fn a_remembered_dashboard_changes_with_every_write_and_with_the_clock(app: TestApp) {
    let admin = app.admin_token().await;
    small_fleet(&app, &admin).await;
    let totals = "{ droneStats { total overdue maintenanceDue byStatus { status count } } }";
    let first = app.ok(Some(&admin), totals, json!({})).await["droneStats"].clone();
    assert_eq!(
        (first["total"].clone(), first["overdue"].clone()),
        (json!(8), json!(1))
    );

    // A write through another instance on the same database.
    let sibling = app.spawn_sibling().await;
    let sibling_admin = sibling.admin_token().await;
    sibling
        .ok(
            Some(&sibling_admin),
            "mutation { registerDrone(input: {serialNumber: \"F-9\", name: \"x\", brand: \"DJI\", cameraModels: []}) { id } }",
            json!({}),
        )
        .await;
    let after_write = app.ok(Some(&admin), totals, json!({})).await["droneStats"].clone();
    assert_eq!(after_write["total"], json!(9));
    assert_eq!(
        after_write["byStatus"][0],
        json!({ "status": "AVAILABLE", "count": 5 })
    );

    // F-4 goes out due back in two seconds: not overdue yet, remembered until then.
    let f4 = drone_id(&app, &admin, "F-4").await;
    let me = my_id(&app, &admin).await;
    app.ok(
        Some(&admin),
        CHECK_OUT,
        json!({ "id": f4, "to": me, "due": from_now(2) }),
    )
    .await;
    let out = app.ok(Some(&admin), totals, json!({})).await["droneStats"].clone();
    assert_eq!(out["overdue"], json!(1));
    let before = app.statements();
    let remembered = app.ok(Some(&admin), totals, json!({})).await["droneStats"].clone();
    assert_eq!(
        (remembered, app.statements() - before),
        (out, 1),
        "only the epoch"
    );

    // Nothing is written while F-4's due date passes; the next answer counts it.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let before = app.statements();
    let overdue = app.ok(Some(&admin), totals, json!({})).await["droneStats"].clone();
    assert_eq!(overdue["overdue"], json!(2));
    assert_eq!(
        app.statements() - before,
        2,
        "the epoch and the totals; byStatus is still remembered"
    );

    // A filter that reads the clock is never remembered.
    let query = "{ droneStats(filter: {overdue: true}) { total } }";
    app.ok(Some(&admin), query, json!({})).await;
    let before = app.statements();
    let data = app.ok(Some(&admin), query, json!({})).await;
    assert_eq!(data["droneStats"]["total"], json!(2));
    assert_eq!(app.statements() - before, 1, "counted, no epoch");
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("hangar_drone_stats_answers_total{source=\"remembered\"} 3\n"),
        "{metrics}"
    );
}

async fn a_page_of_fleet_fields_costs_constant_statements(app: TestApp) {
    let admin = app.admin_token().await;
    create_site(&app, &admin, "Paris HQ", "Paris", "FR").await;
    create_site(&app, &admin, "Berlin Lab", "Berlin", "DE").await;
    let me = my_id(&app, &admin).await;
    let inputs: Vec<Value> = (0..100)
        .map(|i| {
            let site = ["Paris HQ", "Berlin Lab"][i % 2];
            json!({ "serialNumber": format!("P-{i:03}"), "name": "x", "brand": "DJI", "cameraModels": [],
                    "site": site, "tags": [format!("t{}", i % 7), "fleet"],
                    "maintenanceIntervalDays": 30 })
        })
        .collect();
    let data = app
        .ok(
            Some(&admin),
            "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { drones { id } } }",
            json!({ "i": inputs }),
        )
        .await;
    for drone in data["registerDrones"]["drones"]
        .as_array()
        .unwrap()
        .iter()
        .step_by(3)
    {
        app.ok(
            Some(&admin),
            CHECK_OUT,
            json!({ "id": drone["id"], "to": me, "due": from_now(3600) }),
        )
        .await;
    }
    let query = "query($n: Int) { drones(first: $n, orderBy: [{field: SERIAL_NUMBER}]) { nodes {
        serialNumber status site { name droneCount } holder { username } tags overdue
        lastMaintenanceAt maintenanceDueAt maintenanceDue registeredBy { username } } } }";
    app.ok(Some(&admin), query, json!({ "n": 1 })).await;
    let mut costs = Vec::new();
    for n in [1usize, 10, 100] {
        let before = app.statements();
        let data = app.ok(Some(&admin), query, json!({ "n": n })).await;
        costs.push(app.statements() - before);
        let nodes = data["drones"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), n);
        let first = &nodes[0];
        assert_eq!(
            first["site"],
            json!({ "name": "Paris HQ", "droneCount": 50 })
        );
        assert_eq!(first["holder"], json!({ "username": "admin" }));
        assert_eq!(first["tags"], json!(["fleet", "t0"]));
    }
    eprintln!(
        "statements per fleet page ({:?}) for 1, 10, 100: {costs:?}",
        app.backend
    );
    // The page; one batch of users (registeredBy and holder together); sites; their drone
    // counts; tags.
    assert_eq!(
        costs,
        vec![5, 5, 5],
        "a page of N drones costs O(1) statements"
    );

    // User.checkedOutDrones over a page of users, with the drones' own relations.
    let query = "{ users(first: 10) { nodes { username checkedOutDrones { serialNumber site { name } tags } } } }";
    let before = app.statements();
    let data = app.ok(Some(&admin), query, json!({})).await;
    let cost = app.statements() - before;
    let held = data["users"]["nodes"][0]["checkedOutDrones"]
        .as_array()
        .unwrap();
    assert_eq!(held.len(), 34);
    assert_eq!(cost, 4, "users, their drones, the drones' sites, tags");
    let _ = Backend::Sqlite;
}

crate::db_test!(drone_stats_count_what_the_filter_matches);
crate::db_test!(a_remembered_dashboard_changes_with_every_write_and_with_the_clock);

/// With a viewer cache that cannot expire during the test, as the drones statement test.
mod a_page_of_fleet_fields_costs_constant_statements {
    use crate::helpers::{Backend, TestApp};

    const CONFIG: &[(&str, &str)] = &[("HANGAR_AUTH_CACHE_TTL", "1h")];

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = TestApp::spawn_with(Backend::Sqlite, CONFIG).await;
        super::a_page_of_fleet_fields_costs_constant_statements(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
    async fn postgres() {
        let app = TestApp::spawn_postgres_with(CONFIG).await;
        super::a_page_of_fleet_fields_costs_constant_statements(app).await;
    }
}
