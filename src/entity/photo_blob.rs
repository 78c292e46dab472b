use sea_orm::entity::prelude::*;

/// The bytes of one photo, for the `database` store.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "photo_blobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub photo_id: i64,
    pub original: Vec<u8>,
    pub thumbnail: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
