//! Sites: create/update/delete with their rules, look-ups, the list's filters, orderings and
//! pages, and the drones stationed at each.

use serde_json::{Value, json};

use super::{create_site, drone_id, register, serials};
use crate::helpers::{TestApp, expect_error};

const SITE_FIELDS: &str = "id name address city country contact droneCount createdAt updatedAt";

async fn sites_page(app: &TestApp, token: &str, variables: Value) -> Value {
    let query = "query($f: SiteFilter, $o: [SiteOrder!], $first: Int, $after: String, $last: Int, $before: String) {
        sites(filter: $f, orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
            totalCount pageInfo { hasNextPage hasPreviousPage endCursor startCursor } nodes { name city country } } }";
    app.ok(Some(token), query, variables).await["sites"].clone()
}

fn names(page: &Value) -> Vec<String> {
    page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap().to_string())
        .collect()
}

async fn sites_are_created_changed_and_deleted_by_their_rules(app: TestApp) {
    let admin = app.admin_token().await;
    let create =
        format!("mutation($i: CreateSiteInput!) {{ createSite(input: $i) {{ {SITE_FIELDS} }} }}");
    let data = app
        .ok(
            Some(&admin),
            &create,
            json!({ "i": { "name": " Paris HQ ", "address": "12 rue de la Paix", "city": "Paris",
                           "country": "fr", "contact": "Front desk" } }),
        )
        .await;
    let site = &data["createSite"];
    assert_eq!(site["name"], "Paris HQ");
    assert_eq!(site["country"], "FR", "stored upper-case");
    assert_eq!(site["address"], "12 rue de la Paix");
    assert_eq!(site["droneCount"], 0);
    let id = site["id"].as_str().unwrap().to_string();

    // Unique in any case; bad countries; blank names.
    for (input, code, says) in [
        (
            json!({ "name": "PARIS hq", "city": "Paris", "country": "FR" }),
            "CONFLICT",
            "Paris HQ",
        ),
        (
            json!({ "name": "Nowhere", "city": "X", "country": "XX" }),
            "BAD_USER_INPUT",
            "ISO 3166-1",
        ),
        (
            json!({ "name": "Nowhere", "city": "X", "country": "FRA" }),
            "BAD_USER_INPUT",
            "\"FRA\"",
        ),
        (
            json!({ "name": "Nowhere", "city": "X", "country": "france" }),
            "BAD_USER_INPUT",
            "alpha-2",
        ),
        (
            json!({ "name": "  ", "city": "X", "country": "FR" }),
            "BAD_USER_INPUT",
            "name must not be empty",
        ),
        (
            json!({ "name": "Nowhere", "city": "", "country": "FR" }),
            "BAD_USER_INPUT",
            "city must not be empty",
        ),
    ] {
        let response = app.gql(Some(&admin), &create, json!({ "i": input })).await;
        let message = expect_error(&response, code);
        assert!(message.contains(says), "{message}");
        assert_eq!(response["data"], Value::Null);
    }

    // Look-ups: by id, by name in any case, exactly one of them.
    let lookup = "query($id: ID, $name: String) { site(id: $id, name: $name) { id name } }";
    let by_name = app
        .ok(Some(&admin), lookup, json!({ "name": "paris HQ" }))
        .await;
    assert_eq!(by_name["site"]["id"], id.as_str());
    let by_id = app.ok(Some(&admin), lookup, json!({ "id": id })).await;
    assert_eq!(by_id["site"]["name"], "Paris HQ");
    let missing = app
        .ok(Some(&admin), lookup, json!({ "id": "999999" }))
        .await;
    assert_eq!(missing["site"], Value::Null);
    for variables in [json!({}), json!({ "id": id, "name": "Paris HQ" })] {
        let response = app.gql(Some(&admin), lookup, variables).await;
        expect_error(&response, "BAD_USER_INPUT");
    }

    // Update: omitted fields stay, explicit null clears an optional one, country normalised.
    let update = format!(
        "mutation($id: ID!, $i: UpdateSiteInput!) {{ updateSite(id: $id, input: $i) {{ {SITE_FIELDS} }} }}"
    );
    let data = app
        .ok(
            Some(&admin),
            &update,
            json!({ "id": id, "i": { "address": null, "country": "de", "city": "Berlin" } }),
        )
        .await;
    let updated = &data["updateSite"];
    assert_eq!(updated["name"], "Paris HQ");
    assert_eq!(updated["address"], Value::Null);
    assert_eq!(updated["contact"], "Front desk");
    assert_eq!(updated["country"], "DE");
    assert_eq!(updated["city"], "Berlin");
    let other = create_site(&app, &admin, "Lyon Depot", "Lyon", "FR").await;
    let response = app
        .gql(
            Some(&admin),
            &update,
            json!({ "id": other, "i": { "name": "paris hq" } }),
        )
        .await;
    expect_error(&response, "CONFLICT");
    let response = app
        .gql(
            Some(&admin),
            &update,
            json!({ "id": other, "i": { "country": "EU" } }),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");
    let response = app
        .gql(Some(&admin), &update, json!({ "id": "999999", "i": {} }))
        .await;
    expect_error(&response, "NOT_FOUND");

    // Delete: CONFLICT while a drone is stationed there; then it goes.
    let drone = register(&app, &admin, "SITE-1", json!({ "site": "lyon depot" })).await;
    let delete = "mutation($id: ID!) { deleteSite(id: $id) }";
    let response = app.gql(Some(&admin), delete, json!({ "id": other })).await;
    let message = expect_error(&response, "CONFLICT");
    assert!(
        message.contains("Lyon Depot") && message.contains("1 drone"),
        "{message}"
    );
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { updateDrone(id: $id, input: { site: null }) { site { id } } }",
        json!({ "id": drone }),
    )
    .await;
    let data = app.ok(Some(&admin), delete, json!({ "id": other })).await;
    assert_eq!(data["deleteSite"], other.as_str());
    let response = app.gql(Some(&admin), delete, json!({ "id": other })).await;
    expect_error(&response, "NOT_FOUND");

    // Every change is in the trail as entity SITE.
    let log = app
        .ok(
            Some(&admin),
            "{ auditLog(filter: { entity: SITE }, first: 10) { nodes { action entityId } } }",
            json!({}),
        )
        .await;
    let actions: Vec<(String, String)> = log["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["action"].as_str().unwrap().into(),
                n["entityId"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("DELETE".to_string(), other.clone()),
            ("CREATE".to_string(), other.clone()),
            ("UPDATE".to_string(), id.clone()),
            ("CREATE".to_string(), id.clone()),
        ]
    );
}

