//! Hangar's configuration: one struct, read from the environment (with `.env` as fallback,
//! loaded by `main`). Every variable is declared once, in [`VARIABLES`] (name, what it is worth
//! unset, its parser, one line of meaning); `.env.example` and the README's table are checked
//! against those declarations by a test.
//!
//! [`Config::from_lookup`] validates everything at once and reports one line per problem, so
//! an operator fixes a broken deployment in one round instead of one restart per mistake.

use std::{fmt, net::SocketAddr, time::Duration};

/// A value that must never be printed: `Debug` shows `[redacted]`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where the JWT secret came from: operators must know when tokens will not survive a restart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwtSecretSource {
    Configured,
    GeneratedForThisProcess,
}

/// The configuration, one field per setting. What each variable is, its default and its one-line
/// meaning are declared once, in [`VARIABLES`]; the fields say only what the code needs to know.
#[derive(Clone, Debug)]
pub struct Config {
    /// [`DATABASE_URL`].
    pub database_url: String,
    /// [`HANGAR_ADDR`].
    pub addr: SocketAddr,
    /// [`JWT_SECRET`]: HMAC key for access tokens. Unset: random per process.
    pub jwt_secret: Secret,
    pub jwt_secret_source: JwtSecretSource,
    /// [`ACCESS_TOKEN_TTL`].
    pub access_token_ttl: Duration,
    /// [`REFRESH_TOKEN_TTL`].
    pub refresh_token_ttl: Duration,
    /// [`HANGAR_ADMIN_USERNAME`] / [`HANGAR_ADMIN_PASSWORD`]: first-run SUPPORT user.
    pub admin: Option<(String, Secret)>,
    /// [`CORS_ALLOWED_ORIGINS`].
    pub cors_allowed_origins: Vec<String>,
    /// [`HANGAR_PLAYGROUND`]: serve GraphiQL at `/`.
    pub playground: bool,
    /// [`HANGAR_INTROSPECTION`].
    pub introspection: bool,
    /// [`HANGAR_DB_MAX_CONNECTIONS`] (its default depends on the engine).
    pub db_max_connections: u32,
    /// [`HANGAR_DB_ACQUIRE_TIMEOUT`].
    pub db_acquire_timeout: Duration,
    /// [`HANGAR_MAX_QUERY_DEPTH`].
    pub max_query_depth: usize,
    /// [`HANGAR_MAX_QUERY_COMPLEXITY`].
    pub max_query_complexity: usize,
    /// [`HANGAR_AUTH_CACHE_TTL`] (zero: re-read on every request).
    pub auth_cache_ttl: Duration,
    /// [`HANGAR_MAX_BODY_BYTES`]: an HTTP body, and a graphql-ws message.
    pub max_body_bytes: usize,
    /// [`HANGAR_REQUEST_TIMEOUT`].
    pub request_timeout: Duration,
    /// [`HANGAR_DB_STATEMENT_TIMEOUT`] (PostgreSQL only; zero: off).
    pub db_statement_timeout: Duration,
    /// [`HANGAR_WS_PING_INTERVAL`].
    pub ws_ping_interval: Duration,
    /// [`HANGAR_WS_INIT_TIMEOUT`].
    pub ws_init_timeout: Duration,
    /// [`HANGAR_MAX_BATCH_OPERATIONS`].
    pub max_batch_operations: usize,
    /// [`HANGAR_MAX_PAGE_SIZE`].
    pub max_page_size: i32,
    /// [`HANGAR_MAX_BULK_ITEMS`].
    pub max_bulk_items: usize,
    /// [`HANGAR_LOGIN_MAX_FAILURES`].
    pub login_max_failures: u32,
    /// [`HANGAR_LOGIN_MAX_FAILURES_PER_IP`].
    pub login_max_failures_per_ip: u32,
    /// [`HANGAR_LOGIN_MAX_FAILURES_PER_USER`] (growing delays first; see `auth::throttle`).
    pub login_max_failures_per_user: u32,
    /// [`HANGAR_LOGIN_FAILURE_WINDOW`].
    pub login_failure_window: Duration,
    /// [`HANGAR_TRUST_FORWARDED_FOR`].
    pub trust_forwarded_for: bool,
    /// [`HANGAR_PHOTO_STORE`].
    pub photo_store: PhotoStoreConfig,
    /// [`HANGAR_MAX_PHOTO_BYTES`].
    pub max_photo_bytes: usize,
    /// [`HANGAR_PHOTO_URL_TTL`].
    pub photo_url_ttl: Duration,
    /// [`HANGAR_PUBLIC_URL`]. Unset: the origin of the request that asked for them.
    pub public_url: Option<String>,
    /// [`HANGAR_CONSOLE_DIR`]. Unset: no console.
    pub console_dir: Option<std::path::PathBuf>,
}

