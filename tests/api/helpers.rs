//! Test harness: serves the real router on 127.0.0.1:0 over a fresh database and talks
//! GraphQL over HTTP, as a client would.
//!
//! Every scenario runs on SQLite (a temp file) and, when `TEST_DATABASE_URL` is set, on
//! PostgreSQL in a schema of its own that is dropped afterwards. `db_test!` writes both tests.

use std::{net::SocketAddr, time::Duration};

use hangar::{AppState, config::Config, serve};
use serde_json::{Value, json};

pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password-1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Writes tests `<name>::sqlite` and `<name>::postgres` that run `async fn <name>(app: TestApp)`.
/// (A module and a function may share a name: they live in different namespaces.)
#[macro_export]
macro_rules! db_test {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await;
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
            async fn postgres() {
                let app = $crate::helpers::TestApp::spawn_postgres().await;
                super::$name(app).await;
            }
        }
    )+};
}

/// Like [`db_test`], for scenarios that need extra configuration: `$config` is a
/// `&[(&str, &str)]` of variables, and may name items of the calling module.
#[macro_export]
macro_rules! configured_test {
    ($name:ident, $config:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app =
                    $crate::helpers::TestApp::spawn_with($crate::helpers::Backend::Sqlite, $config)
                        .await;
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
            async fn postgres() {
                let app = $crate::helpers::TestApp::spawn_postgres_with($config).await;
                super::$name(app).await;
            }
        }
    };
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub backend: Backend,
    pub state: AppState,
    client: reqwest::Client,
    _guard: DbGuard,
}

/// Removes the test's database when the test ends, even when it fails.
enum DbGuard {
    Sqlite(tempfile::TempDir),
    Postgres {
        url: String,
        schema: String,
    },
    /// A sibling instance: the first instance owns the database.
    Shared,
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let DbGuard::Postgres { url, schema } = self {
            execute_from_drop(url, format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
        }
    }
}

/// Stops a `hangar` process as an operator would (SIGTERM) and returns how it exited.
pub async fn terminate(mut child: std::process::Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap()
}

/// Runs one statement on `url`, best effort, from a `Drop` (which runs inside the test's
/// runtime: a thread with its own runtime keeps it synchronous).
pub fn execute_from_drop(url: &str, sql: String) {
    let url = url.to_owned();
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            use sea_orm::ConnectionTrait;
            if let Ok(db) = sea_orm::Database::connect(&url).await {
                let _ = db.execute_unprepared(&sql).await;
                let _ = db.close().await;
            }
        });
    })
    .join();
}

