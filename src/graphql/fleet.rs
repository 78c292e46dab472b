//! The fleet in GraphQL: the status lifecycle and custody (`checkOutDrone`, `checkInDrone`,
//! `setDroneStatus`), maintenance (`MaintenanceEntry`, `recordMaintenance`) and the
//! dashboards (`droneTags`, `droneStats`).

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use tokio::sync::OnceCell;

use crate::{
    entity::{drone as drone_entity, maintenance as maintenance_entity, user::Role},
    graphql::{
        common::{count, parse_id, parse_id_at, to_id},
        drone::{Drone, DroneFilter},
        guard::{RoleGuard, SignedInGuard, signed_in, state, writer},
        loaders,
        scalars::DateTime,
        site::Site,
        user::User,
    },
    service::drone::{
        self as drones, maintenance,
        stats::{self, Scope, Totals},
        status::{self, CheckIn},
        tags,
    },
    service::pagination::CountCache,
};

/// An instant, as the service layer counts with it (`DateTime` here is the GraphQL scalar).
type Instant = chrono::DateTime<chrono::Utc>;

/// Where a drone is in its life. The only allowed moves:
///   AVAILABLE   -> CHECKED_OUT (checkOutDrone), MAINTENANCE, LOST, RETIRED
///   CHECKED_OUT -> AVAILABLE (checkInDrone), MAINTENANCE (checkInDrone with toMaintenance),
///                  LOST (setDroneStatus)
///   MAINTENANCE -> AVAILABLE, RETIRED
///   LOST        -> AVAILABLE (found), RETIRED
///   RETIRED     -> nothing: retired is final (the row stays for the record)
/// Any other move is CONFLICT, and its message names both states. A newly registered drone
/// is AVAILABLE. Leaving CHECKED_OUT clears holder and dueBackAt.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "drone_entity::DroneStatus")]
pub(crate) enum DroneStatus {
    /// In store, ready to fly.
    Available,
    /// With its holder (Drone.holder).
    CheckedOut,
    /// Being inspected or repaired; not to be checked out.
    Maintenance,
    /// Missing; may be found (AVAILABLE) or written off (RETIRED).
    Lost,
    /// Out of service for good; kept for the record.
    Retired,
}

/// Matches a drone's status; every given part must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct DroneStatusFilter {
    /// In this status.
    pub eq: Option<DroneStatus>,
    /// In any other status.
    pub ne: Option<DroneStatus>,
    /// In one of these statuses (an empty list matches nothing).
    #[graphql(name = "in")]
    pub in_: Option<Vec<DroneStatus>>,
}

impl From<DroneStatusFilter> for drones::StatusFilter {
    fn from(f: DroneStatusFilter) -> Self {
        drones::StatusFilter {
            eq: f.eq.map(Into::into),
            ne: f.ne.map(Into::into),
            in_: f.in_.map(|v| v.into_iter().map(Into::into).collect()),
        }
    }
}

/// Labels are trimmed and lower-cased, 1-40 characters of a-z 0-9 - _ . and space.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct TagFilter {
    /// Drones carrying at least one of these tags.
    pub any: Option<Vec<String>>,
    /// Drones carrying every one of these tags.
    pub all: Option<Vec<String>>,
}

impl From<TagFilter> for tags::TagFilter {
    fn from(f: TagFilter) -> Self {
        tags::TagFilter {
            any: f.any,
            all: f.all,
        }
    }
}

/// What kind of work a maintenance entry records.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "maintenance_entity::MaintenanceKind")]
pub(crate) enum MaintenanceKind {
    /// A scheduled or ad-hoc check.
    Inspection,
    /// Something broken was fixed.
    Repair,
    /// New firmware on the drone or its controller.
    FirmwareUpdate,
    /// Compass, IMU, gimbal or camera calibration.
    Calibration,
    /// A part (propeller, battery, motor, ...) was swapped.
    PartReplacement,
}