const SITES: [(&str, &str, &str); 6] = [
    ("Paris HQ", "Paris", "FR"),
    ("Lyon Depot", "Lyon", "FR"),
    ("Berlin Lab", "Berlin", "DE"),
    ("Austin Field Base", "Austin", "US"),
    ("Toronto Office", "Toronto", "CA"),
    ("Paris Annex", "Paris", "FR"),
];

async fn sites_filter_order_and_page(app: TestApp) {
    let admin = app.admin_token().await;
    for (name, city, country) in SITES {
        create_site(&app, &admin, name, city, country).await;
    }
    let filtered =
        |f: Value| sites_page(&app, &admin, json!({ "f": f, "o": [{ "field": "NAME" }] }));
    let page = filtered(json!({ "city": { "eq": "Paris" } })).await;
    assert_eq!(names(&page), ["Paris Annex", "Paris HQ"]);
    assert_eq!(page["totalCount"], 2);
    let page = filtered(
        json!({ "or": [{ "country": { "eq": "DE" } }, { "name": { "startsWith": "tor" } }] }),
    )
    .await;
    assert_eq!(names(&page), ["Berlin Lab", "Toronto Office"]);
    let page = filtered(json!({ "not": { "country": { "in": ["FR", "US"] } } })).await;
    assert_eq!(names(&page), ["Berlin Lab", "Toronto Office"]);
    let page = filtered(
        json!({ "and": [{ "country": { "eq": "FR" } }, { "name": { "contains": "DEPOT" } }] }),
    )
    .await;
    assert_eq!(names(&page), ["Lyon Depot"]);

    // Every ordering, both ways, equals the same rows sorted here (ties by creation order).
    for (field, key) in [("NAME", 0), ("CITY", 1), ("COUNTRY", 2), ("CREATED_AT", 3)] {
        for direction in ["ASC", "DESC"] {
            let mut expected: Vec<(usize, &(&str, &str, &str))> =
                SITES.iter().enumerate().collect();
            expected.sort_by(|(ia, a), (ib, b)| {
                let (ka, kb) = match key {
                    0 => (a.0, b.0),
                    1 => (a.1, b.1),
                    2 => (a.2, b.2),
                    _ => ("", ""),
                };
                let by_key = if key == 3 { ia.cmp(ib) } else { ka.cmp(kb) };
                let by_key = if direction == "DESC" {
                    by_key.reverse()
                } else {
                    by_key
                };
                by_key.then(ia.cmp(ib))
            });
            let expected: Vec<String> = expected.iter().map(|(_, s)| s.0.to_string()).collect();
            // Walk it two at a time with cursors.
            let order = json!([{ "field": field, "direction": direction }]);
            let mut seen = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let page = sites_page(
                    &app,
                    &admin,
                    json!({ "o": order, "first": 2, "after": after }),
                )
                .await;
                assert_eq!(page["totalCount"], 6);
                seen.extend(names(&page));
                if page["pageInfo"]["hasNextPage"] != true {
                    break;
                }
                after = page["pageInfo"]["endCursor"].as_str().map(String::from);
            }
            assert_eq!(seen, expected, "{field} {direction}");
            // And backwards from the end.
            let page = sites_page(&app, &admin, json!({ "o": order, "last": 2 })).await;
            assert_eq!(
                names(&page),
                expected[4..].to_vec(),
                "{field} {direction} last 2"
            );
        }
    }
}

