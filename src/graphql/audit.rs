//! The audit trail in GraphQL: `auditLog`, for the support team.

use async_graphql::{Context, Enum, ID, InputObject, Json, Object, Result};

use crate::{
    entity::{audit as audit_entity, user::Role},
    graphql::{
        common::{DateTimeFilter, SortDirection, parse_id, to_id},
        connection::Connection,
        guard::{RoleGuard, state},
        loaders,
        scalars::DateTime,
        user::User,
    },
    service::{
        audit::{self, AuditFilter},
        pagination::PageArgs,
    },
};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AuditEntity {
    User,
    Camera,
    Drone,
}

impl From<AuditEntity> for audit::AuditEntity {
    fn from(e: AuditEntity) -> Self {
        match e {
            AuditEntity::User => Self::User,
            AuditEntity::Camera => Self::Camera,
            AuditEntity::Drone => Self::Drone,
        }
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AuditAction {
    Create,
    Update,
    Delete,
}

impl From<AuditAction> for audit::AuditAction {
    fn from(a: AuditAction) -> Self {
        match a {
            AuditAction::Create => Self::Create,
            AuditAction::Update => Self::Update,
            AuditAction::Delete => Self::Delete,
        }
    }
}

/// One change to a user, camera or drone, written in the same transaction as the change.
#[derive(Clone)]
pub struct AuditEntry(pub audit_entity::Model);

#[Object]
impl AuditEntry {
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

    async fn action(&self) -> Result<AuditAction> {
        match audit::AuditAction::parse(&self.0.action) {
            Some(audit::AuditAction::Create) => Ok(AuditAction::Create),
            Some(audit::AuditAction::Update) => Ok(AuditAction::Update),
            Some(audit::AuditAction::Delete) => Ok(AuditAction::Delete),
            None => Err(unknown_word("action", &self.0.action)),
        }
    }

    async fn entity(&self) -> Result<AuditEntity> {
        match audit::AuditEntity::parse(&self.0.entity) {
            Some(audit::AuditEntity::User) => Ok(AuditEntity::User),
            Some(audit::AuditEntity::Camera) => Ok(AuditEntity::Camera),
            Some(audit::AuditEntity::Drone) => Ok(AuditEntity::Drone),
            None => Err(unknown_word("entity", &self.0.entity)),
        }
    }

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

/// A stored word this version does not know: the row is newer than the server reading it.
fn unknown_word(column: &str, word: &str) -> async_graphql::Error {
    crate::error::AppError::internal(format!("audit_log.{column} holds unknown {word:?}")).into()
}

fn snapshot(text: Option<&str>) -> Option<Json<serde_json::Value>> {
    text.and_then(|t| serde_json::from_str(t).ok()).map(Json)
}

/// Every given part must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub struct AuditLogFilter {
    pub entity: Option<AuditEntity>,
    /// Only with `entity`: ids are per entity.
    pub entity_id: Option<ID>,
    pub action: Option<AuditAction>,
    pub actor_id: Option<ID>,
    pub at: Option<DateTimeFilter>,
}

impl AuditLogFilter {
    fn into_service(self) -> Result<AuditFilter, crate::error::AppError> {
        if self.entity_id.is_some() && self.entity.is_none() {
            return Err(crate::error::AppError::bad_input(
                "`entityId` needs `entity`: ids are per entity",
            ));
        }
        Ok(AuditFilter {
            entity: self.entity.map(Into::into),
            entity_id: self.entity_id.as_ref().map(parse_id).transpose()?,
            action: self.action.map(Into::into),
            actor_id: self.actor_id.as_ref().map(parse_id).transpose()?,
            at: self.at.map(Into::into),
        })
    }
}

#[derive(Default)]
pub struct AuditQuery;

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
        let args = PageArgs {
            first,
            after,
            last,
            before,
            max_size: Some(state(ctx).config.max_page_size),
        };
        let direction = direction.unwrap_or(SortDirection::Desc).into();
        let page = audit::list(&state(ctx).db, filter, direction, &args).await?;
        Ok(Connection::from_page(page, AuditEntry))
    }
}
