use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// A script's credential. Only the secret's SHA-256 is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_id: i64,
    pub name: String,
    /// `name` in Unicode lower case: unique per owner among live tokens.
    pub name_key: String,
    pub scope: Scope,
    /// The secret's first characters, to recognise it in a list.
    pub prefix: String,
    /// SHA-256 of the whole secret, hex.
    pub secret_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Written at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum Scope {
    #[sea_orm(string_value = "READ")]
    Read,
    #[sea_orm(string_value = "WRITE")]
    Write,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
