use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sites")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// `name` in Unicode lower case; the unique key.
    pub name_key: String,
    pub address: Option<String>,
    pub city: String,
    /// `city` in Unicode lower case, for the case-insensitive `city` shorthand.
    pub city_key: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    pub contact: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
