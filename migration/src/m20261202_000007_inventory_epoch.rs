//! `inventory_epoch`: a counter that every transaction writing the inventory (drones, their
//! cameras and tags, cameras, sites) raises by one just before it commits, in the same
//! transaction. A statement that reads the counter and a count together sees both at one
//! snapshot, so a count remembered with its epoch is still exact for any later snapshot that
//! reads the same epoch: that is how `totalCount` is answered without counting again.
//!
//! Eight slots, each writer raising one at random and readers adding them up: writers that
//! commit at once seldom wait for the same row lock (and the sum still grows by exactly one
//! per commit).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Rows of the table; writers pick one of them (`hangar::db::raise_inventory_epoch`, called by
/// every inventory commit), so they read this number rather than a copy of it: a slot that
/// does not exist would raise nothing.
pub const SLOTS: i16 = 8;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InventoryEpoch::Table)
                    .col(small_integer(InventoryEpoch::Slot).primary_key())
                    .col(big_integer(InventoryEpoch::N).default(0))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert
            .into_table(InventoryEpoch::Table)
            .columns([InventoryEpoch::Slot, InventoryEpoch::N]);
        for slot in 0..SLOTS {
            insert.values_panic([slot.into(), 0i64.into()]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InventoryEpoch::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum InventoryEpoch {
    Table,
    Slot,
    N,
}
