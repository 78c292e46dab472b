//! DataLoaders for the relations of a page: `Drone.cameras`, `registeredBy`, `site`, `holder`
//! and `tags`, `Camera.droneCount`, `Site.droneCount`, `User.checkedOutDrones` and
//! `MaintenanceEntry.drone`, so a page of 1 or 100 rows costs the same statements.
//!
//! Every operation gets its own loaders (with a per-operation cache) from the gateway, over HTTP
//! and graphql-ws alike, subscriptions included: a subscription's loaders forget what they
//! hold before each event ([`Loaders::forget`]), so an event never sees an earlier event's
//! answers. There is no other way to these relations, so no resolver can miss the batching.
//!
//! A list resolver *prefetches* what its selection asks for with one `load_many` over the whole
//! page; each node's own look-up then hits the cache. Without the prefetch, async-graphql
//! resolves a long list in several scheduler turns and the loader's batching window splits the
//! page into several batches at random; with it, the statement count is the same every time.
//! The prefetch looks ahead by the fields' names, written once each as a [`Relation`] below;
//! a unit test holds every one of them to the schema, so renaming a field fails it.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use async_graphql::{
    Context, Lookahead, Result,
    dataloader::{DataLoader, HashMapCache, Loader},
};
use sea_orm::DatabaseConnection;

use crate::{
    entity::{camera, drone, photo, site, user},
    error::AppError,
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

/// The loaders of one operation (cheap to clone: a subscription's stream keeps one).
#[derive(Clone)]
pub(crate) struct Loaders(Arc<Batches>);

struct Batches {
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
        Self(Arc::new(Batches {
            cameras_of_drone: loader(CamerasOfDrone(db.clone())),
            user_by_id: loader(UserById(db.clone())),
            drone_count_of_camera: loader(DroneCountOfCamera(db.clone())),
            site_by_id: loader(SiteById(db.clone())),
            drone_count_of_site: loader(DroneCountOfSite(db.clone())),
            tags_of_drone: loader(TagsOfDrone(db.clone())),
            drone_by_id: loader(DroneById(db.clone())),
            drones_held_by: loader(DronesHeldBy(db.clone())),
            photos_of_drone: loader(PhotosOfDrone(db.clone())),
        }))
    }

    /// Forgets every answer held. A subscription calls it before it hands out each event:
    /// async-graphql resolves one event whole before it asks the stream for the next, so each
    /// event starts from the database as it is then.
    pub(crate) fn forget(&self) {
        let b = &self.0;
        b.cameras_of_drone.clear::<i64>();
        b.user_by_id.clear::<i64>();
        b.drone_count_of_camera.clear::<i64>();
        b.site_by_id.clear::<i64>();
        b.drone_count_of_site.clear::<i64>();
        b.tags_of_drone.clear::<i64>();
        b.drone_by_id.clear::<i64>();
        b.drones_held_by.clear::<i64>();
        b.photos_of_drone.clear::<i64>();
    }
}

/// The operation's loaders; the gateway gives every operation its own.
pub(crate) fn of<'a>(ctx: &Context<'a>) -> Result<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|_| AppError::internal("an operation ran without its loaders").into())
}

fn loaders<'a>(ctx: &Context<'a>) -> Result<&'a Batches> {
    Ok(&of(ctx)?.0)
}

pub(crate) async fn cameras_of(ctx: &Context<'_>, drone_id: i64) -> Result<Vec<camera::Model>> {
    let found = loaders(ctx)?.cameras_of_drone.load_one(drone_id).await?;
    Ok(found.unwrap_or_default())
}

pub(crate) async fn user(ctx: &Context<'_>, user_id: i64) -> Result<Option<user::Model>> {
    loaders(ctx)?.user_by_id.load_one(user_id).await
}

pub(crate) async fn drone_count(ctx: &Context<'_>, camera_id: i64) -> Result<i64> {
    let found = loaders(ctx)?
        .drone_count_of_camera
        .load_one(camera_id)
        .await?;
    Ok(found.unwrap_or(0))
}

pub(crate) async fn site(ctx: &Context<'_>, site_id: i64) -> Result<Option<site::Model>> {
    loaders(ctx)?.site_by_id.load_one(site_id).await
}

pub(crate) async fn site_drone_count(ctx: &Context<'_>, site_id: i64) -> Result<i64> {
    let found = loaders(ctx)?.drone_count_of_site.load_one(site_id).await?;
    Ok(found.unwrap_or(0))
}

pub(crate) async fn tags_of(ctx: &Context<'_>, drone_id: i64) -> Result<Vec<String>> {
    let found = loaders(ctx)?.tags_of_drone.load_one(drone_id).await?;
    Ok(found.unwrap_or_default())
}

