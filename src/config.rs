//! Hangar's configuration: one struct, read from the environment (with `.env` as fallback,
//! loaded by `main`). Every variable is documented in `.env.example` and the README.
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

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`, default `sqlite://hangar.db?mode=rwc`.
    pub database_url: String,
    /// `HANGAR_ADDR`, default `127.0.0.1:8080`.
    pub addr: SocketAddr,
    /// `JWT_SECRET`: HMAC key for access tokens, at least 32 bytes. Unset: random per process.
    pub jwt_secret: Secret,
    pub jwt_secret_source: JwtSecretSource,
    /// `ACCESS_TOKEN_TTL`, default `15m`.
    pub access_token_ttl: Duration,
    /// `REFRESH_TOKEN_TTL`, default `30d`.
    pub refresh_token_ttl: Duration,
    /// `HANGAR_ADMIN_USERNAME` / `HANGAR_ADMIN_PASSWORD`: first-run SUPPORT user.
    pub admin: Option<(String, Secret)>,
    /// `CORS_ALLOWED_ORIGINS`, comma-separated, default `http://localhost:4200`.
    pub cors_allowed_origins: Vec<String>,
    /// `HANGAR_PLAYGROUND`, default `true`: serve GraphiQL at `/`.
    pub playground: bool,
    /// `HANGAR_INTROSPECTION`, default `true`.
    pub introspection: bool,
    /// `HANGAR_DB_MAX_CONNECTIONS`, default 10 (PostgreSQL) or 5 (SQLite).
    pub db_max_connections: u32,
    /// `HANGAR_DB_ACQUIRE_TIMEOUT`, default `5s`: how long a request waits for a connection.
    pub db_acquire_timeout: Duration,
    /// `HANGAR_MAX_QUERY_DEPTH`, default 15 (GraphiQL's introspection query needs 13).
    pub max_query_depth: usize,
    /// `HANGAR_MAX_QUERY_COMPLEXITY`, default 5000 (a list field counts its page size times
    /// its children).
    pub max_query_complexity: usize,
    /// `HANGAR_AUTH_CACHE_TTL`, default `5s`: how long a user's existence and role are
    /// remembered between requests (`0s` re-reads them on every request).
    pub auth_cache_ttl: Duration,
    /// `HANGAR_MAX_BODY_BYTES`, default 4 MiB (10,000 drones in one bulk call fit): an HTTP
    /// body, and a graphql-ws message.
    pub max_body_bytes: usize,
    /// `HANGAR_REQUEST_TIMEOUT`, default `30s`: a GraphQL request over HTTP (a whole batch), or
    /// a query or mutation over graphql-ws, still running after this is cancelled (its
    /// transaction rolls back) and answered with TIMEOUT. Subscriptions are not timed.
    pub request_timeout: Duration,
    /// `HANGAR_DB_STATEMENT_TIMEOUT`, default `20s` (PostgreSQL only): the server cancels a
    /// statement running longer; the request gets TIMEOUT. `0s` turns it off.
    pub db_statement_timeout: Duration,
    /// `HANGAR_WS_PING_INTERVAL`, default `15s`: how often a graphql-ws connection is pinged;
    /// a peer silent for three intervals is disconnected (1001). Quiet clients stay connected.
    pub ws_ping_interval: Duration,
    /// `HANGAR_WS_INIT_TIMEOUT`, default `10s`: a graphql-ws connection not signed in
    /// (`connection_init` acknowledged) by then is closed with 4408.
    pub ws_init_timeout: Duration,
    /// `HANGAR_MAX_BATCH_OPERATIONS`, default 20: operations in one batched HTTP request.
    pub max_batch_operations: usize,
    /// `HANGAR_MAX_PAGE_SIZE`, default 100: the largest `first`/`last` of a list.
    pub max_page_size: i32,
    /// `HANGAR_MAX_BULK_ITEMS`, default 10000: items in one registerDrones/registerCameras.
    pub max_bulk_items: usize,
    /// `HANGAR_LOGIN_MAX_FAILURES`, default 5: failed logins per (username, client address)
    /// within `HANGAR_LOGIN_FAILURE_WINDOW` before that pair is refused with TOO_MANY_REQUESTS.
    pub login_max_failures: u32,
    /// `HANGAR_LOGIN_MAX_FAILURES_PER_IP`, default 50: per client address, across usernames.
    pub login_max_failures_per_ip: u32,
    /// `HANGAR_LOGIN_MAX_FAILURES_PER_USER`, default 100: per username, across the addresses it
    /// has not signed in from (growing delays first; see `auth::throttle`).
    pub login_max_failures_per_user: u32,
    /// `HANGAR_LOGIN_FAILURE_WINDOW`, default `15m`.
    pub login_failure_window: Duration,
    /// `HANGAR_TRUST_FORWARDED_FOR`, default `false`: take the client address from the first
    /// `X-Forwarded-For` entry (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// `HANGAR_PHOTO_STORE`, default `database`: where photo bytes live.
    pub photo_store: PhotoStoreConfig,
    /// `HANGAR_MAX_PHOTO_BYTES`, default 10 MiB: the largest accepted photo.
    pub max_photo_bytes: usize,
    /// `HANGAR_PHOTO_URL_TTL`, default `15m`: how long a signed photo URL stays valid.
    pub photo_url_ttl: Duration,
    /// `HANGAR_PUBLIC_URL`, e.g. `https://hangar.example.com`: the origin photo URLs start
    /// with. Unset: the origin of the request that asked for them (its `Host` header).
    pub public_url: Option<String>,
    /// `HANGAR_CONSOLE_DIR`: a built inventory console (`clients/angular`, `npm run
    /// build:console`) to serve at `/console`. Unset: no console.
    pub console_dir: Option<std::path::PathBuf>,
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

