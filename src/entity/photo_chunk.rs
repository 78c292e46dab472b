use sea_orm::entity::prelude::*;

/// One piece of a photo's bytes, for the `database` store: `variant` 0 is the original, 1 the
/// thumbnail; `seq` orders the pieces of one image.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "photo_chunks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub photo_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub variant: i16,
    #[sea_orm(primary_key, auto_increment = false)]
    pub seq: i32,
    pub bytes: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
