//! The user API over HTTP: creation, profiles, administration, deletion and the `users` list
//! (filters, orderings and keyset pagination). Every scenario runs on SQLite and PostgreSQL.
//!
//! Usernames are lower-case ASCII only, so both engines' collations order them the same way.

use chrono::{DateTime, Days, Utc};
use serde_json::{Value, json};

use crate::helpers::{ADMIN, ADMIN_PASSWORD, TestApp, error_codes, expect_error};

const USER_FIELDS: &str = "id username role firstName lastName birthDate createdAt updatedAt";
const MEMBER_PASSWORD: &str = "member-password-1";

fn create_user_mutation() -> String {
    format!("mutation($i: CreateUserInput!) {{ createUser(input: $i) {{ {USER_FIELDS} }} }}")
}

fn update_profile_mutation() -> String {
    format!("mutation($i: UpdateProfileInput!) {{ updateProfile(input: $i) {{ {USER_FIELDS} }} }}")
}

fn update_user_mutation() -> String {
    format!(
        "mutation($id: ID!, $i: UpdateUserInput!) {{ updateUser(id: $id, input: $i) {{ {USER_FIELDS} }} }}"
    )
}

fn me_query() -> String {
    format!("{{ me {{ {USER_FIELDS} }} }}")
}

fn user_query() -> String {
    format!("query($id: ID!) {{ user(id: $id) {{ {USER_FIELDS} }} }}")
}

const DELETE_USER: &str = "mutation($id: ID!) { deleteUser(id: $id) }";

fn parse_time(value: &Value) -> DateTime<Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a timestamp, got {value}"));
    assert!(text.ends_with('Z'), "UTC with Z: {text}");
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("RFC 3339 timestamp {text:?}: {e}"))
        .with_timezone(&Utc)
}

/// Asserts `user` is exactly the expected fields plus its id and timestamps (which are only
/// checked for shape), and returns its id.
fn assert_user(user: &Value, expected: Value) -> String {
    let id = user["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an id: {user:#}"));
    assert!(id.parse::<i64>().is_ok_and(|n| n > 0), "numeric id: {id}");
    let created = parse_time(&user["createdAt"]);
    let updated = parse_time(&user["updatedAt"]);
    assert!(updated >= created, "{user:#}");
    let mut full = expected;
    full["id"] = user["id"].clone();
    full["createdAt"] = user["createdAt"].clone();
    full["updatedAt"] = user["updatedAt"].clone();
    assert_eq!(user, &full);
    id.to_string()
}

/// Runs `createUser` with `input`, as `token`.
async fn create(app: &TestApp, token: Option<&str>, input: Value) -> Value {
    app.gql(token, &create_user_mutation(), json!({ "i": input }))
        .await
}

async fn users_total(app: &TestApp, token: &str) -> i64 {
    let data = app
        .ok(Some(token), "{ users { totalCount } }", json!({}))
        .await;
    data["users"]["totalCount"].as_i64().unwrap()
}

// ---------------------------------------------------------------------------------------------
// createUser

async fn create_user_returns_the_normalised_user(app: TestApp) {
    let admin = app.admin_token().await;
    let started = Utc::now() - chrono::Duration::seconds(5);
    let response = create(
        &app,
        Some(&admin),
        json!({
            "username": "Nova.Pilot_7",
            "password": "nova-password-1",
            "firstName": "  Nova ",
            "lastName": "Okafor",
            "birthDate": "1990-04-21",
        }),
    )
    .await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let user = &response["data"]["createUser"];
    let id = assert_user(
        user,
        json!({
            "username": "nova.pilot_7",
            "role": "MEMBER",
            "firstName": "Nova",
            "lastName": "Okafor",
            "birthDate": "1990-04-21",
        }),
    );
    assert_eq!(user["createdAt"], user["updatedAt"]);
    assert!(parse_time(&user["createdAt"]) >= started);

    // Stored as returned, and the new user can sign in with any casing of the name.
    let fetched = app
        .ok(Some(&admin), &user_query(), json!({ "id": id }))
        .await;
    assert_eq!(&fetched["user"], user);
    let (token, _) = app.login("NOVA.pilot_7", "nova-password-1").await;
    let me = app.ok(Some(&token), &me_query(), json!({})).await;
    assert_eq!(&me["me"], user);

    // A SUPPORT user can be created too; optional fields default to null.
    let response = create(
        &app,
        Some(&admin),
        json!({ "username": "sam", "password": "sam-password-1", "role": "SUPPORT" }),
    )
    .await;
    assert!(response.get("errors").is_none(), "{response:#}");
    assert_user(
        &response["data"]["createUser"],
        json!({
            "username": "sam",
            "role": "SUPPORT",
            "firstName": null,
            "lastName": null,
            "birthDate": null,
        }),
    );
}

