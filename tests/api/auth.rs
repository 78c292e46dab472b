//! Sign-in paths: login, bearer tokens, refresh rotation and reuse detection, logout,
//! password changes, and every way an access token can be wrong.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::helpers::{ADMIN, ADMIN_PASSWORD, TestApp, expect_error};

const ME: &str = "{ me { id username role } }";
const REFRESH: &str = "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken tokenType user { username } } }";
const TEST_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

async fn login_returns_a_working_session(app: TestApp) {
    let data = app
        .ok(
            None,
            "mutation { login(username: \"  ADMIN \", password: \"admin-password-1\") {
                tokenType expiresIn refreshToken accessToken user { username role } } }",
            json!({}),
        )
        .await;
    let login = &data["login"];
    assert_eq!(login["tokenType"], "Bearer");
    assert_eq!(login["expiresIn"], 900);
    assert_eq!(
        login["user"],
        json!({ "username": "admin", "role": "SUPPORT" })
    );
    assert!(login["refreshToken"].as_str().unwrap().len() >= 43);

    let token = login["accessToken"].as_str().unwrap();
    let me = app.ok(Some(token), ME, json!({})).await;
    assert_eq!(me["me"]["username"], "admin");
    assert_eq!(me["me"]["role"], "SUPPORT");
}

async fn login_failures_look_the_same(app: TestApp) {
    let login =
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    let wrong_password = app
        .gql(None, login, json!({ "u": ADMIN, "p": "wrong-password" }))
        .await;
    let unknown_user = app
        .gql(None, login, json!({ "u": "nobody", "p": "wrong-password" }))
        .await;
    let invalid_name = app
        .gql(None, login, json!({ "u": "x", "p": "wrong-password" }))
        .await;
    let message = expect_error(&wrong_password, "UNAUTHENTICATED");
    assert_eq!(message, "invalid username or password");
    assert_eq!(expect_error(&unknown_user, "UNAUTHENTICATED"), message);
    assert_eq!(expect_error(&invalid_name, "UNAUTHENTICATED"), message);
}

async fn anonymous_viewers_see_only_public_fields(app: TestApp) {
    assert_eq!(app.ok(None, ME, json!({})).await, json!({ "me": null }));
    let users = app.gql(None, "{ users { totalCount } }", json!({})).await;
    expect_error(&users, "UNAUTHENTICATED");
    let create = app
        .gql(
            None,
            "mutation { createUser(input: {username: \"eve\", password: \"password-123\"}) { id } }",
            json!({}),
        )
        .await;
    expect_error(&create, "UNAUTHENTICATED");
}

fn sign(claims: serde_json::Value, secret: &str, alg: Algorithm) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

async fn bad_access_tokens_are_refused(app: TestApp) {
    let claims = |exp: u64| json!({ "sub": "1", "sid": "s", "role": "SUPPORT", "iss": "hangar", "iat": now(), "exp": exp });
    let header_b64 = |json: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    };
    let unsigned = format!(
        "{}.{}.",
        header_b64(r#"{"alg":"none","typ":"JWT"}"#),
        header_b64(&claims(now() + 600).to_string())
    );
    let cases = [
        ("garbage", "access token is malformed".to_string()),
        (
            &*sign(claims(now() - 60), TEST_SECRET, Algorithm::HS256),
            "access token expired".into(),
        ),
        (
            &*sign(
                claims(now() + 600),
                "another-secret-another-secret-another",
                Algorithm::HS256,
            ),
            "access token signature is invalid".into(),
        ),
        (
            &*sign(claims(now() + 600), TEST_SECRET, Algorithm::HS512),
            "access token uses an unsupported algorithm".into(),
        ),
        (&*unsigned, "access token is malformed".into()),
        (
            &*sign(
                json!({ "sub": "1", "sid": "s", "role": "SUPPORT", "iss": "hangar", "iat": now() }),
                TEST_SECRET,
                Algorithm::HS256,
            ),
            "access token is malformed".into(),
        ),
        (
            &*sign(
                json!({ "sub": "1", "sid": "s", "role": "SUPPORT", "iss": "evil", "iat": now(), "exp": now() + 600 }),
                TEST_SECRET,
                Algorithm::HS256,
            ),
            "access token is malformed".into(),
        ),
    ];
    for (token, reason) in cases {
        let response = app.gql(Some(token), ME, json!({})).await;
        assert_eq!(
            expect_error(&response, "UNAUTHENTICATED"),
            reason,
            "token {token}"
        );
        let response = app
            .gql(Some(token), "{ users { totalCount } }", json!({}))
            .await;
        assert_eq!(
            expect_error(&response, "UNAUTHENTICATED"),
            reason,
            "token {token}"
        );
    }
    // A correctly signed token still works, so the cases above failed for their own reason.
    let good = sign(claims(now() + 600), TEST_SECRET, Algorithm::HS256);
    assert_eq!(
        app.ok(Some(&good), ME, json!({})).await["me"]["username"],
        "admin"
    );

    // Not a bearer header at all.
    let response = app
        .http()
        .post(app.url("/graphql"))
        .header("authorization", "Basic YWRtaW46YWRtaW4=")
        .json(&json!({ "query": ME }))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    expect_error(&response, "UNAUTHENTICATED");
}

