//! Sites in GraphQL: the `Site` type, `site`/`sites`, and the support team's mutations.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};

use crate::{
    entity::{site as site_entity, user::Role},
    error::AppError,
    graphql::{
        common::{
            SortDirection, StringFilter, combinators, ordering, page_args, parse_id, patch, to_id,
        },
        connection::Connection,
        drone::{Drone, DroneFilter, DroneOrder, drone_page},
        guard::{RoleGuard, SignedInGuard, state, writer},
        loaders,
        scalars::DateTime,
    },
    service::{
        drone as drones,
        pagination::{self, SortDirection as SortOrder},
        site::{self as sites, SiteInput, SitePatch, SiteSort},
    },
};

/// A place where drones are stationed: an office, a warehouse, a field base.
#[derive(Clone)]
pub(crate) struct Site(pub site_entity::Model);

/// A place where drones are stationed: an office, a warehouse, a field base.
#[Object]
impl Site {
    /// The site's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// Unique, compared case-insensitively.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Street address (free text); null when not given.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }

    /// The city, as typed.
    async fn city(&self) -> &str {
        &self.0.city
    }

    /// ISO 3166-1 alpha-2 code, accepted in either case and stored upper-case (fr -> FR).
    /// Anything else is BAD_USER_INPUT.
    async fn country(&self) -> &str {
        &self.0.country
    }

    /// Who to call there (free text).
    async fn contact(&self) -> Option<&str> {
        self.0.contact.as_deref()
    }

    /// Drones stationed here (batched: a page of sites costs O(1) statements).
    async fn drone_count(&self, ctx: &Context<'_>) -> Result<i64> {
        loaders::site_drone_count(ctx, self.0.id).await
    }

    /// The drones stationed here, filtered and ordered like Query.drones.
    #[graphql(
        complexity = "crate::graphql::connection::page_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn drones(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which of the site's drones, as in Query.drones.")] filter: Option<
            DroneFilter,
        >,
        #[graphql(desc = "Ordering keys, as in Query.drones.")] order_by: Option<Vec<DroneOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<Drone>> {
        // The caller's filter itself, not wrapped in an `and`: it keeps the depth budget
        // Query.drones gives it.
        let mut filter = filter
            .map(drones::DroneFilter::try_from)
            .transpose()
            .map_err(|e| e.within("filter"))?
            .unwrap_or_default();
        filter.site_id = Some(self.0.id);
        drone_page(
            ctx,
            filter,
            order_by,
            page_args(ctx, first, after, last, before),
        )
        .await
    }

    /// When it was created (RFC 3339, UTC).
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }

    /// When it last changed (RFC 3339, UTC).
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// What `sites` may filter on; every given part must hold.
#[derive(InputObject, Clone, Debug, Default)]
pub(crate) struct SiteFilter {
    /// The site's name.
    pub name: Option<StringFilter>,
    /// The city, as typed.
    pub city: Option<StringFilter>,
    /// The stored code is upper-case: `{eq: "FR"}`.
    pub country: Option<StringFilter>,
    /// Every one of these holds.
    pub and: Option<Vec<SiteFilter>>,
    /// At least one of these holds.
    pub or: Option<Vec<SiteFilter>>,
    /// This does not hold.
    pub not: Option<Box<SiteFilter>>,
}

impl From<SiteFilter> for sites::SiteFilter {
    fn from(f: SiteFilter) -> Self {
        let (and, or, not) = combinators(f.and, f.or, f.not);
        sites::SiteFilter {
            name: f.name.map(Into::into),
            city: f.city.map(Into::into),
            country: f.country.map(Into::into),
            and,
            or,
            not,
        }
    }
}

/// What `sites` may be ordered by (ties always break by id).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "SiteSort")]
pub(crate) enum SiteOrderField {
    /// By name.
    Name,
    /// By city.
    City,
    /// By country code.
    Country,
    /// By creation time.
    CreatedAt,
}

/// One ordering key of `sites`.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct SiteOrder {
    /// What to order by.
    pub field: SiteOrderField,
    /// Ascending unless DESC.
    #[graphql(default)]
    pub direction: SortDirection,
}

