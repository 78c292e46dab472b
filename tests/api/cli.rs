//! The `hangar` binary, as an operator runs it: each test in a fresh working directory with its
//! own SQLite file, and none of the caller's Hangar configuration in the environment.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use hangar::{config::Config, serve, service::auth};
use sea_orm::EntityTrait;

/// Variables of the operations contract that must not leak in from the caller's environment.
const CONFIG_VARS: &[&str] = &[
    "DATABASE_URL",
    "JWT_SECRET",
    "ACCESS_TOKEN_TTL",
    "REFRESH_TOKEN_TTL",
    "CORS_ALLOWED_ORIGINS",
    "RUST_LOG",
    "HANGAR_PHOTO_STORE",
    "HANGAR_PUBLIC_URL",
];

struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn db_file(&self) -> PathBuf {
        self.path().join("hangar.db")
    }

    fn database_url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.db_file().display())
    }

    /// `hangar <args>` in this directory, on its database. RUST_LOG=warn keeps the
    /// migrations' INFO lines off stderr, so stderr holds only what the command reports.
    fn hangar(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hangar"));
        command.args(args).current_dir(self.path());
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("HANGAR_") {
                command.env_remove(&name);
            }
        }
        for name in CONFIG_VARS {
            command.env_remove(name);
        }
        command
            .env("DATABASE_URL", self.database_url())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.hangar(args).output().expect("hangar runs")
    }

    /// Runs `hangar <args>` with `input` piped to stdin.
    fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child = self
            .hangar(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hangar starts");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("hangar finishes")
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 stderr")
}

fn assert_success(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        stdout(output),
        stderr(output)
    );
}

/// Asserts a failure that explains itself in exactly one stderr line, and returns that line.
fn assert_one_line_failure(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "expected failure, got {:?}",
        output.status
    );
    let stderr = stderr(output);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got:\n{stderr}");
    assert!(lines[0].starts_with("hangar: "), "{stderr}");
    lines[0].to_string()
}

#[test]
fn schema_prints_the_sdl() {
    let work = Workdir::new();
    let output = work.run(&["schema"]);
    assert_success(&output);
    assert_eq!(stdout(&output), hangar::graphql::sdl());
    assert_eq!(stderr(&output), "");
    // It needs no database: nothing was created.
    assert!(!work.db_file().exists());
}

#[test]
fn migrate_creates_the_database_and_reports_status() {
    let work = Workdir::new();
    assert!(!work.db_file().exists());

    let output = work.run(&["migrate"]);
    assert_success(&output);
    assert_eq!(stdout(&output), "migrations applied\n");
    assert!(work.db_file().exists());

    let output = work.run(&["migrate", "--status"]);
    assert_success(&output);
    let status = stdout(&output);
    let lines: Vec<&str> = status.lines().collect();
    assert!(lines.len() >= 2, "{status}");
    assert_eq!(lines[0], "m20261123_000001_users_and_tokens\tApplied");
    assert_eq!(lines[1], "m20261123_000002_inventory\tApplied");
    assert!(lines.iter().all(|l| l.ends_with("\tApplied")), "{status}");

    // Running it again is a no-op that still succeeds.
    let output = work.run(&["migrate"]);
    assert_success(&output);
    assert_eq!(stdout(&output), "migrations applied\n");
}

#[test]
fn migrate_status_on_a_fresh_database_lists_pending_migrations() {
    let work = Workdir::new();
    let output = work.run(&["migrate", "--status"]);
    assert_success(&output);
    let status = stdout(&output);
    let lines: Vec<&str> = status.lines().collect();
    assert!(lines.len() >= 2, "{status}");
    assert_eq!(lines[0], "m20261123_000001_users_and_tokens\tPending");
    assert_eq!(lines[1], "m20261123_000002_inventory\tPending");
    assert!(lines.iter().all(|l| l.ends_with("\tPending")), "{status}");
}