async fn create_user_rejects_invalid_input(app: TestApp) {
    let admin = app.admin_token().await;
    let long = "a".repeat(33);
    for username in ["ab", "bad name", "bad!name", "émile", "", long.as_str()] {
        let response = create(
            &app,
            Some(&admin),
            json!({ "username": username, "password": "good-password-1" }),
        )
        .await;
        let message = expect_error(&response, "BAD_USER_INPUT");
        assert!(message.contains("username"), "{username:?}: {message}");
        assert_eq!(response["data"], Value::Null, "{response:#}");
    }
    // 3 and 32 characters are the bounds, both allowed.
    for username in ["abc", "a".repeat(32).as_str()] {
        let response = create(
            &app,
            Some(&admin),
            json!({ "username": username, "password": "good-password-1" }),
        )
        .await;
        assert!(response.get("errors").is_none(), "{username}: {response:#}");
        assert_eq!(response["data"]["createUser"]["username"], username);
    }

    // Passwords need 8 characters.
    let response = create(
        &app,
        Some(&admin),
        json!({ "username": "shorty", "password": "1234567" }),
    )
    .await;
    let message = expect_error(&response, "BAD_USER_INPUT");
    assert!(message.contains("password"), "{message}");

    // No birth date in the future.
    let future = (Utc::now().date_naive() + Days::new(2))
        .format("%Y-%m-%d")
        .to_string();
    let response = create(
        &app,
        Some(&admin),
        json!({ "username": "timetraveller", "password": "good-password-1", "birthDate": future }),
    )
    .await;
    let message = expect_error(&response, "BAD_USER_INPUT");
    assert!(message.contains("birthDate"), "{message}");

    // A malformed date never reaches the resolver, and is still the client's input.
    let response = create(
        &app,
        Some(&admin),
        json!({ "username": "baddate", "password": "good-password-1", "birthDate": "21/04/1990" }),
    )
    .await;
    expect_error(&response, "BAD_USER_INPUT");

    // A failed mutation changes nothing: only admin, abc and aaa…a exist.
    assert_eq!(users_total(&app, &admin).await, 3);
    for username in ["shorty", "timetraveller", "baddate"] {
        let response = app
            .gql(
                None,
                "mutation($u: String!) { login(username: $u, password: \"good-password-1\") { accessToken } }",
                json!({ "u": username }),
            )
            .await;
        expect_error(&response, "UNAUTHENTICATED");
    }
}

async fn create_user_rejects_a_taken_username_in_any_case(app: TestApp) {
    let admin = app.admin_token().await;
    app.create_user(&admin, "nova", "nova-password-1", "MEMBER")
        .await;
    for username in ["NOVA", "Nova", "nova", " nova "] {
        let response = create(
            &app,
            Some(&admin),
            json!({ "username": username, "password": "other-password-1", "role": "SUPPORT" }),
        )
        .await;
        let message = expect_error(&response, "CONFLICT");
        assert!(message.contains("\"nova\" is already taken"), "{message}");
    }
    // The original is untouched: same password, still a MEMBER.
    let response = app
        .gql(
            None,
            "mutation { login(username: \"nova\", password: \"nova-password-1\") { user { username role } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        response,
        json!({ "data": { "login": { "user": { "username": "nova", "role": "MEMBER" } } } })
    );
    assert_eq!(users_total(&app, &admin).await, 2);
}

async fn create_user_requires_support(app: TestApp) {
    let (_, member) = app.member("mia").await;
    let input = json!({ "username": "intruder", "password": "good-password-1" });

    let response = create(&app, Some(&member), input.clone()).await;
    expect_error(&response, "FORBIDDEN");
    assert_eq!(response["data"], Value::Null);

    let response = create(&app, None, input.clone()).await;
    expect_error(&response, "UNAUTHENTICATED");

    let response = create(&app, Some("not-a-token"), input).await;
    expect_error(&response, "UNAUTHENTICATED");

    let admin = app.admin_token().await;
    assert_eq!(users_total(&app, &admin).await, 2);
}

