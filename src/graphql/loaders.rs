//! DataLoaders for the relations of a page: `Drone.cameras`, `registeredBy`, `site`, `holder`
//! and `tags`, `Camera.droneCount`, `Site.droneCount`, `User.checkedOutDrones` and
//! `MaintenanceEntry.drone`, so a page of 1 or 100 rows costs the same statements.
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
    entity::{camera, drone, photo, site, user},
    graphql::guard::state,
    service::{
        camera as cameras,
        drone::{self as drones, tags},
        photo as photos, site as sites, user as users,
    },
};

/// `found` with an answer for every key asked: a drone without cameras (tags, photos) or a
/// site without drones is an answer too (an empty list, a zero), not a miss to ask again.
fn every_key<V: Default>(mut found: HashMap<i64, V>, keys: &[i64]) -> HashMap<i64, V> {
    for key in keys {
        found.entry(*key).or_default();
    }
    found
}

pub(crate) struct CamerasOfDrone(DatabaseConnection);
pub(crate) struct UserById(DatabaseConnection);
pub(crate) struct DroneCountOfCamera(DatabaseConnection);
pub(crate) struct SiteById(DatabaseConnection);
pub(crate) struct DroneCountOfSite(DatabaseConnection);
pub(crate) struct TagsOfDrone(DatabaseConnection);
pub(crate) struct DroneById(DatabaseConnection);
pub(crate) struct DronesHeldBy(DatabaseConnection);
pub(crate) struct PhotosOfDrone(DatabaseConnection);

impl Loader<i64> for PhotosOfDrone {
    type Value = Vec<photo::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, drone_ids: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(every_key(
            photos::by_drone_ids(&self.0, drone_ids).await?,
            drone_ids,
        ))
    }
}

impl Loader<i64> for SiteById {
    type Value = site::Model;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let found = sites::find_by_ids(&self.0, ids).await?;
        Ok(found.into_iter().map(|s| (s.id, s)).collect())
    }
}

impl Loader<i64> for DroneCountOfSite {
    type Value = i64;
    type Error = async_graphql::Error;

    async fn load(&self, site_ids: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(every_key(
            sites::drone_counts(&self.0, site_ids).await?,
            site_ids,
        ))
    }
}

impl Loader<i64> for TagsOfDrone {
    type Value = Vec<String>;
    type Error = async_graphql::Error;

    async fn load(&self, drone_ids: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(every_key(
            tags::by_drone_ids(&self.0, drone_ids).await?,
            drone_ids,
        ))
    }
}

impl Loader<i64> for DroneById {
    type Value = drone::Model;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let found = drones::find_by_ids(&self.0, ids).await?;
        Ok(found.into_iter().map(|d| (d.id, d)).collect())
    }
}

impl Loader<i64> for DronesHeldBy {
    type Value = Vec<drone::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, user_ids: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(every_key(
            drones::held_by(&self.0, user_ids).await?,
            user_ids,
        ))
    }
}

impl Loader<i64> for CamerasOfDrone {
    type Value = Vec<camera::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, drone_ids: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(every_key(
            cameras::by_drone_ids(&self.0, drone_ids).await?,
            drone_ids,
        ))
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
        Ok(every_key(
            cameras::drone_counts(&self.0, camera_ids).await?,
            camera_ids,
        ))
    }
}

/// The loaders of one operation.
pub(crate) struct Loaders {
    cameras_of_drone: DataLoader<CamerasOfDrone, HashMapCache>,
    user_by_id: DataLoader<UserById, HashMapCache>,
    drone_count_of_camera: DataLoader<DroneCountOfCamera, HashMapCache>,
    site_by_id: DataLoader<SiteById, HashMapCache>,
    drone_count_of_site: DataLoader<DroneCountOfSite, HashMapCache>,
    tags_of_drone: DataLoader<TagsOfDrone, HashMapCache>,
    drone_by_id: DataLoader<DroneById, HashMapCache>,
    drones_held_by: DataLoader<DronesHeldBy, HashMapCache>,
    photos_of_drone: DataLoader<PhotosOfDrone, HashMapCache>,
}

fn loader<L: Loader<i64>>(inner: L) -> DataLoader<L, HashMapCache> {
    DataLoader::with_cache(inner, tokio::spawn, HashMapCache::default())
}

