//! Cameras in GraphQL: the `Camera` type, `camera`/`cameras`, and the support team's mutations.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use crate::{
    entity::{camera as camera_entity, user::Role},
    error::AppError,
    graphql::{
        common::{
            FloatFilter, OnConflict, SortDirection, StringFilter, check_bulk_size, combinators,
            count, ordering, page_args, parse_id, to_id,
        },
        connection::Connection,
        guard::{RoleGuard, SignedInGuard, state, writer},
        loaders,
        scalars::DateTime,
    },
    service::{
        camera::{self as cameras, CameraInput, CameraPatch, CameraSort},
        pagination::{self, SortDirection as SortOrder},
    },
};

#[derive(Clone)]
pub(crate) struct Camera(pub camera_entity::Model);

/// A camera model a drone can carry (a model, not one physical camera).
#[Object]
impl Camera {
    /// The camera's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Unique, compared case-insensitively (hero3 == HERO3).
    async fn model(&self) -> &str {
        &self.0.model
    }

    /// The maker, as typed (trimmed, at most 100 characters).
    async fn brand(&self) -> &str {
        &self.0.brand
    }

    /// Sensor resolution in megapixels: greater than 0, at most 10,000.
    async fn megapixels(&self) -> f64 {
        self.0.megapixels
    }

    /// How many drones list this camera.
    async fn drone_count(&self, ctx: &Context<'_>) -> Result<i64> {
        loaders::drone_count(ctx, self.0.id).await
    }

    /// When the camera was registered (RFC 3339, UTC).
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When the camera last changed (RFC 3339, UTC).
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// Which cameras to list; every field given must match.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct CameraFilter {
    /// Conditions on the model.
    pub model: Option<StringFilter>,
    /// Conditions on the brand.
    pub brand: Option<StringFilter>,
    /// Conditions on the resolution, in megapixels.
    pub megapixels: Option<FloatFilter>,
    pub and: Option<Vec<CameraFilter>>,
    pub or: Option<Vec<CameraFilter>>,
    pub not: Option<Box<CameraFilter>>,
}

impl From<CameraFilter> for cameras::CameraFilter {
    fn from(f: CameraFilter) -> Self {
        let (and, or, not) = combinators(f.and, f.or, f.not);
        cameras::CameraFilter {
            model: f.model.map(Into::into),
            brand: f.brand.map(Into::into),
            megapixels: f.megapixels.map(Into::into),
            and,
            or,
            not,
        }
    }
}

/// What cameras can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "CameraSort")]
pub(crate) enum CameraOrderField {
    /// By model.
    Model,
    /// By brand.
    Brand,
    /// By resolution.
    Megapixels,
    /// By when the camera was registered.
    CreatedAt,
}

/// One sort key of a camera list.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct CameraOrder {
    /// What to sort by.
    pub field: CameraOrderField,
    /// Which way; default ASC.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl From<CameraOrder> for (CameraSort, SortOrder) {
    fn from(o: CameraOrder) -> Self {
        (o.field.into(), o.direction.into())
    }
}

/// A camera model to register.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct RegisterCameraInput {
    /// Trimmed, 1-100 characters, unique case-insensitively (taken: CONFLICT).
    pub model: String,
    /// Trimmed, 1-100 characters.
    pub brand: String,
    /// Greater than 0, at most 10,000.
    pub megapixels: f64,
}

impl From<RegisterCameraInput> for CameraInput {
    fn from(i: RegisterCameraInput) -> Self {
        CameraInput {
            model: i.model,
            brand: i.brand,
            megapixels: i.megapixels,
        }
    }
}

/// What to change on a camera; an omitted field is left unchanged.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct UpdateCameraInput {
    /// A new model: trimmed, 1-100 characters, unique case-insensitively (taken: CONFLICT).
    pub model: Option<String>,
    /// A new brand: trimmed, 1-100 characters.
    pub brand: Option<String>,
    /// A new resolution: greater than 0, at most 10,000.
    pub megapixels: Option<f64>,
}

/// What a registerCameras call did.
#[derive(SimpleObject)]
pub(crate) struct BulkCamerasPayload {
    /// Items registered as new cameras.
    pub created: i32,
    /// Items that overwrote an existing camera (onConflict UPDATE).
    pub updated: i32,
    /// Items left out because their model exists (onConflict SKIP).
    pub skipped: i32,
    /// The created and updated cameras, in input order.
    pub cameras: Vec<Camera>,
}