/// The default largest page (`HANGAR_MAX_PAGE_SIZE`).
pub(crate) const MAX_PAGE_SIZE: i32 = 100;
/// The largest page size a deployment may configure: query complexity counts pages up to it.
pub(crate) const PAGE_SIZE_CEILING: i32 = 1000;

pub(crate) const DEFAULT_DATABASE_URL: &str = "sqlite://hangar.db?mode=rwc";

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

        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            problems.push(format!(
                "DATABASE_URL must start with sqlite: or postgres://, got {:?}",
                redact_url(&database_url)
            ));
        }
        let is_sqlite = database_url.starts_with("sqlite:");

        let addr = read(
            &get,
            &mut problems,
            "HANGAR_ADDR",
            SocketAddr::from(([127, 0, 0, 1], 8080)),
            |v| v.parse::<SocketAddr>().map_err(|e| e.to_string()),
        );

        let (jwt_secret, jwt_secret_source) = match get("JWT_SECRET") {
            Some(secret) if secret.len() < MIN_JWT_SECRET_BYTES => {
                problems.push(format!(
                    "JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes, got {}",
                    secret.len()
                ));
                (Secret::new(secret), JwtSecretSource::Configured)
            }
            Some(secret) => (Secret::new(secret), JwtSecretSource::Configured),
            None => (random_secret(), JwtSecretSource::GeneratedForThisProcess),
        };

        let access_token_ttl = read(
            &get,
            &mut problems,
            "ACCESS_TOKEN_TTL",
            Duration::from_secs(15 * 60),
            parse_duration,
        );
        let refresh_token_ttl = read(
            &get,
            &mut problems,
            "REFRESH_TOKEN_TTL",
            Duration::from_secs(30 * 24 * 3600),
            parse_duration,
        );

        let admin = match (get("HANGAR_ADMIN_USERNAME"), get("HANGAR_ADMIN_PASSWORD")) {
            (Some(user), Some(password)) => Some((user, Secret::new(password))),
            (None, None) => None,
            (Some(_), None) => {
                problems
                    .push("HANGAR_ADMIN_USERNAME is set but HANGAR_ADMIN_PASSWORD is not".into());
                None
            }
            (None, Some(_)) => {
                problems
                    .push("HANGAR_ADMIN_PASSWORD is set but HANGAR_ADMIN_USERNAME is not".into());
                None
            }
        };

        let cors_allowed_origins = get("CORS_ALLOWED_ORIGINS")
            .unwrap_or_else(|| "http://localhost:4200".into())
            .split(',')
            .map(|origin| origin.trim().trim_end_matches('/').to_string())
            .filter(|origin| !origin.is_empty())
            .collect::<Vec<_>>();
        for origin in &cors_allowed_origins {
            if origin != "*" && !(origin.starts_with("http://") || origin.starts_with("https://")) {
                problems.push(format!(
                    "CORS_ALLOWED_ORIGINS: {origin:?} is not an origin like https://app.example.com"
                ));
            }
        }

        let playground = read(&get, &mut problems, "HANGAR_PLAYGROUND", true, boolean);
        let introspection = read(&get, &mut problems, "HANGAR_INTROSPECTION", true, boolean);
        let default_pool = if is_sqlite { 5 } else { 10 };
        let db_max_connections = read(
            &get,
            &mut problems,
            "HANGAR_DB_MAX_CONNECTIONS",
            default_pool,
            positive::<u32>,
        );
        let db_acquire_timeout = read(
            &get,
            &mut problems,
            "HANGAR_DB_ACQUIRE_TIMEOUT",
            Duration::from_secs(5),
            parse_duration,
        );
        let max_query_depth = read(
            &get,
            &mut problems,
            "HANGAR_MAX_QUERY_DEPTH",
            15,
            positive::<usize>,
        );
        let max_query_complexity = read(
            &get,
            &mut problems,
            "HANGAR_MAX_QUERY_COMPLEXITY",
            5000,
            positive::<usize>,
        );
        let auth_cache_ttl = read(
            &get,
            &mut problems,
            "HANGAR_AUTH_CACHE_TTL",
            Duration::from_secs(5),
            |v| {
                humantime::parse_duration(v)
                    .map_err(|e| format!("{e} (use a duration such as 5s, or 0s)"))
            },
        );
        let max_body_bytes = read(
            &get,
            &mut problems,
            "HANGAR_MAX_BODY_BYTES",
            4 * 1024 * 1024,
            positive::<usize>,
        );

        let request_timeout = read(
            &get,
            &mut problems,
            "HANGAR_REQUEST_TIMEOUT",
            Duration::from_secs(30),
            parse_duration,
        );
        let db_statement_timeout = read(
            &get,
            &mut problems,
            "HANGAR_DB_STATEMENT_TIMEOUT",
            Duration::from_secs(20),
            |v| {
                humantime::parse_duration(v)
                    .map_err(|e| format!("{e} (use a duration such as 20s, or 0s for none)"))
            },
        );
        let ws_ping_interval = read(
            &get,
            &mut problems,
            "HANGAR_WS_PING_INTERVAL",
            Duration::from_secs(15),
            parse_duration,
        );
        let ws_init_timeout = read(
            &get,
            &mut problems,
            "HANGAR_WS_INIT_TIMEOUT",
            Duration::from_secs(10),
            parse_duration,
        );
        let max_batch_operations = read(
            &get,
            &mut problems,
            "HANGAR_MAX_BATCH_OPERATIONS",
            20,
            positive::<usize>,
        );
        let max_page_size = read(
            &get,
            &mut problems,
            "HANGAR_MAX_PAGE_SIZE",
            MAX_PAGE_SIZE,
            positive::<i32>,
        );
        if max_page_size > PAGE_SIZE_CEILING {
            problems.push(format!(
                "HANGAR_MAX_PAGE_SIZE={max_page_size}: at most {}",
                PAGE_SIZE_CEILING
            ));
        }
        let max_bulk_items = read(
            &get,
            &mut problems,
            "HANGAR_MAX_BULK_ITEMS",
            10_000,
            positive::<usize>,
        );
        let login_max_failures = read(
            &get,
            &mut problems,
            "HANGAR_LOGIN_MAX_FAILURES",
            5,
            positive::<u32>,
        );
        let login_max_failures_per_ip = read(
            &get,
            &mut problems,
            "HANGAR_LOGIN_MAX_FAILURES_PER_IP",
            50,
            positive::<u32>,
        );
        let login_max_failures_per_user = read(
            &get,
            &mut problems,
            "HANGAR_LOGIN_MAX_FAILURES_PER_USER",
            100,
            positive::<u32>,
        );
        let login_failure_window = read(
            &get,
            &mut problems,
            "HANGAR_LOGIN_FAILURE_WINDOW",
            Duration::from_secs(15 * 60),
            parse_duration,
        );
        let trust_forwarded_for = read(
            &get,
            &mut problems,
            "HANGAR_TRUST_FORWARDED_FOR",
            false,
            boolean,
        );

        let photo_store = read(
            &get,
            &mut problems,
            "HANGAR_PHOTO_STORE",
            PhotoStoreConfig::Database,
            photo_store,
        );
        let photo_store = match photo_store {
            PhotoStoreConfig::S3(s3) => PhotoStoreConfig::S3(S3Config {
                endpoint: get("AWS_ENDPOINT_URL"),
                region: get("AWS_REGION")
                    .or_else(|| get("AWS_DEFAULT_REGION"))
                    .unwrap_or(s3.region),
                access_key_id: get("AWS_ACCESS_KEY_ID"),
                secret_access_key: get("AWS_SECRET_ACCESS_KEY").map(Secret::new),
                ..s3
            }),
            other => other,
        };
        let max_photo_bytes = read(
            &get,
            &mut problems,
            "HANGAR_MAX_PHOTO_BYTES",
            10 * 1024 * 1024,
            positive::<usize>,
        );
        let photo_url_ttl = read(
            &get,
            &mut problems,
            "HANGAR_PHOTO_URL_TTL",
            Duration::from_secs(15 * 60),
            parse_duration,
        );
        let public_url = get("HANGAR_PUBLIC_URL").map(|url| url.trim_end_matches('/').to_string());
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            problems.push(format!(
                "HANGAR_PUBLIC_URL={url:?}: use an origin such as https://hangar.example.com"
            ));
        }

        let console_dir = get("HANGAR_CONSOLE_DIR").map(std::path::PathBuf::from);
        if let Some(dir) = &console_dir
            && !dir.join("index.html").is_file()
        {
            problems.push(format!(
                "HANGAR_CONSOLE_DIR={}: no index.html there; build the console first \
                 (cd clients/angular && npm ci && npm run build:console) and point at its \
                 dist/hangar-console/browser directory",
                dir.display()
            ));
        }

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

/// One variable parsed, or `default` when it is unset. A value that does not parse is
/// recorded as a problem line (and `default` stands in, so every other variable is still
/// read and reported): `from_lookup` fails with all the lines at once.
fn read<T>(
    get: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<String>,
    name: &str,
    default: T,
    parser: impl Fn(&str) -> Result<T, String>,
) -> T {
    let Some(raw) = get(name) else {
        return default;
    };
    parser(raw.trim()).unwrap_or_else(|why| {
        problems.push(format!("{name}={raw:?}: {why}"));
        default
    })
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
