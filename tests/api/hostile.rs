//! Hostile callers and careless logs.
//!
//! 1. Forged and broken access tokens: each attack on a JWT (`alg: none`, another HMAC
//!    algorithm with the right secret, the wrong key, expiry, a deleted or never-existing user,
//!    a payload edited under a kept signature, an RS256 header, garbage and empty bearers) is
//!    refused with UNAUTHENTICATED on a field any signed-in user may read (`drones`), with the
//!    reason the server gives. (auth.rs checks several of these messages on `me` and `users`;
//!    here every attack meets the plain signed-in guard.) And a validly signed token that
//!    claims a role its user does not have grants nothing: the role is read from the database.
//! 2. No secret in the logs: the real binary, at `RUST_LOG=trace`, `debug` and `info`, goes
//!    through failed and successful logins, a refresh, a logout, a password change, a user
//!    created over the API and one created with `hangar user create --password-stdin`; its
//!    whole output then contains no password, no JWT_SECRET, no token it issued, and no
//!    password or refresh-token hash from the database.

use std::{
    fs::File,
    io::Write,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_error};

/// The JWT_SECRET of `helpers::test_config`.
const TEST_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";
const DRONES: &str = "{ drones { totalCount } }";

// ---------------------------------------------------------------------------------------------
// 1. Forged and broken access tokens

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// Claims as Hangar issues them, for user `sub`, expiring at `exp`.
fn claims(sub: &str, role: &str, exp: u64) -> Value {
    json!({ "sub": sub, "sid": "forged-session", "role": role, "iss": "hangar", "iat": now(), "exp": exp })
}

fn sign(claims: &Value, secret: &str, alg: Algorithm) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// A token with a header of our choosing, HMAC-SHA256-signed with the server's own secret:
/// only the header lies.
fn sign_with_header(header: &Value, claims: &Value) -> String {
    let signing_input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let signature = jsonwebtoken::crypto::sign(
        signing_input.as_bytes(),
        &EncodingKey::from_secret(TEST_SECRET.as_bytes()),
        Algorithm::HS256,
    )
    .unwrap();
    format!("{signing_input}.{signature}")
}

/// `token` with its payload replaced by `edit(payload)`, header and signature kept.
fn tamper(token: &str, edit: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT: {token}");
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).expect("JSON payload");
    edit(&mut payload);
    format!("{}.{}.{}", parts[0], b64(payload.to_string()), parts[2])
}

/// POSTs `DRONES` with a raw `Authorization` header (None: no header).
async fn drones_with_header(app: &TestApp, authorization: Option<&str>) -> Value {
    let mut request = app
        .http()
        .post(app.url("/graphql"))
        .json(&json!({ "query": DRONES }));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap().json().await.unwrap()
}