async fn a_deleted_users_token_is_refused(app: TestApp) {
    let (id, token) = app.member("pilot").await;
    assert_eq!(
        app.ok(Some(&token), ME, json!({})).await["me"]["username"],
        "pilot"
    );
    let admin = app.admin_token().await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteUser(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    let response = app.gql(Some(&token), ME, json!({})).await;
    assert_eq!(
        expect_error(&response, "UNAUTHENTICATED"),
        "the user of this access token no longer exists"
    );
}

async fn refresh_rotates_and_reuse_revokes_the_family(app: TestApp) {
    let (_, first) = app.login(ADMIN, ADMIN_PASSWORD).await;
    let rotated = app.ok(None, REFRESH, json!({ "t": first })).await;
    let second = rotated["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(second, first);
    assert_eq!(rotated["refreshToken"]["tokenType"], "Bearer");
    assert_eq!(rotated["refreshToken"]["user"]["username"], "admin");
    let access = rotated["refreshToken"]["accessToken"].as_str().unwrap();
    assert_eq!(
        app.ok(Some(access), ME, json!({})).await["me"]["username"],
        "admin"
    );

    // Replaying the spent token: refused, and the token it was rotated into dies with it.
    expect_error(
        &app.gql(None, REFRESH, json!({ "t": first })).await,
        "UNAUTHENTICATED",
    );
    expect_error(
        &app.gql(None, REFRESH, json!({ "t": second })).await,
        "UNAUTHENTICATED",
    );

    // Another login (another family) is unaffected.
    let (_, other) = app.login(ADMIN, ADMIN_PASSWORD).await;
    app.ok(None, REFRESH, json!({ "t": other })).await;

    expect_error(
        &app.gql(None, REFRESH, json!({ "t": "not-a-token" })).await,
        "UNAUTHENTICATED",
    );
}

async fn logout_revokes_the_refresh_token(app: TestApp) {
    let (_, refresh) = app.login(ADMIN, ADMIN_PASSWORD).await;
    let logout = "mutation($t: String!) { logout(refreshToken: $t) }";
    assert_eq!(
        app.ok(None, logout, json!({ "t": refresh })).await,
        json!({ "logout": true })
    );
    assert_eq!(
        app.ok(None, logout, json!({ "t": refresh })).await,
        json!({ "logout": false })
    );
    assert_eq!(
        app.ok(None, logout, json!({ "t": "unknown" })).await,
        json!({ "logout": false })
    );
    expect_error(
        &app.gql(None, REFRESH, json!({ "t": refresh })).await,
        "UNAUTHENTICATED",
    );
}

async fn change_password_checks_and_signs_out_other_sessions(app: TestApp) {
    let (_, _) = app.member("pilot").await;
    let (this_access, this_refresh) = app.login("pilot", "member-password-1").await;
    let (_, other_refresh) = app.login("pilot", "member-password-1").await;
    let change = "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";

    let wrong = app
        .gql(
            Some(&this_access),
            change,
            json!({ "c": "not-it-at-all", "n": "new-password-1" }),
        )
        .await;
    assert_eq!(
        expect_error(&wrong, "BAD_USER_INPUT"),
        "current password is incorrect"
    );
    let short = app
        .gql(
            Some(&this_access),
            change,
            json!({ "c": "member-password-1", "n": "short" }),
        )
        .await;
    assert_eq!(
        expect_error(&short, "BAD_USER_INPUT"),
        "password must be at least 8 characters"
    );
    let anonymous = app
        .gql(
            None,
            change,
            json!({ "c": "member-password-1", "n": "new-password-1" }),
        )
        .await;
    expect_error(&anonymous, "UNAUTHENTICATED");

    let ok = app
        .ok(
            Some(&this_access),
            change,
            json!({ "c": "member-password-1", "n": "new-password-1" }),
        )
        .await;
    assert_eq!(ok, json!({ "changePassword": true }));

    // The old password no longer works, the new one does.
    let login =
        "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    expect_error(
        &app.gql(
            None,
            login,
            json!({ "u": "pilot", "p": "member-password-1" }),
        )
        .await,
        "UNAUTHENTICATED",
    );
    app.login("pilot", "new-password-1").await;
    // This session lives on; the other one is signed out.
    app.ok(None, REFRESH, json!({ "t": this_refresh })).await;
    expect_error(
        &app.gql(None, REFRESH, json!({ "t": other_refresh })).await,
        "UNAUTHENTICATED",
    );
}

crate::db_test!(
    login_returns_a_working_session,
    login_failures_look_the_same,
    anonymous_viewers_see_only_public_fields,
    bad_access_tokens_are_refused,
    a_deleted_users_token_is_refused,
    refresh_rotates_and_reuse_revokes_the_family,
    logout_revokes_the_refresh_token,
    change_password_checks_and_signs_out_other_sessions,
);
