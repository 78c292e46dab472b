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
        guard::{RoleGuard, SESSION_ONLY, SignedInGuard, signed_in, state, viewer, writer},
        loaders,
        scalars::{Date, DateTime},
    },
    service::{
        pagination::SortDirection as SortOrder,
        user::{self as users, NewUser, ProfilePatch, UserSort, UserUpdate},
    },
};

/// What a user may do.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "DbRole")]
pub(crate) enum Role {
    /// The support team: registers and edits the inventory, manages users, reads the audit
    /// log. At least one user always has it.
    Support,
    /// A pilot: reads the inventory, edits their own profile, checks in the drones they hold.
    Member,
}

#[derive(Clone)]
pub(crate) struct User(pub user_entity::Model);

/// Someone who signs in: a member of the support team or a pilot.
#[Object]
impl User {
    /// The user's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// The sign-in name: 3-32 characters of a-z, 0-9, '.', '_' and '-', stored lower-case and
    /// unique case-insensitively.
    async fn username(&self) -> &str {
        &self.0.username
    }

    /// What the user may do. Read from the database on every request, so a change applies at
    /// once to tokens already issued.
    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// Given name, trimmed, at most 100 characters; null when not given.
    async fn first_name(&self) -> Option<&str> {
        self.0.first_name.as_deref()
    }

    /// Family name, trimmed, at most 100 characters; null when not given.
    async fn last_name(&self) -> Option<&str> {
        self.0.last_name.as_deref()
    }

    /// Personal: null unless the viewer is this user or SUPPORT.
    async fn birth_date(&self, ctx: &Context<'_>) -> Option<Date> {
        let viewer = viewer(ctx).signed_in()?;
        let allowed = viewer.user_id == self.0.id || viewer.role == DbRole::Support;
        allowed.then_some(self.0.birth_date.map(Date)).flatten()
    }

    /// When the user was created (RFC 3339, UTC).
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When the user's profile, role or password last changed (RFC 3339, UTC).
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

/// Which users to list; every field given must match.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct UserFilter {
    /// Conditions on the username (stored lower-case).
    pub username: Option<StringFilter>,
    /// Only users with this role.
    pub role: Option<Role>,
}

/// What users can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "UserSort")]
pub(crate) enum UserOrderField {
    /// By username.
    Username,
    /// By when the user was created.
    CreatedAt,
}

/// One sort key of a user list.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct UserOrder {
    /// What to sort by.
    pub field: UserOrderField,
    /// Which way; default ASC.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl From<UserOrder> for (UserSort, SortOrder) {
    fn from(o: UserOrder) -> Self {
        (o.field.into(), o.direction.into())
    }
}

/// A new user.
#[derive(InputObject)]
pub(crate) struct CreateUserInput {
    /// 3-32 chars of a-z 0-9 . _ -; unique, case-insensitive.
    pub username: String,
    /// At least 8 characters.
    pub password: String,
    /// What the user may do; default MEMBER.
    #[graphql(default_with = "Role::Member")]
    pub role: Role,
    /// Given name, trimmed, at most 100 characters; blank means none.
    pub first_name: Option<String>,
    /// Family name, trimmed, at most 100 characters; blank means none.
    pub last_name: Option<String>,
    /// Not in the future. Shown only to the user and SUPPORT.
    pub birth_date: Option<Date>,
}

/// An omitted field is left unchanged; an explicit null clears it.
#[derive(InputObject)]
pub(crate) struct UpdateProfileInput {
    /// Given name, trimmed, at most 100 characters; null or blank clears it.
    pub first_name: MaybeUndefined<String>,
    /// Family name, trimmed, at most 100 characters; null or blank clears it.
    pub last_name: MaybeUndefined<String>,
    /// Not in the future; null clears it.
    pub birth_date: MaybeUndefined<Date>,
}

/// An omitted field is left unchanged; an explicit null clears a personal field.
#[derive(InputObject)]
pub(crate) struct UpdateUserInput {
    /// A new role. Demoting the last SUPPORT user is CONFLICT.
    pub role: Option<Role>,
    /// Given name, trimmed, at most 100 characters; null or blank clears it.
    pub first_name: MaybeUndefined<String>,
    /// Family name, trimmed, at most 100 characters; null or blank clears it.
    pub last_name: MaybeUndefined<String>,
    /// Not in the future; null clears it.
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
    async fn user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id; unknown: null.")] id: ID,
    ) -> Result<Option<User>> {
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
    /// Edit your own profile. Signed-in session only (not with an API token).
    #[graphql(guard = "SignedInGuard")]
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to change.")] input: UpdateProfileInput,
    ) -> Result<User> {
        let viewer = signed_in(ctx)?;
        let patch = profile_patch(input.first_name, input.last_name, input.birth_date);
        Ok(User(
            users::update_profile(&writer(ctx)?, viewer.user_id, patch).await?,
        ))
    }

    /// Changes your own password and revokes your other refresh tokens (this session stays
    /// signed in). Signed-in session only (not with an API token).
    #[graphql(guard = "SignedInGuard")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your password now; a wrong one is BAD_USER_INPUT on this field.")]
        current_password: String,
        #[graphql(desc = "At least 8 characters.")] new_password: String,
    ) -> Result<bool> {
        let viewer = signed_in(ctx)?;
        let Credential::Session { session_id } = &viewer.credential else {
            return Err(AppError::Forbidden(SESSION_ONLY.into()).into());
        };
        let state = state(ctx);
        users::change_password(
            &writer(ctx)?,
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
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new user. A username taken in any case is CONFLICT.")]
        input: CreateUserInput,
    ) -> Result<User> {
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
            users::create(&writer(ctx)?, &state.passwords, new).await?,
        ))
    }

    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(DbRole::Support)")]
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id; unknown: NOT_FOUND.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateUserInput,
    ) -> Result<User> {
        let state = state(ctx);
        let id = parse_id(&id)?;
        let update = UserUpdate {
            role: input.role.map(Into::into),
            profile: profile_patch(input.first_name, input.last_name, input.birth_date),
            password: input.password,
        };
        Ok(User(
            users::update(&writer(ctx)?, &state.passwords, &state.viewers, id, update).await?,
        ))
    }

    /// Returns the deleted id. The last SUPPORT user cannot be deleted or demoted (CONFLICT).
    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(DbRole::Support)")]
    async fn delete_user(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The user's id; unknown: NOT_FOUND.")] id: ID,
    ) -> Result<ID> {
        let id = parse_id(&id)?;
        Ok(to_id(
            users::delete(&writer(ctx)?, &state(ctx).viewers, id).await?,
        ))
    }
}
