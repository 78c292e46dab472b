use sea_orm::entity::prelude::*;

/// The link table: its primary key is the pair of foreign keys.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "drone_cameras")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub drone_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub camera_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::cameras::Entity",
        from = "Column::CameraId",
        to = "super::cameras::Column::Id",
        on_update = "NoAction",
        on_delete = "Restrict"
    )]
    Cameras,
    #[sea_orm(
        belongs_to = "super::drones::Entity",
        from = "Column::DroneId",
        to = "super::drones::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Drones,
}

impl Related<super::cameras::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Cameras.def()
    }
}

impl Related<super::drones::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Drones.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
pub enum RelatedEntity {
    #[sea_orm(entity = "super::cameras::Entity")]
    Cameras,
    #[sea_orm(entity = "super::drones::Entity")]
    Drones,
}
