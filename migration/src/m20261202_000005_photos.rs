//! Drone photos: one row per photo (what it is, who uploaded it, where its bytes are), and,
//! for the default `database` store, the bytes in a table of their own, written in the
//! upload's transaction and removed with the photo or its drone by the foreign keys.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_users_and_tokens::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Photos::Table)
                    .col(big_pk_auto(Photos::Id))
                    .col(big_integer(Photos::DroneId))
                    // The object key of the external stores (and the bytes' name in any store).
                    .col(string_len_uniq(Photos::StorageKey, 100))
                    .col(string_len(Photos::ContentType, 32))
                    .col(big_integer(Photos::Size))
                    .col(integer(Photos::Width))
                    .col(integer(Photos::Height))
                    // SHA-256 of what is served, hex: the ETags.
                    .col(string_len(Photos::Sha256, 64))
                    .col(string_len(Photos::ThumbnailSha256, 64))
                    .col(string_len_null(Photos::Caption, 500))
                    .col(big_integer_null(Photos::UploadedById))
                    .col(timestamp_with_time_zone(Photos::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_photos_drone")
                            .from(Photos::Table, Photos::DroneId)
                            .to(Drones::Table, Drones::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_photos_uploaded_by")
                            .from(Photos::Table, Photos::UploadedById)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_photos_drone")
                    .table(Photos::Table)
                    .col(Photos::DroneId)
                    .col(Photos::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_photos_uploaded_by")
                    .table(Photos::Table)
                    .col(Photos::UploadedById)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PhotoBlobs::Table)
                    .col(big_integer(PhotoBlobs::PhotoId).primary_key())
                    .col(blob(PhotoBlobs::Original))
                    .col(blob(PhotoBlobs::Thumbnail))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_photo_blobs_photo")
                            .from(PhotoBlobs::Table, PhotoBlobs::PhotoId)
                            .to(Photos::Table, Photos::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [PhotoBlobs::Table.into_iden(), Photos::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Photos {
    Table,
    Id,
    DroneId,
    StorageKey,
    ContentType,
    Size,
    Width,
    Height,
    Sha256,
    ThumbnailSha256,
    Caption,
    UploadedById,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PhotoBlobs {
    Table,
    PhotoId,
    Original,
    Thumbnail,
}

#[derive(DeriveIden)]
enum Drones {
    Table,
    Id,
}