async fn drones_are_stationed_at_sites(app: TestApp) {
    let admin = app.admin_token().await;
    create_site(&app, &admin, "Paris HQ", "Paris", "FR").await;
    create_site(&app, &admin, "Paris Annex", "Paris", "FR").await;
    create_site(&app, &admin, "Berlin Lab", "Berlin", "DE").await;
    for (serial, site) in [
        ("P-1", Some("paris hq")),
        ("P-2", Some("PARIS ANNEX")),
        ("B-1", Some("Berlin Lab")),
        ("N-1", None),
    ] {
        let extra = match site {
            Some(site) => json!({ "site": site }),
            None => json!({}),
        };
        register(&app, &admin, serial, extra).await;
    }
    // An unknown site is BAD_USER_INPUT naming it, and nothing is registered.
    let response = app
        .gql(
            Some(&admin),
            "mutation { registerDrone(input: { serialNumber: \"X-1\", name: \"X\", brand: \"DJI\", cameraModels: [], site: \"Atlantis\" }) { id } }",
            json!({}),
        )
        .await;
    let message = expect_error(&response, "BAD_USER_INPUT");
    assert!(message.contains("\"Atlantis\""), "{message}");

    let drone = app
        .ok(
            Some(&admin),
            "{ drone(serialNumber: \"P-1\") { site { name city country droneCount } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        drone["drone"]["site"],
        json!({ "name": "Paris HQ", "city": "Paris", "country": "FR", "droneCount": 1 })
    );
    let order = json!([{ "field": "SERIAL_NUMBER" }]);
    assert_eq!(
        serials(&app, &admin, json!({ "city": "pARIS" }), order.clone()).await,
        ["P-1", "P-2"]
    );
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({ "site": { "country": { "eq": "DE" } } }),
            order.clone()
        )
        .await,
        ["B-1"]
    );
    assert_eq!(
        serials(
            &app,
            &admin,
            json!({ "not": { "site": { "city": { "eq": "Paris" } } } }),
            order.clone()
        )
        .await,
        ["B-1", "N-1"],
        "a drone stationed nowhere is at no Paris site"
    );

    // Site.drones: filtered and ordered like Query.drones, within the site.
    let data = app
        .ok(
            Some(&admin),
            "{ sites(orderBy: [{field: NAME}]) { nodes { name droneCount
                drones(orderBy: [{field: SERIAL_NUMBER, direction: DESC}]) { totalCount nodes { serialNumber } }
                filtered: drones(filter: { serialNumber: { eq: \"nope\" } }) { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["sites"]["nodes"],
        json!([
            { "name": "Berlin Lab", "droneCount": 1, "drones": { "totalCount": 1, "nodes": [{ "serialNumber": "B-1" }] }, "filtered": { "totalCount": 0 } },
            { "name": "Paris Annex", "droneCount": 1, "drones": { "totalCount": 1, "nodes": [{ "serialNumber": "P-2" }] }, "filtered": { "totalCount": 0 } },
            { "name": "Paris HQ", "droneCount": 1, "drones": { "totalCount": 1, "nodes": [{ "serialNumber": "P-1" }] }, "filtered": { "totalCount": 0 } },
        ])
    );

    // Re-stationing by update; explicit null: nowhere; an unknown name is BAD_USER_INPUT.
    let update =
        "mutation($s: String) { updateDrone(id: $id, input: { site: $s }) { site { name } } }";
    let id = drone_id(&app, &admin, "N-1").await;
    let update = update.replace("mutation($s: String)", "mutation($id: ID!, $s: String)");
    let data = app
        .ok(
            Some(&admin),
            &update,
            json!({ "id": id, "s": "berlin lab" }),
        )
        .await;
    assert_eq!(data["updateDrone"]["site"]["name"], "Berlin Lab");
    let response = app
        .gql(Some(&admin), &update, json!({ "id": id, "s": "Atlantis" }))
        .await;
    expect_error(&response, "BAD_USER_INPUT");
    let data = app
        .ok(Some(&admin), &update, json!({ "id": id, "s": null }))
        .await;
    assert_eq!(data["updateDrone"]["site"], Value::Null);
}

crate::db_test!(
    sites_are_created_changed_and_deleted_by_their_rules,
    sites_filter_order_and_page,
    drones_are_stationed_at_sites,
);
