use sea_orm::entity::prelude::*;

/// One label of one drone (normalised: see `service::drone::tags`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "drone_tags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub drone_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
