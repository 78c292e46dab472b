use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cameras")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub model: String,
    /// `model` in Unicode lower case, written by Hangar; the unique key.
    #[sea_orm(unique)]
    pub model_key: String,
    pub brand: String,
    #[sea_orm(column_type = "Double")]
    pub megapixels: f64,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::drone_cameras::Entity")]
    DroneCameras,
}

impl Related<super::drone_cameras::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DroneCameras.def()
    }
}

/// Many-to-many through the link table: the drones a camera is on.
impl Related<super::drones::Entity> for Entity {
    fn to() -> RelationDef {
        super::drone_cameras::Relation::Drones.def()
    }
    fn via() -> Option<RelationDef> {
        Some(super::drone_cameras::Relation::Cameras.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
pub enum RelatedEntity {
    #[sea_orm(entity = "super::drone_cameras::Entity")]
    DroneCameras,
    #[sea_orm(entity = "super::drones::Entity")]
    Drones,
}
