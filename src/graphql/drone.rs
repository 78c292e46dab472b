//! Drones in GraphQL: the `Drone` type, `drone`/`drones`, and the support team's mutations.
//! Status moves, maintenance and the dashboards are in `fleet.rs`.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use crate::{
    entity::{drone as drone_entity, user::Role},
    error::AppError,
    graphql::{
        camera::{Camera, CameraFilter},
        common::{
            DateTimeFilter, OnConflict, SortDirection, StringFilter, check_bulk_size, count,
            ordering, page_args, parse_id, parse_id_at, patch, to_id,
        },
        connection::Connection,
        fleet::{DroneStatus, DroneStatusFilter, MaintenanceEntry, TagFilter},
        guard::{RoleGuard, SignedInGuard, state, writer},
        loaders,
        photo::Photo,
        scalars::DateTime,
        site::{Site, SiteFilter},
        user::User,
    },
    service::{
        drone::{self as drones, DroneInput, DronePatch, DroneSort, maintenance},
        now,
        pagination::{self, PageArgs, SortDirection as SortOrder},
    },
};

#[derive(Clone)]
pub(crate) struct Drone(pub drone_entity::Model);

/// One physical drone of the fleet: what it is, which cameras it takes, where it is
/// stationed, who holds it, and its maintenance and photos.
#[Object]
impl Drone {
    /// The drone's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// The maker's serial number: trimmed, 1-100 characters, unique compared
    /// case-insensitively.
    async fn serial_number(&self) -> &str {
        &self.0.serial_number
    }

    /// What the team calls it (e.g. Mavic 3 Pro #4): trimmed, 1-200 characters, not unique.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The maker (e.g. DJI), as typed: trimmed, 1-100 characters.
    async fn brand(&self) -> &str {
        &self.0.brand
    }

    /// Cameras this drone supports, ordered by model. Loaded in batches (DataLoader): a page of
    /// N drones costs O(1) SQL statements, not O(N).
    #[graphql(complexity = "5 * child_complexity")]
    async fn cameras(&self, ctx: &Context<'_>) -> Result<Vec<Camera>> {
        let cameras = loaders::cameras_of(ctx, self.0.id).await?;
        Ok(cameras.into_iter().map(Camera).collect())
    }

    /// Support user who registered it (null once that user is deleted).
    async fn registered_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(user_id) = self.0.registered_by_id else {
            return Ok(None);
        };
        Ok(loaders::user(ctx, user_id).await?.map(User))
    }

    /// When the drone was registered (RFC 3339, UTC).
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When anything about the drone last changed: its fields, cameras, tags, status, site or
    /// maintenance (RFC 3339, UTC).
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    /// Where the drone is in its life (see DroneStatus for the moves).
    async fn status(&self) -> DroneStatus {
        self.0.status.into()
    }

    /// Why it is in its status, as given with its last status move (the check-out note, what
    /// is wrong, how it was lost); null when none was given.
    async fn status_note(&self) -> Option<&str> {
        self.0.status_note.as_deref()
    }

    /// Where it is stationed; null when nowhere.
    async fn site(&self, ctx: &Context<'_>) -> Result<Option<Site>> {
        let Some(site_id) = self.0.site_id else {
            return Ok(None);
        };
        Ok(loaders::site(ctx, site_id).await?.map(Site))
    }

    /// The user who has it checked out; null unless CHECKED_OUT.
    async fn holder(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(user_id) = self.0.holder_id else {
            return Ok(None);
        };
        Ok(loaders::user(ctx, user_id).await?.map(User))
    }

    /// When it was checked out; null unless CHECKED_OUT.
    async fn checked_out_at(&self) -> Option<DateTime> {
        self.0.checked_out_at.map(DateTime)
    }

    /// When the holder is to bring it back; null unless CHECKED_OUT (may be null then too).
    async fn due_back_at(&self) -> Option<DateTime> {
        self.0.due_back_at.map(DateTime)
    }

    /// CHECKED_OUT with dueBackAt in the past.
    async fn overdue(&self) -> bool {
        drones::overdue(&self.0, now())
    }

    /// Sorted, unique.
    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        loaders::tags_of(ctx, self.0.id).await
    }

    /// Days between inspections; null: no schedule.
    async fn maintenance_interval_days(&self) -> Option<i32> {
        self.0.maintenance_interval_days
    }

    /// performedAt of the latest maintenance entry; null when none.
    async fn last_maintenance_at(&self) -> Option<DateTime> {
        self.0.last_maintenance_at.map(DateTime)
    }

    /// lastMaintenanceAt (or createdAt when none) + maintenanceIntervalDays; null without a
    /// schedule.
    async fn maintenance_due_at(&self) -> Option<DateTime> {
        self.0.maintenance_due_at.map(DateTime)
    }

    /// maintenanceDueAt has passed and the drone is not RETIRED.
    async fn maintenance_due(&self) -> bool {
        drones::maintenance_due(&self.0, now())
    }

    /// Its photos, oldest first. Batched like cameras.
    #[graphql(complexity = "20 * child_complexity")]
    async fn photos(&self, ctx: &Context<'_>) -> Result<Vec<Photo>> {
        Ok(loaders::photos_of(ctx, self.0.id)
            .await?
            .into_iter()
            .map(Photo)
            .collect())
    }

    /// What was done to it, newest first (by performedAt).
    #[graphql(
        complexity = "crate::graphql::connection::page_complexity(first, last, child_complexity)"
    )]
    async fn maintenance(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<MaintenanceEntry>> {
        let args = page_args(ctx, first, after, last, before);
        let page = maintenance::list(&state(ctx).db, self.0.id, &args).await?;
        Ok(Connection::from_page(page, MaintenanceEntry))
    }
}