/// One thing done to a drone.
#[derive(Clone)]
pub(crate) struct MaintenanceEntry(pub maintenance_entity::Model);

/// One thing done to a drone.
#[Object]
impl MaintenanceEntry {
    /// The entry's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// The drone it was done to.
    async fn drone(&self, ctx: &Context<'_>) -> Result<Drone> {
        let found = loaders::drone(ctx, self.0.drone_id).await?;
        // The entry's foreign key cascades: an entry outlives no drone.
        found.map(Drone).ok_or_else(|| {
            crate::error::AppError::internal("maintenance entry without its drone").into()
        })
    }

    /// What kind of work.
    async fn kind(&self) -> MaintenanceKind {
        self.0.kind.into()
    }

    /// What was done, non-empty.
    async fn note(&self) -> &str {
        &self.0.note
    }

    /// When it was done: given by the caller (never in the future), defaults to now.
    async fn performed_at(&self) -> DateTime {
        DateTime(self.0.performed_at)
    }

    /// The SUPPORT user who recorded it (null once deleted).
    async fn recorded_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(user_id) = self.0.recorded_by_id else {
            return Ok(None);
        };
        Ok(loaders::user(ctx, user_id).await?.map(User))
    }

    /// When it was recorded.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

/// A maintenance entry to record.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct MaintenanceInput {
    /// What kind of work.
    pub kind: MaintenanceKind,
    /// What was done (1-2000 characters).
    pub note: String,
    /// When it was done; now when omitted. Never in the future.
    pub performed_at: Option<DateTime>,
    /// When true and the drone is in MAINTENANCE, it moves back to AVAILABLE in the same
    /// transaction.
    #[graphql(default_with = "Some(false)")]
    pub return_to_service: Option<bool>,
}

/// A tag and how many drones carry it.
#[derive(SimpleObject)]
pub(crate) struct TagCount {
    /// The tag.
    pub tag: String,
    /// Drones carrying it.
    pub drone_count: i32,
}

/// How many drones are in one status.
#[derive(SimpleObject)]
pub(crate) struct StatusCount {
    /// The status.
    pub status: DroneStatus,
    /// Drones in it.
    pub count: i32,
}

/// How many drones are of one brand.
#[derive(SimpleObject)]
pub(crate) struct BrandCount {
    /// The brand, as registered.
    pub brand: String,
    /// Drones of it.
    pub count: i32,
}

/// How many drones are stationed at one site.
pub(crate) struct SiteCount {
    site_id: Option<i64>,
    count: i64,
}

/// How many drones are stationed at one site.
#[Object]
impl SiteCount {
    /// null: drones stationed nowhere.
    async fn site(&self, ctx: &Context<'_>) -> Result<Option<Site>> {
        let Some(site_id) = self.site_id else {
            return Ok(None);
        };
        Ok(loaders::site(ctx, site_id).await?.map(Site))
    }

    /// Drones stationed there.
    async fn count(&self) -> i32 {
        count_i32(self.count)
    }
}

fn count_i32(n: i64) -> i32 {
    count(usize::try_from(n).unwrap_or(0))
}

/// Counts over the drones matching a filter: each list is one grouped SQL statement, never a
/// row scan in the server.
pub(crate) struct DroneStats {
    scope: Scope,
    /// The inventory epoch, read once for all the parts asked (`None`: not remembered).
    epoch: OnceCell<Option<i64>>,
    /// total, overdue and maintenanceDue come from one statement, run at most once.
    totals: OnceCell<Totals>,
}

impl DroneStats {
    async fn epoch(&self, ctx: &Context<'_>) -> Result<Option<i64>> {
        Ok(*self
            .epoch
            .get_or_try_init(|| async {
                if self.scope.remembered() {
                    CountCache::epoch(&state(ctx).db).await.map(Some)
                } else {
                    Ok(None)
                }
            })
            .await?)
    }