/// What a variable is worth when it is unset.
#[derive(Clone, Copy, Debug)]
pub enum Fallback {
    /// This value, parsed like a set one: `.env.example` writes `NAME=value`, the README's
    /// table `` `value` ``.
    Value(&'static str),
    /// Nothing (an optional setting): `.env.example` writes it commented out.
    Unset,
    /// Something the code works out, in these words (the README's table says them).
    Described(&'static str),
}

/// One environment variable, declared once: its name, what it is worth unset, and what it
/// means in one line. `from_lookup` reads it through this declaration, and
/// `the_declarations_are_what_env_example_and_the_readme_say` holds `.env.example` and the
/// README's configuration table to it.
#[derive(Clone, Copy, Debug)]
pub struct Variable {
    pub name: &'static str,
    pub fallback: Fallback,
    pub doc: &'static str,
}

/// A variable with the parser of its value.
pub struct Setting<T> {
    pub variable: Variable,
    parse: fn(&str) -> Result<T, String>,
}

impl<T> Setting<T> {
    /// The value set, or its fallback `Value` (parsed the same way). A value that does not
    /// parse is recorded as a problem line and the fallback stands in, so every other
    /// variable is still read and reported: `from_lookup` fails with all the lines at once.
    fn read(&self, get: &impl Fn(&str) -> Option<String>, problems: &mut Vec<String>) -> T {
        match (self.read_set(get, problems), self.variable.fallback) {
            (Some(value), _) => value,
            (None, Fallback::Value(text)) => (self.parse)(text).unwrap_or_else(|why| {
                panic!(
                    "the declared default of {} does not parse: {why}",
                    self.variable.name
                )
            }),
            (None, _) => panic!(
                "{} has no default value: read it with read_set",
                self.variable.name
            ),
        }
    }

    /// The value exactly as set (not trimmed, not parsed), else None: secrets and credentials,
    /// whose spaces are theirs.
    fn verbatim(&self, get: &impl Fn(&str) -> Option<String>) -> Option<String> {
        get(self.variable.name)
    }

    /// The value when set (and valid), else None.
    fn read_set(
        &self,
        get: &impl Fn(&str) -> Option<String>,
        problems: &mut Vec<String>,
    ) -> Option<T> {
        let name = self.variable.name;
        let raw = get(name)?;
        match (self.parse)(raw.trim()) {
            Ok(value) => Some(value),
            Err(why) => {
                // A URL's password never reaches the report.
                problems.push(format!("{name}={:?}: {why}", redact_url(&raw)));
                None
            }
        }
    }
}

/// Declares each variable as a [`Setting`] constant of the same name and lists them all in
/// [`VARIABLES`], in the order `.env.example` and the README present them.
macro_rules! variables {
    ($($name:ident: $ty:ty = $fallback:expr, $parse:expr, $doc:literal;)+) => {
        $(
            #[doc = $doc]
            pub const $name: Setting<$ty> = Setting {
                variable: Variable { name: stringify!($name), fallback: $fallback, doc: $doc },
                parse: $parse,
            };
        )+
        /// Every variable Hangar reads (and `RUST_LOG`, which the log filter reads).
        pub const VARIABLES: &[Variable] = &[$($name.variable),+];
    };
}

use Fallback::{Described, Unset, Value};

variables! {
    DATABASE_URL: String = Value("sqlite://hangar.db?mode=rwc"), database_url,
        "SQLite file (created on first start) or postgres://user:pass@host:5432/db";
    HANGAR_ADDR: SocketAddr = Value("127.0.0.1:8080"), socket_addr, "listen address";
    JWT_SECRET: String = Described("random per process, with a warning"), text,
        "HMAC secret for access tokens, at least 32 bytes";
    ACCESS_TOKEN_TTL: Duration = Value("15m"), parse_duration, "access token lifetime";
    REFRESH_TOKEN_TTL: Duration = Value("30d"), parse_duration, "refresh token lifetime";
    HANGAR_ADMIN_USERNAME: String = Unset, text, "first-run SUPPORT user's name";
    HANGAR_ADMIN_PASSWORD: String = Unset, text, "first-run SUPPORT user's password";
    CORS_ALLOWED_ORIGINS: Vec<String> = Value("http://localhost:4200"), origins,
        "comma-separated origins allowed to call the API from a browser";
    HANGAR_PLAYGROUND: bool = Value("true"), boolean, "serve GraphiQL at /";
    HANGAR_INTROSPECTION: bool = Value("true"), boolean, "allow schema introspection";
    RUST_LOG: String = Value("info"), text, "log filter";
    HANGAR_DB_MAX_CONNECTIONS: u32 = Described("10 (PostgreSQL), 5 (SQLite)"), positive::<u32>,
        "database pool size";
    HANGAR_DB_ACQUIRE_TIMEOUT: Duration = Value("5s"), parse_duration,
        "how long a request waits for a pooled connection";
    HANGAR_MAX_QUERY_DEPTH: usize = Value("15"), positive::<usize>,
        "deepest selection nesting accepted";
    HANGAR_MAX_QUERY_COMPLEXITY: usize = Value("5000"), positive::<usize>,
        "query complexity limit";
    HANGAR_AUTH_CACHE_TTL: Duration = Value("5s"), duration_or_zero,
        "how long a signed-in user's existence and role are remembered";
    HANGAR_MAX_BODY_BYTES: usize = Value("4194304"), positive::<usize>,
        "largest request body, and largest graphql-ws message";
    HANGAR_REQUEST_TIMEOUT: Duration = Value("30s"), parse_duration,
        "a request running longer is dropped: TIMEOUT";
    HANGAR_WS_PING_INTERVAL: Duration = Value("15s"), parse_duration,
        "graphql-ws keep-alive ping interval";
    HANGAR_WS_INIT_TIMEOUT: Duration = Value("10s"), parse_duration,
        "a graphql-ws connection not acknowledged by then closes with 4408";
    HANGAR_DB_STATEMENT_TIMEOUT: Duration = Value("20s"), duration_or_zero,
        "PostgreSQL cancels a statement running longer: TIMEOUT";
    HANGAR_MAX_BATCH_OPERATIONS: usize = Value("20"), positive::<usize>,
        "operations in one batched HTTP request";
    HANGAR_MAX_PAGE_SIZE: i32 = Value("100"), page_size, "largest first/last of a list";
    HANGAR_MAX_BULK_ITEMS: usize = Value("10000"), positive::<usize>,
        "items in one registerDrones/registerCameras";
    HANGAR_LOGIN_MAX_FAILURES: u32 = Value("5"), positive::<u32>,
        "failed logins per (username, client address) within the window";
    HANGAR_LOGIN_MAX_FAILURES_PER_IP: u32 = Value("50"), positive::<u32>,
        "failed logins per client address, across usernames";
    HANGAR_LOGIN_MAX_FAILURES_PER_USER: u32 = Value("100"), positive::<u32>,
        "failed logins per username, across addresses it has not signed in from";
    HANGAR_LOGIN_FAILURE_WINDOW: Duration = Value("15m"), parse_duration,
        "the throttling window";
    HANGAR_TRUST_FORWARDED_FOR: bool = Value("false"), boolean,
        "take the client address from X-Forwarded-For";
    HANGAR_PHOTO_STORE: PhotoStoreConfig = Value("database"), photo_store,
        "where photo bytes live: database, dir:/path or s3://bucket/prefix";
    AWS_ACCESS_KEY_ID: String = Unset, text, "the S3 store's access key";
    AWS_SECRET_ACCESS_KEY: String = Unset, text, "the S3 store's secret key";
    AWS_REGION: String = Described("AWS_DEFAULT_REGION, else us-east-1"), text,
        "the S3 store's region";
    AWS_ENDPOINT_URL: String = Unset, text, "an S3-compatible store that is not AWS";
    HANGAR_MAX_PHOTO_BYTES: usize = Value("10485760"), positive::<usize>,
        "largest accepted photo";
    HANGAR_PHOTO_URL_TTL: Duration = Value("15m"), parse_duration,
        "how long a signed photo URL stays valid";
    HANGAR_PUBLIC_URL: String = Described("the request's Host"), public_url,
        "the origin photo URLs start with";
    HANGAR_CONSOLE_DIR: std::path::PathBuf = Unset, console_dir,
        "a built inventory console to serve at /console/";
}

/// Where photo bytes live (`HANGAR_PHOTO_STORE`).
#[derive(Clone, Debug)]
pub enum PhotoStoreConfig {
    /// `database`: a table of their own, written in the rows' transactions.
    Database,
    /// `dir:/path`: a local directory (one instance).
    Dir(std::path::PathBuf),
    /// `s3://bucket/prefix`: an S3-compatible object store (`AWS_*` credentials,
    /// `AWS_ENDPOINT_URL` for one that is not AWS).
    S3(S3Config),
}

/// An S3 store: the bucket and prefix of `HANGAR_PHOTO_STORE`, and the usual `AWS_*`
/// variables (read here, with the rest of the configuration; unset ones fall back to the
/// AWS SDK's other sources: instance metadata, web identity).
#[derive(Clone, Debug)]
pub struct S3Config {
    pub bucket: String,
    pub prefix: String,
    /// `AWS_ENDPOINT_URL`: a non-AWS endpoint (MinIO, moto, Ceph), path-style.
    pub endpoint: Option<String>,
    /// `AWS_REGION` (or `AWS_DEFAULT_REGION`), default `us-east-1`.
    pub region: String,
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
}

fn photo_store(value: &str) -> Result<PhotoStoreConfig, String> {
    if value == "database" {
        return Ok(PhotoStoreConfig::Database);
    }
    if let Some(path) = value.strip_prefix("dir:").filter(|p| !p.is_empty()) {
        return Ok(PhotoStoreConfig::Dir(path.into()));
    }
    if let Some(rest) = value.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if !bucket.is_empty() {
            return Ok(PhotoStoreConfig::S3(S3Config {
                bucket: bucket.into(),
                prefix: prefix.trim_matches('/').into(),
                endpoint: None,
                region: "us-east-1".into(),
                access_key_id: None,
                secret_access_key: None,
            }));
        }
    }
    Err("use database, dir:/a/path or s3://bucket/prefix".into())
}

/// The default largest page: [`HANGAR_MAX_PAGE_SIZE`]'s, for page arguments read without a
/// configuration (a unit test holds the two equal).
pub(crate) const MAX_PAGE_SIZE: i32 = 100;
/// The largest page size a deployment may configure: query complexity counts pages up to it.
pub(crate) const PAGE_SIZE_CEILING: i32 = 1000;

/// Bytes a JWT secret needs at least: HS256 keys shorter than its output weaken it.
const MIN_JWT_SECRET_BYTES: usize = 32;

/// One line per invalid variable.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  {}", .0.join("\n  "))]
pub struct ConfigError(pub Vec<String>);

impl Config {
    /// Reads the process environment (after `.env` was loaded by the caller).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests can hand in their own variables.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut problems = Vec::new();
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let p = &mut problems;

