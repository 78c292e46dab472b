//! The audit trail: one row per change to a user, camera or drone, written in the same
//! transaction as the change, so a change and its record commit or vanish together.
//!
//! No foreign key to `users`: the trail outlives the people and things it names, so the
//! actor's username is copied into the row. Snapshots are JSON text on both engines.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(big_integer_null(AuditLog::ActorId))
                    .col(string_len_null(AuditLog::ActorUsername, 100))
                    .col(string_len(AuditLog::Action, 16))
                    .col(string_len(AuditLog::Entity, 16))
                    .col(big_integer(AuditLog::EntityId))
                    .col(text_null(AuditLog::Before))
                    .col(text_null(AuditLog::After))
                    .to_owned(),
            )
            .await?;
        // Newest first is the order every query asks for; each filter has its own index
        // ending in id, so a filtered page is an index range scan.
        for (name, cols) in [
            ("idx_audit_log_at", vec![AuditLog::At, AuditLog::Id]),
            (
                "idx_audit_log_entity",
                vec![AuditLog::Entity, AuditLog::EntityId, AuditLog::Id],
            ),
            ("idx_audit_log_actor", vec![AuditLog::ActorId, AuditLog::Id]),
        ] {
            let mut index = Index::create().name(name).table(AuditLog::Table).to_owned();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    ActorUsername,
    Action,
    Entity,
    EntityId,
    Before,
    After,
}
