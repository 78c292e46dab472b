//! The `hangar` binary is stopped in the middle of a 10,000-drone `registerDrones`.
//!
//! SIGTERM is a graceful stop: the in-flight request finishes, is answered and committed, and
//! the process exits 0. SIGKILL gives the server no say: the answer is lost and the batch must
//! be all or nothing. Either way the restarted server finds exactly 0 or exactly 10,000 drones
//! (with 3 camera links each), and 10,000 whenever the client was told the batch succeeded.
//! On SQLite (a temp file) and, with `TEST_DATABASE_URL`, on a fresh PostgreSQL database.
//!
//! The signal is not sent after a guessed delay: a probe beside the server watches the
//! database and the signal goes once the batch's write transaction is open, so it always lands
//! in the middle of the write, whatever the machine's speed.

use std::{
    path::Path,
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

const DRONES: usize = 10_000;
const CAMERAS: usize = 30;
const CAMERAS_PER_DRONE: usize = 3;
/// How often the test looks whether the server's write transaction is open yet.
const PROBE_INTERVAL: Duration = Duration::from_millis(2);
const ADMIN: &str = "admin";
/// Variables of the operations contract that must not leak in from the caller's environment.
const CONFIG_VARS: &[&str] = &[
    "DATABASE_URL",
    "JWT_SECRET",
    "ACCESS_TOKEN_TTL",
    "REFRESH_TOKEN_TTL",
    "CORS_ALLOWED_ORIGINS",
    "RUST_LOG",
];
const ADMIN_PASSWORD: &str = "admin-password-1";

#[derive(Clone, Copy, Debug)]
enum Signal {
    Term,
    Kill,
}

mod sigterm_mid_bulk_registration {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        interrupt_on_sqlite(Signal::Term).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
    async fn postgres() {
        interrupt_on_postgres(Signal::Term).await;
    }
}

mod sigkill_mid_bulk_registration {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        interrupt_on_sqlite(Signal::Kill).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
    async fn postgres() {
        interrupt_on_postgres(Signal::Kill).await;
    }
}

async fn interrupt_on_sqlite(signal: Signal) {
    let work = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/hangar.db?mode=rwc", work.path().display());
    interrupt(&url, work.path(), signal, None).await;
}

async fn interrupt_on_postgres(signal: Signal) {
    let test_url = crate::helpers::postgres_url();
    let database = ScratchDatabase::create(&test_url).await;
    let work = tempfile::tempdir().expect("temp dir");
    interrupt(&database.url, work.path(), signal, Some(&database)).await;
}

/// The scenario: seed cameras, send the batch, signal mid-request, restart, count.
/// `postgres`: the scratch database `database_url` names, when on PostgreSQL.
async fn interrupt(
    database_url: &str,
    work: &Path,
    signal: Signal,
    postgres: Option<&ScratchDatabase>,
) {
    let server = Server::start(database_url, work, "first").await;
    let token = server.login().await;
    seed_cameras(&server, &token).await;

    let mut probe = WriteProbe::open(database_url, postgres).await;
    let body = bulk_body();
    let request = BulkRequest::send(server.port, &token, &body).await;
    let sent = Instant::now();
    // The signal goes while the batch is being written: the case all-or-nothing is about.
    while !probe.write_in_progress().await {
        assert!(
            !request.answered(),
            "the batch was answered before its write transaction was seen open"
        );
        assert!(
            sent.elapsed() < Duration::from_secs(60),
            "no write transaction seen"
        );
        tokio::time::sleep(PROBE_INTERVAL).await;
    }
    let signalled_after = sent.elapsed();
    server.signal(signal);
    probe.close().await;
    let (status, log) = server.wait().await;
    let answer = request.answer().await;
    if let Some(database) = postgres {
        database.wait_until_unused().await;
    }

    let server = Server::start(database_url, work, "second").await;
    let token = server.login().await;
    let (drones, links) = inventory(&server, &token).await;
    server.signal(Signal::Term);
    server.wait().await;

    let backend = if postgres.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let outcome = if drones == 0 { "absent" } else { "committed" };
    eprintln!(
        "faults: {backend} {signal:?} mid-registerDrones: {outcome} ({drones} drones, {links} \
         camera links); client answer: {answer}; signal {signalled_after:?} after the request was \
         sent, with its write transaction open; exit: {status}"
    );

    // All or nothing, drones and their camera links alike.
    assert!(
        drones == 0 || drones == DRONES,
        "{drones} drones: a partial batch was committed\n{log}"
    );
    assert_eq!(
        links,
        drones * CAMERAS_PER_DRONE,
        "camera links of {drones} drones"
    );
    // An acknowledged write is never lost.
    if let Answer::Response {
        status: 200,
        ref body,
    } = answer
        && body.get("errors").is_none()
    {
        assert_eq!(body["data"]["registerDrones"]["created"], DRONES, "{body}");
        assert_eq!(
            drones, DRONES,
            "the client was told the batch was written\n{log}"
        );
    }
    match signal {
        // Graceful: the request in flight is finished and answered, then the process exits 0.
        Signal::Term => {
            assert!(status.success(), "exit status {status}\n{log}");
            assert!(log.contains("shutdown signal received"), "{log}");
            assert_eq!(
                answer,
                Answer::Response {
                    status: 200,
                    body: json!({ "data": { "registerDrones": { "created": DRONES } } })
                },
                "SIGTERM lets the request in flight finish\n{log}"
            );
        }
        Signal::Kill => {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(libc::SIGKILL), "exit status {status}");
        }
    }
}