#[derive(Default)]
pub(crate) struct CameraQuery;

#[Object]
impl CameraQuery {
    /// Exactly one of id / model.
    #[graphql(guard = "SignedInGuard")]
    async fn camera(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The camera's id.")] id: Option<ID>,
        #[graphql(desc = "The camera's model, in any case.")] model: Option<String>,
    ) -> Result<Option<Camera>> {
        let db = &state(ctx).db;
        let found = match (id, model) {
            (Some(id), None) => cameras::find_by_id(db, parse_id(&id)?).await?,
            (None, Some(model)) => cameras::find_by_model(db, &model).await?,
            _ => {
                return Err(
                    AppError::bad_field("id", "pass exactly one of `id` and `model`").into(),
                );
            }
        };
        Ok(found.map(Camera))
    }

    /// The registered camera models, a page at a time. Anyone signed in.
    #[graphql(
        guard = "SignedInGuard",
        complexity = "crate::graphql::connection::page_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn cameras(
        &self,
        ctx: &Context<'_>,
        filter: Option<CameraFilter>,
        order_by: Option<Vec<CameraOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<Camera>> {
        let order = ordering(order_by);
        let args = page_args(ctx, first, after, last, before);
        let page = pagination::list(
            &state(ctx).db,
            Some(&state(ctx).counts),
            filter.map(cameras::CameraFilter::from),
            &order,
            &args,
        )
        .await?;
        let rows: Vec<_> = page.rows.iter().map(|(_, c)| c.clone()).collect();
        loaders::prefetch_cameras(ctx, &loaders::node_selections(&ctx.look_ahead()), &rows).await?;
        Ok(Connection::from_page(page, Camera))
    }
}

#[derive(Default)]
pub(crate) struct CameraMutation;

#[Object]
impl CameraMutation {
    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn register_camera(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The camera model. A model taken in any case is CONFLICT.")]
        input: RegisterCameraInput,
    ) -> Result<Camera> {
        Ok(Camera(
            cameras::register(&writer(ctx)?, input.into()).await?,
        ))
    }

    /// One transaction: with FAIL, any invalid or conflicting item rejects the whole batch
    /// (errors name each item by index). At most `HANGAR_MAX_BULK_ITEMS` items (a server
    /// setting). SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn register_cameras(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The camera models, at most HANGAR_MAX_BULK_ITEMS (10,000).")] inputs: Vec<
            RegisterCameraInput,
        >,
        #[graphql(
            desc = "What to do with an item whose model is registered (or repeated in the call).",
            default_with = "Some(OnConflict::Fail)"
        )]
        on_conflict: Option<OnConflict>,
    ) -> Result<BulkCamerasPayload> {
        check_bulk_size(ctx, inputs.len())?;
        let inputs = inputs.into_iter().map(Into::into).collect();
        let outcome = cameras::register_many(
            &writer(ctx)?,
            inputs,
            on_conflict.unwrap_or_default().into(),
        )
        .await?;
        loaders::prefetch_cameras(
            ctx,
            &loaders::bulk_cameras(&ctx.look_ahead()),
            &outcome.rows,
        )
        .await?;
        Ok(BulkCamerasPayload {
            created: count(outcome.created),
            updated: count(outcome.updated),
            skipped: count(outcome.skipped),
            cameras: outcome.rows.into_iter().map(Camera).collect(),
        })
    }

    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn update_camera(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The camera's id; unknown: NOT_FOUND.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateCameraInput,
    ) -> Result<Camera> {
        let patch = CameraPatch {
            model: input.model,
            brand: input.brand,
            megapixels: input.megapixels,
        };
        Ok(Camera(
            cameras::update(&writer(ctx)?, parse_id(&id)?, patch).await?,
        ))
    }

    /// CONFLICT while any drone still lists the camera. Returns the deleted id. SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn delete_camera(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The camera's id; unknown: NOT_FOUND.")] id: ID,
    ) -> Result<ID> {
        Ok(to_id(cameras::delete(&writer(ctx)?, parse_id(&id)?).await?))
    }
}
