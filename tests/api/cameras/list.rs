//! The camera list, its drone counts, and who may change cameras.

use super::*;

/// Registers five cameras; ids follow this order, which is neither model nor brand order.
/// Two GoPro cameras share brand and megapixels, two Dji cameras share a brand.
async fn register_catalogue(app: &TestApp, token: &str) {
    for (model, brand, megapixels) in [
        ("Hero4", "GoPro", 12.0),
        ("Zenmuse", "Dji", 20.8),
        ("Hero3", "GoPro", 12.0),
        ("Alpha", "Sony", 61.0),
        ("Mavic", "Dji", 48.0),
    ] {
        app.register_camera(token, model, brand, megapixels).await;
    }
}

async fn cameras_filters(app: TestApp) {
    let admin = app.admin_token().await;
    register_catalogue(&app, &admin).await;
    let all = ["Hero4", "Zenmuse", "Hero3", "Alpha", "Mavic"];
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!(null), all.to_vec()),
        (json!({}), all.to_vec()),
        (json!({ "and": [{}] }), all.to_vec()),
        (json!({ "not": {} }), vec![]),
        // model: eq/ne/in are exact ...
        (json!({ "model": { "eq": "Hero3" } }), vec!["Hero3"]),
        (json!({ "model": { "eq": "hero3" } }), vec![]),
        (
            json!({ "model": { "ne": "Hero3" } }),
            vec!["Hero4", "Zenmuse", "Alpha", "Mavic"],
        ),
        (
            json!({ "model": { "in": ["Mavic", "Hero3", "hero4", "Nope"] } }),
            vec!["Hero3", "Mavic"],
        ),
        (json!({ "model": { "in": [] } }), vec![]),
        // ... contains/startsWith ignore case, and LIKE wildcards match literally.
        (
            json!({ "model": { "contains": "ERO" } }),
            vec!["Hero4", "Hero3"],
        ),
        (
            json!({ "model": { "contains": "a" } }),
            vec!["Alpha", "Mavic"],
        ),
        (
            json!({ "model": { "startsWith": "hE" } }),
            vec!["Hero4", "Hero3"],
        ),
        (json!({ "model": { "startsWith": "ero" } }), vec![]),
        (json!({ "model": { "contains": "%" } }), vec![]),
        (json!({ "model": { "startsWith": "_" } }), vec![]),
        (json!({ "model": { "contains": "" } }), all.to_vec()),
        // Operators of one field filter combine with AND.
        (
            json!({ "model": { "startsWith": "hero", "ne": "Hero4" } }),
            vec!["Hero3"],
        ),
        // brand
        (
            json!({ "brand": { "eq": "Dji" } }),
            vec!["Zenmuse", "Mavic"],
        ),
        (
            json!({ "brand": { "ne": "GoPro" } }),
            vec!["Zenmuse", "Alpha", "Mavic"],
        ),
        (
            json!({ "brand": { "in": ["Sony", "Dji"] } }),
            vec!["Zenmuse", "Alpha", "Mavic"],
        ),
        (
            json!({ "brand": { "contains": "PRO" } }),
            vec!["Hero4", "Hero3"],
        ),
        (json!({ "brand": { "startsWith": "s" } }), vec!["Alpha"]),
        // megapixels
        (
            json!({ "megapixels": { "eq": 12 } }),
            vec!["Hero4", "Hero3"],
        ),
        (json!({ "megapixels": { "eq": 20.8 } }), vec!["Zenmuse"]),
        (
            json!({ "megapixels": { "gt": 12 } }),
            vec!["Zenmuse", "Alpha", "Mavic"],
        ),
        (
            json!({ "megapixels": { "gte": 20.8 } }),
            vec!["Zenmuse", "Alpha", "Mavic"],
        ),
        (
            json!({ "megapixels": { "lt": 20.8 } }),
            vec!["Hero4", "Hero3"],
        ),
        (
            json!({ "megapixels": { "lte": 20.8 } }),
            vec!["Hero4", "Zenmuse", "Hero3"],
        ),
        (
            json!({ "megapixels": { "gt": 12, "lt": 61 } }),
            vec!["Zenmuse", "Mavic"],
        ),
        (json!({ "megapixels": { "gt": 61 } }), vec![]),
        // Fields of one filter combine with AND.
        (
            json!({ "brand": { "eq": "Dji" }, "megapixels": { "lt": 30 } }),
            vec!["Zenmuse"],
        ),
        // and / or / not, nested.
        (
            json!({ "and": [{ "brand": { "eq": "Dji" } }, { "megapixels": { "gt": 30 } }] }),
            vec!["Mavic"],
        ),
        (
            json!({ "or": [{ "model": { "eq": "Alpha" } }, { "brand": { "eq": "GoPro" } }] }),
            vec!["Hero4", "Hero3", "Alpha"],
        ),
        (
            json!({ "not": { "brand": { "eq": "GoPro" } } }),
            vec!["Zenmuse", "Alpha", "Mavic"],
        ),
        (
            json!({ "or": [
                { "and": [{ "brand": { "eq": "GoPro" } }, { "not": { "model": { "eq": "Hero3" } } }] },
                { "megapixels": { "gte": 61 } },
            ] }),
            vec!["Hero4", "Alpha"],
        ),
        (
            json!({ "not": { "or": [{ "brand": { "eq": "Dji" } }, { "model": { "startsWith": "hero" } }] } }),
            vec!["Alpha"],
        ),
        (
            json!({ "brand": { "eq": "GoPro" }, "not": { "not": { "model": { "contains": "4" } } } }),
            vec!["Hero4"],
        ),
    ];
    for (filter, expected) in cases {
        let data = app
            .ok(Some(&admin), CAMERA_MODELS, json!({ "f": filter }))
            .await;
        assert_eq!(data, model_list(&expected), "filter {filter}");
    }

    // A filter that is not a number never reaches the resolver.
    let response = app
        .gql(
            Some(&admin),
            CAMERA_MODELS,
            json!({ "f": { "megapixels": { "gt": "ten" } } }),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");
}