// ---------------------------------------------------------------------------------------------
// updateProfile and birthDate visibility

async fn update_profile_patches_own_fields(app: TestApp) {
    let (id, token) = app.member("mia").await;
    let profile = |first: Value, last: Value, birth: Value| {
        json!({
            "username": "mia",
            "role": "MEMBER",
            "firstName": first,
            "lastName": last,
            "birthDate": birth,
        })
    };

    // Values set, names trimmed.
    let data = app
        .ok(
            Some(&token),
            &update_profile_mutation(),
            json!({ "i": { "firstName": "  Mia ", "lastName": "\tOkafor  ", "birthDate": "1990-04-21" } }),
        )
        .await;
    let returned = &data["updateProfile"];
    assert_eq!(
        assert_user(
            returned,
            profile(json!("Mia"), json!("Okafor"), json!("1990-04-21"))
        ),
        id
    );
    let me = app.ok(Some(&token), &me_query(), json!({})).await;
    assert_eq!(&me["me"], returned);

    // Omitted fields stay, an explicit null clears.
    let data = app
        .ok(
            Some(&token),
            &update_profile_mutation(),
            json!({ "i": { "lastName": null } }),
        )
        .await;
    assert_user(
        &data["updateProfile"],
        profile(json!("Mia"), Value::Null, json!("1990-04-21")),
    );

    // Nothing given: nothing changes.
    let data = app
        .ok(Some(&token), &update_profile_mutation(), json!({ "i": {} }))
        .await;
    assert_user(
        &data["updateProfile"],
        profile(json!("Mia"), Value::Null, json!("1990-04-21")),
    );

    // Null clears a date too, and a blank name counts as no name.
    let data = app
        .ok(
            Some(&token),
            &update_profile_mutation(),
            json!({ "i": { "birthDate": null, "firstName": "   ", "lastName": "Lindqvist" } }),
        )
        .await;
    assert_user(
        &data["updateProfile"],
        profile(Value::Null, json!("Lindqvist"), Value::Null),
    );

    // Inline literals work as variables do.
    let data = app
        .ok(
            Some(&token),
            &format!(
                "mutation {{ updateProfile(input: {{ firstName: \" Leo \", lastName: null }}) {{ {USER_FIELDS} }} }}"
            ),
            json!({}),
        )
        .await;
    let returned = data["updateProfile"].clone();
    assert_user(&returned, profile(json!("Leo"), Value::Null, Value::Null));
    let me = app.ok(Some(&token), &me_query(), json!({})).await;
    assert_eq!(me["me"], returned);

    // Invalid values change nothing.
    let future = (Utc::now().date_naive() + Days::new(2))
        .format("%Y-%m-%d")
        .to_string();
    let response = app
        .gql(
            Some(&token),
            &update_profile_mutation(),
            json!({ "i": { "firstName": "Changed", "birthDate": future } }),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");
    let response = app
        .gql(
            Some(&token),
            &update_profile_mutation(),
            json!({ "i": { "firstName": "x".repeat(101) } }),
        )
        .await;
    expect_error(&response, "BAD_USER_INPUT");
    let me = app.ok(Some(&token), &me_query(), json!({})).await;
    assert_eq!(me["me"], returned);

    // Anonymous callers cannot.
    let response = app
        .gql(
            None,
            &update_profile_mutation(),
            json!({ "i": { "firstName": "Anon" } }),
        )
        .await;
    expect_error(&response, "UNAUTHENTICATED");
}

async fn birth_date_is_visible_to_self_and_support_only(app: TestApp) {
    let admin = app.admin_token().await;
    let (mia_id, mia) = app.member("mia").await;
    app.ok(
        Some(&mia),
        &update_profile_mutation(),
        json!({ "i": { "birthDate": "1985-12-31" } }),
    )
    .await;

    let me = app
        .ok(Some(&mia), "{ me { username birthDate } }", json!({}))
        .await;
    assert_eq!(
        me,
        json!({ "me": { "username": "mia", "birthDate": "1985-12-31" } })
    );

    let data = app
        .ok(
            Some(&admin),
            "query($id: ID!) { user(id: $id) { username birthDate } }",
            json!({ "id": mia_id }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "user": { "username": "mia", "birthDate": "1985-12-31" } })
    );
    let data = app
        .ok(
            Some(&admin),
            "{ users(filter: { username: { eq: \"mia\" } }) { nodes { username birthDate } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "users": { "nodes": [{ "username": "mia", "birthDate": "1985-12-31" }] } })
    );

    // Another member can reach no other user at all.
    let (_, leo) = app.member("leo").await;
    let response = app
        .gql(
            Some(&leo),
            "query($id: ID!) { user(id: $id) { username birthDate } }",
            json!({ "id": mia_id }),
        )
        .await;
    expect_error(&response, "FORBIDDEN");
    let me = app
        .ok(Some(&leo), "{ me { username birthDate } }", json!({}))
        .await;
    assert_eq!(
        me,
        json!({ "me": { "username": "leo", "birthDate": null } })
    );

    // Anonymous: `me` is null, not an error.
    let response = app.gql(None, "{ me { username } }", json!({})).await;
    assert_eq!(response, json!({ "data": { "me": null } }));
}

