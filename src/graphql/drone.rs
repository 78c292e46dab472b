//! Drones in GraphQL: the `Drone` type, `drone`/`drones`, and the support team's mutations.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use crate::{
    entity::{drone as drone_entity, user::Role},
    error::AppError,
    graphql::{
        camera::{Camera, CameraFilter},
        common::{
            DateTimeFilter, OnConflict, SortDirection, StringFilter, check_bulk_size, combinators,
            count, ordering, page_args, parse_id, to_id,
        },
        connection::Connection,
        guard::{RoleGuard, SignedInGuard, actor, state},
        loaders,
        scalars::DateTime,
        user::User,
    },
    service::{
        drone::{self as drones, DroneInput, DronePatch, DroneSort},
        pagination::{self, SortDirection as SortOrder},
    },
};

#[derive(Clone)]
pub(crate) struct Drone(pub drone_entity::Model);

#[Object]
impl Drone {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Unique, compared case-insensitively.
    async fn serial_number(&self) -> &str {
        &self.0.serial_number
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

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

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct DroneFilter {
    /// Case-insensitive match on serial number, name or brand.
    pub search: Option<String>,
    pub serial_number: Option<StringFilter>,
    pub name: Option<StringFilter>,
    pub brand: Option<StringFilter>,
    /// Drones that support at least one camera matching this filter.
    pub camera: Option<CameraFilter>,
    pub created_at: Option<DateTimeFilter>,
    pub and: Option<Vec<DroneFilter>>,
    pub or: Option<Vec<DroneFilter>>,
    pub not: Option<Box<DroneFilter>>,
}

impl From<DroneFilter> for drones::DroneFilter {
    fn from(f: DroneFilter) -> Self {
        let (and, or, not) = combinators(f.and, f.or, f.not);
        drones::DroneFilter {
            search: f.search,
            serial_number: f.serial_number.map(Into::into),
            name: f.name.map(Into::into),
            brand: f.brand.map(Into::into),
            camera: f.camera.map(Into::into),
            created_at: f.created_at.map(Into::into),
            and,
            or,
            not,
        }
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "DroneSort")]
pub(crate) enum DroneOrderField {
    Name,
    Brand,
    SerialNumber,
    CreatedAt,
    UpdatedAt,
}

#[derive(InputObject, Clone, Debug)]
pub(crate) struct DroneOrder {
    pub field: DroneOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl From<DroneOrder> for (DroneSort, SortOrder) {
    fn from(o: DroneOrder) -> Self {
        (o.field.into(), o.direction.into())
    }
}

#[derive(InputObject, Clone, Debug)]
pub(crate) struct RegisterDroneInput {
    pub serial_number: String,
    pub name: String,
    pub brand: String,
    /// Models of already registered cameras, matched case-insensitively; may be empty. An
    /// unknown model is BAD_USER_INPUT naming it.
    pub camera_models: Vec<String>,
}

impl From<RegisterDroneInput> for DroneInput {
    fn from(i: RegisterDroneInput) -> Self {
        DroneInput {
            serial_number: i.serial_number,
            name: i.name,
            brand: i.brand,
            camera_models: i.camera_models,
        }
    }
}

#[derive(InputObject, Clone, Debug)]
pub(crate) struct UpdateDroneInput {
    pub name: Option<String>,
    pub brand: Option<String>,
    /// Replaces the whole camera list.
    pub camera_models: Option<Vec<String>>,
    pub add_camera_models: Option<Vec<String>>,
    pub remove_camera_models: Option<Vec<String>>,
}

#[derive(SimpleObject)]
pub(crate) struct BulkDronesPayload {
    pub created: i32,
    pub updated: i32,
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
        id: Option<ID>,
        serial_number: Option<String>,
    ) -> Result<Option<Drone>> {
        let db = &state(ctx).db;
        let found = match (id, serial_number) {
            (Some(id), None) => drones::find_by_id(db, parse_id(&id)?).await?,
            (None, Some(serial)) => drones::find_by_serial(db, &serial).await?,
            _ => {
                return Err(
                    AppError::bad_input("pass exactly one of `id` and `serialNumber`").into(),
                );
            }
        };
        Ok(found.map(Drone))
    }

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
        let order = ordering(order_by);
        let args = page_args(ctx, first, after, last, before);
        let page = pagination::list(
            &state(ctx).db,
            filter.map(drones::DroneFilter::from),
            &order,
            &args,
        )
        .await?;
        let rows: Vec<_> = page.rows.iter().map(|(_, d)| d.clone()).collect();
        loaders::prefetch_drones(ctx, &loaders::node_selections(&ctx.look_ahead()), &rows).await?;
        Ok(Connection::from_page(page, Drone))
    }
}

#[derive(Default)]
pub(crate) struct DroneMutation;

#[Object]
impl DroneMutation {
    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn register_drone(&self, ctx: &Context<'_>, input: RegisterDroneInput) -> Result<Drone> {
        let actor = actor(ctx)?;
        Ok(Drone(
            drones::register(&state(ctx).db, &state(ctx).events, &actor, input.into()).await?,
        ))
    }

    /// One transaction, up to `HANGAR_MAX_BULK_ITEMS` items (a server setting): with FAIL, any
    /// invalid or conflicting item rejects the whole batch (errors name each item by index).
    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn register_drones(
        &self,
        ctx: &Context<'_>,
        inputs: Vec<RegisterDroneInput>,
        #[graphql(default)] on_conflict: OnConflict,
    ) -> Result<BulkDronesPayload> {
        check_bulk_size(ctx, inputs.len())?;
        let actor = actor(ctx)?;
        let inputs = inputs.into_iter().map(Into::into).collect();
        let outcome = drones::register_many(
            &state(ctx).db,
            &state(ctx).events,
            &actor,
            inputs,
            on_conflict.into(),
        )
        .await?;
        loaders::prefetch_drones(ctx, &[ctx.look_ahead().field("drones")], &outcome.rows).await?;
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
        id: ID,
        input: UpdateDroneInput,
    ) -> Result<Drone> {
        let patch = DronePatch {
            name: input.name,
            brand: input.brand,
            camera_models: input.camera_models,
            add_camera_models: input.add_camera_models,
            remove_camera_models: input.remove_camera_models,
        };
        Ok(Drone(
            drones::update(
                &state(ctx).db,
                &state(ctx).events,
                &actor(ctx)?,
                parse_id(&id)?,
                patch,
            )
            .await?,
        ))
    }

    /// Returns the deleted id. SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn delete_drone(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        Ok(to_id(
            drones::delete(
                &state(ctx).db,
                &state(ctx).events,
                &actor(ctx)?,
                parse_id(&id)?,
            )
            .await?,
        ))
    }
}