    /// One part: from memory while the inventory (and for the clock's counts, the clock)
    /// leaves it true, else counted by `count`.
    async fn part<T, F>(
        &self,
        ctx: &Context<'_>,
        name: &str,
        count: impl FnOnce(Instant) -> F,
    ) -> Result<T>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = crate::error::Result<(T, Option<Instant>)>>,
    {
        let epoch = self.epoch(ctx).await?;
        Ok(stats::part(&state(ctx).counts, &self.scope, epoch, name, count).await?)
    }

    async fn totals(&self, ctx: &Context<'_>) -> Result<Totals> {
        let db = &state(ctx).db;
        Ok(*self
            .totals
            .get_or_try_init(|| self.part(ctx, "totals", |at| stats::totals(db, &self.scope, at)))
            .await?)
    }
}

/// A grouped count that the clock does not change: true for as long as the epoch is.
async fn timeless<T>(
    counted: impl Future<Output = crate::error::Result<T>>,
) -> crate::error::Result<(T, Option<Instant>)> {
    Ok((counted.await?, None))
}

/// Counts over the drones matching a filter: each list is one grouped SQL statement, never a
/// row scan in the server.
#[Object]
impl DroneStats {
    /// Drones matching the filter.
    async fn total(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(count_i32(self.totals(ctx).await?.total))
    }

    /// Per status, in lifecycle order; statuses without drones are left out.
    async fn by_status(&self, ctx: &Context<'_>) -> Result<Vec<StatusCount>> {
        let db = &state(ctx).db;
        let rows: Vec<(drone_entity::DroneStatus, i64)> = self
            .part(ctx, "byStatus", |_| {
                timeless(stats::by_status(db, &self.scope))
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|(status, n)| StatusCount {
                status: status.into(),
                count: count_i32(n),
            })
            .collect())
    }

    /// Largest first, ties by brand.
    async fn by_brand(&self, ctx: &Context<'_>) -> Result<Vec<BrandCount>> {
        let db = &state(ctx).db;
        let rows: Vec<(String, i64)> = self
            .part(ctx, "byBrand", |_| {
                timeless(stats::by_brand(db, &self.scope))
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|(brand, n)| BrandCount {
                brand,
                count: count_i32(n),
            })
            .collect())
    }

    /// Largest first (ties by site id, nowhere last). The sites are loaded in one batch.
    async fn by_site(&self, ctx: &Context<'_>) -> Result<Vec<SiteCount>> {
        let db = &state(ctx).db;
        let rows: Vec<(Option<i64>, i64)> = self
            .part(ctx, "bySite", |_| timeless(stats::by_site(db, &self.scope)))
            .await?;
        let ids: Vec<i64> = rows.iter().filter_map(|(id, _)| *id).collect();
        loaders::prefetch_site_ids(ctx, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|(site_id, count)| SiteCount { site_id, count })
            .collect())
    }

    /// CHECKED_OUT past dueBackAt.
    async fn overdue(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(count_i32(self.totals(ctx).await?.overdue))
    }

    /// Due for maintenance (see Drone.maintenanceDue).
    async fn maintenance_due(&self, ctx: &Context<'_>) -> Result<i32> {
        Ok(count_i32(self.totals(ctx).await?.maintenance_due))
    }
}

#[derive(Default)]
pub(crate) struct FleetQuery;

#[Object]
impl FleetQuery {
    /// Every tag in use with how many drones carry it, most used first, ties by tag.
    #[graphql(guard = "SignedInGuard")]
    async fn drone_tags(&self, ctx: &Context<'_>) -> Result<Vec<TagCount>> {
        Ok(tags::counts(&state(ctx).db)
            .await?
            .into_iter()
            .map(|(tag, n)| TagCount {
                tag,
                drone_count: count_i32(n),
            })
            .collect())
    }