/// A page of drones matching `filter`, with the relations its nodes select prefetched: the one
/// path of `Query.drones` and `Site.drones`.
pub(crate) async fn drone_page(
    ctx: &Context<'_>,
    filter: drones::DroneFilter,
    order_by: Option<Vec<DroneOrder>>,
    args: PageArgs,
) -> Result<Connection<Drone>> {
    let order = ordering(order_by);
    let state = state(ctx);
    let page =
        pagination::list(&state.db, Some(&state.counts), Some(filter), &order, &args).await?;
    let rows: Vec<_> = page.rows.iter().map(|(_, d)| d.clone()).collect();
    loaders::prefetch_drones(ctx, &loaders::node_selections(&ctx.look_ahead()), &rows).await?;
    Ok(Connection::from_page(page, Drone))
}

/// Which drones to list; every field given must match.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct DroneFilter {
    /// Case-insensitive match on serial number, name or brand.
    pub search: Option<String>,
    /// Conditions on the serial number.
    pub serial_number: Option<StringFilter>,
    /// Conditions on the name.
    pub name: Option<StringFilter>,
    /// Conditions on the brand.
    pub brand: Option<StringFilter>,
    /// Drones that support at least one camera matching this filter.
    pub camera: Option<CameraFilter>,
    /// Conditions on when the drone was registered.
    pub created_at: Option<DateTimeFilter>,
    /// Drones in these statuses.
    pub status: Option<DroneStatusFilter>,
    /// Drones stationed at a site matching this filter (an EXISTS semi-join, as camera).
    pub site: Option<SiteFilter>,
    /// Shorthand for site: { city: { eq } }, compared case-insensitively.
    pub city: Option<String>,
    /// Drones checked out to this user.
    pub holder_id: Option<ID>,
    /// true: CHECKED_OUT past dueBackAt; false: every other drone.
    pub overdue: Option<bool>,
    /// true: maintenanceDue; false: every other drone.
    pub maintenance_due: Option<bool>,
    /// Drones carrying these tags.
    pub tags: Option<TagFilter>,
    pub and: Option<Vec<DroneFilter>>,
    pub or: Option<Vec<DroneFilter>>,
    pub not: Option<Box<DroneFilter>>,
}

impl TryFrom<DroneFilter> for drones::DroneFilter {
    type Error = AppError;

    fn try_from(f: DroneFilter) -> Result<Self, AppError> {
        // A bad id deep in the tree names its path (`and.2.holderId`); the caller adds `filter`.
        let convert = |part: &str, list: Option<Vec<DroneFilter>>| -> Result<Vec<Self>, AppError> {
            list.unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, f)| Self::try_from(f).map_err(|e| e.within(&format!("{part}.{i}"))))
                .collect()
        };
        Ok(drones::DroneFilter {
            search: f.search,
            serial_number: f.serial_number.map(Into::into),
            name: f.name.map(Into::into),
            brand: f.brand.map(Into::into),
            camera: f.camera.map(Into::into),
            created_at: f.created_at.map(Into::into),
            status: f.status.map(Into::into),
            site: f.site.map(Into::into),
            city: f.city,
            site_id: None,
            holder_id: f
                .holder_id
                .as_ref()
                .map(|id| parse_id_at("holderId", id))
                .transpose()?,
            overdue: f.overdue,
            maintenance_due: f.maintenance_due,
            tags: f.tags.map(Into::into),
            and: convert("and", f.and)?,
            or: convert("or", f.or)?,
            not: f
                .not
                .map(|n| Self::try_from(*n).map(Box::new))
                .transpose()
                .map_err(|e| e.within("not"))?,
        })
    }
}

