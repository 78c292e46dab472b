//! API tokens in GraphQL (part 4 of the contract): `apiTokens`, `createApiToken`,
//! `revokeApiToken`. Who may use them, tokens included, is decided in `guard`.

use async_graphql::{Context, Enum, ID, Object, Result};

use crate::{
    entity::{
        api_token::{self as token_entity, Scope},
        user::Role,
    },
    error::AppError,
    graphql::{
        common::{parse_id, parse_id_at, to_id},
        guard::{SignedInGuard, signed_in, state, writer},
        loaders,
        scalars::DateTime,
        user::User,
    },
    service::api_token::{self as api_tokens, Owner},
};

/// What a token may do.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "Scope")]
pub(crate) enum TokenScope {
    /// Queries and subscriptions only; any mutation is FORBIDDEN.
    Read,
    /// READ plus the owner's inventory mutations (cameras, drones, sites, custody,
    /// maintenance, photos). SUPPORT owners only: a WRITE token of an owner demoted to MEMBER
    /// acts as READ.
    Write,
}

/// A script's own credential, sent as `Authorization: Bearer hgr_…` over HTTP and in the
/// graphql-ws `connection_init` payload. It acts as its owner, narrowed to its scope, and can
/// never create tokens, change a password or manage users.
pub(crate) struct ApiToken(token_entity::Model);

/// A script's own credential, sent as `Authorization: Bearer hgr_…` over HTTP and in the
/// graphql-ws `connection_init` payload. It acts as its owner, narrowed to its scope, and can
/// never create tokens, change a password or manage users.
#[Object]
impl ApiToken {
    /// The token's id (for revokeApiToken).
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// The owner's label for it, 1-100 characters, unique per owner (case-insensitively,
    /// among tokens not revoked).
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What it may do.
    async fn scope(&self) -> TokenScope {
        self.0.scope.into()
    }

    /// The first characters of the secret (e.g. hgr_3fA9), to recognise it in a list.
    async fn prefix(&self) -> &str {
        &self.0.prefix
    }

    /// Whose it is: requests with it act as this user.
    async fn owner(&self, ctx: &Context<'_>) -> Result<User> {
        loaders::user(ctx, self.0.owner_id)
            .await?
            .map(User)
            .ok_or_else(|| AppError::internal("an API token's owner is missing").into())
    }

    /// When it was created (RFC 3339, UTC).
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When it stops working (RFC 3339, UTC). Null: never expires.
    async fn expires_at(&self) -> Option<DateTime> {
        self.0.expires_at.map(DateTime)
    }

    /// When a request last used it (RFC 3339, UTC). Updated at most once a minute; null:
    /// never used.
    async fn last_used_at(&self) -> Option<DateTime> {
        self.0.last_used_at.map(DateTime)
    }
}

/// A token just created, with its secret.
pub(crate) struct CreatedApiToken {
    token: token_entity::Model,
    secret: String,
}

/// A token just created, with its secret.
#[Object]
impl CreatedApiToken {
    /// The token.
    async fn token(&self) -> ApiToken {
        ApiToken(self.token.clone())
    }

    /// The whole secret (`hgr_` and 43 characters). It is never shown again: store it now.
    async fn secret(&self) -> &str {
        &self.secret
    }
}

#[derive(Default)]
pub(crate) struct ApiTokenQuery;

#[Object]
impl ApiTokenQuery {
    /// The viewer's own tokens that are not revoked (expired ones included), oldest first;
    /// SUPPORT may pass ownerId to see another user's. Another user's id from anyone else is
    /// FORBIDDEN.
    #[graphql(guard = "SignedInGuard")]
    async fn api_tokens(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Whose tokens (SUPPORT only); default: the viewer's.")] owner_id: Option<
            ID,
        >,
    ) -> Result<Vec<ApiToken>> {
        let viewer = signed_in(ctx)?;
        let owner_id = match owner_id {
            Some(id) => parse_id_at("ownerId", &id)?,
            None => viewer.user_id,
        };
        if owner_id != viewer.user_id && viewer.role != Role::Support {
            return Err(AppError::Forbidden(
                "only the support team may list others' tokens".into(),
            )
            .into());
        }
        Ok(api_tokens::list(&state(ctx).db, owner_id)
            .await?
            .into_iter()
            .map(ApiToken)
            .collect())
    }
}

#[derive(Default)]
pub(crate) struct ApiTokenMutation;

#[Object]
impl ApiTokenMutation {
    /// Creates a token owned by the viewer and shows its secret once. Signed-in session only
    /// (not with a token). expiresAt, when given, must be in the future (BAD_USER_INPUT).
    /// WRITE needs a SUPPORT owner (FORBIDDEN). A name the viewer already uses is CONFLICT.
    #[graphql(guard = "SignedInGuard")]
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A label to recognise it by, 1-100 characters, trimmed.")] name: String,
        #[graphql(desc = "What it may do.")] scope: TokenScope,
        #[graphql(desc = "When it stops working (RFC 3339); omitted or null: never.")]
        expires_at: Option<DateTime>,
    ) -> Result<CreatedApiToken> {
        // Tokens are refused here by the guard (not an inventory mutation).
        let viewer = signed_in(ctx)?;
        let owner = Owner {
            id: viewer.user_id,
            role: viewer.role,
        };
        let (token, secret) = api_tokens::create(
            &writer(ctx)?,
            owner,
            &name,
            scope.into(),
            expires_at.map(|at| at.0),
        )
        .await?;
        Ok(CreatedApiToken { token, secret })
    }

    /// Revokes a token: its owner, or SUPPORT for anyone's. It stops working at once on this
    /// instance and within HANGAR_AUTH_CACHE_TTL on the others. Returns the revoked id;
    /// a token that is not live or not the viewer's is NOT_FOUND. Signed-in session only.
    #[graphql(guard = "SignedInGuard")]
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's id (ApiToken.id).")] id: ID,
    ) -> Result<ID> {
        let viewer = signed_in(ctx)?;
        let by = Owner {
            id: viewer.user_id,
            role: viewer.role,
        };
        let state = state(ctx);
        let revoked =
            api_tokens::revoke(&writer(ctx)?, &state.api_tokens, by, parse_id(&id)?).await?;
        Ok(to_id(revoked))
    }
}
