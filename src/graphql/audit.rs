//! The audit trail in GraphQL: `auditLog`, for the support team.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result};

use crate::{
    entity::{audit as audit_entity, user::Role},
    graphql::{
        common::{DateTimeFilter, SortDirection, page_args, parse_id_at, to_id},
        connection::Connection,
        guard::{RoleGuard, state},
        loaders,
        scalars::DateTime,
        user::User,
    },
    service::audit::{self, AuditFilter},
};

/// What kind of thing changed.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "audit::AuditEntity")]
pub(crate) enum AuditEntity {
    /// A user (never a password or its hash).
    User,
    /// A camera model.
    Camera,
    /// A drone, with its cameras, tags, status, site and custody.
    Drone,
    /// A site.
    Site,
    /// A maintenance entry.
    Maintenance,
    /// A drone photo.
    Photo,
    /// An API token (never its secret).
    ApiToken,
}

/// What was done.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "audit::AuditAction")]
pub(crate) enum AuditAction {
    /// It was created: `before` is null.
    Create,
    /// It changed (a status move, a check-out, a revocation too): `before` and `after` differ.
    Update,
    /// It was deleted: `after` is null.
    Delete,
}

#[derive(Clone)]
pub(crate) struct AuditEntry(pub audit_entity::Model);

/// One change to the data, written in the same transaction as the change: the trail never
/// claims a change that rolled back, nor misses one that committed.
#[Object]
impl AuditEntry {
    /// The entry's id (ascending in commit order).
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// When the change committed (to the microsecond).
    async fn at(&self) -> DateTime {
        DateTime(self.0.at)
    }

    /// Who made it; null for the system (the `hangar` CLI, the first-start bootstrap).
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(to_id)
    }

    /// The actor's username at the time; kept after the user is deleted.
    async fn actor_username(&self) -> Option<&str> {
        self.0.actor_username.as_deref()
    }

    /// The actor's current account; null for the system or once that user is deleted.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(id) = self.0.actor_id else {
            return Ok(None);
        };
        Ok(loaders::user(ctx, id).await?.map(User))
    }

    /// What was done.
    async fn action(&self) -> AuditAction {
        self.0.action.into()
    }

    /// What kind of thing changed.
    async fn entity(&self) -> AuditEntity {
        self.0.entity.into()
    }

    /// The id of what changed, among its kind (a drone's id for DRONE, and so on); it may no
    /// longer exist.
    async fn entity_id(&self) -> ID {
        to_id(self.0.entity_id)
    }

    /// The entity before the change (null for CREATE). Users never show a password hash; a
    /// password change shows `"passwordChanged": true` in `after`.
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        snapshot(self.0.before.as_deref())
    }

    /// The entity after the change (null for DELETE).
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        snapshot(self.0.after.as_deref())
    }
}

/// A stored JSON snapshot as a GraphQL `JSON` value.
fn snapshot(text: Option<&str>) -> Option<Json<serde_json::Value>> {
    text.and_then(|t| serde_json::from_str(t).ok()).map(Json)
}

/// Which audit entries to list; every given part must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct AuditLogFilter {
    /// Only changes to this kind of thing.
    pub entity: Option<AuditEntity>,
    /// Only with `entity`: ids are per entity.
    pub entity_id: Option<ID>,
    /// Only this kind of change.
    pub action: Option<AuditAction>,
    /// Only changes made by this user (the system's have none).
    pub actor_id: Option<ID>,
    /// Only changes committed within this period.
    pub at: Option<DateTimeFilter>,
}

impl AuditLogFilter {
    fn into_service(self) -> Result<AuditFilter, crate::error::AppError> {
        if self.entity_id.is_some() && self.entity.is_none() {
            return Err(crate::error::AppError::bad_field(
                "filter.entityId",
                "`entityId` needs `entity`: ids are per entity",
            ));
        }
        Ok(AuditFilter {
            entity: self.entity.map(Into::into),
            entity_id: self
                .entity_id
                .as_ref()
                .map(|id| parse_id_at("filter.entityId", id))
                .transpose()?,
            action: self.action.map(Into::into),
            actor_id: self
                .actor_id
                .as_ref()
                .map(|id| parse_id_at("filter.actorId", id))
                .transpose()?,
            at: self.at.map(Into::into),
        })
    }
}

#[derive(Default)]
pub(crate) struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail, newest first by default. SUPPORT only.
    #[graphql(
        guard = "RoleGuard(Role::Support)",
        complexity = "crate::graphql::connection::page_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditLogFilter>,
        #[graphql(desc = "DESC (newest first) when omitted or null.")] direction: Option<
            SortDirection,
        >,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<AuditEntry>> {
        let filter = filter.unwrap_or_default().into_service()?;
        let args = page_args(ctx, first, after, last, before);
        let direction = direction.unwrap_or(SortDirection::Desc).into();
        let page = audit::list(&state(ctx).db, filter, direction, &args).await?;
        Ok(Connection::from_page(page, AuditEntry))
    }
}
