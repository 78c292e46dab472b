//! The user list: filters, orderings and keyset pages.

use super::*;

const USERS_PAGE: &str = "query($filter: UserFilter, $orderBy: [UserOrder!], $first: Int, $after: String, $last: Int, $before: String) {
  users(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { username } }
    nodes { username }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}";

/// One page of `users`, checked for internal consistency.
#[derive(Debug)]
struct Page {
    usernames: Vec<String>,
    total: i64,
    has_next: bool,
    has_previous: bool,
    start: Option<String>,
    end: Option<String>,
    cursors: Vec<String>,
}

fn parse_page(connection: &Value) -> Page {
    let edges = connection["edges"].as_array().expect("edges");
    let usernames: Vec<String> = edges
        .iter()
        .map(|e| e["node"]["username"].as_str().unwrap().to_string())
        .collect();
    let cursors: Vec<String> = edges
        .iter()
        .map(|e| e["cursor"].as_str().unwrap().to_string())
        .collect();
    let nodes: Vec<String> = connection["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["username"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(nodes, usernames, "nodes mirror edges");
    let info = &connection["pageInfo"];
    let start = info["startCursor"].as_str().map(str::to_string);
    let end = info["endCursor"].as_str().map(str::to_string);
    assert_eq!(
        start.as_ref(),
        cursors.first(),
        "startCursor is the first edge's"
    );
    assert_eq!(end.as_ref(), cursors.last(), "endCursor is the last edge's");
    Page {
        usernames,
        total: connection["totalCount"].as_i64().expect("totalCount"),
        has_next: info["hasNextPage"].as_bool().unwrap(),
        has_previous: info["hasPreviousPage"].as_bool().unwrap(),
        start,
        end,
        cursors,
    }
}

async fn users_page(app: &TestApp, token: &str, variables: Value) -> Page {
    let data = app.ok(Some(token), USERS_PAGE, variables).await;
    parse_page(&data["users"])
}

async fn users_error(app: &TestApp, token: &str, variables: Value) -> String {
    let response = app.gql(Some(token), USERS_PAGE, variables).await;
    expect_error(&response, "BAD_USER_INPUT")
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// admin (id 1, SUPPORT) plus six users created out of alphabetical order; charlie is SUPPORT.
/// Registration order: admin delta alpha echo charlie bravo foxtrot.
const REGISTRATION_ORDER: [&str; 7] = [
    "admin", "delta", "alpha", "echo", "charlie", "bravo", "foxtrot",
];
const ALPHABETICAL: [&str; 7] = [
    "admin", "alpha", "bravo", "charlie", "delta", "echo", "foxtrot",
];

async fn seed_users(app: &TestApp) -> String {
    let admin = app.admin_token().await;
    for name in &REGISTRATION_ORDER[1..] {
        let role = if *name == "charlie" {
            "SUPPORT"
        } else {
            "MEMBER"
        };
        app.create_user(&admin, name, MEMBER_PASSWORD, role).await;
    }
    admin
}

async fn users_filters(app: TestApp) {
    let admin = seed_users(&app).await;
    let by_name = json!([{ "field": "USERNAME" }]);
    let cases: Vec<(Value, Value, Vec<&str>)> = vec![
        // (filter, orderBy, expected usernames)
        (Value::Null, Value::Null, REGISTRATION_ORDER.to_vec()),
        (json!({}), Value::Null, REGISTRATION_ORDER.to_vec()),
        (
            json!({ "username": { "eq": "echo" } }),
            Value::Null,
            vec!["echo"],
        ),
        // eq is exact.
        (json!({ "username": { "eq": "ECHO" } }), Value::Null, vec![]),
        (json!({ "username": { "eq": "ech" } }), Value::Null, vec![]),
        // contains / startsWith ignore case.
        (
            json!({ "username": { "contains": "HA" } }),
            by_name.clone(),
            vec!["alpha", "charlie"],
        ),
        (
            json!({ "username": { "contains": "o" } }),
            by_name.clone(),
            vec!["bravo", "echo", "foxtrot"],
        ),
        (
            json!({ "username": { "startsWith": "A" } }),
            by_name.clone(),
            vec!["admin", "alpha"],
        ),
        (
            json!({ "username": { "startsWith": "lph" } }),
            Value::Null,
            vec![],
        ),
        // LIKE wildcards are literal text.
        (
            json!({ "username": { "contains": "_" } }),
            Value::Null,
            vec![],
        ),
        (
            json!({ "username": { "startsWith": "%" } }),
            Value::Null,
            vec![],
        ),
        (
            json!({ "username": { "in": ["bravo", "delta", "nobody"] } }),
            by_name.clone(),
            vec!["bravo", "delta"],
        ),
        (json!({ "username": { "in": [] } }), Value::Null, vec![]),
        (
            json!({ "username": { "ne": "admin" } }),
            Value::Null,
            REGISTRATION_ORDER[1..].to_vec(),
        ),
        // Operators of one filter combine with AND.
        (
            json!({ "username": { "startsWith": "a", "ne": "admin" } }),
            Value::Null,
            vec!["alpha"],
        ),
        (
            json!({ "role": "SUPPORT" }),
            Value::Null,
            vec!["admin", "charlie"],
        ),
        (
            json!({ "role": "MEMBER" }),
            by_name.clone(),
            vec!["alpha", "bravo", "delta", "echo", "foxtrot"],
        ),
        (
            json!({ "role": "MEMBER", "username": { "contains": "O" } }),
            Value::Null,
            vec!["echo", "bravo", "foxtrot"],
        ),
        (
            json!({ "role": "SUPPORT", "username": { "eq": "echo" } }),
            Value::Null,
            vec![],
        ),
    ];
    for (filter, order_by, expected) in cases {
        let page = users_page(
            &app,
            &admin,
            json!({ "filter": filter, "orderBy": order_by }),
        )
        .await;
        assert_eq!(page.usernames, names(&expected), "filter {filter}");
        assert_eq!(page.total, expected.len() as i64, "filter {filter}");
        assert!(!page.has_next && !page.has_previous, "filter {filter}");
    }

    // totalCount counts every match, not the page.
    let page = users_page(
        &app,
        &admin,
        json!({ "filter": { "role": "MEMBER" }, "orderBy": by_name, "first": 2 }),
    )
    .await;
    assert_eq!(page.usernames, names(&["alpha", "bravo"]));
    assert_eq!(page.total, 5);
    assert!(page.has_next && !page.has_previous);

    // Members and anonymous callers cannot list users.
    let (delta, _) = app.login("delta", MEMBER_PASSWORD).await;
    let response = app.gql(Some(&delta), USERS_PAGE, json!({})).await;
    expect_error(&response, "FORBIDDEN");
    let response = app.gql(None, USERS_PAGE, json!({})).await;
    expect_error(&response, "UNAUTHENTICATED");
}

async fn users_orderings(app: TestApp) {
    let admin = seed_users(&app).await;
    let reversed = |list: &[&str]| list.iter().rev().map(|s| s.to_string()).collect::<Vec<_>>();
    let cases: Vec<(Value, Vec<String>)> = vec![
        (Value::Null, names(&REGISTRATION_ORDER)),
        (json!([]), names(&REGISTRATION_ORDER)),
        (json!([{ "field": "USERNAME" }]), names(&ALPHABETICAL)),
        (
            json!([{ "field": "USERNAME", "direction": "ASC" }]),
            names(&ALPHABETICAL),
        ),
        (
            json!([{ "field": "USERNAME", "direction": "DESC" }]),
            reversed(&ALPHABETICAL),
        ),
        (
            json!([{ "field": "CREATED_AT" }]),
            names(&REGISTRATION_ORDER),
        ),
        (
            json!([{ "field": "CREATED_AT", "direction": "DESC" }]),
            reversed(&REGISTRATION_ORDER),
        ),
    ];
    for (order_by, expected) in cases {
        let page = users_page(&app, &admin, json!({ "orderBy": order_by })).await;
        assert_eq!(page.usernames, expected, "orderBy {order_by}");
        assert_eq!(page.total, 7);
    }
}

/// Pages forward with `first`/`after` and backward with `last`/`before` under `order_by`,
/// checking each page against `expected` (the whole list in that order).
async fn page_through(app: &TestApp, token: &str, order_by: Value, expected: &[String]) {
    let size = 3;
    let chunks: Vec<Vec<String>> = expected.chunks(size).map(<[String]>::to_vec).collect();

    // Forward.
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let page = users_page(
            app,
            token,
            json!({ "orderBy": order_by, "first": size, "after": after }),
        )
        .await;
        assert_eq!(&page.usernames, chunk, "forward page {i} of {order_by}");
        assert_eq!(
            page.has_next,
            i + 1 < chunks.len(),
            "hasNextPage, forward page {i}"
        );
        assert_eq!(
            page.has_previous,
            i > 0,
            "hasPreviousPage, forward page {i}"
        );
        assert_eq!(page.total, expected.len() as i64);
        seen.extend(page.usernames);
        after = page.end;
    }
    assert_eq!(seen, expected, "every row exactly once, in order");
    // Past the end: an empty page.
    let page = users_page(
        app,
        token,
        json!({ "orderBy": order_by, "first": size, "after": after }),
    )
    .await;
    assert!(page.usernames.is_empty() && page.start.is_none() && page.end.is_none());
    assert!(!page.has_next && page.has_previous);

    // Backward: the same pages, last first (the short page is the oldest one now).
    let back_chunks: Vec<Vec<String>> = expected.rchunks(size).map(<[String]>::to_vec).collect();
    let mut before: Option<String> = None;
    let mut seen_back: Vec<Vec<String>> = Vec::new();
    for (i, chunk) in back_chunks.iter().enumerate() {
        let page = users_page(
            app,
            token,
            json!({ "orderBy": order_by, "last": size, "before": before }),
        )
        .await;
        assert_eq!(&page.usernames, chunk, "backward page {i} of {order_by}");
        assert_eq!(
            page.has_previous,
            i + 1 < back_chunks.len(),
            "hasPreviousPage, backward page {i}"
        );
        assert_eq!(page.has_next, i > 0, "hasNextPage, backward page {i}");
        seen_back.push(page.usernames);
        before = page.start;
    }
    seen_back.reverse();
    assert_eq!(
        seen_back.concat(),
        expected,
        "backward pages reassemble the list"
    );
}

async fn users_keyset_pagination(app: TestApp) {
    let admin = seed_users(&app).await;
    let alphabetical = names(&ALPHABETICAL);
    let registration = names(&REGISTRATION_ORDER);
    let reversed = |v: &[String]| v.iter().rev().cloned().collect::<Vec<_>>();

    page_through(
        &app,
        &admin,
        json!([{ "field": "USERNAME" }]),
        &alphabetical,
    )
    .await;
    page_through(
        &app,
        &admin,
        json!([{ "field": "USERNAME", "direction": "DESC" }]),
        &reversed(&alphabetical),
    )
    .await;
    page_through(
        &app,
        &admin,
        json!([{ "field": "CREATED_AT" }]),
        &registration,
    )
    .await;
    page_through(
        &app,
        &admin,
        json!([{ "field": "CREATED_AT", "direction": "DESC" }]),
        &reversed(&registration),
    )
    .await;
    page_through(&app, &admin, Value::Null, &registration).await;

    // Any edge's cursor works, not only endCursor; first: 100 is allowed.
    let page = users_page(
        &app,
        &admin,
        json!({ "orderBy": [{ "field": "USERNAME" }], "first": 3 }),
    )
    .await;
    let page = users_page(
        &app,
        &admin,
        json!({ "orderBy": [{ "field": "USERNAME" }], "first": 100, "after": page.cursors[0] }),
    )
    .await;
    assert_eq!(page.usernames, alphabetical[1..].to_vec());
    assert!(!page.has_next && page.has_previous);

    // A filter and a cursor together.
    let page = users_page(
        &app,
        &admin,
        json!({ "filter": { "role": "MEMBER" }, "orderBy": [{ "field": "USERNAME" }], "first": 2 }),
    )
    .await;
    assert_eq!(page.usernames, names(&["alpha", "bravo"]));
    let page = users_page(
        &app,
        &admin,
        json!({ "filter": { "role": "MEMBER" }, "orderBy": [{ "field": "USERNAME" }], "first": 2, "after": page.end }),
    )
    .await;
    assert_eq!(page.usernames, names(&["delta", "echo"]));
    assert_eq!(page.total, 5);
    assert!(page.has_next && page.has_previous);

    // Default page size is 20: all seven fit.
    let page = users_page(&app, &admin, json!({})).await;
    assert_eq!(page.usernames, registration);
}

async fn users_rejects_bad_paging_arguments(app: TestApp) {
    let admin = seed_users(&app).await;
    let by_name = json!([{ "field": "USERNAME" }]);
    let page = users_page(&app, &admin, json!({ "orderBy": by_name, "first": 2 })).await;
    let cursor = page.end.clone().unwrap();

    for (variables, hint) in [
        (json!({ "first": 101 }), "first"),
        (json!({ "first": -1 }), "first"),
        (json!({ "last": 101 }), "last"),
        (json!({ "last": -1 }), "last"),
        (json!({ "first": 2, "last": 2 }), "first"),
        (
            json!({ "after": cursor, "before": cursor, "orderBy": by_name }),
            "after",
        ),
        (
            json!({ "first": 2, "before": cursor, "orderBy": by_name }),
            "backward",
        ),
        (json!({ "after": "nope" }), "cursor"),
        (json!({ "before": "nope" }), "cursor"),
        (json!({ "after": "" }), "cursor"),
        // Valid base64url of JSON that is not a cursor.
        (json!({ "after": "eyJhIjoxfQ" }), "cursor"),
        // A cursor made for USERNAME ASC, used with other orderings.
        (
            json!({ "after": cursor, "orderBy": [{ "field": "CREATED_AT" }] }),
            "ordering",
        ),
        (
            json!({ "after": cursor, "orderBy": [{ "field": "USERNAME", "direction": "DESC" }] }),
            "ordering",
        ),
        (json!({ "after": cursor }), "ordering"),
    ] {
        let message = users_error(&app, &admin, variables.clone()).await;
        assert!(message.contains(hint), "{variables}: {message}");
    }
    // A value of the wrong type is refused before any resolver runs (reported once by
    // validation and once more by the complexity check that reads the same argument).
    let response = app
        .gql(Some(&admin), USERS_PAGE, json!({ "first": "ten" }))
        .await;
    let codes = error_codes(&response);
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "BAD_USER_INPUT"),
        "{response:#}"
    );
    assert_eq!(response["data"], Value::Null);

    // first: 0 is allowed and returns no rows.
    let page = users_page(&app, &admin, json!({ "first": 0 })).await;
    assert!(page.usernames.is_empty());
    assert_eq!(page.total, 7);
}

