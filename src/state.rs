//! The one value every layer shares: configuration and handles to the database and the
//! authentication machinery. Cheap to clone, and inert: making one starts nothing in the
//! background (serving does; see `serve::serve`).

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    auth::{
        cache::ViewerCache,
        password::Passwords,
        throttle::{Limits, LoginThrottle},
        token::Tokens,
    },
    config::Config,
    db::StatementCounter,
    events::Events,
    service::{
        api_token::TokenCache,
        audit::Actor,
        auth::Authenticator,
        pagination::CountCache,
        photo::{
            signing::UrlSigner,
            store::{self, PhotoStore},
        },
        write::Writer,
    },
};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub passwords: Passwords,
    pub tokens: Tokens,
    pub(crate) viewers: Arc<ViewerCache>,
    /// Live API tokens by their secret's hash, for the same TTL as `viewers`.
    pub(crate) api_tokens: Arc<TokenCache>,
    pub(crate) login_throttle: Arc<LoginThrottle>,
    pub events: Events,
    pub statements: StatementCounter,
    /// Where photo bytes live (`HANGAR_PHOTO_STORE`).
    pub(crate) photos: Arc<dyn PhotoStore>,
    pub(crate) photo_urls: UrlSigner,
    /// The inventory lists' remembered `totalCount`s (exact: `service::pagination::total`).
    pub(crate) counts: CountCache,
}

impl AppState {
    /// What turns a request's bearer credential into its viewer.
    pub(crate) fn authenticator(&self) -> Authenticator<'_> {
        Authenticator {
            db: &self.db,
            tokens: &self.tokens,
            viewers: &self.viewers,
            api_tokens: &self.api_tokens,
            throttle: &self.login_throttle,
        }
    }

    /// A write by `actor`, now (see `service::write`).
    pub fn writer(&self, actor: Actor) -> Writer<'_> {
        Writer::new(&self.db, &self.events, actor)
    }

    /// What `hangar seed` writes with.
    pub fn seed_target(&self) -> crate::service::seed::SeedTarget<'_> {
        crate::service::seed::SeedTarget {
            db: &self.db,
            passwords: &self.passwords,
            events: &self.events,
            photos: self.photos.as_ref(),
        }
    }

    /// `namespace`: what separates this deployment's events from others on the same
    /// PostgreSQL database (the schema, in tests).
    pub(crate) fn new(
        config: Config,
        db: DatabaseConnection,
        statements: StatementCounter,
        namespace: Option<&str>,
    ) -> Result<Self, String> {
        let photos = store::open(&config.photo_store)?;
        let photo_urls =
            UrlSigner::new(config.jwt_secret.expose().as_bytes(), config.photo_url_ttl);
        let events = Events::new(db.get_database_backend(), namespace);
        let tokens = Tokens::new(&config);
        let config_ttl = config.auth_cache_ttl;
        let login_throttle = LoginThrottle::new(Limits::from_config(&config));
        // One hash per core at most: the rest of the runtime keeps serving reads.
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(Self {
            config: Arc::new(config),
            db,
            passwords: Passwords::new(cores),
            tokens,
            viewers: Arc::new(ViewerCache::new(config_ttl)),
            api_tokens: Arc::new(TokenCache::new(config_ttl)),
            login_throttle: Arc::new(login_throttle),
            events,
            statements,
            photos,
            photo_urls,
            counts: CountCache::default(),
        })
    }
}