// ---------------------------------------------------------------------------------------------
// updateUser

async fn update_user_changes_role_and_names(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, _) = app.member("mia").await;

    let data = app
        .ok(
            Some(&admin),
            &update_user_mutation(),
            json!({ "id": id, "i": { "role": "SUPPORT", "firstName": " Mia ", "lastName": "Okafor", "birthDate": "1990-04-21" } }),
        )
        .await;
    let updated = data["updateUser"].clone();
    assert_user(
        &updated,
        json!({
            "username": "mia",
            "role": "SUPPORT",
            "firstName": "Mia",
            "lastName": "Okafor",
            "birthDate": "1990-04-21",
        }),
    );
    let fetched = app
        .ok(Some(&admin), &user_query(), json!({ "id": id }))
        .await;
    assert_eq!(fetched["user"], updated);

    // Omitted stays, null clears.
    let data = app
        .ok(
            Some(&admin),
            &update_user_mutation(),
            json!({ "id": id, "i": { "lastName": null } }),
        )
        .await;
    assert_user(
        &data["updateUser"],
        json!({
            "username": "mia",
            "role": "SUPPORT",
            "firstName": "Mia",
            "lastName": null,
            "birthDate": "1990-04-21",
        }),
    );

    // A failed update changes nothing (short password, future date).
    for input in [
        json!({ "role": "MEMBER", "password": "short" }),
        json!({ "firstName": "Changed", "birthDate": "2999-01-01" }),
    ] {
        let response = app
            .gql(
                Some(&admin),
                &update_user_mutation(),
                json!({ "id": id, "i": input }),
            )
            .await;
        expect_error(&response, "BAD_USER_INPUT");
    }
    let fetched = app
        .ok(Some(&admin), &user_query(), json!({ "id": id }))
        .await;
    assert_eq!(fetched["user"]["role"], "SUPPORT");
    assert_eq!(fetched["user"]["firstName"], "Mia");
    app.login("mia", MEMBER_PASSWORD).await;
}

async fn update_user_password_replaces_the_old_one_and_revokes_sessions(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, _) = app.member("mia").await;
    let (mia_access, mia_refresh) = app.login("mia", MEMBER_PASSWORD).await;
    let (_, mia_other_refresh) = app.login("mia", MEMBER_PASSWORD).await;

    let data = app
        .ok(
            Some(&admin),
            "mutation($id: ID!) { updateUser(id: $id, input: { password: \"brand-new-password\" }) { username role } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "updateUser": { "username": "mia", "role": "MEMBER" } })
    );

    // Old password refused, new one accepted.
    let login = "mutation($p: String!) { login(username: \"mia\", password: $p) { tokenType user { username } } }";
    let response = app.gql(None, login, json!({ "p": MEMBER_PASSWORD })).await;
    expect_error(&response, "UNAUTHENTICATED");
    let data = app
        .ok(None, login, json!({ "p": "brand-new-password" }))
        .await;
    assert_eq!(
        data,
        json!({ "login": { "tokenType": "Bearer", "user": { "username": "mia" } } })
    );

    // Every refresh token issued before the change is dead.
    for refresh in [&mia_refresh, &mia_other_refresh] {
        let response = app
            .gql(
                None,
                "mutation($r: String!) { refreshToken(refreshToken: $r) { accessToken } }",
                json!({ "r": refresh }),
            )
            .await;
        expect_error(&response, "UNAUTHENTICATED");
    }
    // The short-lived access token she still holds keeps working until it expires.
    let me = app
        .ok(Some(&mia_access), "{ me { username } }", json!({}))
        .await;
    assert_eq!(me, json!({ "me": { "username": "mia" } }));

    // The admin's own sessions are untouched.
    let (_, admin_refresh) = app.login(ADMIN, ADMIN_PASSWORD).await;
    let data = app
        .ok(
            None,
            "mutation($r: String!) { refreshToken(refreshToken: $r) { user { username } } }",
            json!({ "r": admin_refresh }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "refreshToken": { "user": { "username": "admin" } } })
    );
}