async fn forged_and_broken_tokens_are_unauthenticated(app: TestApp) {
    let (_, member_token) = app.member("pilot").await;
    let (doomed_id, doomed_token) = app.member("doomed").await;
    let admin = app.admin_token().await;
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteUser(id: $id) }",
        json!({ "id": doomed_id }),
    )
    .await;
    let live = now() + 600;
    let admin_claims = claims("1", "SUPPORT", live);

    const MALFORMED: &str = "access token is malformed";
    const BAD_ALGORITHM: &str = "access token uses an unsupported algorithm";
    const BAD_SIGNATURE: &str = "access token signature is invalid";
    const GONE: &str = "the user of this access token no longer exists";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "alg none, no signature",
            format!(
                "{}.{}.",
                b64(r#"{"alg":"none","typ":"JWT"}"#),
                b64(admin_claims.to_string())
            ),
            MALFORMED,
        ),
        (
            "alg none, signature kept",
            sign_with_header(&json!({ "alg": "none", "typ": "JWT" }), &admin_claims),
            MALFORMED,
        ),
        (
            "alg RS256 header over an HMAC signature",
            sign_with_header(&json!({ "alg": "RS256", "typ": "JWT" }), &admin_claims),
            BAD_ALGORITHM,
        ),
        (
            "HS384 with the server's secret",
            sign(&admin_claims, TEST_SECRET, Algorithm::HS384),
            BAD_ALGORITHM,
        ),
        (
            "HS512 with the server's secret",
            sign(&admin_claims, TEST_SECRET, Algorithm::HS512),
            BAD_ALGORITHM,
        ),
        (
            "HS256 with another key",
            sign(
                &admin_claims,
                "another-secret-that-is-also-32-bytes-long",
                Algorithm::HS256,
            ),
            BAD_SIGNATURE,
        ),
        (
            "expired a minute ago (past the 5 s leeway)",
            sign(
                &claims("1", "SUPPORT", now() - 60),
                TEST_SECRET,
                Algorithm::HS256,
            ),
            "access token expired",
        ),
        ("issued to a user since deleted", doomed_token.clone(), GONE),
        (
            "validly signed for a user that never existed",
            sign(
                &claims("999999", "SUPPORT", live),
                TEST_SECRET,
                Algorithm::HS256,
            ),
            GONE,
        ),
        (
            "a member's token with role and sub changed to the admin's",
            tamper(&member_token, |p| {
                p["role"] = json!("SUPPORT");
                p["sub"] = json!("1");
            }),
            BAD_SIGNATURE,
        ),
        (
            "a member's token with only the role changed",
            tamper(&member_token, |p| p["role"] = json!("SUPPORT")),
            BAD_SIGNATURE,
        ),
        (
            "a member's token with exp pushed back",
            tamper(&member_token, |p| p["exp"] = json!(now() + 86_400 * 365)),
            BAD_SIGNATURE,
        ),
        (
            "a member's token without its signature",
            member_token
                .rsplit_once('.')
                .map(|(unsigned, _)| format!("{unsigned}."))
                .unwrap(),
            BAD_SIGNATURE,
        ),
        ("garbage", "garbage".into(), MALFORMED),
        ("three empty segments", "..".into(), MALFORMED),
    ];
    let mut failures = Vec::new();
    for (attack, token, reason) in &cases {
        let response = drones_with_header(&app, Some(&format!("Bearer {token}"))).await;
        let refused = crate::helpers::error_codes(&response) == ["UNAUTHENTICATED"]
            && response["errors"][0]["message"] == *reason
            && response["data"].is_null();
        if !refused {
            failures.push(format!(
                "{attack}: wanted UNAUTHENTICATED {reason:?}, got {response}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Bearers that are not tokens at all.
    const NOT_BEARER: &str = "Authorization must be `Bearer <access token>`";
    for (header, reason) in [
        ("Bearer", NOT_BEARER),
        ("Bearer ", NOT_BEARER),
        ("Bearer    ", NOT_BEARER),
        ("Token abc", NOT_BEARER),
        (
            "",
            "sign in first: send `Authorization: Bearer <access token>` from the login mutation",
        ),
    ] {
        let response = drones_with_header(&app, Some(header)).await;
        assert_eq!(
            expect_error(&response, "UNAUTHENTICATED"),
            reason,
            "header {header:?}"
        );
    }

    // Untampered tokens, and one signed with the right secret and algorithm, work: each case
    // above failed for its own reason.
    app.ok(Some(&member_token), DRONES, json!({})).await;
    let forged_but_valid = sign(&admin_claims, TEST_SECRET, Algorithm::HS256);
    app.ok(Some(&forged_but_valid), DRONES, json!({})).await;
}

/// The `role` claim is a hint for clients: a token correctly signed for a MEMBER that says
/// SUPPORT still acts as a member.
async fn a_role_claim_grants_nothing(app: TestApp) {
    let (member_id, _) = app.member("pilot").await;
    let boasting = sign(
        &claims(&member_id, "SUPPORT", now() + 600),
        TEST_SECRET,
        Algorithm::HS256,
    );
    let me = app
        .ok(Some(&boasting), "{ me { username role } }", json!({}))
        .await;
    assert_eq!(
        me,
        json!({ "me": { "username": "pilot", "role": "MEMBER" } })
    );
    let users = app
        .gql(Some(&boasting), "{ users { totalCount } }", json!({}))
        .await;
    expect_error(&users, "FORBIDDEN");
    let create = app
        .gql(
            Some(&boasting),
            "mutation { createUser(input: {username: \"eve\", password: \"password-123\"}) { id } }",
            json!({}),
        )
        .await;
    expect_error(&create, "FORBIDDEN");
}

crate::db_test!(
    forged_and_broken_tokens_are_unauthenticated,
    a_role_claim_grants_nothing,
);

// ---------------------------------------------------------------------------------------------
// 2. No secret in the logs

const JWT_SECRET: &str = "log-test-jwt-secret-0123456789-abcdefghij";
const ADMIN_PASSWORD_LOGGED: &str = "bootstrap-admin-pw-7Qx2";
const WRONG_PASSWORD: &str = "wrong-attempt-pw-9Lk4";
const CREATED_PASSWORD: &str = "api-created-pw-3Vd8";
const CHANGED_PASSWORD: &str = "changed-to-pw-5Hs1";
const CLI_PASSWORD: &str = "cli-created-pw-8Rt6";

/// Put in the PostgreSQL URL: the test server trusts local connections, so any password
/// connects, and the logs must not show it.
const DATABASE_PASSWORD: &str = "database-pw-2Nf7";

/// One run of the binary: a directory for its output (and its SQLite file), and on
/// PostgreSQL a database of its own, dropped afterwards.
struct LogRun {
    dir: tempfile::TempDir,
    level: &'static str,
    database_url: String,
    /// (server URL without a database, database name) on PostgreSQL.
    postgres: Option<(String, String)>,
}

impl LogRun {
    fn sqlite(level: &'static str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("hangar.db").display()
        );
        Self {
            dir,
            level,
            database_url,
            postgres: None,
        }
    }

    async fn postgres(level: &'static str) -> Self {
        let server_url = crate::helpers::postgres_url();
        let database = format!("hangar_logs_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(&server_url)
            .await
            .expect("connect to TEST_DATABASE_URL");
        use sea_orm::ConnectionTrait;
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
            .await
            .expect("create a database for the run");
        admin.close().await.ok();
        let mut url = reqwest::Url::parse(&server_url).expect("TEST_DATABASE_URL is a URL");
        url.set_password(Some(DATABASE_PASSWORD)).unwrap();
        url.set_path(&database);
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            level,
            database_url: url.to_string(),
            postgres: Some((server_url, database)),
        }
    }

    fn log_path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `hangar <args>` with only this test's configuration (none of the caller's), stdout and
    /// stderr both written to `log`.
    fn hangar(&self, args: &[&str], log: &Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hangar"));
        command.args(args).current_dir(self.dir.path()).env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        let out = File::create(log).expect("log file");
        let err = out.try_clone().unwrap();
        command
            .env("DATABASE_URL", &self.database_url)
            .env("JWT_SECRET", JWT_SECRET)
            .env("HANGAR_ADMIN_USERNAME", "admin")
            .env("HANGAR_ADMIN_PASSWORD", ADMIN_PASSWORD_LOGGED)
            .env("RUST_LOG", self.level)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        command
    }
}

impl Drop for LogRun {
    fn drop(&mut self) {
        let Some((server_url, database)) = self.postgres.take() else {
            return;
        };
        crate::helpers::execute_from_drop(
            &server_url,
            format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"),
        );
    }
}

/// `hangar serve`, stopped with SIGTERM by [`Server::stop`], killed if the test fails first.
struct Server {
    /// None once stopped.
    child: Option<Child>,
    base: String,
}

impl Server {
    async fn start(run: &LogRun) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = run
            .hangar(&["serve"], &run.log_path("serve.log"))
            .env("HANGAR_ADDR", format!("127.0.0.1:{port}"))
            .spawn()
            .expect("hangar serve starts");
        let server = Server {
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(response) = client.get(format!("{}/readyz", server.base)).send().await
                && response.status() == 200
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("hangar serve did not become ready within 30 s");
    }

    async fn stop(mut self) {
        let child = self.child.take().expect("running");
        let status = crate::helpers::terminate(child).await;
        assert!(status.success(), "hangar serve exited with {status:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A GraphQL client of the spawned server.
struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .http
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let response = self.gql(token, query, variables).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        response["data"].clone()
    }

    /// Logs in; returns (access token, refresh token).
    async fn login(&self, username: &str, password: &str) -> (String, String) {
        let data = self
            .ok(
                None,
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken } }",
                json!({ "u": username, "p": password }),
            )
            .await;
        let tokens = &data["login"];
        (
            tokens["accessToken"].as_str().unwrap().to_string(),
            tokens["refreshToken"].as_str().unwrap().to_string(),
        )
    }
}

