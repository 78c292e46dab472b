//! Users in GraphQL: the `User` type, `me`/`user`/`users`, profile and password changes for
//! everyone, and user administration for the support team.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};

use crate::{
    auth::Credential,
    entity::user::{self as user_entity, Role as DbRole},
    error::AppError,
    graphql::{
        common::{SortDirection, StringFilter, ordering, page_args, parse_id, patch, to_id},
        connection::Connection,
        drone::Drone,
        guard::{RoleGuard, SESSION_ONLY, SignedInGuard, actor, signed_in, state, viewer},
        loaders,
        scalars::{Date, DateTime},
    },
    service::{
        pagination::SortDirection as SortOrder,
        user::{self as users, NewUser, ProfilePatch, UserSort, UserUpdate},
    },
};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "DbRole")]
pub(crate) enum Role {
    Support,
    Member,
}

#[derive(Clone)]
pub(crate) struct User(pub user_entity::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    async fn username(&self) -> &str {
        &self.0.username
    }

    async fn role(&self) -> Role {
        self.0.role.into()
    }

    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }

    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }

    /// Personal: null unless the viewer is this user or SUPPORT.
    async fn birth_date(&self, ctx: &Context<'_>) -> Option<Date> {
        let viewer = viewer(ctx).signed_in()?;
        let allowed = viewer.user_id == self.0.id || viewer.role == DbRole::Support;
        allowed.then_some(self.0.birth_date.map(Date)).flatten()
    }

    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }

    /// Drones this user has checked out, ordered by dueBackAt (nulls last). Priced for the
    /// query complexity limit as a page of 20.
    #[graphql(complexity = "20 * child_complexity")]
    async fn checked_out_drones(&self, ctx: &Context<'_>) -> Result<Vec<Drone>> {
        let held = loaders::drones_held_by(ctx, self.0.id).await?;
        loaders::prefetch_drones(ctx, &[ctx.look_ahead()], &held).await?;
        Ok(held.into_iter().map(Drone).collect())
    }
}

#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct UserFilter {
    pub username: Option<StringFilter>,
    pub role: Option<Role>,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "UserSort")]
pub(crate) enum UserOrderField {
    Username,
    CreatedAt,
}

#[derive(InputObject, Clone, Debug)]
pub(crate) struct UserOrder {
    pub field: UserOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

impl From<UserOrder> for (UserSort, SortOrder) {
    fn from(o: UserOrder) -> Self {
        (o.field.into(), o.direction.into())
    }
}

#[derive(InputObject)]
pub(crate) struct CreateUserInput {
    /// 3-32 chars of a-z 0-9 . _ -; unique, case-insensitive.
    pub username: String,
    /// At least 8 characters.
    pub password: String,
    #[graphql(default_with = "Role::Member")]
    pub role: Role,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub birth_date: Option<Date>,
}

/// An omitted field is left unchanged; an explicit null clears it.
#[derive(InputObject)]
pub(crate) struct UpdateProfileInput {
    pub first_name: MaybeUndefined<String>,
    pub last_name: MaybeUndefined<String>,
    pub birth_date: MaybeUndefined<Date>,
}

/// An omitted field is left unchanged; an explicit null clears a personal field.
#[derive(InputObject)]
pub(crate) struct UpdateUserInput {
    pub role: Option<Role>,
    pub first_name: MaybeUndefined<String>,
    pub last_name: MaybeUndefined<String>,
    pub birth_date: MaybeUndefined<Date>,
    /// A new password (at least 8 characters); signs the user out everywhere.
    pub password: Option<String>,
}

fn profile_patch(
    first_name: MaybeUndefined<String>,
    last_name: MaybeUndefined<String>,
    birth_date: MaybeUndefined<Date>,
) -> ProfilePatch {
    ProfilePatch {
        first_name: patch(first_name),
        last_name: patch(last_name),
        birth_date: patch(birth_date.map_value(|d| d.0)),
    }
}

#[derive(Default)]
pub(crate) struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user; null when anonymous.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let viewer = match viewer(ctx) {
            crate::auth::Viewer::Anonymous => return Ok(None),
            _ => signed_in(ctx)?,
        };
        Ok(users::find_by_id(&state(ctx).db, viewer.user_id)
            .await?
            .map(User))
    }

    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(DbRole::Support)")]
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<Option<User>> {
        let id = parse_id(&id)?;
        Ok(users::find_by_id(&state(ctx).db, id).await?.map(User))
    }

    /// SUPPORT only.
    #[graphql(
        guard = "RoleGuard(DbRole::Support)",
        complexity = "crate::graphql::connection::page_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn users(
        &self,
        ctx: &Context<'_>,
        filter: Option<UserFilter>,
        order_by: Option<Vec<UserOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<User>> {
        let filter = filter.unwrap_or_default();
        let filter = users::UserFilter {
            username: filter.username.map(Into::into),
            role: filter.role.map(Into::into),
        };
        let order = ordering(order_by);
        let args = page_args(ctx, first, after, last, before);
        let page = users::list(&state(ctx).db, filter, &order, &args).await?;
        let ids: Vec<i64> = page.rows.iter().map(|(_, u)| u.id).collect();
        loaders::prefetch_users(ctx, &loaders::node_selections(&ctx.look_ahead()), &ids).await?;
        Ok(Connection::from_page(page, User))
    }
}

#[derive(Default)]
pub(crate) struct UserMutation;

#[Object]
impl UserMutation {
    /// Edit your own profile.
    #[graphql(guard = "SignedInGuard")]
    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> Result<User> {
        let viewer = signed_in(ctx)?;
        let patch = profile_patch(input.first_name, input.last_name, input.birth_date);
        Ok(User(
            users::update_profile(&state(ctx).db, &actor(ctx)?, viewer.user_id, patch).await?,
        ))
    }

    /// Revokes the user's other refresh tokens.
    #[graphql(guard = "SignedInGuard")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> Result<bool> {
        let viewer = signed_in(ctx)?;
        let Credential::Session { session_id } = &viewer.credential else {
            return Err(AppError::Forbidden(SESSION_ONLY.into()).into());
        };
        let state = state(ctx);
        users::change_password(
            &state.db,
            &state.passwords,
            viewer.user_id,
            session_id,
            &current_password,
            &new_password,
        )
        .await?;
        Ok(true)
    }

    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(DbRole::Support)")]
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<User> {
        let state = state(ctx);
        let new = NewUser {
            username: input.username,
            password: input.password,
            role: input.role.into(),
            first_name: input.first_name,
            last_name: input.last_name,
            birth_date: input.birth_date.map(|d| d.0),
        };
        Ok(User(
            users::create(&state.db, &state.passwords, &actor(ctx)?, new).await?,
        ))
    }

    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(DbRole::Support)")]
    async fn update_user(&self, ctx: &Context<'_>, id: ID, input: UpdateUserInput) -> Result<User> {
        let state = state(ctx);
        let id = parse_id(&id)?;
        let update = UserUpdate {
            role: input.role.map(Into::into),
            profile: profile_patch(input.first_name, input.last_name, input.birth_date),
            password: input.password,
        };
        Ok(User(
            users::update(
                &state.db,
                &state.passwords,
                &state.viewers,
                &actor(ctx)?,
                id,
                update,
            )
            .await?,
        ))
    }

    /// Returns the deleted id. The last SUPPORT user cannot be deleted or demoted (CONFLICT).
    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(DbRole::Support)")]
    async fn delete_user(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        let id = parse_id(&id)?;
        Ok(to_id(
            users::delete(&state(ctx).db, &state(ctx).viewers, &actor(ctx)?, id).await?,
        ))
    }
}
