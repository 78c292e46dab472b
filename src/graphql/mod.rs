//! The GraphQL layer: types, inputs and thin resolvers, split by domain and merged once here.

pub(crate) mod api_token;
pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod camera;
pub(crate) mod common;
pub(crate) mod connection;
pub(crate) mod context;
pub(crate) mod describe;
pub(crate) mod drone;
pub(crate) mod error_codes;
pub(crate) mod fleet;
pub(crate) mod guard;
pub(crate) mod loaders;
pub(crate) mod photo;
pub(crate) mod read_only;
pub(crate) mod scalars;
pub(crate) mod site;
pub(crate) mod subscription;
pub(crate) mod user;

use async_graphql::{MergedObject, Schema, SchemaBuilder};

use crate::state::AppState;

/// What can be read: the signed-in user, users, cameras, drones, sites, the fleet's
/// dashboards, the audit log and API tokens. Anonymous callers may ask only `me`.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub(crate) struct QueryRoot(
    user::UserQuery,
    camera::CameraQuery,
    drone::DroneQuery,
    site::SiteQuery,
    fleet::FleetQuery,
    audit::AuditQuery,
    api_token::ApiTokenQuery,
);

/// What can be changed: signing in and out, profiles and users, the inventory (cameras,
/// drones, sites, custody, maintenance, photos) and API tokens. Each mutation runs in one
/// transaction: when it fails, nothing of it is kept.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub(crate) struct MutationRoot(
    auth::AuthMutation,
    user::UserMutation,
    camera::CameraMutation,
    drone::DroneMutation,
    site::SiteMutation,
    fleet::FleetMutation,
    photo::PhotoMutation,
    api_token::ApiTokenMutation,
);

pub(crate) type AppSchema = Schema<QueryRoot, MutationRoot, subscription::SubscriptionRoot>;

/// The schema's types, with the descriptions the list arguments share.
fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, subscription::SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
    .register_input_type::<describe::SharedDescriptions>()
}

/// Builds the schema around `state`, with the limits from its configuration.
pub(crate) fn build_schema(state: AppState) -> AppSchema {
    let config = state.config.clone();
    let mut builder = builder()
        // No extensions: see `gateway` for why persisted queries, the document cache and the
        // error codes live around the schema instead.
        .data(state)
        .limit_depth(config.max_query_depth)
        .limit_complexity(config.max_query_complexity);
    if !config.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The SDL of the schema, as `hangar schema` prints it and `schema.graphql` stores it.
pub fn sdl() -> String {
    builder().finish().sdl()
}
