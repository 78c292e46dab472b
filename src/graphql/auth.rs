//! Sign-in mutations: `login`, `refreshToken`, `logout`. Public by design.

use async_graphql::{Context, Object, Result, SimpleObject};

use crate::{
    auth::ClientAddr,
    error::AppError,
    graphql::{guard::state, user::User},
    service::auth::{self, Session},
};

#[derive(SimpleObject)]
pub(crate) struct AuthPayload {
    /// Short-lived JWT: it lives `expiresIn` seconds (the server's `ACCESS_TOKEN_TTL`).
    access_token: String,
    /// Opaque, single use: refreshing rotates it; reusing a spent one revokes the whole family.
    refresh_token: String,
    /// Always Bearer.
    token_type: String,
    /// Seconds until accessToken expires.
    expires_in: i32,
    user: User,
}

impl From<Session> for AuthPayload {
    fn from(session: Session) -> Self {
        Self {
            access_token: session.access_token,
            refresh_token: session.refresh_token,
            token_type: "Bearer".into(),
            expires_in: i32::try_from(session.expires_in).unwrap_or(i32::MAX),
            user: User(session.user),
        }
    }
}

#[derive(Default)]
pub(crate) struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Exchanges a username and password for an access token and a refresh token. After too
    /// many failures for a username or from an address: TOO_MANY_REQUESTS with
    /// `extensions.retryAfter` (seconds).
    async fn login(
        &self,
        ctx: &Context<'_>,
        username: String,
        password: String,
    ) -> Result<AuthPayload> {
        let state = state(ctx);
        let address = ctx.data_opt::<ClientAddr>().map(|a| a.0);
        let throttle = &state.login_throttle;
        throttle.check(&username, address)?;
        let session = auth::login(
            &state.db,
            &state.passwords,
            &state.tokens,
            &username,
            &password,
        )
        .await;
        let session = match session {
            Ok(session) => {
                throttle.record_success(&username);
                session
            }
            Err(err @ AppError::Unauthenticated(_)) => {
                throttle.record_failure(&username, address);
                return Err(err.into());
            }
            Err(err) => return Err(err.into()),
        };
        Ok(session.into())
    }

    /// Exchanges a refresh token for a new pair. The presented token is spent.
    async fn refresh_token(&self, ctx: &Context<'_>, refresh_token: String) -> Result<AuthPayload> {
        let state = state(ctx);
        Ok(auth::refresh(&state.db, &state.tokens, &refresh_token)
            .await?
            .into())
    }

    /// Revokes that refresh token. True if it was live.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        Ok(auth::logout(&state(ctx).db, &refresh_token).await?)
    }
}