fn test_config(database_url: &str, extra: &[(&str, &str)]) -> Config {
    let mut vars: Vec<(String, String)> = vec![
        ("DATABASE_URL".into(), database_url.into()),
        (
            "JWT_SECRET".into(),
            "test-secret-that-is-at-least-32-bytes-long".into(),
        ),
        ("HANGAR_ADMIN_USERNAME".into(), ADMIN.into()),
        ("HANGAR_ADMIN_PASSWORD".into(), ADMIN_PASSWORD.into()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_lookup(|name| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
    .expect("test configuration is valid")
}

/// `TEST_DATABASE_URL`, for the PostgreSQL variants (built only when it is set: `build.rs`).
pub fn postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL").expect(
        "TEST_DATABASE_URL is unset: this PostgreSQL test is ignored without it (run it with the variable set)",
    )
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::spawn_with(Backend::Sqlite, &[]).await,
            Backend::Postgres => Self::spawn_postgres().await,
        }
    }

    /// On PostgreSQL, in a schema of its own. Only for tests marked
    /// `#[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]`, so
    /// that without the variable they show as ignored (see `build.rs`).
    pub async fn spawn_postgres() -> Self {
        Self::spawn_postgres_with(&[]).await
    }

    /// [`Self::spawn_postgres`] with extra configuration variables.
    pub async fn spawn_postgres_with(extra: &[(&str, &str)]) -> Self {
        Self::spawn_with(Backend::Postgres, extra).await
    }

    /// Spawns with extra configuration variables.
    pub async fn spawn_with(backend: Backend, extra: &[(&str, &str)]) -> Self {
        let (config, search_path, guard) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/hangar.db?mode=rwc", dir.path().display());
                (test_config(&url, extra), None, DbGuard::Sqlite(dir))
            }
            Backend::Postgres => {
                let url = postgres_url();
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let admin = sea_orm::Database::connect(&url)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                use sea_orm::ConnectionTrait;
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
                    .await
                    .expect("create test schema");
                admin.close().await.ok();
                let guard = DbGuard::Postgres {
                    url: url.clone(),
                    schema: schema.clone(),
                };
                (test_config(&url, extra), Some(schema), guard)
            }
        };
        let state = serve::prepare(config, search_path.as_deref())
            .await
            .expect("app prepares");
        serve::bootstrap(&state).await.expect("bootstrap");
        let addr = serve_on_a_free_port(&state).await;
        let client = client();
        TestApp {
            addr,
            backend,
            state,
            client,
            _guard: guard,
        }
    }

    /// A second Hangar instance on this app's database (as behind a load balancer).
    pub async fn spawn_sibling(&self) -> TestApp {
        self.spawn_sibling_with(&[]).await
    }

    /// [`Self::spawn_sibling`] with extra configuration variables.
    pub async fn spawn_sibling_with(&self, extra: &[(&str, &str)]) -> TestApp {
        let (config, search_path) = match &self._guard {
            DbGuard::Postgres { url, schema } => (test_config(url, extra), Some(schema.clone())),
            DbGuard::Sqlite(dir) => {
                let url = format!("sqlite://{}/hangar.db?mode=rwc", dir.path().display());
                (test_config(&url, extra), None)
            }
            DbGuard::Shared => panic!("spawn siblings from the first instance"),
        };
        let state = serve::prepare(config, search_path.as_deref())
            .await
            .expect("sibling prepares");
        let addr = serve_on_a_free_port(&state).await;
        TestApp {
            addr,
            backend: self.backend,
            state,
            client: self.client.clone(),
            _guard: DbGuard::Shared,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.client
    }

    /// POSTs a GraphQL request; returns the whole JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        response.json().await.expect("JSON response")
    }

    /// Runs a request that must succeed and returns its `data`.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let response = self.gql(token, query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    /// Logs in; returns (access token, refresh token).
    pub async fn login(&self, username: &str, password: &str) -> (String, String) {
        let data = self
            .ok(
                None,
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken } }",
                json!({ "u": username, "p": password }),
            )
            .await;
        (
            data["login"]["accessToken"].as_str().unwrap().to_string(),
            data["login"]["refreshToken"].as_str().unwrap().to_string(),
        )
    }

    pub async fn admin_token(&self) -> String {
        self.login(ADMIN, ADMIN_PASSWORD).await.0
    }

    /// Creates a user through the API; returns its id.
    pub async fn create_user(
        &self,
        admin_token: &str,
        username: &str,
        password: &str,
        role: &str,
    ) -> String {
        let data = self
            .ok(
                Some(admin_token),
                "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
                json!({ "i": { "username": username, "password": password, "role": role } }),
            )
            .await;
        data["createUser"]["id"].as_str().unwrap().to_string()
    }

    /// A signed-in MEMBER: (id, access token).
    pub async fn member(&self, username: &str) -> (String, String) {
        let admin = self.admin_token().await;
        let id = self
            .create_user(&admin, username, "member-password-1", "MEMBER")
            .await;
        let (token, _) = self.login(username, "member-password-1").await;
        (id, token)
    }

    /// Registers a camera through the API (as `token`); returns its id.
    pub async fn register_camera(
        &self,
        token: &str,
        model: &str,
        brand: &str,
        megapixels: f64,
    ) -> String {
        let data = self
            .ok(
                Some(token),
                "mutation($i: RegisterCameraInput!) { registerCamera(input: $i) { id } }",
                json!({ "i": { "model": model, "brand": brand, "megapixels": megapixels } }),
            )
            .await;
        data["registerCamera"]["id"].as_str().unwrap().to_string()
    }

    /// Registers a drone through the API (as `token`); returns its id.
    pub async fn register_drone(
        &self,
        token: &str,
        serial_number: &str,
        name: &str,
        brand: &str,
        camera_models: &[&str],
    ) -> String {
        let data = self
            .ok(
                Some(token),
                "mutation($i: RegisterDroneInput!) { registerDrone(input: $i) { id } }",
                json!({ "i": {
                    "serialNumber": serial_number,
                    "name": name,
                    "brand": brand,
                    "cameraModels": camera_models,
                } }),
            )
            .await;
        data["registerDrone"]["id"].as_str().unwrap().to_string()
    }

    /// SQL statements run so far by this app.
    pub fn statements(&self) -> u64 {
        self.state.statements.get()
    }

    /// Its `/metrics` text.
    pub async fn metrics(&self) -> String {
        self.http()
            .get(self.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

/// Serves the real router for `state` on 127.0.0.1 (with peer addresses, as `hangar serve`).
async fn serve_on_a_free_port(state: &AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    let state = state.clone();
    tokio::spawn(async move {
        serve::serve(listener, state, std::future::pending())
            .await
            .expect("server runs");
    });
    addr
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// The `extensions.code` of each error of a response.
pub fn error_codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts exactly one error, with `code`, and returns its message.
pub fn expect_error(response: &Value, code: &str) -> String {
    assert_eq!(
        error_codes(response),
        vec![code.to_string()],
        "response: {response:#}"
    );
    response["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `totalCount` of the list `list` (`drones`, `cameras`, `users`) as `token` sees it.
pub async fn total_count(app: &TestApp, list: &str, token: &str) -> i64 {
    let query = format!("{{ {list} {{ totalCount }} }}");
    let data = app.ok(Some(token), &query, json!({})).await;
    data[list]["totalCount"].as_i64().unwrap()
}

/// Asserts a record as the API returns it (a drone, camera or user): a positive numeric id,
/// `updatedAt` not before `createdAt`, and otherwise exactly `expected`. Returns the id.
pub fn assert_record(record: &Value, expected: Value) -> String {
    let id = record["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an id: {record:#}"));
    assert!(id.parse::<i64>().is_ok_and(|n| n > 0), "numeric id: {id}");
    assert!(
        timestamp(&record["updatedAt"]) >= timestamp(&record["createdAt"]),
        "{record:#}"
    );
    let mut full = expected;
    full["id"] = record["id"].clone();
    full["createdAt"] = record["createdAt"].clone();
    full["updatedAt"] = record["updatedAt"].clone();
    assert_eq!(record, &full);
    id.to_string()
}

/// Parses a `DateTime` the API returned: RFC 3339 in UTC, with `Z`.
pub fn timestamp(value: &Value) -> chrono::DateTime<chrono::Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a timestamp, got {value}"));
    assert!(text.ends_with('Z'), "UTC with Z: {text}");
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("RFC 3339 timestamp {text:?}: {e}"))
        .with_timezone(&chrono::Utc)
}

impl TestApp {
    /// Spawns on a database the caller owns and cleans up (e.g. a private PostgreSQL cluster):
    /// nothing is created in it beforehand nor dropped afterwards.
    pub async fn spawn_on_url(database_url: &str, extra: &[(&str, &str)]) -> Self {
        let backend = if database_url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let state = serve::prepare(test_config(database_url, extra), None)
            .await
            .expect("app prepares");
        serve::bootstrap(&state).await.expect("bootstrap");
        let addr = serve_on_a_free_port(&state).await;
        let client = client();
        TestApp {
            addr,
            backend,
            state,
            client,
            // The caller owns the database: this guard removes nothing.
            _guard: DbGuard::Shared,
        }
    }
}
