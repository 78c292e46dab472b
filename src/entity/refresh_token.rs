use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One refresh token. Only its SHA-256 is stored; tokens rotated from one login share a family.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub family_id: String,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// Set when the token was exchanged for a new one.
    pub used_at: Option<DateTime<Utc>>,
    /// Set by logout, password changes and reuse detection.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The client address the token was issued to, as the login throttle counts addresses:
    /// the throttle's per-username limit spares the addresses an account signs in from.
    pub signed_in_from: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
