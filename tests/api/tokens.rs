//! API tokens (part 4 of the contract): created with a session only, the secret shown once and
//! stored as a hash, scopes narrowed in the guard, and revocation, expiry, the owner's deletion
//! and demotion taking effect on the next request, over HTTP and graphql-ws. (Who may call
//! each root field with a token is the authorization matrix's, in authz.rs.)

use std::time::Duration;

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::{
    helpers::{ADMIN, ADMIN_PASSWORD, TestApp, expect_error},
    subscriptions,
};

const CREATE: &str = "mutation($n: String!, $s: TokenScope!, $e: DateTime) {
    createApiToken(name: $n, scope: $s, expiresAt: $e) {
        token { id name scope prefix owner { username } createdAt expiresAt lastUsedAt }
        secret
    }
}";
const REVOKE: &str = "mutation($id: ID!) { revokeApiToken(id: $id) }";
const LIST: &str = "query($o: ID) { apiTokens(ownerId: $o) { id name scope prefix lastUsedAt } }";
const ME: &str = "{ me { username } }";
const REGISTER: &str = "mutation($s: String!) {
    registerDrone(input: { serialNumber: $s, name: \"D\", brand: \"DJI\", cameraModels: [] }) { serialNumber }
}";

/// Creates a token as `session` (an access token): (id, secret).
async fn create(app: &TestApp, session: &str, name: &str, scope: &str) -> (String, String) {
    let data = app
        .ok(Some(session), CREATE, json!({ "n": name, "s": scope }))
        .await;
    let created = &data["createApiToken"];
    (
        created["token"]["id"].as_str().unwrap().to_string(),
        created["secret"].as_str().unwrap().to_string(),
    )
}

fn message(response: &Value, code: &str) -> String {
    expect_error(response, code)
}

async fn secret_is_shown_once_and_stored_as_a_hash(app: TestApp) {
    let admin = app.admin_token().await;
    let data = app
        .ok(
            Some(&admin),
            CREATE,
            json!({ "n": " nightly import ", "s": "WRITE" }),
        )
        .await;
    let created = &data["createApiToken"];
    let secret = created["secret"].as_str().unwrap();
    // `hgr_` and 256 random bits in unpadded base64url.
    assert!(secret.starts_with("hgr_"), "{secret}");
    assert_eq!(secret.len(), 4 + 43);
    let token = &created["token"];
    assert_eq!(token["name"], "nightly import");
    assert_eq!(token["scope"], "WRITE");
    assert_eq!(token["prefix"], &secret[..8]);
    assert_eq!(token["owner"], json!({ "username": ADMIN }));
    assert_eq!(token["expiresAt"], Value::Null);
    assert_eq!(token["lastUsedAt"], Value::Null);
    // Listed without the secret (the type has no field for it).
    let listed = app.ok(Some(&admin), LIST, json!({})).await;
    assert_eq!(
        listed["apiTokens"],
        json!([{ "id": token["id"], "name": "nightly import", "scope": "WRITE",
                 "prefix": &secret[..8], "lastUsedAt": null }])
    );
    // The database holds its SHA-256 only, and the audit trail neither.
    let db = &app.state.db;
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT secret_hash FROM api_tokens",
        ))
        .await
        .unwrap()
        .unwrap();
    let hash: String = row.try_get_by_index(0).unwrap();
    let expected: String = {
        use sha2::Digest;
        sha2::Sha256::digest(secret.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(hash, expected);
    let audit = app
        .ok(
            Some(&admin),
            "{ auditLog(first: 5, filter: { entity: API_TOKEN }) { nodes { action entityId before after actor { username } } } }",
            json!({}),
        )
        .await;
    let entries = audit["auditLog"]["nodes"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["action"], "CREATE");
    assert_eq!(entries[0]["entityId"], token["id"]);
    let trail = audit.to_string();
    assert!(!trail.contains(secret) && !trail.contains(&hash), "{trail}");
    assert!(trail.contains("nightly import"), "{trail}");
}

async fn creation_rules_have_exact_codes(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, member) = app.member("pia").await;
    let try_create = |session: String, name: &'static str, scope: &'static str, expires: Value| {
        let app = &app;
        async move {
            app.gql(
                Some(&session),
                CREATE,
                json!({ "n": name, "s": scope, "e": expires }),
            )
            .await
        }
    };
    assert_eq!(
        message(
            &try_create(admin.clone(), "  ", "READ", Value::Null).await,
            "BAD_USER_INPUT"
        ),
        "name must not be empty"
    );
    let long: &'static str = Box::leak("x".repeat(101).into_boxed_str());
    assert_eq!(
        message(
            &try_create(admin.clone(), long, "READ", Value::Null).await,
            "BAD_USER_INPUT"
        ),
        "name must be at most 100 characters"
    );
    assert_eq!(
        message(
            &try_create(admin.clone(), "old", "READ", json!("2020-01-01T00:00:00Z")).await,
            "BAD_USER_INPUT"
        ),
        "expiresAt must be in the future"
    );
    // WRITE needs a SUPPORT owner; a MEMBER may hold READ tokens.
    assert_eq!(
        message(
            &try_create(member.clone(), "w", "WRITE", Value::Null).await,
            "FORBIDDEN"
        ),
        "a WRITE token needs a SUPPORT owner; this user may hold READ tokens"
    );
    assert!(try_create(member.clone(), "r", "READ", Value::Null).await["errors"].is_null());
    // 100 characters whose lower case is longer (İ is i and a combining dot) fit on both engines.
    let dotted: &'static str = Box::leak("İ".repeat(100).into_boxed_str());
    assert!(try_create(member.clone(), dotted, "READ", Value::Null).await["errors"].is_null());
    // Names are unique per owner, case aside, among live tokens; other owners may reuse them.
    let (id, _) = create(&app, &admin, "Import", "READ").await;
    assert_eq!(
        message(
            &try_create(admin.clone(), "import", "WRITE", Value::Null).await,
            "CONFLICT"
        ),
        "you already have an API token named \"import\": revoke it or pick another name"
    );
    assert!(try_create(member.clone(), "Import", "READ", Value::Null).await["errors"].is_null());
    app.ok(Some(&admin), REVOKE, json!({ "id": id })).await;
    assert!(try_create(admin.clone(), "import", "READ", Value::Null).await["errors"].is_null());
}

