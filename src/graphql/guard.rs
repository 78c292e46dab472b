//! Access control in one place. Every resolver that is not public goes through
//! [`signed_in`] or [`RoleGuard`], and the authorization-matrix test walks the schema to prove it.
//!
//! API tokens are narrowed here too, in [`signed_in`], so no resolver can forget them: a token
//! may run queries and subscriptions as its owner; of mutations only the inventory's
//! ([`INVENTORY_MUTATIONS`]), and only with scope WRITE while its owner is SUPPORT. Everything
//! else (tokens, passwords, profiles, users) needs a signed-in session.

use async_graphql::{Context, Guard, parser::types::OperationType};

use crate::{
    auth::{Credential, SignedIn, Viewer, api_token::effective},
    entity::{api_token::Scope, user::Role},
    error::AppError,
    service::{audit::Actor, write::Writer},
    state::AppState,
};

pub(crate) fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    ctx.data_unchecked::<AppState>()
}

pub(crate) fn viewer<'a>(ctx: &Context<'a>) -> &'a Viewer {
    ctx.data_opt::<Viewer>().unwrap_or(&Viewer::Anonymous)
}

/// The mutations a WRITE token may run: the inventory's (cameras, drones, sites, custody,
/// maintenance, photos). A mutation missing here is refused to every token, so a new one is
/// closed to scripts until someone decides otherwise; the authorization matrix checks this
/// list against the schema.
pub(crate) const INVENTORY_MUTATIONS: &[&str] = &[
    "registerCamera",
    "registerCameras",
    "updateCamera",
    "deleteCamera",
    "registerDrone",
    "registerDrones",
    "updateDrone",
    "deleteDrone",
    "createSite",
    "updateSite",
    "deleteSite",
    "checkOutDrone",
    "checkInDrone",
    "setDroneStatus",
    "recordMaintenance",
    "addDronePhoto",
    "deleteDronePhoto",
];

/// Why a token is refused a mutation that needs a session.
pub(crate) const SESSION_ONLY: &str =
    "API tokens cannot do this: it needs a signed-in session (the login mutation)";

/// The signed-in viewer, or UNAUTHENTICATED saying why not; FORBIDDEN for an API token outside
/// its scope.
pub(crate) fn signed_in<'a>(ctx: &Context<'a>) -> Result<&'a SignedIn, AppError> {
    match viewer(ctx) {
        Viewer::User(user) => {
            if let Credential::ApiToken { scope, .. } = user.credential {
                token_may_run(ctx, user, scope)?;
            }
            Ok(user)
        }
        Viewer::Anonymous => Err(AppError::Unauthenticated(
            "sign in first: send `Authorization: Bearer <access token>` from the login mutation"
                .into(),
        )),
        Viewer::Rejected(reason) => Err(AppError::Unauthenticated(reason.clone())),
    }
}

/// Narrows an API token: checked on the root field of a mutation (deeper fields belong to a
/// mutation already let through).
fn token_may_run(ctx: &Context<'_>, user: &SignedIn, scope: Scope) -> Result<(), AppError> {
    let is_root = ctx.path_node.is_none_or(|node| node.parent.is_none());
    if ctx.query_env.operation.node.ty != OperationType::Mutation || !is_root {
        return Ok(());
    }
    let field = ctx.item.node.name.node.as_str();
    if !INVENTORY_MUTATIONS.contains(&field) {
        return Err(AppError::Forbidden(SESSION_ONLY.into()));
    }
    match (scope, effective(scope, user.role)) {
        (_, Scope::Write) => Ok(()),
        (Scope::Write, Scope::Read) => Err(AppError::Forbidden(
            "this WRITE token's owner is no longer SUPPORT, so it acts as READ: no mutations"
                .into(),
        )),
        (Scope::Read, Scope::Read) => Err(AppError::Forbidden(
            "this API token is READ: queries and subscriptions only".into(),
        )),
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

/// A write by the signed-in viewer, now: what every mutation hands its service.
pub(crate) fn writer<'a>(ctx: &Context<'a>) -> Result<Writer<'a>, AppError> {
    Ok(state(ctx).writer(actor(ctx)?))
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
