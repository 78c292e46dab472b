use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One thing done to a drone: an inspection, a repair, ...
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "maintenance_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub drone_id: i64,
    pub kind: MaintenanceKind,
    pub note: String,
    pub performed_at: DateTime<Utc>,
    pub recorded_by_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// What kind of work, stored as a small integer.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "i32", db_type = "Integer")]
pub enum MaintenanceKind {
    #[sea_orm(num_value = 0)]
    Inspection,
    #[sea_orm(num_value = 1)]
    Repair,
    #[sea_orm(num_value = 2)]
    FirmwareUpdate,
    #[sea_orm(num_value = 3)]
    Calibration,
    #[sea_orm(num_value = 4)]
    PartReplacement,
}

impl MaintenanceKind {
    /// Its name, as the API spells it (audit snapshots).
    pub fn as_str(self) -> &'static str {
        match self {
            MaintenanceKind::Inspection => "INSPECTION",
            MaintenanceKind::Repair => "REPAIR",
            MaintenanceKind::FirmwareUpdate => "FIRMWARE_UPDATE",
            MaintenanceKind::Calibration => "CALIBRATION",
            MaintenanceKind::PartReplacement => "PART_REPLACEMENT",
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