/// Filters are bounded: at most 8 levels deep, 200 parts, and 1,000 values in one `in`.
async fn cameras_filters_are_bounded(app: TestApp) {
    let admin = app.admin_token().await;
    register_catalogue(&app, &admin).await;
    let nested = |levels: usize| {
        let mut filter = json!({ "brand": { "eq": "Sony" } });
        for _ in 0..levels {
            filter = json!({ "not": { "not": filter } });
        }
        filter
    };
    let parts = |n: usize| json!({ "or": (0..n).map(|i| json!({ "model": { "eq": format!("M{i}") } })).collect::<Vec<_>>() });
    let values = |n: usize| json!({ "model": { "in": (0..n).map(|i| format!("M{i}")).collect::<Vec<_>>() } });

    // At the limits: fine.
    for (filter, expected) in [
        (nested(3), vec!["Alpha"]),
        (parts(199), vec![]),
        (values(1000), vec![]),
    ] {
        let data = app
            .ok(Some(&admin), CAMERA_MODELS, json!({ "f": filter }))
            .await;
        assert_eq!(data, model_list(&expected));
    }
    // Past them: the client's input.
    for (filter, message) in [
        (nested(4), "filter nests deeper than 8 levels"),
        (parts(200), "filter has more than 200 parts"),
        (values(1001), "`in` takes at most 1000 values, got 1001"),
    ] {
        let response = app
            .gql(Some(&admin), CAMERA_MODELS, json!({ "f": filter }))
            .await;
        assert_eq!(expect_error(&response, "BAD_USER_INPUT"), message);
        assert_eq!(response["data"], Value::Null);
    }
}