/// Everything secret the session handled, named for the failure message.
#[derive(Default)]
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, name: impl Into<String>, value: &str) {
        self.0.push((name.into(), value.to_string()));
    }

    /// A JWT, and its signature on its own (a log could print the parts separately).
    fn add_jwt(&mut self, name: &str, token: &str) {
        self.add(name, token);
        let signature = token.rsplit('.').next().unwrap();
        self.add(format!("{name} (signature)"), signature);
    }
}

/// Drives every secret-handling path through the running server and the CLI; returns what
/// was secret in it.
async fn exercise_secrets(run: &LogRun, server: &Server) -> Secrets {
    let client = Client {
        http: reqwest::Client::new(),
        url: format!("{}/graphql", server.base),
    };
    let mut secrets = Secrets::default();
    secrets.add("JWT_SECRET", JWT_SECRET);
    secrets.add("HANGAR_ADMIN_PASSWORD", ADMIN_PASSWORD_LOGGED);
    if run.postgres.is_some() {
        secrets.add("DATABASE_URL password", DATABASE_PASSWORD);
    }

    // A failed login.
    let failed = client
        .gql(
            None,
            "mutation($p: String!) { login(username: \"admin\", password: $p) { accessToken } }",
            json!({ "p": WRONG_PASSWORD }),
        )
        .await;
    expect_error(&failed, "UNAUTHENTICATED");
    secrets.add("the wrong password of a failed login", WRONG_PASSWORD);

    // A successful login, a refresh, a logout.
    let (admin_access, admin_refresh) = client.login("admin", ADMIN_PASSWORD_LOGGED).await;
    secrets.add_jwt("admin access token", &admin_access);
    secrets.add("admin refresh token", &admin_refresh);
    let refreshed = client
        .ok(
            None,
            "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }",
            json!({ "t": admin_refresh }),
        )
        .await;
    let rotated_access = refreshed["refreshToken"]["accessToken"].as_str().unwrap();
    let rotated_refresh = refreshed["refreshToken"]["refreshToken"].as_str().unwrap();
    secrets.add_jwt("refreshed access token", rotated_access);
    secrets.add("refreshed refresh token", rotated_refresh);
    let logout = client
        .ok(
            None,
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": rotated_refresh }),
        )
        .await;
    assert_eq!(logout, json!({ "logout": true }));

    // SUPPORT creates a user with a password; that user changes it.
    let (admin_access, admin_refresh) = client.login("admin", ADMIN_PASSWORD_LOGGED).await;
    secrets.add_jwt("second admin access token", &admin_access);
    secrets.add("second admin refresh token", &admin_refresh);
    let created = client
        .ok(
            Some(&admin_access),
            "mutation($p: String!) { createUser(input: {username: \"pilot\", password: $p}) { username } }",
            json!({ "p": CREATED_PASSWORD }),
        )
        .await;
    assert_eq!(created, json!({ "createUser": { "username": "pilot" } }));
    secrets.add("createUser password", CREATED_PASSWORD);
    let (pilot_access, pilot_refresh) = client.login("pilot", CREATED_PASSWORD).await;
    secrets.add_jwt("pilot access token", &pilot_access);
    secrets.add("pilot refresh token", &pilot_refresh);
    let changed = client
        .ok(
            Some(&pilot_access),
            "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
            json!({ "c": CREATED_PASSWORD, "n": CHANGED_PASSWORD }),
        )
        .await;
    assert_eq!(changed, json!({ "changePassword": true }));
    secrets.add("changePassword new password", CHANGED_PASSWORD);
    let (pilot_access, pilot_refresh) = client.login("pilot", CHANGED_PASSWORD).await;
    secrets.add_jwt("pilot access token after the change", &pilot_access);
    secrets.add("pilot refresh token after the change", &pilot_refresh);

    // An API token: created (its secret shown once), used over HTTP, a wrong one presented,
    // revoked, and presented again.
    let created = client
        .ok(
            Some(&admin_access),
            "mutation { createApiToken(name: \"logs\", scope: WRITE) { token { id } secret } }",
            json!({}),
        )
        .await;
    let api_secret = created["createApiToken"]["secret"].as_str().unwrap();
    secrets.add("API token secret", api_secret);
    let me = client
        .ok(Some(api_secret), "{ me { username } }", json!({}))
        .await;
    assert_eq!(me, json!({ "me": { "username": "admin" } }));
    let wrong = format!("{}x", &api_secret[..api_secret.len() - 1]);
    expect_error(
        &client
            .gql(Some(&wrong), "{ me { username } }", json!({}))
            .await,
        "UNAUTHENTICATED",
    );
    secrets.add("a mistyped API token", &wrong);
    let token_id = created["createApiToken"]["token"]["id"].as_str().unwrap();
    client
        .ok(
            Some(&admin_access),
            "mutation($id: ID!) { revokeApiToken(id: $id) }",
            json!({ "id": token_id }),
        )
        .await;
    expect_error(
        &client
            .gql(Some(api_secret), "{ me { username } }", json!({}))
            .await,
        "UNAUTHENTICATED",
    );

    // `hangar user create --password-stdin`, beside the running server, at the same level.
    let mut cli = run
        .hangar(
            &[
                "user",
                "create",
                "--username",
                "cli-user",
                "--role",
                "member",
                "--password-stdin",
            ],
            &run.log_path("cli.log"),
        )
        .stdin(Stdio::piped())
        .spawn()
        .expect("hangar user create starts");
    cli.stdin
        .take()
        .unwrap()
        .write_all(format!("{CLI_PASSWORD}\n").as_bytes())
        .unwrap();
    let status = tokio::task::spawn_blocking(move || cli.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "hangar user create: {status:?}");
    secrets.add("hangar user create password", CLI_PASSWORD);
    client.login("cli-user", CLI_PASSWORD).await;
    secrets
}