async fn scopes_narrow_what_a_token_may_do(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, read) = create(&app, &admin, "reader", "READ").await;
    let (_, write) = create(&app, &admin, "writer", "WRITE").await;
    for token in [&read, &write] {
        assert_eq!(
            app.ok(Some(token), ME, json!({})).await,
            json!({ "me": { "username": ADMIN } })
        );
    }
    assert_eq!(
        message(
            &app.gql(Some(&read), REGISTER, json!({ "s": "R-1" })).await,
            "FORBIDDEN"
        ),
        "this API token is READ: queries and subscriptions only"
    );
    assert_eq!(
        app.ok(Some(&write), REGISTER, json!({ "s": "W-1" })).await,
        json!({ "registerDrone": { "serialNumber": "W-1" } })
    );
    // The change is audited as the token's owner.
    let audit = app
        .ok(
            Some(&admin),
            "{ auditLog(first: 1, filter: { entity: DRONE }) { nodes { actor { username } } } }",
            json!({}),
        )
        .await;
    assert_eq!(audit["auditLog"]["nodes"][0]["actor"]["username"], ADMIN);
    // Never tokens, passwords or users, whatever the scope.
    let session_only =
        "API tokens cannot do this: it needs a signed-in session (the login mutation)";
    for (query, variables) in [
        (CREATE, json!({ "n": "minted", "s": "READ" })),
        (
            "mutation { changePassword(currentPassword: \"x\", newPassword: \"yyyyyyyyyyyy\") }",
            json!({}),
        ),
        (
            "mutation { createUser(input: { username: \"bot\", password: \"bot-password-1\" }) { id } }",
            json!({}),
        ),
        ("mutation { revokeApiToken(id: \"1\") }", json!({})),
    ] {
        assert_eq!(
            message(&app.gql(Some(&write), query, variables).await, "FORBIDDEN"),
            session_only,
            "{query}"
        );
    }
    // An alias does not move a mutation out of the rule.
    assert_eq!(
        message(
            &app.gql(
                Some(&write),
                "mutation { x: createApiToken(name: \"a\", scope: READ) { secret } }",
                json!({})
            )
            .await,
            "FORBIDDEN"
        ),
        session_only
    );
}

async fn a_demoted_owners_write_token_acts_as_read(app: TestApp) {
    let admin = app.admin_token().await;
    let ops_id = app
        .create_user(&admin, "ops", "ops-password-1", "SUPPORT")
        .await;
    let (ops, _) = app.login("ops", "ops-password-1").await;
    let (_, write) = create(&app, &ops, "ops script", "WRITE").await;
    app.ok(Some(&write), REGISTER, json!({ "s": "D-1" })).await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { updateUser(id: $id, input: { role: MEMBER }) { role } }",
        json!({ "id": ops_id }),
    )
    .await;
    assert_eq!(
        message(
            &app.gql(Some(&write), REGISTER, json!({ "s": "D-2" })).await,
            "FORBIDDEN"
        ),
        "this WRITE token's owner is no longer SUPPORT, so it acts as READ: no mutations"
    );
    assert_eq!(
        app.ok(Some(&write), ME, json!({})).await,
        json!({ "me": { "username": "ops" } })
    );
}