#[tokio::test]
async fn user_create_reads_the_password_from_stdin() {
    let work = Workdir::new();
    let args = [
        "user",
        "create",
        "--username",
        "Pilot",
        "--role",
        "member",
        "--password-stdin",
    ];
    let output = work.run_with_stdin(&args, "pilot-password-1\n");
    assert_success(&output);
    assert_eq!(
        stdout(&output),
        "created user pilot (id 1) with role Member\n"
    );
    assert_eq!(stderr(&output), "");

    // The stored password is the piped line without its newline.
    let state = serve::prepare(Config::for_database(&work.database_url()), None)
        .await
        .expect("open the database");
    let session = auth::login(
        &state.db,
        &state.passwords,
        &state.tokens,
        "pilot",
        "pilot-password-1",
        None,
    )
    .await
    .expect("the new user can log in");
    assert_eq!(session.user.username, "pilot");
    assert_eq!(session.user.role, hangar::entity::user::Role::Member);
    state.db.close_by_ref().await.ok();

    // The same name again, in another case: refused, with one line saying why.
    let mut again = args;
    again[3] = "PILOT";
    let output = work.run_with_stdin(&again, "other-password-1\n");
    let line = assert_one_line_failure(&output);
    assert!(line.contains("\"pilot\" is already taken"), "{line}");
    assert_eq!(stdout(&output), "");

    // A SUPPORT user, with the password as the only stdin content (no newline).
    let output = work.run_with_stdin(
        &[
            "user",
            "create",
            "--username",
            "sam",
            "--role",
            "support",
            "--password-stdin",
        ],
        "sam-password-1",
    );
    assert_success(&output);
    assert_eq!(
        stdout(&output),
        "created user sam (id 2) with role Support\n"
    );
}

/// `hangar token create` prints the secret alone on stdout; the token works, with its scope,
/// and an unknown user or a WRITE token for a MEMBER fail in one line.
#[tokio::test]
async fn token_create_prints_a_working_secret_once() {
    let work = Workdir::new();
    let member = work.run_with_stdin(
        &[
            "user",
            "create",
            "--username",
            "mia",
            "--role",
            "member",
            "--password-stdin",
        ],
        "mia-password-1\n",
    );
    assert_success(&member);
    let output = work.run(&[
        "token",
        "create",
        "--username",
        "MIA",
        "--name",
        "backup",
        "--scope",
        "read",
        "--expires",
        "30d",
    ]);
    assert_success(&output);
    let secret = stdout(&output).trim_end().to_string();
    assert!(secret.starts_with("hgr_") && secret.len() == 47, "{secret}");
    assert_eq!(stdout(&output), format!("{secret}\n"));
    assert_eq!(
        stderr(&output),
        "created API token 1 for MIA: it is shown once, store it now\n"
    );

    let state = serve::prepare(Config::for_database(&work.database_url()), None)
        .await
        .expect("open the database");
    let token = hangar::entity::api_token::Entity::find()
        .one(&state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(token.name, "backup");
    assert_eq!(token.scope, hangar::entity::api_token::Scope::Read);
    let lifetime = (token.expires_at.unwrap() - token.created_at).num_seconds();
    assert!(
        (30 * 86_400 - 2..=30 * 86_400).contains(&lifetime),
        "{lifetime}"
    );
    assert_ne!(token.secret_hash, secret);
    state.db.close_by_ref().await.ok();

    let line = assert_one_line_failure(&work.run(&[
        "token",
        "create",
        "--username",
        "nobody",
        "--name",
        "x",
        "--scope",
        "read",
    ]));
    assert!(line.contains("no user named \"nobody\""), "{line}");
    let line = assert_one_line_failure(&work.run(&[
        "token",
        "create",
        "--username",
        "mia",
        "--name",
        "w",
        "--scope",
        "write",
    ]));
    assert!(
        line.contains("a WRITE token needs a SUPPORT owner"),
        "{line}"
    );
}

#[test]
fn user_create_rejects_a_bad_password() {
    let work = Workdir::new();
    let create = |username: &str, input: &str| {
        work.run_with_stdin(
            &[
                "user",
                "create",
                "--username",
                username,
                "--role",
                "member",
                "--password-stdin",
            ],
            input,
        )
    };

    let output = create("shorty", "1234567\n");
    let line = assert_one_line_failure(&output);
    assert!(line.contains("at least 8 characters"), "{line}");
    assert_eq!(stdout(&output), "");

    let output = create("empty", "");
    let line = assert_one_line_failure(&output);
    assert!(line.contains("password is empty"), "{line}");

    let output = create("x", "good-password-1\n");
    let line = assert_one_line_failure(&output);
    assert!(line.contains("username"), "{line}");

    // None of them was created: the next user gets id 1.
    let output = create("valid", "good-password-1\n");
    assert_success(&output);
    assert_eq!(
        stdout(&output),
        "created user valid (id 1) with role Member\n"
    );
}

#[test]
fn bad_configuration_is_reported_one_problem_per_line() {
    let work = Workdir::new();
    let output = work
        .hangar(&["migrate"])
        .env("JWT_SECRET", "short")
        .env("HANGAR_ADDR", "nowhere")
        .output()
        .expect("hangar runs");
    assert!(!output.status.success());
    assert_eq!(stdout(&output), "");
    let stderr = stderr(&output);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert_eq!(lines[0], "hangar: invalid configuration:");
    let addr: Vec<&&str> = lines.iter().filter(|l| l.contains("HANGAR_ADDR")).collect();
    let secret: Vec<&&str> = lines.iter().filter(|l| l.contains("JWT_SECRET")).collect();
    assert_eq!(addr.len(), 1, "{stderr}");
    assert_eq!(secret.len(), 1, "{stderr}");
    assert_ne!(addr[0], secret[0], "{stderr}");
    assert!(addr[0].contains("nowhere"), "{stderr}");
    assert!(secret[0].contains("at least 32 bytes"), "{stderr}");
    // Nothing was touched.
    assert!(!work.db_file().exists());
}

#[test]
fn an_unreachable_database_fails_in_one_line_without_its_password() {
    let work = Workdir::new();
    let output = work
        .hangar(&["migrate"])
        .env(
            "DATABASE_URL",
            "postgres://hangar:s3cret@127.0.0.1:1/hangar",
        )
        .env("HANGAR_DB_ACQUIRE_TIMEOUT", "1s")
        .output()
        .expect("hangar runs");
    let line = assert_one_line_failure(&output);
    assert!(line.contains("cannot connect"), "{line}");
    assert!(
        line.contains("postgres://hangar:***@127.0.0.1:1/hangar"),
        "{line}"
    );
    assert!(!line.contains("s3cret"), "{line}");
}

#[test]
fn seed_fills_a_fresh_database() {
    let work = Workdir::new();
    let output = work.run(&["seed"]);
    assert_success(&output);
    let text = stdout(&output);
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.starts_with("seeded 3 users, 5 sites, 15 cameras and 35 drones")),
        "{text}"
    );
    // The fleet has a life: made through the same services as the API.
    assert!(
        text.contains("3 check-outs (1 overdue), 1 in maintenance, 1 lost, 1 retired"),
        "{text}"
    );
    assert!(text.contains("  12 photos"), "{text}");
    assert!(work.db_file().exists());

    // A second run finds an inventory and refuses to mix demo rows into it.
    let output = work.run(&["seed"]);
    let line = assert_one_line_failure(&output);
    assert!(line.contains("empty inventory"), "{line}");
    assert_eq!(stdout(&output), "");
}