pub(crate) async fn drone(ctx: &Context<'_>, drone_id: i64) -> Result<Option<drone::Model>> {
    loaders(ctx)?.drone_by_id.load_one(drone_id).await
}

pub(crate) async fn drones_held_by(ctx: &Context<'_>, user_id: i64) -> Result<Vec<drone::Model>> {
    let found = loaders(ctx)?.drones_held_by.load_one(user_id).await?;
    Ok(found.unwrap_or_default())
}

pub(crate) async fn photos_of(ctx: &Context<'_>, drone_id: i64) -> Result<Vec<photo::Model>> {
    let found = loaders(ctx)?.photos_of_drone.load_one(drone_id).await?;
    Ok(found.unwrap_or_default())
}

/// A field of the schema that a prefetch looks ahead for: its type and its name, written here
/// once. `every_relation_a_prefetch_names_is_a_field_of_the_schema` holds each to the schema.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Relation {
    /// The type it is a field of: read by the test alone, which checks the pair.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) on: &'static str,
    pub(crate) name: &'static str,
}

impl Relation {
    const fn new(on: &'static str, name: &'static str) -> Self {
        Self { on, name }
    }

    /// This field of each of `nodes`.
    fn of<'a>(self, nodes: &[Lookahead<'a>]) -> Vec<Lookahead<'a>> {
        nodes.iter().map(|n| n.field(self.name)).collect()
    }

    /// Whether any of `nodes` selects it.
    fn selected(self, nodes: &[Lookahead<'_>]) -> bool {
        nodes.iter().any(|n| n.field(self.name).exists())
    }
}

/// The fields prefetches look ahead for.
pub(crate) mod relation {
    use super::Relation;

    pub(crate) const DRONE_REGISTERED_BY: Relation = Relation::new("Drone", "registeredBy");
    pub(crate) const DRONE_HOLDER: Relation = Relation::new("Drone", "holder");
    pub(crate) const DRONE_SITE: Relation = Relation::new("Drone", "site");
    pub(crate) const DRONE_PHOTOS: Relation = Relation::new("Drone", "photos");
    pub(crate) const DRONE_TAGS: Relation = Relation::new("Drone", "tags");
    pub(crate) const DRONE_CAMERAS: Relation = Relation::new("Drone", "cameras");
    pub(crate) const PHOTO_UPLOADED_BY: Relation = Relation::new("Photo", "uploadedBy");
    pub(crate) const SITE_DRONE_COUNT: Relation = Relation::new("Site", "droneCount");
    pub(crate) const CAMERA_DRONE_COUNT: Relation = Relation::new("Camera", "droneCount");
    pub(crate) const USER_CHECKED_OUT_DRONES: Relation = Relation::new("User", "checkedOutDrones");
    pub(crate) const CONNECTION_EDGES: Relation = Relation::new("DroneConnection", "edges");
    pub(crate) const EDGE_NODE: Relation = Relation::new("DroneEdge", "node");
    pub(crate) const CONNECTION_NODES: Relation = Relation::new("DroneConnection", "nodes");
    pub(crate) const BULK_DRONES: Relation = Relation::new("BulkDronesPayload", "drones");
    pub(crate) const BULK_CAMERAS: Relation = Relation::new("BulkCamerasPayload", "cameras");

    /// Every one of them, for the test.
    #[cfg(test)]
    pub(crate) const ALL: &[Relation] = &[
        DRONE_REGISTERED_BY,
        DRONE_HOLDER,
        DRONE_SITE,
        DRONE_PHOTOS,
        DRONE_TAGS,
        DRONE_CAMERAS,
        PHOTO_UPLOADED_BY,
        SITE_DRONE_COUNT,
        CAMERA_DRONE_COUNT,
        USER_CHECKED_OUT_DRONES,
        CONNECTION_EDGES,
        EDGE_NODE,
        CONNECTION_NODES,
        BULK_DRONES,
        BULK_CAMERAS,
    ];
}

use relation::*;

/// The selections of a connection's nodes: `edges { node { … } }` and `nodes { … }`.
pub(crate) fn node_selections<'a>(connection: &Lookahead<'a>) -> [Lookahead<'a>; 2] {
    [
        connection
            .field(CONNECTION_EDGES.name)
            .field(EDGE_NODE.name),
        connection.field(CONNECTION_NODES.name),
    ]
}

/// What a bulk registration's payload selects of its drones.
pub(crate) fn bulk_drones<'a>(payload: &Lookahead<'a>) -> [Lookahead<'a>; 1] {
    [payload.field(BULK_DRONES.name)]
}

/// What a bulk registration's payload selects of its cameras.
pub(crate) fn bulk_cameras<'a>(payload: &Lookahead<'a>) -> [Lookahead<'a>; 1] {
    [payload.field(BULK_CAMERAS.name)]
}