/// Revocation: at once on the instance that revoked, within the auth cache's TTL elsewhere.
async fn revocation_expiry_and_deletion_take_effect_at_once(app: TestApp) {
    let admin = app.admin_token().await;
    let other = app
        .spawn_sibling_with(&[("HANGAR_AUTH_CACHE_TTL", "200ms")])
        .await;
    let (id, secret) = create(&app, &admin, "revoked soon", "READ").await;
    // Both instances have it cached.
    app.ok(Some(&secret), ME, json!({})).await;
    other.ok(Some(&secret), ME, json!({})).await;
    assert_eq!(
        app.ok(Some(&admin), REVOKE, json!({ "id": id })).await,
        json!({ "revokeApiToken": id })
    );
    assert_eq!(
        message(
            &app.gql(Some(&secret), ME, json!({})).await,
            "UNAUTHENTICATED"
        ),
        "this API token was revoked"
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(
        message(
            &other.gql(Some(&secret), ME, json!({})).await,
            "UNAUTHENTICATED"
        ),
        "this API token was revoked"
    );
    // Revoked twice: there is no live token with that id.
    assert_eq!(
        message(
            &app.gql(Some(&admin), REVOKE, json!({ "id": id })).await,
            "NOT_FOUND"
        ),
        format!("no live API token with id {id} of yours")
    );

    // Expiry.
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let data = app
        .ok(
            Some(&admin),
            CREATE,
            json!({ "n": "short", "s": "READ", "e": soon }),
        )
        .await;
    let short = data["createApiToken"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    app.ok(Some(&short), ME, json!({})).await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(
        message(
            &app.gql(Some(&short), ME, json!({})).await,
            "UNAUTHENTICATED"
        ),
        "this API token expired"
    );

    // The owner's deletion.
    let member_id = app
        .create_user(&admin, "leaver", "leaver-password-1", "MEMBER")
        .await;
    let (leaver, _) = app.login("leaver", "leaver-password-1").await;
    let (_, theirs) = create(&app, &leaver, "theirs", "READ").await;
    app.ok(Some(&theirs), ME, json!({})).await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteUser(id: $id) }",
        json!({ "id": member_id }),
    )
    .await;
    expect_error(
        &app.gql(Some(&theirs), ME, json!({})).await,
        "UNAUTHENTICATED",
    );
}

async fn owners_and_support_list_and_revoke(app: TestApp) {
    let admin = app.admin_token().await;
    let (member_id, member) = app.member("moe").await;
    let (admins, _) = create(&app, &admin, "admin's", "READ").await;
    let (mine, _) = create(&app, &member, "mine", "READ").await;
    // A MEMBER sees their own, not others'.
    let own = app.ok(Some(&member), LIST, json!({})).await;
    assert_eq!(own["apiTokens"].as_array().unwrap().len(), 1);
    assert_eq!(
        message(
            &app.gql(Some(&member), LIST, json!({ "o": "1" })).await,
            "FORBIDDEN"
        ),
        "only the support team may list others' tokens"
    );
    // SUPPORT sees anyone's and revokes anyone's; a MEMBER cannot touch the admin's.
    let theirs = app.ok(Some(&admin), LIST, json!({ "o": member_id })).await;
    assert_eq!(theirs["apiTokens"][0]["id"], mine.as_str());
    assert_eq!(
        message(
            &app.gql(Some(&member), REVOKE, json!({ "id": admins }))
                .await,
            "NOT_FOUND"
        ),
        format!("no live API token with id {admins} of yours")
    );
    app.ok(Some(&admin), REVOKE, json!({ "id": mine })).await;
    assert_eq!(
        app.ok(Some(&member), LIST, json!({})).await,
        json!({ "apiTokens": [] })
    );
    // Revocations are audited as updates that set revokedAt.
    let audit = app
        .ok(
            Some(&admin),
            "{ auditLog(first: 5, filter: { entity: API_TOKEN, action: UPDATE }) { nodes { entityId after } } }",
            json!({}),
        )
        .await;
    let nodes = audit["auditLog"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{audit}");
    assert_eq!(nodes[0]["entityId"], mine.as_str());
    assert!(nodes[0]["after"]["revokedAt"].is_string(), "{audit}");
}

/// `lastUsedAt` is written on first use and then at most once a minute.
async fn last_used_at_is_written_at_most_once_a_minute(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, secret) = create(&app, &admin, "used", "READ").await;
    app.ok(Some(&secret), ME, json!({})).await;
    let first = app.ok(Some(&admin), LIST, json!({})).await["apiTokens"][0]["lastUsedAt"].clone();
    assert!(first.is_string(), "{first}");
    let before = app.statements();
    for _ in 0..5 {
        app.ok(Some(&secret), ME, json!({})).await;
    }
    let again = app.ok(Some(&admin), LIST, json!({})).await["apiTokens"][0]["lastUsedAt"].clone();
    assert_eq!(again, first);
    // Five requests from the cache: `me` reads its user, and no UPDATE was sent.
    assert_eq!(
        app.statements() - before,
        5 + 1,
        "statements for 5 uses and one list"
    );
}

