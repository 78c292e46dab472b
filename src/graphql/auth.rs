//! Sign-in mutations: `login`, `refreshToken`, `logout`. Public by design.

use async_graphql::{Context, Object, Result, SimpleObject};

use crate::{
    auth::ClientAddr,
    error::AppError,
    graphql::{guard::state, user::User},
    service::auth::{self, Session},
};

/// A signed-in session: send `accessToken` as `Authorization: Bearer …`, and exchange
/// `refreshToken` for a new pair before it expires.
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
    /// Who signed in.
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
    /// Exchanges a username and password for an access token and a refresh token. Failed
    /// logins are throttled per (username, client address), per address and per username
    /// (growing delays first); a refused attempt answers TOO_MANY_REQUESTS with
    /// `extensions.retryAfter` (seconds) without checking the password.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "In any case; surrounding spaces are ignored.")] username: String,
        #[graphql(desc = "The user's password, as typed.")] password: String,
    ) -> Result<AuthPayload> {
        let state = state(ctx);
        let address = ctx.data_opt::<ClientAddr>().map(|a| a.0);
        let throttle = &state.login_throttle;
        let attempt = throttle.admit(&state.db, &username, address).await?;
        let session = auth::login(
            &state.db,
            &state.passwords,
            &state.tokens,
            &username,
            &password,
            address,
        )
        .await;
        match session {
            Ok(session) => {
                // The session is committed: a failure to clear old failures must not turn a
                // good login into an error (the rows leave with the window anyway).
                if let Err(err) = throttle.succeeded(&state.db, &attempt).await {
                    tracing::warn!(error = %err, "could not clear the login's earlier failures");
                }
                Ok(session.into())
            }
            Err(err @ AppError::Unauthenticated(_)) => {
                throttle.failed(&state.db, &attempt).await?;
                Err(err.into())
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Exchanges a refresh token for a new pair. The presented token is spent.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The refreshToken of the latest AuthPayload.")] refresh_token: String,
    ) -> Result<AuthPayload> {
        let state = state(ctx);
        let address = ctx.data_opt::<ClientAddr>().map(|a| a.0);
        Ok(
            auth::refresh(&state.db, &state.tokens, &refresh_token, address)
                .await?
                .into(),
        )
    }

    /// Revokes that refresh token. True if it was live.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The session's refresh token.")] refresh_token: String,
    ) -> Result<bool> {
        Ok(auth::logout(&state(ctx).db, &refresh_token).await?)
    }
}
