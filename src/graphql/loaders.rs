//! DataLoaders for the relations of a page: `Drone.cameras`, `Drone.registeredBy` and
//! `Camera.droneCount`. Each turns the N look-ups of a page into one `IN (…)` query, so a page
//! of 1 or 100 drones costs the same number of statements. They batch only (no cache), so
//! they are shared by all requests and never serve stale rows.

use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use sea_orm::DatabaseConnection;

use crate::{
    entity::{camera, drone, user},
    service::{camera as cameras, drone as drones, user as users},
};

pub struct CamerasOfDrone(DatabaseConnection);
pub struct UserById(DatabaseConnection);
pub struct DroneCountOfCamera(DatabaseConnection);
pub struct DroneById(DatabaseConnection);

impl Loader<i64> for DroneById {
    type Value = drone::Model;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let found = drones::find_by_ids(&self.0, ids).await?;
        Ok(found.into_iter().map(|d| (d.id, d)).collect())
    }
}

impl Loader<i64> for CamerasOfDrone {
    type Value = Vec<camera::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, drone_ids: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(cameras::by_drone_ids(&self.0, drone_ids).await?)
    }
}

impl Loader<i64> for UserById {
    type Value = user::Model;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let found = users::find_by_ids(&self.0, ids).await?;
        Ok(found.into_iter().map(|u| (u.id, u)).collect())
    }
}

impl Loader<i64> for DroneCountOfCamera {
    type Value = i64;
    type Error = async_graphql::Error;

    async fn load(&self, camera_ids: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(cameras::drone_counts(&self.0, camera_ids).await?)
    }
}

/// The loaders, as schema data.
pub struct Loaders {
    pub cameras_of_drone: DataLoader<CamerasOfDrone>,
    pub user_by_id: DataLoader<UserById>,
    pub drone_count_of_camera: DataLoader<DroneCountOfCamera>,
    pub drone_by_id: DataLoader<DroneById>,
}

impl Loaders {
    pub fn new(db: &DatabaseConnection) -> Self {
        Self {
            cameras_of_drone: DataLoader::new(CamerasOfDrone(db.clone()), tokio::spawn),
            user_by_id: DataLoader::new(UserById(db.clone()), tokio::spawn),
            drone_count_of_camera: DataLoader::new(DroneCountOfCamera(db.clone()), tokio::spawn),
            drone_by_id: DataLoader::new(DroneById(db.clone()), tokio::spawn),
        }
    }
}