/// Unknown tokens from one address are counted like failed logins (here 3 per address): a
/// guesser is refused, while a good token and logins from there still work.
async fn a_flood_of_unknown_tokens_is_throttled(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, good) = create(&app, &admin, "good", "READ").await;
    let from = |token: String| {
        let app = &app;
        async move {
            app.http()
                .post(app.url("/graphql"))
                .header("x-forwarded-for", "203.0.113.77")
                .bearer_auth(token)
                .json(&json!({ "query": ME }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let guess = |n: usize| format!("hgr_{n:0>43}");
    for n in 0..3 {
        assert_eq!(
            message(&from(guess(n)).await, "UNAUTHENTICATED"),
            "this API token is not known: check it was copied whole (hgr_ and 43 characters)"
        );
    }
    // Past the limit: 429 with Retry-After, as HTTP clients expect.
    let response = app
        .http()
        .post(app.url("/graphql"))
        .header("x-forwarded-for", "203.0.113.77")
        .bearer_auth(guess(3))
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let header: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((890..=900).contains(&header), "{header}");
    let refused: Value = response.json().await.unwrap();
    let text = message(&refused, "TOO_MANY_REQUESTS");
    assert!(
        text.starts_with("too many unknown API tokens from this address: try again in "),
        "{text}"
    );
    let retry_after = refused["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .unwrap();
    assert!((890..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(
        from(good).await,
        json!({ "data": { "me": { "username": ADMIN } } })
    );
    let login = app
        .http()
        .post(app.url("/graphql"))
        .header("x-forwarded-for", "203.0.113.77")
        .json(&json!({
            "query": "mutation($p: String!) { login(username: \"admin\", password: $p) { accessToken } }",
            "variables": { "p": ADMIN_PASSWORD },
        }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(login["data"]["login"]["accessToken"].is_string(), "{login}");
}

/// Over graphql-ws: the token signs the connection in, its scope holds there too, and a
/// revocation closes the socket (4403) within a second.
async fn tokens_work_over_graphql_ws(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, read) = create(&app, &admin, "ws reader", "READ").await;
    let mut socket = subscriptions::open_signed_in(&app, &read).await;
    assert_eq!(
        subscriptions::operate(&mut socket, "1", ME, json!({})).await,
        json!({ "data": { "me": { "username": ADMIN } } })
    );
    let refused = subscriptions::operate(&mut socket, "2", REGISTER, json!({ "s": "WS-1" })).await;
    assert_eq!(
        message(&refused, "FORBIDDEN"),
        "this API token is READ: queries and subscriptions only"
    );
    app.ok(Some(&admin), REVOKE, json!({ "id": id })).await;
    // The very next operation does not run: the socket closes first.
    subscriptions::send(
        &mut socket,
        json!({ "id": "3", "type": "subscribe", "payload": { "query": ME } }),
    )
    .await;
    let closed =
        match tokio::time::timeout(Duration::from_secs(3), subscriptions::next(&mut socket))
            .await
            .expect("the socket closes within 3 s of the revocation")
        {
            Some(Err(close)) => close,
            Some(Ok(message)) => panic!("an answer after the revocation: {message}"),
            None => panic!("closed without a close frame"),
        };
    assert_eq!(
        closed,
        (4403, "Forbidden: this API token was revoked".to_string())
    );
}

crate::db_test!(
    secret_is_shown_once_and_stored_as_a_hash,
    creation_rules_have_exact_codes,
    scopes_narrow_what_a_token_may_do,
    a_demoted_owners_write_token_acts_as_read,
    revocation_expiry_and_deletion_take_effect_at_once,
    owners_and_support_list_and_revoke,
    last_used_at_is_written_at_most_once_a_minute,
    tokens_work_over_graphql_ws,
);
crate::configured_test!(
    a_flood_of_unknown_tokens_is_throttled,
    &[
        ("HANGAR_TRUST_FORWARDED_FOR", "true"),
        ("HANGAR_LOGIN_MAX_FAILURES", "3")
    ]
);