/// What drones can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "DroneSort")]
pub(crate) enum DroneOrderField {
    /// By name.
    Name,
    /// By brand.
    Brand,
    /// By serial number.
    SerialNumber,
    /// By when the drone was registered.
    CreatedAt,
    /// By when the drone last changed.
    UpdatedAt,
    /// Lifecycle order: AVAILABLE, CHECKED_OUT, MAINTENANCE, LOST, RETIRED.
    Status,
    /// Soonest first; drones without a due date last (first when descending).
    DueBackAt,
    /// Soonest first; drones without a schedule last (first when descending).
    MaintenanceDueAt,
}

/// One sort key of a drone list.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct DroneOrder {
    /// What to sort by.
    pub field: DroneOrderField,
    /// Which way; default ASC.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl From<DroneOrder> for (DroneSort, SortOrder) {
    fn from(o: DroneOrder) -> Self {
        (o.field.into(), o.direction.into())
    }
}

/// A drone to register.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct RegisterDroneInput {
    /// Trimmed, 1-100 characters, unique case-insensitively (taken: CONFLICT, or as
    /// onConflict says in registerDrones).
    pub serial_number: String,
    /// Trimmed, 1-200 characters.
    pub name: String,
    /// Trimmed, 1-100 characters.
    pub brand: String,
    /// Models of already registered cameras, matched case-insensitively; may be empty. An
    /// unknown model is BAD_USER_INPUT naming it.
    pub camera_models: Vec<String>,
    /// Name of an existing site, matched case-insensitively; an unknown name is BAD_USER_INPUT
    /// naming it (in bulk: by item index).
    pub site: Option<String>,
    /// Labels, normalised (see TagFilter). With onConflict UPDATE, omitted keeps the drone's.
    pub tags: Option<Vec<String>>,
    /// 1-3650 days between inspections; omitted: no schedule (with onConflict UPDATE, keeps
    /// the drone's).
    pub maintenance_interval_days: Option<i32>,
}

impl From<RegisterDroneInput> for DroneInput {
    fn from(i: RegisterDroneInput) -> Self {
        DroneInput {
            serial_number: i.serial_number,
            name: i.name,
            brand: i.brand,
            camera_models: i.camera_models,
            site: i.site,
            tags: i.tags,
            maintenance_interval_days: i.maintenance_interval_days,
        }
    }
}

/// An omitted field is left unchanged.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct UpdateDroneInput {
    /// A new name: trimmed, 1-200 characters.
    pub name: Option<String>,
    /// A new brand: trimmed, 1-100 characters.
    pub brand: Option<String>,
    /// Replaces the whole camera list.
    pub camera_models: Option<Vec<String>>,
    /// Camera models to add, matched case-insensitively (with cameraModels, not allowed); at
    /// most 50 cameras in all. An unknown model is BAD_USER_INPUT naming it.
    pub add_camera_models: Option<Vec<String>>,
    /// Camera models to remove (with cameraModels, not allowed); one the drone lacks is
    /// ignored.
    pub remove_camera_models: Option<Vec<String>>,
    /// Site name as in RegisterDroneInput; explicit null: stationed nowhere.
    pub site: MaybeUndefined<String>,
    /// Replaces all tags.
    pub tags: Option<Vec<String>>,
    /// Tags to add (with tags, not allowed); at most 20 in all.
    pub add_tags: Option<Vec<String>>,
    /// Tags to remove; one the drone lacks is ignored.
    pub remove_tags: Option<Vec<String>>,
    /// 1-3650; explicit null: no schedule.
    pub maintenance_interval_days: MaybeUndefined<i32>,
}

/// What a registerDrones call did.
#[derive(SimpleObject)]
pub(crate) struct BulkDronesPayload {
    /// Items registered as new drones.
    pub created: i32,
    /// Items that overwrote an existing drone (onConflict UPDATE).
    pub updated: i32,
    /// Items left out because their serial number exists (onConflict SKIP).
    pub skipped: i32,
    /// The created and updated drones, in input order.
    pub drones: Vec<Drone>,
}

