//! Hangar's schema history. Every migration runs unchanged on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_users_and_tokens;
mod m20261123_000002_inventory;
mod m20261123_000003_audit_log;
mod m20261202_000004_fleet;
mod m20261202_000005_photos;
mod m20261202_000006_photo_chunks;
mod m20261202_000007_inventory_epoch;
mod m20261203_000008_login_failures;
mod m20261203_000009_api_tokens;

/// How many counters `inventory_epoch` holds (migration 7).
pub use m20261202_000007_inventory_epoch::SLOTS as INVENTORY_EPOCH_SLOTS;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_users_and_tokens::Migration),
            Box::new(m20261123_000002_inventory::Migration),
            Box::new(m20261123_000003_audit_log::Migration),
            Box::new(m20261202_000004_fleet::Migration),
            Box::new(m20261202_000005_photos::Migration),
            Box::new(m20261202_000006_photo_chunks::Migration),
            Box::new(m20261202_000007_inventory_epoch::Migration),
            Box::new(m20261203_000008_login_failures::Migration),
            Box::new(m20261203_000009_api_tokens::Migration),
        ]
    }
}