async fn users_pages_are_stable_under_inserts_and_deletes(app: TestApp) {
    let admin = seed_users(&app).await;
    let by_name = json!([{ "field": "USERNAME" }]);

    let page1 = users_page(&app, &admin, json!({ "orderBy": by_name, "first": 3 })).await;
    assert_eq!(page1.usernames, names(&["admin", "alpha", "bravo"]));

    // Two rows sort before the cursor now: an OFFSET would repeat bravo and alpha.
    app.create_user(&admin, "aaron", MEMBER_PASSWORD, "MEMBER")
        .await;
    app.create_user(&admin, "abby", MEMBER_PASSWORD, "MEMBER")
        .await;
    let page2 = users_page(
        &app,
        &admin,
        json!({ "orderBy": by_name, "first": 3, "after": page1.end }),
    )
    .await;
    assert_eq!(page2.usernames, names(&["charlie", "delta", "echo"]));
    assert_eq!(page2.total, 9);
    assert!(page2.has_next && page2.has_previous);

    // The cursor's own row and a row before it disappear: an OFFSET would skip foxtrot.
    let echo_id = app
        .ok(
            Some(&admin),
            "{ users(filter: { username: { eq: \"echo\" } }) { nodes { id } } }",
            json!({}),
        )
        .await["users"]["nodes"][0]["id"]
        .clone();
    let alpha_id = app
        .ok(
            Some(&admin),
            "{ users(filter: { username: { eq: \"alpha\" } }) { nodes { id } } }",
            json!({}),
        )
        .await["users"]["nodes"][0]["id"]
        .clone();
    for id in [echo_id, alpha_id] {
        app.ok(Some(&admin), DELETE_USER, json!({ "id": id })).await;
    }
    let page3 = users_page(
        &app,
        &admin,
        json!({ "orderBy": by_name, "first": 3, "after": page2.end }),
    )
    .await;
    assert_eq!(page3.usernames, names(&["foxtrot"]));
    assert!(!page3.has_next && page3.has_previous);
    assert_eq!(page3.total, 7);

    // A row inserted after the cursor shows up where it belongs.
    app.create_user(&admin, "dora", MEMBER_PASSWORD, "MEMBER")
        .await;
    let page = users_page(
        &app,
        &admin,
        json!({ "orderBy": by_name, "first": 3, "after": page2.start }),
    )
    .await;
    assert_eq!(page.usernames, names(&["delta", "dora", "foxtrot"]));
}

crate::db_test!(
    users_filters,
    users_orderings,
    users_keyset_pagination,
    users_rejects_bad_paging_arguments,
    users_pages_are_stable_under_inserts_and_deletes,
);