async fn cameras_orderings(app: TestApp) {
    let admin = app.admin_token().await;
    register_catalogue(&app, &admin).await;
    // Ties (equal brands, equal megapixels) break on id ascending in both directions:
    // Hero4 was registered before Hero3, Zenmuse before Mavic.
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!(null),
            vec!["Hero4", "Zenmuse", "Hero3", "Alpha", "Mavic"],
        ),
        (
            json!([{ "field": "MODEL" }]),
            vec!["Alpha", "Hero3", "Hero4", "Mavic", "Zenmuse"],
        ),
        (
            json!([{ "field": "MODEL", "direction": "ASC" }]),
            vec!["Alpha", "Hero3", "Hero4", "Mavic", "Zenmuse"],
        ),
        (
            json!([{ "field": "MODEL", "direction": "DESC" }]),
            vec!["Zenmuse", "Mavic", "Hero4", "Hero3", "Alpha"],
        ),
        (
            json!([{ "field": "BRAND", "direction": "ASC" }]),
            vec!["Zenmuse", "Mavic", "Hero4", "Hero3", "Alpha"],
        ),
        (
            json!([{ "field": "BRAND", "direction": "DESC" }]),
            vec!["Alpha", "Hero4", "Hero3", "Zenmuse", "Mavic"],
        ),
        (
            json!([{ "field": "MEGAPIXELS", "direction": "ASC" }]),
            vec!["Hero4", "Hero3", "Zenmuse", "Mavic", "Alpha"],
        ),
        (
            json!([{ "field": "MEGAPIXELS", "direction": "DESC" }]),
            vec!["Alpha", "Mavic", "Zenmuse", "Hero4", "Hero3"],
        ),
        (
            json!([{ "field": "CREATED_AT", "direction": "ASC" }]),
            vec!["Hero4", "Zenmuse", "Hero3", "Alpha", "Mavic"],
        ),
        (
            json!([{ "field": "CREATED_AT", "direction": "DESC" }]),
            vec!["Mavic", "Alpha", "Hero3", "Zenmuse", "Hero4"],
        ),
        // Several keys, in mixed directions.
        (
            json!([{ "field": "BRAND", "direction": "DESC" }, { "field": "MODEL" }]),
            vec!["Alpha", "Hero3", "Hero4", "Mavic", "Zenmuse"],
        ),
        (
            json!([{ "field": "BRAND" }, { "field": "MEGAPIXELS", "direction": "DESC" }]),
            vec!["Mavic", "Zenmuse", "Hero4", "Hero3", "Alpha"],
        ),
    ];
    for (order, expected) in cases {
        let data = app
            .ok(Some(&admin), CAMERA_MODELS, json!({ "o": order }))
            .await;
        assert_eq!(data, model_list(&expected), "orderBy {order}");

        // Pages of two, forward and backward, walk the same order (text, float and time
        // cursors; ascending, descending and mixed keysets).
        assert_eq!(
            walk_forward(&app, &admin, &order).await,
            expected,
            "forward, orderBy {order}"
        );
        assert_eq!(
            walk_backward(&app, &admin, &order).await,
            expected,
            "backward, orderBy {order}"
        );
    }
}

/// Every model, following `endCursor` in pages of two.
async fn walk_forward(app: &TestApp, token: &str, order: &Value) -> Vec<String> {
    let mut models = Vec::new();
    let mut after = Value::Null;
    for page in 0.. {
        assert!(page < 10, "paging does not end");
        let data = app
            .ok(
                Some(token),
                CAMERA_PAGE,
                json!({ "o": order, "first": 2, "after": after }),
            )
            .await;
        let connection = &data["cameras"];
        assert_eq!(connection["totalCount"], 5);
        let info = &connection["pageInfo"];
        assert_eq!(info["hasPreviousPage"], json!(page > 0), "{connection:#}");
        let edges = connection["edges"].as_array().unwrap();
        assert_eq!(info["startCursor"], edges[0]["cursor"]);
        assert_eq!(info["endCursor"], edges[edges.len() - 1]["cursor"]);
        models.extend(
            edges
                .iter()
                .map(|e| e["node"]["model"].as_str().unwrap().to_string()),
        );
        if info["hasNextPage"] == json!(false) {
            break;
        }
        after = info["endCursor"].clone();
    }
    models
}

