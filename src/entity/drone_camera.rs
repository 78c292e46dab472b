use sea_orm::entity::prelude::*;

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
        belongs_to = "super::camera::Entity",
        from = "Column::CameraId",
        to = "super::camera::Column::Id"
    )]
    Camera,
    #[sea_orm(
        belongs_to = "super::drone::Entity",
        from = "Column::DroneId",
        to = "super::drone::Column::Id"
    )]
    Drone,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::camera::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Camera.def()
    }
}

impl Related<super::drone::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Drone.def()
    }
}