impl Loaders {
    pub(crate) fn new(db: &DatabaseConnection) -> Self {
        Self {
            cameras_of_drone: loader(CamerasOfDrone(db.clone())),
            user_by_id: loader(UserById(db.clone())),
            drone_count_of_camera: loader(DroneCountOfCamera(db.clone())),
            site_by_id: loader(SiteById(db.clone())),
            drone_count_of_site: loader(DroneCountOfSite(db.clone())),
            tags_of_drone: loader(TagsOfDrone(db.clone())),
            drone_by_id: loader(DroneById(db.clone())),
            drones_held_by: loader(DronesHeldBy(db.clone())),
            photos_of_drone: loader(PhotosOfDrone(db.clone())),
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

pub(crate) async fn site(ctx: &Context<'_>, site_id: i64) -> Result<Option<site::Model>> {
    Ok(match loaders(ctx) {
        Some(l) => l.site_by_id.load_one(site_id).await?,
        None => sites::find_by_id(&state(ctx).db, site_id).await?,
    })
}

pub(crate) async fn site_drone_count(ctx: &Context<'_>, site_id: i64) -> Result<i64> {
    Ok(match loaders(ctx) {
        Some(l) => l.drone_count_of_site.load_one(site_id).await?.unwrap_or(0),
        None => sites::drone_counts(&state(ctx).db, &[site_id])
            .await?
            .get(&site_id)
            .copied()
            .unwrap_or(0),
    })
}

pub(crate) async fn tags_of(ctx: &Context<'_>, drone_id: i64) -> Result<Vec<String>> {
    Ok(match loaders(ctx) {
        Some(l) => l
            .tags_of_drone
            .load_one(drone_id)
            .await?
            .unwrap_or_default(),
        None => tags::by_drone_ids(&state(ctx).db, &[drone_id])
            .await?
            .remove(&drone_id)
            .unwrap_or_default(),
    })
}

pub(crate) async fn drone(ctx: &Context<'_>, drone_id: i64) -> Result<Option<drone::Model>> {
    Ok(match loaders(ctx) {
        Some(l) => l.drone_by_id.load_one(drone_id).await?,
        None => drones::find_by_id(&state(ctx).db, drone_id).await?,
    })
}

pub(crate) async fn drones_held_by(ctx: &Context<'_>, user_id: i64) -> Result<Vec<drone::Model>> {
    Ok(match loaders(ctx) {
        Some(l) => l
            .drones_held_by
            .load_one(user_id)
            .await?
            .unwrap_or_default(),
        None => drones::held_by(&state(ctx).db, &[user_id])
            .await?
            .remove(&user_id)
            .unwrap_or_default(),
    })
}

pub(crate) async fn photos_of(ctx: &Context<'_>, drone_id: i64) -> Result<Vec<photo::Model>> {
    Ok(match loaders(ctx) {
        Some(l) => l
            .photos_of_drone
            .load_one(drone_id)
            .await?
            .unwrap_or_default(),
        None => photos::by_drone_ids(&state(ctx).db, &[drone_id])
            .await?
            .remove(&drone_id)
            .unwrap_or_default(),
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
    // registeredBy and holder are both users: one batch for both.
    let mut users: HashSet<i64> = HashSet::new();
    if selects("registeredBy") {
        users.extend(page.iter().filter_map(|d| d.registered_by_id));
    }
    if selects("holder") {
        users.extend(page.iter().filter_map(|d| d.holder_id));
    }
    if !users.is_empty() {
        loaders.user_by_id.load_many(users).await?;
    }
    if selects("site") {
        let ids: Vec<i64> = page.iter().filter_map(|d| d.site_id).collect();
        let site_nodes: Vec<Lookahead<'_>> = nodes.iter().map(|n| n.field("site")).collect();
        loaders.site_by_id.load_many(ids.iter().copied()).await?;
        prefetch_sites(ctx, &site_nodes, &ids).await?;
    }
    if selects("photos") {
        let by_drone = loaders
            .photos_of_drone
            .load_many(page.iter().map(|d| d.id))
            .await?;
        let uploaders: HashSet<i64> = by_drone
            .values()
            .flatten()
            .filter_map(|p| p.uploaded_by_id)
            .collect();
        if !uploaders.is_empty()
            && nodes
                .iter()
                .any(|n| n.field("photos").field("uploadedBy").exists())
        {
            loaders.user_by_id.load_many(uploaders).await?;
        }
    }
    if selects("tags") {
        loaders
            .tags_of_drone
            .load_many(page.iter().map(|d| d.id))
            .await?;
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

/// Loads, in one batch, the drone counts `nodes` select for these sites.
pub(crate) async fn prefetch_sites(
    ctx: &Context<'_>,
    nodes: &[Lookahead<'_>],
    site_ids: &[i64],
) -> Result<()> {
    let Some(loaders) = loaders(ctx) else {
        return Ok(());
    };
    if !site_ids.is_empty() && nodes.iter().any(|n| n.field("droneCount").exists()) {
        let ids: HashSet<i64> = site_ids.iter().copied().collect();
        loaders.drone_count_of_site.load_many(ids).await?;
    }
    Ok(())
}

/// Loads, in one batch each, what `nodes` select for these users: their checked-out drones
/// and those drones' own relations.
pub(crate) async fn prefetch_users(
    ctx: &Context<'_>,
    nodes: &[Lookahead<'_>],
    user_ids: &[i64],
) -> Result<()> {
    let Some(loaders) = loaders(ctx) else {
        return Ok(());
    };
    if user_ids.is_empty() || !nodes.iter().any(|n| n.field("checkedOutDrones").exists()) {
        return Ok(());
    }
    let held = loaders
        .drones_held_by
        .load_many(user_ids.iter().copied())
        .await?;
    let drones: Vec<drone::Model> = held.into_values().flatten().collect();
    let drone_nodes: Vec<Lookahead<'_>> =
        nodes.iter().map(|n| n.field("checkedOutDrones")).collect();
    prefetch_drones(ctx, &drone_nodes, &drones).await
}

/// Loads these sites in one batch (dashboard rows that name them).
pub(crate) async fn prefetch_site_ids(ctx: &Context<'_>, site_ids: &[i64]) -> Result<()> {
    if let Some(loaders) = loaders(ctx)
        && !site_ids.is_empty()
    {
        loaders
            .site_by_id
            .load_many(site_ids.iter().copied())
            .await?;
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
