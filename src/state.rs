//! The one value every layer shares: configuration and handles to the database and the
//! authentication machinery. Cheap to clone.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    auth::{cache::ViewerCache, password::Passwords, token::Tokens},
    config::Config,
    db::StatementCounter,
};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub passwords: Passwords,
    pub tokens: Tokens,
    pub viewers: Arc<ViewerCache>,
    pub statements: StatementCounter,
}

impl AppState {
    pub fn new(config: Config, db: DatabaseConnection, statements: StatementCounter) -> Self {
        let tokens = Tokens::new(&config);
        let config_ttl = config.auth_cache_ttl;
        // One hash per core at most: the rest of the runtime keeps serving reads.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            config: Arc::new(config),
            db,
            passwords: Passwords::new(cores),
            tokens,
            viewers: Arc::new(ViewerCache::new(config_ttl)),
            statements,
        }
    }
}