/// `hangar serve` on an empty database with no admin configured: the first start creates
/// SUPPORT user `admin` and prints its random password once; that password logs in; SIGTERM
/// stops the server cleanly (exit 0) after finishing what it was doing.
#[tokio::test]
async fn first_start_prints_an_admin_password_and_sigterm_stops_cleanly() {
    let work = Workdir::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(work.path().join("server.log")).unwrap();
    let server = work
        .hangar(&["serve"])
        .env("HANGAR_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("hangar serve starts");

    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status() == 200
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "server did not become ready");

    let logged = std::fs::read_to_string(work.path().join("server.log")).unwrap();
    let line = logged
        .lines()
        .find(|l| l.contains("First start: created SUPPORT user `admin` with password"))
        .unwrap_or_else(|| panic!("no first-start line in:\n{logged}"));
    let password = line.split('`').nth(3).expect("password between backticks");
    assert_eq!(password.len(), 20);

    let login: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .json(&serde_json::json!({
            "query": "mutation($p: String!) { login(username: \"admin\", password: $p) { user { role } } }",
            "variables": { "p": password }
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(login["data"]["login"]["user"]["role"], "SUPPORT", "{login}");

    let status = crate::helpers::terminate(server).await;
    assert!(status.success(), "exit status {status:?}");
    let logged = std::fs::read_to_string(work.path().join("server.log")).unwrap();
    assert!(logged.contains("shutdown signal received"), "{logged}");
    assert!(logged.contains("stopped"), "{logged}");
    // Printed once: the second start neither creates nor prints anything.
    assert_eq!(logged.matches("First start").count(), 1);
}
