//! Cameras, drones and the many-to-many between them.
//!
//! Camera models and drone serial numbers are unique case-insensitively. Both engines need the
//! same answer, and SQLite's `lower()` folds ASCII only, so the service stores a normalised key
//! (`model_key`, `serial_key`: Unicode lower case) beside the value as typed, and the unique
//! index sits on the key. The same key also serves point look-ups and bulk upserts.

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
                    .table(Cameras::Table)
                    .col(big_pk_auto(Cameras::Id))
                    .col(string_len(Cameras::Model, 100))
                    .col(string_len_uniq(Cameras::ModelKey, 100))
                    .col(string_len(Cameras::Brand, 100))
                    .col(double(Cameras::Megapixels))
                    .col(timestamp_with_time_zone(Cameras::CreatedAt))
                    .col(timestamp_with_time_zone(Cameras::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_cameras_model", vec![Cameras::Model, Cameras::Id]),
            ("idx_cameras_brand", vec![Cameras::Brand, Cameras::Id]),
            (
                "idx_cameras_megapixels",
                vec![Cameras::Megapixels, Cameras::Id],
            ),
            (
                "idx_cameras_created_at",
                vec![Cameras::CreatedAt, Cameras::Id],
            ),
        ] {
            let mut index = Index::create().name(name).table(Cameras::Table).to_owned();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Drones::Table)
                    .col(big_pk_auto(Drones::Id))
                    .col(string_len(Drones::SerialNumber, 100))
                    .col(string_len_uniq(Drones::SerialKey, 100))
                    .col(string_len(Drones::Name, 200))
                    .col(string_len(Drones::Brand, 100))
                    .col(big_integer_null(Drones::RegisteredById))
                    .col(timestamp_with_time_zone(Drones::CreatedAt))
                    .col(timestamp_with_time_zone(Drones::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_drones_registered_by")
                            .from(Drones::Table, Drones::RegisteredById)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_drones_name", vec![Drones::Name, Drones::Id]),
            (
                "idx_drones_brand_name",
                vec![Drones::Brand, Drones::Name, Drones::Id],
            ),
            (
                "idx_drones_serial_number",
                vec![Drones::SerialNumber, Drones::Id],
            ),
            ("idx_drones_created_at", vec![Drones::CreatedAt, Drones::Id]),
            ("idx_drones_updated_at", vec![Drones::UpdatedAt, Drones::Id]),
            ("idx_drones_registered_by", vec![Drones::RegisteredById]),
        ] {
            let mut index = Index::create().name(name).table(Drones::Table).to_owned();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(DroneCameras::Table)
                    .col(big_integer(DroneCameras::DroneId))
                    .col(big_integer(DroneCameras::CameraId))
                    .primary_key(
                        Index::create()
                            .col(DroneCameras::DroneId)
                            .col(DroneCameras::CameraId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_drone_cameras_drone")
                            .from(DroneCameras::Table, DroneCameras::DroneId)
                            .to(Drones::Table, Drones::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_drone_cameras_camera")
                            .from(DroneCameras::Table, DroneCameras::CameraId)
                            .to(Cameras::Table, Cameras::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_drone_cameras_camera")
                    .table(DroneCameras::Table)
                    .col(DroneCameras::CameraId)
                    .col(DroneCameras::DroneId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DroneCameras::Table.into_iden(),
            Drones::Table.into_iden(),
            Cameras::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Cameras {
    Table,
    Id,
    Model,
    ModelKey,
    Brand,
    Megapixels,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Drones {
    Table,
    Id,
    SerialNumber,
    SerialKey,
    Name,
    Brand,
    RegisteredById,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DroneCameras {
    Table,
    DroneId,
    CameraId,
}
