//! Creating, changing and deleting users, and who may.

use super::*;

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
    let id = assert_record(
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
    assert_record(
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
    assert_eq!(total_count(&app, "users", &admin).await, 3);
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
    assert_eq!(total_count(&app, "users", &admin).await, 2);
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
    assert_eq!(total_count(&app, "users", &admin).await, 2);
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
        assert_record(
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
    assert_record(
        &data["updateProfile"],
        profile(json!("Mia"), Value::Null, json!("1990-04-21")),
    );

    // Nothing given: nothing changes.
    let data = app
        .ok(Some(&token), &update_profile_mutation(), json!({ "i": {} }))
        .await;
    assert_record(
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
    assert_record(
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
    assert_record(&returned, profile(json!("Leo"), Value::Null, Value::Null));
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
    assert_record(
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
    assert_record(
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
    assert_eq!(total_count(&app, "users", &admin).await, 1);

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
    assert_eq!(total_count(&app, "users", &admin).await, 3);
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
);