impl From<SiteOrder> for (SiteSort, SortOrder) {
    fn from(o: SiteOrder) -> Self {
        (o.field.into(), o.direction.into())
    }
}

/// A new site.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct CreateSiteInput {
    /// Unique, compared case-insensitively; trimmed, 1-200 characters.
    pub name: String,
    /// Street address, up to 500 characters (blank: none).
    pub address: Option<String>,
    /// 1-200 characters.
    pub city: String,
    /// ISO 3166-1 alpha-2, either case.
    pub country: String,
    /// Who to call there, up to 500 characters (blank: none).
    pub contact: Option<String>,
}

/// An omitted field is left unchanged; an explicit null clears an optional one.
#[derive(InputObject, Clone, Debug)]
pub(crate) struct UpdateSiteInput {
    /// A new unique name.
    pub name: Option<String>,
    /// A new address; null clears it.
    pub address: MaybeUndefined<String>,
    /// A new city.
    pub city: Option<String>,
    /// A new ISO 3166-1 alpha-2 code, either case.
    pub country: Option<String>,
    /// New contact details; null clears them.
    pub contact: MaybeUndefined<String>,
}

#[derive(Default)]
pub(crate) struct SiteQuery;

#[Object]
impl SiteQuery {
    /// Exactly one of id / name.
    #[graphql(guard = "SignedInGuard")]
    async fn site(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The site's id.")] id: Option<ID>,
        #[graphql(desc = "The site's name, in any case.")] name: Option<String>,
    ) -> Result<Option<Site>> {
        let db = &state(ctx).db;
        let found = match (id, name) {
            (Some(id), None) => sites::find_by_id(db, parse_id(&id)?).await?,
            (None, Some(name)) => sites::find_by_name(db, &name).await?,
            _ => {
                return Err(
                    AppError::bad_field("id", "pass exactly one of `id` and `name`").into(),
                );
            }
        };
        Ok(found.map(Site))
    }

    /// Sites, filtered and ordered, a keyset page at a time.
    #[graphql(
        guard = "SignedInGuard",
        complexity = "crate::graphql::connection::page_complexity(first, last, child_complexity)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn sites(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which sites; all when omitted.")] filter: Option<SiteFilter>,
        #[graphql(desc = "Ordering keys, in order; ties break on id.")] order_by: Option<
            Vec<SiteOrder>,
        >,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<Site>> {
        let order = ordering(order_by);
        let args = page_args(ctx, first, after, last, before);
        let page = pagination::list(
            &state(ctx).db,
            Some(&state(ctx).counts),
            filter.map(sites::SiteFilter::from),
            &order,
            &args,
        )
        .await?;
        let rows: Vec<_> = page.rows.iter().map(|(_, s)| s.id).collect();
        loaders::prefetch_sites(ctx, &loaders::node_selections(&ctx.look_ahead()), &rows).await?;
        Ok(Connection::from_page(page, Site))
    }
}

#[derive(Default)]
pub(crate) struct SiteMutation;

#[Object]
impl SiteMutation {
    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn create_site(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new site.")] input: CreateSiteInput,
    ) -> Result<Site> {
        let input = SiteInput {
            name: input.name,
            address: input.address,
            city: input.city,
            country: input.country,
            contact: input.contact,
        };
        Ok(Site(sites::create(&writer(ctx)?, input).await?))
    }

    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn update_site(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The site.")] id: ID,
        #[graphql(desc = "What changes.")] input: UpdateSiteInput,
    ) -> Result<Site> {
        let patch = SitePatch {
            name: input.name,
            address: patch(input.address),
            city: input.city,
            country: input.country,
            contact: patch(input.contact),
        };
        Ok(Site(
            sites::update(&writer(ctx)?, parse_id(&id)?, patch).await?,
        ))
    }

    /// CONFLICT while any drone is stationed there. Returns the deleted id. SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn delete_site(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The site.")] id: ID,
    ) -> Result<ID> {
        Ok(to_id(sites::delete(&writer(ctx)?, parse_id(&id)?).await?))
    }
}