/// 10,000 drones, each with 3 of the 30 cameras.
fn bulk_body() -> Vec<u8> {
    let inputs: Vec<Value> = (0..DRONES)
        .map(|i| {
            let models: Vec<String> = (0..CAMERAS_PER_DRONE)
                .map(|k| format!("CAM-{:02}", (i + k) % CAMERAS))
                .collect();
            json!({
                "serialNumber": format!("SN-{i:05}"),
                "name": format!("Drone {i}"),
                "brand": "Acme",
                "cameraModels": models,
            })
        })
        .collect();
    serde_json::to_vec(&json!({
        "query": "mutation($i: [RegisterDroneInput!]!) { registerDrones(inputs: $i) { created } }",
        "variables": { "i": inputs },
    }))
    .unwrap()
}

async fn seed_cameras(server: &Server, token: &str) {
    let cameras: Vec<Value> = (0..CAMERAS)
        .map(|i| json!({ "model": format!("CAM-{i:02}"), "brand": "Acme", "megapixels": 12.0 }))
        .collect();
    let response = server
        .gql(
            Some(token),
            "mutation($i: [RegisterCameraInput!]!) { registerCameras(inputs: $i) { created } }",
            json!({ "i": cameras }),
        )
        .await;
    assert_eq!(
        response,
        json!({ "data": { "registerCameras": { "created": CAMERAS } } })
    );
}

/// (drones, drone–camera links) as the API reports them.
async fn inventory(server: &Server, token: &str) -> (usize, usize) {
    let response = server
        .gql(
            Some(token),
            "{ drones { totalCount } cameras(first: 100) { totalCount nodes { droneCount } } }",
            json!({}),
        )
        .await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let data = &response["data"];
    assert_eq!(data["cameras"]["totalCount"], CAMERAS, "{response:#}");
    let drones = data["drones"]["totalCount"].as_u64().unwrap() as usize;
    let links = data["cameras"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|camera| camera["droneCount"].as_u64().unwrap() as usize)
        .sum();
    (drones, links)
}

/// The real binary, serving on a free port, with none of the caller's configuration.
struct Server {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
    client: reqwest::Client,
}

