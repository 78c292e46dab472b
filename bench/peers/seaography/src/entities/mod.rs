//! SeaORM entities for Hangar's inventory tables (migration/src/m20261123_000002_inventory.rs
//! and m20261202_000004_fleet.rs), in the shape `sea-orm-cli generate entity --seaography`
//! gives them: one module per table, named after it, every column, and a `RelatedEntity`
//! enum per entity that Seaography turns into relation fields. The users, tags, maintenance
//! and photo tables are left out (no query here reaches them).

pub mod cameras;
pub mod drone_cameras;
pub mod drones;
pub mod sites;