#[derive(Default)]
pub(crate) struct DroneQuery;

#[Object]
impl DroneQuery {
    /// Exactly one of id / serialNumber.
    #[graphql(guard = "SignedInGuard")]
    async fn drone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The drone's id.")] id: Option<ID>,
        #[graphql(desc = "The drone's serial number, in any case.")] serial_number: Option<String>,
    ) -> Result<Option<Drone>> {
        let db = &state(ctx).db;
        let found = match (id, serial_number) {
            (Some(id), None) => drones::find_by_id(db, parse_id(&id)?).await?,
            (None, Some(serial)) => drones::find_by_serial(db, &serial).await?,
            _ => {
                return Err(AppError::bad_field(
                    "id",
                    "pass exactly one of `id` and `serialNumber`",
                )
                .into());
            }
        };
        Ok(found.map(Drone))
    }

    /// The fleet, a page at a time: filtered, ordered, keyset-paged (page 10,000 costs what
    /// page 1 costs). Anyone signed in.
    #[graphql(
        guard = "SignedInGuard",
        complexity = "crate::graphql::connection::page_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn drones(
        &self,
        ctx: &Context<'_>,
        filter: Option<DroneFilter>,
        order_by: Option<Vec<DroneOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<Drone>> {
        let filter = filter
            .map(drones::DroneFilter::try_from)
            .transpose()
            .map_err(|e| e.within("filter"))?
            .unwrap_or_default();
        drone_page(
            ctx,
            filter,
            order_by,
            page_args(ctx, first, after, last, before),
        )
        .await
    }
}

#[derive(Default)]
pub(crate) struct DroneMutation;

#[Object]
impl DroneMutation {
    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn register_drone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The drone. A serial number taken in any case is CONFLICT.")]
        input: RegisterDroneInput,
    ) -> Result<Drone> {
        Ok(Drone(drones::register(&writer(ctx)?, input.into()).await?))
    }

    /// `onConflict` defaults to FAIL (also when null). One transaction, up to
    /// `HANGAR_MAX_BULK_ITEMS` items (a server setting): with FAIL, any
    /// invalid or conflicting item rejects the whole batch (errors name each item by index).
    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn register_drones(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The drones, at most HANGAR_MAX_BULK_ITEMS (10,000).")] inputs: Vec<
            RegisterDroneInput,
        >,
        #[graphql(
            desc = "What to do with an item whose serial number is registered (or repeated in \
                    the call).",
            default_with = "Some(OnConflict::Fail)"
        )]
        on_conflict: Option<OnConflict>,
    ) -> Result<BulkDronesPayload> {
        check_bulk_size(ctx, inputs.len())?;
        let inputs = inputs.into_iter().map(Into::into).collect();
        let outcome = drones::register_many(
            &writer(ctx)?,
            inputs,
            on_conflict.unwrap_or_default().into(),
        )
        .await?;
        loaders::prefetch_drones(ctx, &loaders::bulk_drones(&ctx.look_ahead()), &outcome.rows)
            .await?;
        Ok(BulkDronesPayload {
            created: count(outcome.created),
            updated: count(outcome.updated),
            skipped: count(outcome.skipped),
            drones: outcome.rows.into_iter().map(Drone).collect(),
        })
    }

    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn update_drone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The drone's id; unknown: NOT_FOUND.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateDroneInput,
    ) -> Result<Drone> {
        let patch = DronePatch {
            name: input.name,
            brand: input.brand,
            camera_models: input.camera_models,
            add_camera_models: input.add_camera_models,
            remove_camera_models: input.remove_camera_models,
            site: patch(input.site),
            tags: input.tags,
            add_tags: input.add_tags,
            remove_tags: input.remove_tags,
            maintenance_interval_days: patch(input.maintenance_interval_days),
        };
        Ok(Drone(
            drones::update(&writer(ctx)?, parse_id(&id)?, patch).await?,
        ))
    }

    /// Returns the deleted id. SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn delete_drone(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The drone's id; unknown: NOT_FOUND.")] id: ID,
    ) -> Result<ID> {
        Ok(to_id(
            drones::delete(&writer(ctx)?, state(ctx).photos.as_ref(), parse_id(&id)?).await?,
        ))
    }
}