    /// For dashboards: counts over the drones matching `filter` (all drones without one).
    #[graphql(guard = "SignedInGuard")]
    async fn drone_stats(
        &self,
        #[graphql(desc = "The drones to count, as in Query.drones; all of them when omitted.")]
        filter: Option<DroneFilter>,
    ) -> Result<DroneStats> {
        let filter = filter
            .map(drones::DroneFilter::try_from)
            .transpose()
            .map_err(|e| e.within("filter"))?;
        Ok(DroneStats {
            scope: Scope::new(filter)?,
            epoch: OnceCell::new(),
            totals: OnceCell::new(),
        })
    }
}

#[derive(Default)]
pub(crate) struct FleetMutation;

#[Object]
impl FleetMutation {
    /// AVAILABLE -> CHECKED_OUT to user `to` (any existing user). dueBackAt, when given, must
    /// be in the future. SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn check_out_drone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The drone.")] id: ID,
        #[graphql(desc = "The user it goes to (any role).")] to: ID,
        #[graphql(desc = "When it is to come back; in the future.")] due_back_at: Option<DateTime>,
        #[graphql(desc = "What it is for (up to 2,000 characters); kept as statusNote.")]
        note: Option<String>,
    ) -> Result<Drone> {
        Ok(Drone(
            status::check_out(
                &writer(ctx)?,
                parse_id(&id)?,
                parse_id_at("to", &to)?,
                due_back_at.map(|t| t.0),
                note.as_deref(),
            )
            .await?,
        ))
    }

    /// SUPPORT or the drone's holder. CHECKED_OUT -> AVAILABLE, or MAINTENANCE with
    /// toMaintenance (a note is then required: what is wrong). siteId re-stations it.
    #[graphql(guard = "SignedInGuard")]
    async fn check_in_drone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The drone.")] id: ID,
        #[graphql(desc = "Re-station it at this site; omitted: it stays where it was.")]
        site_id: Option<ID>,
        #[graphql(
            default_with = "Some(false)",
            desc = "true: into MAINTENANCE instead of AVAILABLE (default false; null is false)."
        )]
        to_maintenance: Option<bool>,
        #[graphql(desc = "How it came back; required with toMaintenance: what is wrong.")]
        note: Option<String>,
    ) -> Result<Drone> {
        let how = CheckIn {
            site_id: site_id
                .as_ref()
                .map(|id| parse_id_at("siteId", id))
                .transpose()?,
            // An explicit null is the default.
            to_maintenance: to_maintenance.unwrap_or(false),
            note,
        };
        Ok(Drone(
            status::check_in(&writer(ctx)?, signed_in(ctx)?.role, parse_id(&id)?, how).await?,
        ))
    }

    /// Any other move of the state diagram: the moves checkOutDrone and checkInDrone make are
    /// theirs (CHECKED_OUT -> LOST is this one's). A note is required for LOST and RETIRED.
    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn set_drone_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The drone.")] id: ID,
        #[graphql(desc = "The status to move to.")] status: DroneStatus,
        #[graphql(desc = "Why (up to 2,000 characters); required for LOST and RETIRED.")]
        note: Option<String>,
    ) -> Result<Drone> {
        Ok(Drone(
            status::set_status(
                &writer(ctx)?,
                parse_id(&id)?,
                status.into(),
                note.as_deref(),
            )
            .await?,
        ))
    }

    /// Records maintenance done to a drone (CONFLICT once it is RETIRED). SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn record_maintenance(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The drone it was done to.")] drone_id: ID,
        #[graphql(desc = "What was done, and when.")] input: MaintenanceInput,
    ) -> Result<MaintenanceEntry> {
        let input = maintenance::MaintenanceInput {
            kind: input.kind.into(),
            note: input.note,
            performed_at: input.performed_at.map(|t| t.0),
            return_to_service: input.return_to_service.unwrap_or(false),
        };
        Ok(MaintenanceEntry(
            maintenance::record(&writer(ctx)?, parse_id_at("droneId", &drone_id)?, input).await?,
        ))
    }
}