async fn update_user_rejects_bad_ids_and_members(app: TestApp) {
    let admin = app.admin_token().await;
    let (mia_id, mia) = app.member("mia").await;
    let input = json!({ "firstName": "Nobody" });

    let response = app
        .gql(
            Some(&admin),
            &update_user_mutation(),
            json!({ "id": "999999", "i": input }),
        )
        .await;
    expect_error(&response, "NOT_FOUND");
    for id in ["abc", "0", "-3", ""] {
        let response = app
            .gql(
                Some(&admin),
                &update_user_mutation(),
                json!({ "id": id, "i": input }),
            )
            .await;
        expect_error(&response, "BAD_USER_INPUT");
    }

    // A member may not edit anyone through updateUser, not even herself.
    for id in [mia_id.as_str(), "1"] {
        let response = app
            .gql(
                Some(&mia),
                &update_user_mutation(),
                json!({ "id": id, "i": { "role": "SUPPORT" } }),
            )
            .await;
        expect_error(&response, "FORBIDDEN");
    }
    let response = app
        .gql(
            None,
            &update_user_mutation(),
            json!({ "id": mia_id, "i": input }),
        )
        .await;
    expect_error(&response, "UNAUTHENTICATED");

    let fetched = app
        .ok(Some(&admin), &user_query(), json!({ "id": mia_id }))
        .await;
    assert_eq!(fetched["user"]["role"], "MEMBER");
    assert_eq!(fetched["user"]["firstName"], Value::Null);
}

// ---------------------------------------------------------------------------------------------
// deleteUser and the last SUPPORT user

async fn delete_user_removes_a_member(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, mia) = app.member("mia").await;

    let data = app.ok(Some(&admin), DELETE_USER, json!({ "id": id })).await;
    assert_eq!(data, json!({ "deleteUser": id }));
    let data = app
        .ok(Some(&admin), &user_query(), json!({ "id": id }))
        .await;
    assert_eq!(data, json!({ "user": null }));
    assert_eq!(users_total(&app, &admin).await, 1);

    // Gone for good: a second delete, her token and her password all fail.
    let response = app
        .gql(Some(&admin), DELETE_USER, json!({ "id": id }))
        .await;
    expect_error(&response, "NOT_FOUND");
    let response = app.gql(Some(&mia), "{ me { username } }", json!({})).await;
    expect_error(&response, "UNAUTHENTICATED");
    let response = app
        .gql(
            None,
            "mutation { login(username: \"mia\", password: \"member-password-1\") { accessToken } }",
            json!({}),
        )
        .await;
    expect_error(&response, "UNAUTHENTICATED");

    // The name is free again.
    app.create_user(&admin, "mia", "another-password", "MEMBER")
        .await;

    let response = app
        .gql(Some(&admin), DELETE_USER, json!({ "id": "abc" }))
        .await;
    expect_error(&response, "BAD_USER_INPUT");
    let (_, leo) = app.member("leo").await;
    let response = app.gql(Some(&leo), DELETE_USER, json!({ "id": "1" })).await;
    expect_error(&response, "FORBIDDEN");
    let response = app.gql(None, DELETE_USER, json!({ "id": "1" })).await;
    expect_error(&response, "UNAUTHENTICATED");
    assert_eq!(users_total(&app, &admin).await, 3);
}

