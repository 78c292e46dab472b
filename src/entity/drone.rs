use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "drones")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub serial_number: String,
    /// `serial_number` in Unicode lower case; the unique key.
    pub serial_key: String,
    pub name: String,
    pub brand: String,
    pub registered_by_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::drone_camera::Entity")]
    DroneCamera,
}

impl Related<super::drone_camera::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DroneCamera.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