        let database_url = DATABASE_URL.read(&get, p);
        let is_sqlite = database_url.starts_with("sqlite:");
        let addr = HANGAR_ADDR.read(&get, p);
        let (jwt_secret, jwt_secret_source) = match JWT_SECRET.verbatim(&get) {
            Some(secret) if secret.len() < MIN_JWT_SECRET_BYTES => {
                p.push(format!(
                    "JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes, got {}",
                    secret.len()
                ));
                (Secret::new(secret), JwtSecretSource::Configured)
            }
            Some(secret) => (Secret::new(secret), JwtSecretSource::Configured),
            None => (random_secret(), JwtSecretSource::GeneratedForThisProcess),
        };
        let access_token_ttl = ACCESS_TOKEN_TTL.read(&get, p);
        let refresh_token_ttl = REFRESH_TOKEN_TTL.read(&get, p);
        let admin = match (
            HANGAR_ADMIN_USERNAME.verbatim(&get),
            HANGAR_ADMIN_PASSWORD.verbatim(&get),
        ) {
            (Some(user), Some(password)) => Some((user, Secret::new(password))),
            (None, None) => None,
            (Some(_), None) => {
                p.push("HANGAR_ADMIN_USERNAME is set but HANGAR_ADMIN_PASSWORD is not".into());
                None
            }
            (None, Some(_)) => {
                p.push("HANGAR_ADMIN_PASSWORD is set but HANGAR_ADMIN_USERNAME is not".into());
                None
            }
        };
        let cors_allowed_origins = CORS_ALLOWED_ORIGINS.read(&get, p);
        let playground = HANGAR_PLAYGROUND.read(&get, p);
        let introspection = HANGAR_INTROSPECTION.read(&get, p);
        let db_max_connections = HANGAR_DB_MAX_CONNECTIONS
            .read_set(&get, p)
            .unwrap_or(if is_sqlite { 5 } else { 10 });
        let db_acquire_timeout = HANGAR_DB_ACQUIRE_TIMEOUT.read(&get, p);
        let max_query_depth = HANGAR_MAX_QUERY_DEPTH.read(&get, p);
        let max_query_complexity = HANGAR_MAX_QUERY_COMPLEXITY.read(&get, p);
        let auth_cache_ttl = HANGAR_AUTH_CACHE_TTL.read(&get, p);
        let max_body_bytes = HANGAR_MAX_BODY_BYTES.read(&get, p);
        let request_timeout = HANGAR_REQUEST_TIMEOUT.read(&get, p);
        let db_statement_timeout = HANGAR_DB_STATEMENT_TIMEOUT.read(&get, p);
        let ws_ping_interval = HANGAR_WS_PING_INTERVAL.read(&get, p);
        let ws_init_timeout = HANGAR_WS_INIT_TIMEOUT.read(&get, p);
        let max_batch_operations = HANGAR_MAX_BATCH_OPERATIONS.read(&get, p);
        let max_page_size = HANGAR_MAX_PAGE_SIZE.read(&get, p);
        let max_bulk_items = HANGAR_MAX_BULK_ITEMS.read(&get, p);
        let login_max_failures = HANGAR_LOGIN_MAX_FAILURES.read(&get, p);
        let login_max_failures_per_ip = HANGAR_LOGIN_MAX_FAILURES_PER_IP.read(&get, p);
        let login_max_failures_per_user = HANGAR_LOGIN_MAX_FAILURES_PER_USER.read(&get, p);
        let login_failure_window = HANGAR_LOGIN_FAILURE_WINDOW.read(&get, p);
        let trust_forwarded_for = HANGAR_TRUST_FORWARDED_FOR.read(&get, p);
        let photo_store = match HANGAR_PHOTO_STORE.read(&get, p) {
            PhotoStoreConfig::S3(s3) => PhotoStoreConfig::S3(S3Config {
                endpoint: AWS_ENDPOINT_URL.verbatim(&get),
                region: AWS_REGION
                    .verbatim(&get)
                    .or_else(|| get("AWS_DEFAULT_REGION"))
                    .unwrap_or(s3.region),
                access_key_id: AWS_ACCESS_KEY_ID.verbatim(&get),
                secret_access_key: AWS_SECRET_ACCESS_KEY.verbatim(&get).map(Secret::new),
                ..s3
            }),
            other => other,
        };
        let max_photo_bytes = HANGAR_MAX_PHOTO_BYTES.read(&get, p);
        let photo_url_ttl = HANGAR_PHOTO_URL_TTL.read(&get, p);
        let public_url = HANGAR_PUBLIC_URL.read_set(&get, p);
        let console_dir = HANGAR_CONSOLE_DIR.read_set(&get, p);

