use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One change to a user, camera, drone, site or maintenance entry (see the `audit_log` migration).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Null for changes made by the system (the CLI, the first-start bootstrap).
    pub actor_id: Option<i64>,
    pub actor_username: Option<String>,
    pub action: AuditAction,
    pub entity: AuditEntity,
    pub entity_id: i64,
    /// JSON snapshot before the change (null for CREATE); never holds a password hash.
    pub before: Option<String>,
    /// JSON snapshot after the change (null for DELETE).
    pub after: Option<String>,
}

/// What was done, stored as its word.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AuditAction {
    #[sea_orm(string_value = "CREATE")]
    Create,
    #[sea_orm(string_value = "UPDATE")]
    Update,
    #[sea_orm(string_value = "DELETE")]
    Delete,
}

/// What kind of row was changed, stored as its word.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AuditEntity {
    #[sea_orm(string_value = "USER")]
    User,
    #[sea_orm(string_value = "CAMERA")]
    Camera,
    #[sea_orm(string_value = "DRONE")]
    Drone,
    #[sea_orm(string_value = "SITE")]
    Site,
    #[sea_orm(string_value = "MAINTENANCE")]
    Maintenance,
    #[sea_orm(string_value = "PHOTO")]
    Photo,
    #[sea_orm(string_value = "API_TOKEN")]
    ApiToken,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