/// Adds every password hash and refresh-token hash the database holds.
async fn add_stored_hashes(run: &LogRun, secrets: &mut Secrets) {
    use hangar::entity::{refresh_token, user};
    let db = sea_orm::Database::connect(&run.database_url)
        .await
        .expect("open the database");
    let users = user::Entity::find().all(&db).await.unwrap();
    assert_eq!(users.len(), 3, "admin, pilot and cli-user");
    for user in users {
        let hash = &user.password_hash;
        secrets.add(format!("password hash of {}", user.username), hash);
        // The digest alone, in case a log splits or re-quotes the PHC string.
        let digest = hash.rsplit('$').next().unwrap();
        secrets.add(format!("password digest of {}", user.username), digest);
    }
    for token in hangar::entity::api_token::Entity::find()
        .all(&db)
        .await
        .unwrap()
    {
        secrets.add(format!("API token hash #{}", token.id), &token.secret_hash);
    }
    let tokens = refresh_token::Entity::find().all(&db).await.unwrap();
    assert!(tokens.len() >= 5, "refresh tokens stored: {}", tokens.len());
    for token in tokens {
        secrets.add(
            format!("refresh-token hash #{}", token.id),
            &token.token_hash,
        );
    }
    db.close().await.ok();
}

/// Whether the log has an event at `level` (fmt's output: `<time> <LEVEL> <target>: …`).
fn has_events_at(log: &str, level: &str) -> bool {
    log.lines().any(|line| line.contains(&format!(" {level} ")))
}