impl Server {
    async fn start(database_url: &str, work: &Path, name: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = work.join(format!("{name}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_hangar"));
        command.arg("serve").current_dir(work);
        for (variable, _) in std::env::vars_os() {
            if variable.to_string_lossy().starts_with("HANGAR_") {
                command.env_remove(&variable);
            }
        }
        for variable in CONFIG_VARS {
            command.env_remove(variable);
        }
        let child = command
            .env("DATABASE_URL", database_url)
            .env("HANGAR_ADDR", format!("127.0.0.1:{port}"))
            .env("JWT_SECRET", "fault-test-secret-at-least-32-bytes-long")
            .env("HANGAR_ADMIN_USERNAME", ADMIN)
            .env("HANGAR_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("hangar serve starts");
        let mut server = Self {
            child,
            port,
            log,
            client: reqwest::Client::new(),
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&mut self) {
        for _ in 0..300 {
            if let Ok(response) = self.client.get(self.url("/readyz")).send().await
                && response.status() == 200
            {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "hangar exited ({status}) before it was ready:\n{}",
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("hangar was not ready within 30 s:\n{}", self.log());
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap().json().await.unwrap()
    }

    async fn login(&self) -> String {
        let response = self
            .gql(
                None,
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }",
                json!({ "u": ADMIN, "p": ADMIN_PASSWORD }),
            )
            .await;
        response["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {response:#}"))
            .to_string()
    }

    fn signal(&self, signal: Signal) {
        let number = match signal {
            Signal::Term => libc::SIGTERM,
            Signal::Kill => libc::SIGKILL,
        };
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill has no memory-safety preconditions; the pid is our own child, which
        // has not been reaped yet, so it cannot name another process.
        let sent = unsafe { libc::kill(pid, number) };
        assert_eq!(sent, 0, "kill({pid}, {signal:?})");
    }

    /// Waits for the process to exit; its status and log.
    async fn wait(mut self) -> (ExitStatus, String) {
        let log = self.log.clone();
        let status = tokio::task::spawn_blocking(move || self.child.wait())
            .await
            .unwrap()
            .expect("wait for hangar");
        (status, std::fs::read_to_string(log).unwrap_or_default())
    }
}

/// What the bulk client got back.
#[derive(Debug, PartialEq)]
enum Answer {
    /// A complete HTTP response.
    Response { status: u16, body: Value },
    /// The connection closed before a complete response: no acknowledgement.
    Nothing { received_bytes: usize },
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Response { status, body } => write!(f, "HTTP {status} {body}"),
            Answer::Nothing { received_bytes } => {
                write!(f, "none (connection closed after {received_bytes} bytes)")
            }
        }
    }
}

/// One HTTP/1.1 request written by hand, so the test knows the moment the whole body has been
/// handed to the server (an HTTP client library does not say when it is done sending).
struct BulkRequest {
    reply: tokio::task::JoinHandle<Vec<u8>>,
}

impl BulkRequest {
    async fn send(port: u16, token: &str, body: &[u8]) -> Self {
        let mut stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await.expect("send head");
        stream.write_all(body).await.expect("send body");
        let reply = tokio::spawn(async move {
            let mut reply = Vec::new();
            // A reset connection (SIGKILL) ends the reply as much as a clean close does.
            let _ = stream.read_to_end(&mut reply).await;
            reply
        });
        Self { reply }
    }

    fn answered(&self) -> bool {
        self.reply.is_finished()
    }

    async fn answer(self) -> Answer {
        let reply = tokio::time::timeout(Duration::from_secs(60), self.reply)
            .await
            .expect("the connection ends once the server is gone")
            .unwrap();
        parse_response(&reply).unwrap_or(Answer::Nothing {
            received_bytes: reply.len(),
        })
    }
}

/// A complete response with a Content-Length body, or None.
fn parse_response(reply: &[u8]) -> Option<Answer> {
    let split = reply.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&reply[..split]).ok()?;
    let body = &reply[split + 4..];
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })?;
    if body.len() != length {
        return None;
    }
    Some(Answer::Response {
        status,
        body: serde_json::from_slice(body).ok()?,
    })
}

/// Looks into the database, beside the server, for the batch's open write transaction.
enum WriteProbe {
    /// The server writes in `BEGIN IMMEDIATE` transactions: while one is open, this
    /// connection cannot take the write lock (and, with no busy timeout, says so at once).
    Sqlite(sea_orm::sqlx::SqliteConnection),
    /// A transaction that has written rows has a transaction id in `pg_stat_activity`.
    Postgres {
        db: sea_orm::DatabaseConnection,
        database: String,
    },
}

