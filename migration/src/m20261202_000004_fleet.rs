//! The fleet: sites, each drone's status, custody, maintenance schedule and tags, and the
//! maintenance history.
//!
//! Drones gain their columns with `ALTER TABLE ... ADD COLUMN`, one per statement (SQLite
//! adds one at a time, and a column with a foreign key only inline): existing rows become
//! AVAILABLE, stationed nowhere, with no schedule.
//!
//! `maintenance_due_at` is stored, not derived at read time: the service writes it whenever
//! its inputs change (the interval, the latest maintenance), so the `maintenanceDue` filter
//! and the `MAINTENANCE_DUE_AT` ordering are one indexed column on both engines, and the
//! field, the filter and the ordering cannot disagree.
//!
//! `status` is a small integer in the declared order of the GraphQL enum (0 AVAILABLE,
//! 1 CHECKED_OUT, 2 MAINTENANCE, 3 LOST, 4 RETIRED), so ordering by status follows the
//! lifecycle rather than the alphabet.

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
                    .table(Sites::Table)
                    .col(big_pk_auto(Sites::Id))
                    .col(string_len(Sites::Name, 200))
                    .col(string_len_uniq(Sites::NameKey, 200))
                    .col(string_len_null(Sites::Address, 500))
                    .col(string_len(Sites::City, 200))
                    .col(string_len(Sites::CityKey, 200))
                    .col(string_len(Sites::Country, 2))
                    .col(string_len_null(Sites::Contact, 500))
                    .col(timestamp_with_time_zone(Sites::CreatedAt))
                    .col(timestamp_with_time_zone(Sites::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_sites_name", vec![Sites::Name, Sites::Id]),
            ("idx_sites_city", vec![Sites::City, Sites::Id]),
            ("idx_sites_city_key", vec![Sites::CityKey]),
            ("idx_sites_country", vec![Sites::Country, Sites::Id]),
            ("idx_sites_created_at", vec![Sites::CreatedAt, Sites::Id]),
        ] {
            create_index(manager, name, Sites::Table, cols).await?;
        }

        // Columns with a foreign key, inline (the only way SQLite adds one). BIGINT is an
        // integer on both engines.
        for sql in [
            "ALTER TABLE drones ADD COLUMN site_id BIGINT NULL \
             REFERENCES sites (id) ON DELETE RESTRICT",
            "ALTER TABLE drones ADD COLUMN holder_id BIGINT NULL \
             REFERENCES users (id) ON DELETE RESTRICT",
        ] {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        for column in [
            ColumnDef::new(Drones::Status)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(Drones::StatusNote)
                .string_len(2000)
                .null()
                .to_owned(),
            ColumnDef::new(Drones::CheckedOutAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Drones::DueBackAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Drones::MaintenanceIntervalDays)
                .integer()
                .null()
                .to_owned(),
            ColumnDef::new(Drones::LastMaintenanceAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Drones::MaintenanceDueAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Drones::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        // An index for each new filter and ordering, ending in id (the keyset tie-break).
        // `due_back_at` is set only while CHECKED_OUT, so its index alone finds the overdue.
        // `(status, name, id)` serves "AVAILABLE by name" and the status filter; ordering by
        // STATUS sorts the matches instead of keeping a sixth index on every insert (five
        // statuses make a poor leading key, and bulk registration pays for each index).
        for (name, cols) in [
            (
                "idx_drones_status_name",
                vec![Drones::Status, Drones::Name, Drones::Id],
            ),
            (
                "idx_drones_site",
                vec![Drones::SiteId, Drones::Name, Drones::Id],
            ),
            ("idx_drones_due_back", vec![Drones::DueBackAt, Drones::Id]),
            (
                "idx_drones_maintenance_due",
                vec![Drones::MaintenanceDueAt, Drones::Id],
            ),
        ] {
            create_index(manager, name, Drones::Table, cols).await?;
        }

        // Partial: only checked-out drones have a holder, so the rest (most of the fleet, and
        // every drone a bulk registration adds) cost this index nothing. `holder_id = $1`
        // implies the predicate, on both engines.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_drones_holder ON drones (holder_id, due_back_at, id) \
                 WHERE holder_id IS NOT NULL",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DroneTags::Table)
                    .col(big_integer(DroneTags::DroneId))
                    .col(string_len(DroneTags::Tag, 40))
                    .primary_key(Index::create().col(DroneTags::DroneId).col(DroneTags::Tag))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_drone_tags_drone")
                            .from(DroneTags::Table, DroneTags::DroneId)
                            .to(Drones::Table, Drones::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idx_drone_tags_tag",
            DroneTags::Table,
            vec![DroneTags::Tag, DroneTags::DroneId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(MaintenanceEntries::Table)
                    .col(big_pk_auto(MaintenanceEntries::Id))
                    .col(big_integer(MaintenanceEntries::DroneId))
                    .col(integer(MaintenanceEntries::Kind))
                    .col(string_len(MaintenanceEntries::Note, 2000))
                    .col(timestamp_with_time_zone(MaintenanceEntries::PerformedAt))
                    .col(big_integer_null(MaintenanceEntries::RecordedById))
                    .col(timestamp_with_time_zone(MaintenanceEntries::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_maintenance_drone")
                            .from(MaintenanceEntries::Table, MaintenanceEntries::DroneId)
                            .to(Drones::Table, Drones::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_maintenance_recorded_by")
                            .from(MaintenanceEntries::Table, MaintenanceEntries::RecordedById)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_maintenance_drone",
                vec![
                    MaintenanceEntries::DroneId,
                    MaintenanceEntries::PerformedAt,
                    MaintenanceEntries::Id,
                ],
            ),
            (
                "idx_maintenance_recorded_by",
                vec![MaintenanceEntries::RecordedById],
            ),
        ] {
            create_index(manager, name, MaintenanceEntries::Table, cols).await?;
        }
        Ok(())
    }

    /// PostgreSQL only: SQLite cannot drop a column that has a foreign key (restore a backup
    /// there instead). `hangar` never migrates down.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MaintenanceEntries::Table.into_iden(),
            DroneTags::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for name in [
            "idx_drones_status_name",
            "idx_drones_site",
            "idx_drones_holder",
            "idx_drones_due_back",
            "idx_drones_maintenance_due",
        ] {
            manager
                .drop_index(Index::drop().name(name).table(Drones::Table).to_owned())
                .await?;
        }
        for column in [
            Drones::SiteId,
            Drones::HolderId,
            Drones::Status,
            Drones::StatusNote,
            Drones::CheckedOutAt,
            Drones::DueBackAt,
            Drones::MaintenanceIntervalDays,
            Drones::LastMaintenanceAt,
            Drones::MaintenanceDueAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Drones::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Sites::Table).to_owned())
            .await
    }
}

async fn create_index<T: IntoIden + Copy + 'static, C: IntoIden + 'static>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: Vec<C>,
) -> Result<(), DbErr> {
    let mut index = Index::create().name(name).table(table).to_owned();
    for col in cols {
        index.col(col);
    }
    manager.create_index(index).await
}

#[derive(DeriveIden, Clone, Copy)]
enum Sites {
    Table,
    Id,
    Name,
    NameKey,
    Address,
    City,
    CityKey,
    Country,
    Contact,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Drones {
    Table,
    Id,
    Name,
    SiteId,
    HolderId,
    Status,
    StatusNote,
    CheckedOutAt,
    DueBackAt,
    MaintenanceIntervalDays,
    LastMaintenanceAt,
    MaintenanceDueAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum DroneTags {
    Table,
    DroneId,
    Tag,
}

#[derive(DeriveIden, Clone, Copy)]
enum MaintenanceEntries {
    Table,
    Id,
    DroneId,
    Kind,
    Note,
    PerformedAt,
    RecordedById,
    CreatedAt,
}