        if !problems.is_empty() {
            return Err(ConfigError(problems));
        }
        Ok(Self {
            database_url,
            addr,
            jwt_secret,
            jwt_secret_source,
            access_token_ttl,
            refresh_token_ttl,
            admin,
            cors_allowed_origins,
            playground,
            introspection,
            db_max_connections,
            db_acquire_timeout,
            max_query_depth,
            max_query_complexity,
            max_body_bytes,
            auth_cache_ttl,
            request_timeout,
            db_statement_timeout,
            ws_ping_interval,
            ws_init_timeout,
            max_batch_operations,
            max_page_size,
            max_bulk_items,
            login_max_failures,
            login_max_failures_per_ip,
            login_max_failures_per_user,
            login_failure_window,
            trust_forwarded_for,
            photo_store,
            max_photo_bytes,
            photo_url_ttl,
            public_url,
            console_dir,
        })
    }

    /// A configuration for tests and tools: defaults plus the given database.
    pub fn for_database(database_url: &str) -> Self {
        Self::from_lookup(|name| (name == "DATABASE_URL").then(|| database_url.to_string()))
            .expect("defaults are valid")
    }
}

/// Any text, as given (trimmed).
fn text(value: &str) -> Result<String, String> {
    Ok(value.to_string())
}

fn database_url(value: &str) -> Result<String, String> {
    if value.starts_with("sqlite:") || value.starts_with("postgres") {
        Ok(value.to_string())
    } else {
        Err("must start with sqlite: or postgres://".into())
    }
}