/// Every model, following `startCursor` backward in pages of two.
async fn walk_backward(app: &TestApp, token: &str, order: &Value) -> Vec<String> {
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut before = Value::Null;
    for page in 0.. {
        assert!(page < 10, "paging does not end");
        let data = app
            .ok(
                Some(token),
                CAMERA_PAGE,
                json!({ "o": order, "last": 2, "before": before }),
            )
            .await;
        let connection = &data["cameras"];
        let info = &connection["pageInfo"];
        assert_eq!(info["hasNextPage"], json!(page > 0), "{connection:#}");
        let edges = connection["edges"].as_array().unwrap();
        assert_eq!(info["startCursor"], edges[0]["cursor"]);
        pages.push(
            edges
                .iter()
                .map(|e| e["node"]["model"].as_str().unwrap().to_string())
                .collect(),
        );
        if info["hasPreviousPage"] == json!(false) {
            break;
        }
        before = info["startCursor"].clone();
    }
    pages.into_iter().rev().flatten().collect()
}

async fn camera_drone_counts(app: TestApp) {
    let admin = app.admin_token().await;
    for model in ["Hero3", "Hero4", "Mavic"] {
        app.register_camera(&admin, model, "Acme", 12.0).await;
    }
    let scout = app
        .register_drone(&admin, "SN-1", "Scout", "Dji", &["Hero3", "hero4"])
        .await;
    app.register_drone(&admin, "SN-2", "Ranger", "Dji", &["HERO3"])
        .await;
    app.register_drone(&admin, "SN-3", "Falcon", "Dji", &[])
        .await;
    let counts = "{ cameras(orderBy: [{ field: MODEL }]) { nodes { model droneCount } } }";
    let expected = |hero3: i64, hero4: i64| {
        json!({ "cameras": { "nodes": [
            { "model": "Hero3", "droneCount": hero3 },
            { "model": "Hero4", "droneCount": hero4 },
            { "model": "Mavic", "droneCount": 0 },
        ] } })
    };
    assert_eq!(
        app.ok(Some(&admin), counts, json!({})).await,
        expected(2, 1)
    );
    let one = app
        .ok(
            Some(&admin),
            "{ camera(model: \"hero3\") { model droneCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        one,
        json!({ "camera": { "model": "Hero3", "droneCount": 2 } })
    );

    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteDrone(id: $id) }",
        json!({ "id": scout }),
    )
    .await;
    assert_eq!(
        app.ok(Some(&admin), counts, json!({})).await,
        expected(1, 0)
    );
}

// ---------------------------------------------------------------------------------------------
// Access

async fn camera_mutations_require_support(app: TestApp) {
    let admin = app.admin_token().await;
    let id = app.register_camera(&admin, "Hero3", "GoPro", 12.0).await;
    let before = fetch(&app, &admin, &id).await;
    let (_, member) = app.member("mia").await;
    let mutations = [
        (
            "mutation { registerCamera(input: { model: \"Mavic\", brand: \"Dji\", megapixels: 20 }) { id } }",
            json!({}),
        ),
        (
            "mutation { registerCameras(inputs: [{ model: \"Mavic\", brand: \"Dji\", megapixels: 20 }]) { created } }",
            json!({}),
        ),
        (
            "mutation($id: ID!) { updateCamera(id: $id, input: { brand: \"Evil\" }) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { deleteCamera(id: $id) }",
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
    assert_eq!(total_count(&app, "cameras", &admin).await, 1);

    // Members read cameras; anonymous clients do not.
    assert_eq!(fetch(&app, &member, &id).await, before);
    let list = "{ cameras { totalCount nodes { model } } }";
    assert_eq!(
        app.ok(Some(&member), list, json!({})).await,
        model_list(&["Hero3"])
    );
    let response = app.gql(None, list, json!({})).await;
    expect_error(&response, "UNAUTHENTICATED");
    let response = app
        .gql(None, &camera_query(), json!({ "model": "Hero3" }))
        .await;
    expect_error(&response, "UNAUTHENTICATED");
}

crate::db_test!(
    cameras_filters,
    cameras_filters_are_bounded,
    cameras_orderings,
    camera_drone_counts,
    camera_mutations_require_support,
);