async fn no_secret_reaches_the_logs(run: LogRun) {
    let level = run.level;
    let server = Server::start(&run).await;
    let mut secrets = exercise_secrets(&run, &server).await;
    server.stop().await;
    add_stored_hashes(&run, &mut secrets).await;

    let serve_log = std::fs::read_to_string(run.log_path("serve.log")).unwrap();
    let cli_log = std::fs::read_to_string(run.log_path("cli.log")).unwrap();
    // The logs are the real thing: the server said it started and stopped.
    assert!(serve_log.contains("Hangar is up"), "{serve_log}");
    assert!(serve_log.contains("stopped"), "{serve_log}");
    // RUST_LOG took effect: the level asked for is there, the one below it is not.
    let (present, absent) = match level {
        "trace" => (Some("TRACE"), None),
        "debug" => (Some("DEBUG"), Some("TRACE")),
        _ => (None, Some("DEBUG")),
    };
    assert!(
        present.is_none_or(|l| has_events_at(&serve_log, l)),
        "{serve_log}"
    );
    assert!(
        absent.is_none_or(|l| !has_events_at(&serve_log, l)),
        "{serve_log}"
    );
    assert!(cli_log.contains("created user cli-user"), "{cli_log}");
    let mut leaks = Vec::new();
    for (log_name, log) in [
        ("hangar serve", &serve_log),
        ("hangar user create", &cli_log),
    ] {
        for (name, value) in &secrets.0 {
            if let Some(line) = log.lines().find(|line| line.contains(value.as_str())) {
                let excerpt: String = line.chars().take(300).collect();
                leaks.push(format!(
                    "RUST_LOG={level}: {log_name} logs the {name}, e.g. in: {excerpt}"
                ));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} secret(s) in the logs ({} bytes of serve log):\n{}",
        leaks.len(),
        serve_log.len(),
        leaks.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_at_trace() {
    no_secret_reaches_the_logs(LogRun::sqlite("trace")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_at_debug() {
    no_secret_reaches_the_logs(LogRun::sqlite("debug")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_at_info() {
    no_secret_reaches_the_logs(LogRun::sqlite("info")).await;
}

/// The PostgreSQL driver logs differently (notices, its pool), and its URL carries a password.
/// Trace only: every event of a lower level is in it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
async fn no_secret_in_logs_at_trace_on_postgres() {
    no_secret_reaches_the_logs(LogRun::postgres("trace").await).await;
}