fn socket_addr(value: &str) -> Result<SocketAddr, String> {
    value.parse::<SocketAddr>().map_err(|e| e.to_string())
}

/// Comma-separated origins (`*` for any), without trailing slashes.
fn origins(value: &str) -> Result<Vec<String>, String> {
    let origins: Vec<String> = value
        .split(',')
        .map(|origin| origin.trim().trim_end_matches('/').to_string())
        .filter(|origin| !origin.is_empty())
        .collect();
    match origins
        .iter()
        .find(|o| *o != "*" && !(o.starts_with("http://") || o.starts_with("https://")))
    {
        Some(bad) => Err(format!(
            "{bad:?} is not an origin like https://app.example.com"
        )),
        None => Ok(origins),
    }
}

/// A duration that may be zero (which turns the setting off).
fn duration_or_zero(value: &str) -> Result<Duration, String> {
    humantime::parse_duration(value)
        .map_err(|e| format!("{e} (use a duration such as 5s, or 0s for none)"))
}

fn page_size(value: &str) -> Result<i32, String> {
    let size = positive::<i32>(value)?;
    if size > PAGE_SIZE_CEILING {
        return Err(format!("at most {PAGE_SIZE_CEILING}"));
    }
    Ok(size)
}

fn public_url(value: &str) -> Result<String, String> {
    let url = value.trim_end_matches('/');
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(url.to_string())
    } else {
        Err("use an origin such as https://hangar.example.com".into())
    }
}