/// Loads, in one batch each, the relations `nodes` select for these drones.
pub(crate) async fn prefetch_drones(
    ctx: &Context<'_>,
    nodes: &[Lookahead<'_>],
    page: &[drone::Model],
) -> Result<()> {
    let loaders = loaders(ctx)?;
    if page.is_empty() {
        return Ok(());
    }
    // registeredBy and holder are both users: one batch for both.
    let mut users: HashSet<i64> = HashSet::new();
    if DRONE_REGISTERED_BY.selected(nodes) {
        users.extend(page.iter().filter_map(|d| d.registered_by_id));
    }
    if DRONE_HOLDER.selected(nodes) {
        users.extend(page.iter().filter_map(|d| d.holder_id));
    }
    if !users.is_empty() {
        loaders.user_by_id.load_many(users).await?;
    }
    if DRONE_SITE.selected(nodes) {
        let ids: Vec<i64> = page.iter().filter_map(|d| d.site_id).collect();
        loaders.site_by_id.load_many(ids.iter().copied()).await?;
        prefetch_sites(ctx, &DRONE_SITE.of(nodes), &ids).await?;
    }
    if DRONE_PHOTOS.selected(nodes) {
        let by_drone = loaders
            .photos_of_drone
            .load_many(page.iter().map(|d| d.id))
            .await?;
        let uploaders: HashSet<i64> = by_drone
            .values()
            .flatten()
            .filter_map(|p| p.uploaded_by_id)
            .collect();
        if !uploaders.is_empty() && PHOTO_UPLOADED_BY.selected(&DRONE_PHOTOS.of(nodes)) {
            loaders.user_by_id.load_many(uploaders).await?;
        }
    }
    if DRONE_TAGS.selected(nodes) {
        loaders
            .tags_of_drone
            .load_many(page.iter().map(|d| d.id))
            .await?;
    }
    if DRONE_CAMERAS.selected(nodes) {
        let by_drone = loaders
            .cameras_of_drone
            .load_many(page.iter().map(|d| d.id))
            .await?;
        let cameras: Vec<camera::Model> = by_drone.into_values().flatten().collect();
        prefetch_cameras(ctx, &DRONE_CAMERAS.of(nodes), &cameras).await?;
    }
    Ok(())
}

/// Loads, in one batch, the drone counts `nodes` select for these sites.
pub(crate) async fn prefetch_sites(
    ctx: &Context<'_>,
    nodes: &[Lookahead<'_>],
    site_ids: &[i64],
) -> Result<()> {
    if !site_ids.is_empty() && SITE_DRONE_COUNT.selected(nodes) {
        let ids: HashSet<i64> = site_ids.iter().copied().collect();
        loaders(ctx)?.drone_count_of_site.load_many(ids).await?;
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
    if user_ids.is_empty() || !USER_CHECKED_OUT_DRONES.selected(nodes) {
        return Ok(());
    }
    let held = loaders(ctx)?
        .drones_held_by
        .load_many(user_ids.iter().copied())
        .await?;
    let drones: Vec<drone::Model> = held.into_values().flatten().collect();
    prefetch_drones(ctx, &USER_CHECKED_OUT_DRONES.of(nodes), &drones).await
}

/// Loads these sites in one batch (dashboard rows that name them).
pub(crate) async fn prefetch_site_ids(ctx: &Context<'_>, site_ids: &[i64]) -> Result<()> {
    if !site_ids.is_empty() {
        loaders(ctx)?
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
    if !cameras.is_empty() && CAMERA_DRONE_COUNT.selected(nodes) {
        let ids: HashSet<i64> = cameras.iter().map(|c| c.id).collect();
        loaders(ctx)?.drone_count_of_camera.load_many(ids).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::relation::ALL;

    /// Renaming a field the prefetch looks ahead for would silently stop the prefetch (and
    /// split a page's look-ups into many statements): the names must be the schema's.
    #[test]
    fn every_relation_a_prefetch_names_is_a_field_of_the_schema() {
        let sdl = crate::graphql::sdl();
        for relation in ALL {
            let start = sdl
                .find(&format!("\ntype {} ", relation.on))
                .unwrap_or_else(|| panic!("no object type {} in the schema", relation.on));
            let body = &sdl[start..start + sdl[start..].find("\n}").expect("a type's end")];
            let declared = body.lines().any(|line| {
                line.trim_start()
                    .strip_prefix(relation.name)
                    .is_some_and(|rest| rest.starts_with(':') || rest.starts_with('('))
            });
            assert!(
                declared,
                "{}.{} is not a field of the schema: rename the Relation with the field",
                relation.on, relation.name
            );
        }
    }
}
