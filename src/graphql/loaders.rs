//! DataLoaders for the relations of a page: `Drone.cameras`, `Drone.registeredBy` and
//! `Camera.droneCount`, so a page of 1 or 100 drones costs the same statements.
//!
//! Each operation gets its own loaders (with a per-operation cache) from the gateway, over HTTP
//! and graphql-ws alike. A list resolver
//! *prefetches* what its selection asks for with one `load_many` over the whole page; each
//! node's own look-up then hits the cache. Without the prefetch, async-graphql resolves a long
//! list in several scheduler turns and the loader's batching window splits the page into
//! several batches at random; with it, the statement count is the same every time.
//!
//! A subscription has none (a cache would go stale between its events; each event resolves one
//! drone): the look-ups go straight to the services.

use std::collections::{HashMap, HashSet};

use async_graphql::{
    Context, Lookahead, Result,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use sea_orm::DatabaseConnection;

use crate::{
    entity::{camera, drone, user},
    graphql::guard::state,
    service::{camera as cameras, user as users},
};

pub(crate) struct CamerasOfDrone(DatabaseConnection);
pub(crate) struct UserById(DatabaseConnection);
pub(crate) struct DroneCountOfCamera(DatabaseConnection);

impl Loader<i64> for CamerasOfDrone {
    type Value = Vec<camera::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, drone_ids: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let mut found = cameras::by_drone_ids(&self.0, drone_ids).await?;
        // A drone without cameras is an answer too (an empty list), not a miss to re-ask.
        for id in drone_ids {
            found.entry(*id).or_default();
        }
        Ok(found)
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
        let mut counts = cameras::drone_counts(&self.0, camera_ids).await?;
        for id in camera_ids {
            counts.entry(*id).or_insert(0);
        }
        Ok(counts)
    }
}

/// The loaders of one operation.
pub(crate) struct Loaders {
    cameras_of_drone: DataLoader<CamerasOfDrone, HashMapCache>,
    user_by_id: DataLoader<UserById, HashMapCache>,
    drone_count_of_camera: DataLoader<DroneCountOfCamera, HashMapCache>,
}

impl Loaders {
    pub(crate) fn new(db: &DatabaseConnection) -> Self {
        Self {
            cameras_of_drone: DataLoader::with_cache(
                CamerasOfDrone(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            user_by_id: DataLoader::with_cache(
                UserById(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            drone_count_of_camera: DataLoader::with_cache(
                DroneCountOfCamera(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
        }
    }
}

fn loaders<'a>(ctx: &Context<'a>) -> Option<&'a Loaders> {
    ctx.data_opt::<Loaders>()
}

pub(crate) async fn cameras_of(ctx: &Context<'_>, drone_id: i64) -> Result<Vec<camera::Model>> {
    Ok(match loaders(ctx) {
        Some(l) => l
            .cameras_of_drone
            .load_one(drone_id)
            .await?
            .unwrap_or_default(),
        None => cameras::by_drone_ids(&state(ctx).db, &[drone_id])
            .await?
            .remove(&drone_id)
            .unwrap_or_default(),
    })
}

pub(crate) async fn user(ctx: &Context<'_>, user_id: i64) -> Result<Option<user::Model>> {
    Ok(match loaders(ctx) {
        Some(l) => l.user_by_id.load_one(user_id).await?,
        None => users::find_by_id(&state(ctx).db, user_id).await?,
    })
}

pub(crate) async fn drone_count(ctx: &Context<'_>, camera_id: i64) -> Result<i64> {
    Ok(match loaders(ctx) {
        Some(l) => l
            .drone_count_of_camera
            .load_one(camera_id)
            .await?
            .unwrap_or(0),
        None => cameras::drone_counts(&state(ctx).db, &[camera_id])
            .await?
            .get(&camera_id)
            .copied()
            .unwrap_or(0),
    })
}

/// The selections of a connection's nodes: `edges { node { … } }` and `nodes { … }`.
pub(crate) fn node_selections<'a>(connection: &Lookahead<'a>) -> [Lookahead<'a>; 2] {
    [
        connection.field("edges").field("node"),
        connection.field("nodes"),
    ]
}

/// Loads, in one batch each, the relations `nodes` select for these drones.
pub(crate) async fn prefetch_drones(
    ctx: &Context<'_>,
    nodes: &[Lookahead<'_>],
    page: &[drone::Model],
) -> Result<()> {
    let Some(loaders) = loaders(ctx) else {
        return Ok(());
    };
    if page.is_empty() {
        return Ok(());
    }
    let selects = |field: &str| nodes.iter().any(|n| n.field(field).exists());
    if selects("registeredBy") {
        let ids: HashSet<i64> = page.iter().filter_map(|d| d.registered_by_id).collect();
        loaders.user_by_id.load_many(ids).await?;
    }
    if selects("cameras") {
        let by_drone = loaders
            .cameras_of_drone
            .load_many(page.iter().map(|d| d.id))
            .await?;
        let cameras: Vec<camera::Model> = by_drone.into_values().flatten().collect();
        let camera_nodes: Vec<Lookahead<'_>> = nodes.iter().map(|n| n.field("cameras")).collect();
        prefetch_cameras(ctx, &camera_nodes, &cameras).await?;
    }
    Ok(())
}

/// Loads, in one batch, the drone counts `nodes` select for these cameras.
pub(crate) async fn prefetch_cameras(
    ctx: &Context<'_>,
    nodes: &[Lookahead<'_>],
    cameras: &[camera::Model],
) -> Result<()> {
    let Some(loaders) = loaders(ctx) else {
        return Ok(());
    };
    if !cameras.is_empty() && nodes.iter().any(|n| n.field("droneCount").exists()) {
        let ids: HashSet<i64> = cameras.iter().map(|c| c.id).collect();
        loaders.drone_count_of_camera.load_many(ids).await?;
    }
    Ok(())
}
