//! Starting Hangar: connect, migrate, bootstrap the first admin, serve until a signal.
//! Shared by the `hangar` binary and the integration tests, so tests run the real start-up.

use std::net::SocketAddr;

use tokio::net::TcpListener;

use crate::{
    config::{Config, JwtSecretSource, redact_url},
    db,
    error::AppError,
    service::{
        audit::Actor,
        user::{Bootstrap, bootstrap_admin},
    },
    state::AppState,
    transport,
};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("{0}")]
    Connect(#[from] crate::db::ConnectError),
    #[error("cannot create the first admin: {0}")]
    Bootstrap(#[from] AppError),
    #[error("cannot listen on {addr}: {source} (is another server using it? set HANGAR_ADDR)")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server error: {0}")]
    Serve(std::io::Error),
    #[error("{0}")]
    PhotoStore(String),
}

/// How old an unrecorded photo object must be before the start-up sweep removes it: younger
/// ones may be an upload in flight on another instance.
const ORPHAN_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Connects and applies pending migrations (creating the SQLite file on first start).
pub async fn prepare(config: Config, search_path: Option<&str>) -> Result<AppState, StartError> {
    let (db, statements) = db::connect(&config, search_path).await?;
    db::migrate(&db)
        .await
        .map_err(|err| sea_orm::DbErr::Migration(format!("migration failed: {err}")))?;
    let state =
        AppState::new(config, db, statements, search_path).map_err(StartError::PhotoStore)?;
    // Objects an earlier process wrote but never recorded (it stopped between the two).
    match state.photos.sweep(&state.db, ORPHAN_GRACE).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(removed = n, "swept photo objects no photo names"),
        Err(err) => tracing::warn!(error = %err, "could not sweep the photo store"),
    }
    Ok(state)
}

/// Creates the first admin when the operations contract says so, and logs what it did.
pub async fn bootstrap(state: &AppState) -> Result<(), StartError> {
    let configured = state
        .config
        .admin
        .as_ref()
        .map(|(user, password)| (user.as_str(), password.expose()));
    match bootstrap_admin(&state.writer(Actor::System), &state.passwords, configured).await? {
        Bootstrap::Unchanged => {}
        Bootstrap::CreatedConfigured(username) => {
            tracing::info!(%username, "created SUPPORT user from HANGAR_ADMIN_USERNAME");
        }
        Bootstrap::CreatedGenerated { username, password } => {
            // Printed once, on purpose, like Jenkins' initial admin password: the newcomer's
            // single run command must be enough to log in. It is never logged again.
            tracing::warn!(
                "\n\n  First start: created SUPPORT user `{username}` with password `{password}`\n  \
                 Log in at GraphiQL and change it (changePassword). This is shown only once.\n"
            );
        }
    }
    Ok(())
}

/// `hangar serve`: prepare, bootstrap, then serve until SIGINT/SIGTERM.
pub async fn run(config: Config) -> Result<(), StartError> {
    if config.jwt_secret_source == JwtSecretSource::GeneratedForThisProcess {
        tracing::warn!(
            "JWT_SECRET is not set: using a random one, so tokens die when this process stops"
        );
    }
    let addr = config.addr;
    let playground = config.playground;
    tracing::info!(database = %redact_url(&config.database_url), "connecting");
    let state = prepare(config, None).await?;
    bootstrap(&state).await?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, source })?;
    if playground {
        tracing::info!(
            "Hangar is up: GraphiQL at http://{addr}/ , GraphQL at http://{addr}/graphql"
        );
    } else {
        tracing::info!("Hangar is up: GraphQL at http://{addr}/graphql");
    }
    serve(listener, state.clone(), transport::http::shutdown_signal()).await?;
    state.db.close_by_ref().await.ok();
    tracing::info!("stopped");
    Ok(())
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets in-flight requests finish.
/// Starts what serving needs and nothing else needs: the PostgreSQL listener that fans
/// committed changes out to subscribers.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    state.events.start_listener(&state.db);
    // With the peer's address: login throttling counts failures per client IP.
    let app = transport::http::app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(StartError::Serve)
}