impl WriteProbe {
    async fn open(database_url: &str, postgres: Option<&ScratchDatabase>) -> Self {
        match postgres {
            Some(scratch) => WriteProbe::Postgres {
                db: sea_orm::Database::connect(&scratch.maintenance_url)
                    .await
                    .expect("connect to the PostgreSQL server"),
                database: scratch.name.clone(),
            },
            None => {
                use sea_orm::sqlx::{ConnectOptions, sqlite::SqliteConnectOptions};
                use std::str::FromStr;
                let options = SqliteConnectOptions::from_str(database_url)
                    .expect("SQLite URL")
                    .busy_timeout(Duration::ZERO);
                WriteProbe::Sqlite(options.connect().await.expect("open the SQLite file"))
            }
        }
    }

    async fn write_in_progress(&mut self) -> bool {
        match self {
            WriteProbe::Sqlite(connection) => {
                use sea_orm::sqlx::Executor;
                match connection.execute("BEGIN IMMEDIATE").await {
                    Ok(_) => {
                        connection.execute("ROLLBACK").await.expect("rollback");
                        false
                    }
                    Err(err) if err.to_string().contains("database is locked") => true,
                    Err(err) => panic!("probing the write lock: {err}"),
                }
            }
            WriteProbe::Postgres { db, database } => {
                use sea_orm::{ConnectionTrait, Statement};
                let row = db
                    .query_one_raw(Statement::from_sql_and_values(
                        sea_orm::DbBackend::Postgres,
                        "SELECT count(*) AS n FROM pg_stat_activity \
                         WHERE datname = $1 AND backend_xid IS NOT NULL",
                        [database.clone().into()],
                    ))
                    .await
                    .expect("read pg_stat_activity")
                    .expect("one row");
                row.try_get::<i64>("", "n").unwrap() > 0
            }
        }
    }

    async fn close(self) {
        match self {
            WriteProbe::Sqlite(connection) => {
                use sea_orm::sqlx::Connection;
                connection.close().await.ok();
            }
            WriteProbe::Postgres { db, .. } => {
                db.close().await.ok();
            }
        }
    }
}

/// A PostgreSQL database of the test's own on the shared server, dropped at the end.
struct ScratchDatabase {
    name: String,
    /// The same server's `postgres` database, from which the scratch one is managed.
    maintenance_url: String,
    url: String,
}

impl ScratchDatabase {
    async fn create(test_url: &str) -> Self {
        let (server, _) = test_url
            .rsplit_once('/')
            .expect("TEST_DATABASE_URL ends with /<database>");
        let name = format!("hangar_faults_{}", uuid::Uuid::new_v4().simple());
        let database = Self {
            maintenance_url: format!("{server}/postgres"),
            url: format!("{server}/{name}"),
            name,
        };
        database
            .execute(&format!("CREATE DATABASE \"{}\"", database.name))
            .await;
        database
    }

    /// Waits until no session of the stopped server is left: after SIGKILL PostgreSQL only
    /// notices the dead client (and rolls back its transaction) when it next reads from it.
    async fn wait_until_unused(&self) {
        use sea_orm::{ConnectionTrait, Statement};
        let db = sea_orm::Database::connect(&self.maintenance_url)
            .await
            .unwrap();
        for _ in 0..300 {
            let row = db
                .query_one_raw(Statement::from_sql_and_values(
                    sea_orm::DbBackend::Postgres,
                    "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1",
                    [self.name.clone().into()],
                ))
                .await
                .unwrap()
                .unwrap();
            if row.try_get::<i64>("", "n").unwrap() == 0 {
                db.close().await.ok();
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("sessions on {} outlived the server", self.name);
    }

    async fn execute(&self, sql: &str) {
        use sea_orm::ConnectionTrait;
        let db = sea_orm::Database::connect(&self.maintenance_url)
            .await
            .expect("connect to the PostgreSQL server");
        db.execute_unprepared(sql).await.expect(sql);
        db.close().await.ok();
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        crate::helpers::execute_from_drop(
            &self.maintenance_url,
            format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
        );
    }
}
