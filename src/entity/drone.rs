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
    pub status: DroneStatus,
    /// Why it is in its status, as given with the last status move.
    pub status_note: Option<String>,
    pub site_id: Option<i64>,
    /// Set exactly while CHECKED_OUT, as are `checked_out_at` and (optionally) `due_back_at`.
    pub holder_id: Option<i64>,
    pub checked_out_at: Option<DateTime<Utc>>,
    pub due_back_at: Option<DateTime<Utc>>,
    pub maintenance_interval_days: Option<i32>,
    /// `performed_at` of the latest maintenance entry.
    pub last_maintenance_at: Option<DateTime<Utc>>,
    /// Derived by the service from the two above and `created_at` (see the fleet migration).
    pub maintenance_due_at: Option<DateTime<Utc>>,
}

/// Where a drone is in its life, stored as its rank in the lifecycle.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "i32", db_type = "Integer")]
pub enum DroneStatus {
    #[sea_orm(num_value = 0)]
    Available,
    #[sea_orm(num_value = 1)]
    CheckedOut,
    #[sea_orm(num_value = 2)]
    Maintenance,
    #[sea_orm(num_value = 3)]
    Lost,
    #[sea_orm(num_value = 4)]
    Retired,
}

impl DroneStatus {
    /// Its name, as the API spells it (messages, audit snapshots).
    pub fn as_str(self) -> &'static str {
        match self {
            DroneStatus::Available => "AVAILABLE",
            DroneStatus::CheckedOut => "CHECKED_OUT",
            DroneStatus::Maintenance => "MAINTENANCE",
            DroneStatus::Lost => "LOST",
            DroneStatus::Retired => "RETIRED",
        }
    }
}

impl std::fmt::Display for DroneStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