async fn the_last_support_user_cannot_be_deleted_or_demoted(app: TestApp) {
    let admin = app.admin_token().await;
    let me = app.ok(Some(&admin), "{ me { id role } }", json!({})).await;
    let admin_id = me["me"]["id"].as_str().unwrap().to_string();
    assert_eq!(me["me"]["role"], "SUPPORT");
    app.member("mia").await;

    let response = app
        .gql(Some(&admin), DELETE_USER, json!({ "id": admin_id }))
        .await;
    let message = expect_error(&response, "CONFLICT");
    assert!(message.contains("last SUPPORT user"), "{message}");
    let response = app
        .gql(
            Some(&admin),
            &update_user_mutation(),
            json!({ "id": admin_id, "i": { "role": "MEMBER", "firstName": "Ada" } }),
        )
        .await;
    let message = expect_error(&response, "CONFLICT");
    assert!(message.contains("last SUPPORT user"), "{message}");
    // Neither went through, not even the name in the same input.
    let data = app
        .ok(
            Some(&admin),
            "query($id: ID!) { user(id: $id) { username role firstName } }",
            json!({ "id": admin_id }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "user": { "username": "admin", "role": "SUPPORT", "firstName": null } })
    );
    // Keeping the role is no demotion.
    let data = app
        .ok(
            Some(&admin),
            "mutation($id: ID!) { updateUser(id: $id, input: { role: SUPPORT }) { role } }",
            json!({ "id": admin_id }),
        )
        .await;
    assert_eq!(data, json!({ "updateUser": { "role": "SUPPORT" } }));

    // With a second SUPPORT user, admin can be demoted.
    let sam_id = app
        .create_user(&admin, "sam", "sam-password-1", "SUPPORT")
        .await;
    let (sam, _) = app.login("sam", "sam-password-1").await;
    let data = app
        .ok(
            Some(&sam),
            "mutation($id: ID!) { updateUser(id: $id, input: { role: MEMBER }) { username role } }",
            json!({ "id": admin_id }),
        )
        .await;
    assert_eq!(
        data,
        json!({ "updateUser": { "username": "admin", "role": "MEMBER" } })
    );

    // Admin's access token was issued while SUPPORT; the role is read per request.
    let response = app
        .gql(Some(&admin), "{ users { totalCount } }", json!({}))
        .await;
    expect_error(&response, "FORBIDDEN");
    let response = app
        .gql(Some(&admin), DELETE_USER, json!({ "id": sam_id }))
        .await;
    expect_error(&response, "FORBIDDEN");
    let me = app.ok(Some(&admin), "{ me { role } }", json!({})).await;
    assert_eq!(me, json!({ "me": { "role": "MEMBER" } }));

    // Now sam is the last one: he can neither delete nor demote himself.
    let response = app
        .gql(Some(&sam), DELETE_USER, json!({ "id": sam_id }))
        .await;
    expect_error(&response, "CONFLICT");
    let response = app
        .gql(
            Some(&sam),
            "mutation($id: ID!) { updateUser(id: $id, input: { role: MEMBER }) { role } }",
            json!({ "id": sam_id }),
        )
        .await;
    expect_error(&response, "CONFLICT");

    // But the former admin, now a member, can be deleted.
    let data = app
        .ok(Some(&sam), DELETE_USER, json!({ "id": admin_id }))
        .await;
    assert_eq!(data, json!({ "deleteUser": admin_id }));
    let data = app
        .ok(
            Some(&sam),
            "{ users { nodes { username role } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data,
        json!({ "users": { "nodes": [
            { "username": "mia", "role": "MEMBER" },
            { "username": "sam", "role": "SUPPORT" },
        ] } })
    );
}

// ---------------------------------------------------------------------------------------------
// users: filters, orderings, keyset pagination

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
    create_user_returns_the_normalised_user,
    create_user_rejects_invalid_input,
    create_user_rejects_a_taken_username_in_any_case,
    create_user_requires_support,
    update_profile_patches_own_fields,
    birth_date_is_visible_to_self_and_support_only,
    update_user_changes_role_and_names,
    update_user_password_replaces_the_old_one_and_revokes_sessions,
    update_user_rejects_bad_ids_and_members,
    delete_user_removes_a_member,
    the_last_support_user_cannot_be_deleted_or_demoted,
    users_filters,
    users_orderings,
    users_keyset_pagination,
    users_rejects_bad_paging_arguments,
    users_pages_are_stable_under_inserts_and_deletes,
);