fn console_dir(value: &str) -> Result<std::path::PathBuf, String> {
    let dir = std::path::PathBuf::from(value);
    if dir.join("index.html").is_file() {
        Ok(dir)
    } else {
        Err(
            "no index.html there; build the console first (cd clients/angular && npm ci && \
             npm run build:console) and point at its dist/hangar-console/browser directory"
                .into(),
        )
    }
}

/// A setting's duration (`90s`, `15m`, `12h`, `30d`), longer than zero; also the CLI's.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let parsed = humantime::parse_duration(value)
        .map_err(|e| format!("{e} (use a duration such as 90s, 15m, 12h or 30d)"))?;
    if parsed.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(parsed)
}

fn boolean(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

fn positive<T: std::str::FromStr + PartialOrd + Default>(value: &str) -> Result<T, String> {
    match value.parse::<T>() {
        Ok(n) if n > T::default() => Ok(n),
        _ => Err("expected a positive whole number".into()),
    }
}

fn random_secret() -> Secret {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    Secret::new(base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes))
}

/// Hides the password of a database URL so it can be logged or reported.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_match_the_operations_contract() {
        let config = config(&[]).unwrap();
        assert_eq!(config.database_url, "sqlite://hangar.db?mode=rwc");
        assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.access_token_ttl, Duration::from_secs(15 * 60));
        assert_eq!(
            config.refresh_token_ttl,
            Duration::from_secs(30 * 24 * 3600)
        );
        assert_eq!(config.cors_allowed_origins, vec!["http://localhost:4200"]);
        assert!(config.playground && config.introspection);
        assert_eq!(
            config.jwt_secret_source,
            JwtSecretSource::GeneratedForThisProcess
        );
        assert!(config.admin.is_none());
    }

    #[test]
    fn every_problem_is_reported_on_its_own_line() {
        let err = config(&[
            ("JWT_SECRET", "short"),
            ("HANGAR_ADDR", "nowhere"),
            ("ACCESS_TOKEN_TTL", "soon"),
            ("HANGAR_PLAYGROUND", "maybe"),
            ("HANGAR_ADMIN_USERNAME", "root"),
        ])
        .unwrap_err();
        assert_eq!(err.0.len(), 5, "{err}");
        assert!(err.0[0].starts_with("HANGAR_ADDR=\"nowhere\""), "{err}");
        assert_eq!(err.0[1], "JWT_SECRET must be at least 32 bytes, got 5");
        assert!(err.0[2].starts_with("ACCESS_TOKEN_TTL=\"soon\""), "{err}");
        assert_eq!(
            err.0[3],
            "HANGAR_ADMIN_USERNAME is set but HANGAR_ADMIN_PASSWORD is not"
        );
        assert_eq!(
            err.0[4],
            "HANGAR_PLAYGROUND=\"maybe\": expected true or false"
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let config = config(&[
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef-secret"),
            ("HANGAR_ADMIN_USERNAME", "root"),
            ("HANGAR_ADMIN_PASSWORD", "hunter2hunter2"),
        ])
        .unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("secret") || !debug.contains("0123456789abcdef"));
        assert!(!debug.contains("hunter2"));
    }

    #[test]
    fn every_declared_default_parses_and_the_page_size_is_the_constant() {
        let config = config(&[]).unwrap();
        assert_eq!(config.max_page_size, MAX_PAGE_SIZE);
        for variable in VARIABLES {
            assert!(!variable.doc.is_empty(), "{} has no doc", variable.name);
        }
    }

    #[test]
    fn secrets_keep_their_spaces() {
        let secret = " 0123456789abcdef0123456789abcdef ";
        let config = config(&[("JWT_SECRET", secret)]).unwrap();
        assert_eq!(config.jwt_secret.expose(), secret);
    }

    #[test]
    fn a_bad_database_url_is_reported_without_its_password() {
        let err = config(&[("DATABASE_URL", "mysql://root:hunter2@db/hangar")]).unwrap_err();
        assert_eq!(
            err.0,
            ["DATABASE_URL=\"mysql://root:***@db/hangar\": must start with sqlite: or postgres://"]
        );
    }

    /// `.env.example` and the README's configuration table say what [`VARIABLES`] declares:
    /// every variable, its value when unset, and nothing else.
    #[test]
    fn the_declarations_are_what_env_example_and_the_readme_say() {
        let root = env!("CARGO_MANIFEST_DIR");
        let example = std::fs::read_to_string(format!("{root}/.env.example")).unwrap();
        let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
        let table: Vec<(String, String)> = readme
            .split("## Configuration")
            .nth(1)
            .expect("a Configuration section")
            .lines()
            .skip_while(|l| !l.starts_with("| variable |"))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(|row| {
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                (
                    cells[1].trim_matches('`').to_string(),
                    cells[2].replace('`', ""),
                )
            })
            .collect();
        let mut wrong = Vec::new();
        for variable in VARIABLES {
            let name = variable.name;
            let (in_example, in_readme) = match variable.fallback {
                Fallback::Value(value) => (format!("\n{name}={value}\n"), value.to_string()),
                Fallback::Unset => (format!("\n# {name}="), "unset".to_string()),
                Fallback::Described(words) => (format!("\n# {name}="), words.to_string()),
            };
            if !example.contains(&in_example) {
                wrong.push(format!(".env.example lacks {:?}", in_example.trim()));
            }
            match table.iter().find(|(n, _)| n == name) {
                Some((_, default)) if *default == in_readme => {}
                Some((_, default)) => wrong.push(format!(
                    "README: {name}'s default is {default:?}, not {in_readme:?}"
                )),
                None => wrong.push(format!("README's table has no row for {name}")),
            }
        }
        let declared: Vec<&str> = VARIABLES.iter().map(|v| v.name).collect();
        for (name, _) in &table {
            if !declared.contains(&name.as_str()) {
                wrong.push(format!(
                    "README's table names {name}, which nothing declares"
                ));
            }
        }
        for line in example.lines() {
            let line = line.trim_start_matches("# ");
            if let Some((name, _)) = line.split_once('=')
                && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                && !declared.contains(&name)
            {
                wrong.push(format!(".env.example sets {name}, which nothing declares"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn database_passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://hangar:s3cret@db:5432/hangar"),
            "postgres://hangar:***@db:5432/hangar"
        );
        assert_eq!(
            redact_url("sqlite://hangar.db?mode=rwc"),
            "sqlite://hangar.db?mode=rwc"
        );
    }
}
