//! Access control in one place. Every resolver that is not public goes through
//! [`signed_in`] or [`RoleGuard`], and the authorization-matrix test walks the schema to prove it.

use async_graphql::{Context, Guard};

use crate::{
    auth::{SignedIn, Viewer},
    entity::user::Role,
    error::AppError,
    service::audit::Actor,
    state::AppState,
};

pub(crate) fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

pub(crate) fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    ctx.data_opt::<Viewer>().unwrap_or(&Viewer::Anonymous)
}

/// The signed-in viewer, or UNAUTHENTICATED saying why not.
pub(crate) fn signed_in<'a>(ctx: &Context<'a>) -> Result<&'a SignedIn, AppError> {
    match viewer(ctx) {
        Viewer::User(user) => Ok(user),
        Viewer::Anonymous => Err(AppError::Unauthenticated(
            "sign in first: send `Authorization: Bearer <access token>` from the login mutation"
                .into(),
        )),
        Viewer::Rejected(reason) => Err(AppError::Unauthenticated(reason.clone())),
    }
}

/// The signed-in viewer as the audit trail names them.
pub(crate) fn actor(ctx: &Context<'_>) -> Result<Actor, AppError> {
    let user = signed_in(ctx)?;
    Ok(Actor::User {
        id: user.user_id,
        username: user.username.to_string(),
    })
}

/// Requires a signed-in viewer with `0`'s role. Fields using it say "SUPPORT only." in
/// their description.
pub(crate) struct RoleGuard(pub Role);

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let user = signed_in(ctx)?;
        if user.role != self.0 {
            return Err(AppError::Forbidden("only the support team may do this".into()).into());
        }
        Ok(())
    }
}

/// Requires any signed-in viewer.
pub(crate) struct SignedInGuard;

impl Guard for SignedInGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        signed_in(ctx)?;
        Ok(())
    }
}
