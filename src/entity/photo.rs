use chrono::{DateTime, Utc};
use sea_orm::entity::prelude::*;

/// One photo of a drone; its bytes are in the configured store under `storage_key`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "photos")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub drone_id: i64,
    pub storage_key: String,
    /// `image/jpeg`, `image/png` or `image/webp`, from the bytes.
    pub content_type: String,
    /// Bytes of the original as served (metadata stripped).
    pub size: i64,
    pub width: i32,
    pub height: i32,
    /// SHA-256 (hex) of the original as served: its ETag.
    pub sha256: String,
    /// SHA-256 (hex) of the thumbnail: its ETag.
    pub thumbnail_sha256: String,
    pub caption: Option<String>,
    pub uploaded_by_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
