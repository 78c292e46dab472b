use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "drones")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub serial_number: String,
    /// `serial_number` in Unicode lower case, written by Hangar; the unique key.
    #[sea_orm(unique)]
    pub serial_key: String,
    pub name: String,
    pub brand: String,
    pub registered_by_id: Option<i64>,
    pub created_at: DateTimeWithTimeZone,
    pub updated_at: DateTimeWithTimeZone,
    pub site_id: Option<i64>,
    pub holder_id: Option<i64>,
    /// Hangar's lifecycle rank (0 AVAILABLE .. 4 RETIRED); a plain integer to SeaORM's codegen.
    pub status: i32,
    pub status_note: Option<String>,
    pub checked_out_at: Option<DateTimeWithTimeZone>,
    pub due_back_at: Option<DateTimeWithTimeZone>,
    pub maintenance_interval_days: Option<i32>,
    pub last_maintenance_at: Option<DateTimeWithTimeZone>,
    pub maintenance_due_at: Option<DateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::drone_cameras::Entity")]
    DroneCameras,
    #[sea_orm(
        belongs_to = "super::sites::Entity",
        from = "Column::SiteId",
        to = "super::sites::Column::Id",
        on_update = "NoAction",
        on_delete = "Restrict"
    )]
    Sites,
}

impl Related<super::drone_cameras::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DroneCameras.def()
    }
}

impl Related<super::sites::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sites.def()
    }
}

/// Many-to-many through the link table: a drone's cameras.
impl Related<super::cameras::Entity> for Entity {
    fn to() -> RelationDef {
        super::drone_cameras::Relation::Cameras.def()
    }
    fn via() -> Option<RelationDef> {
        Some(super::drone_cameras::Relation::Drones.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelatedEntity)]
pub enum RelatedEntity {
    #[sea_orm(entity = "super::drone_cameras::Entity")]
    DroneCameras,
    #[sea_orm(entity = "super::cameras::Entity")]
    Cameras,
    #[sea_orm(entity = "super::sites::Entity")]
    Sites,
}
