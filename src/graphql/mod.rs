//! The GraphQL layer: types, inputs and thin resolvers, split by domain and merged once here.

pub(crate) mod api_token;
pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod camera;
pub(crate) mod common;
pub(crate) mod connection;
pub(crate) mod context;
pub(crate) mod drone;
pub(crate) mod error_codes;
pub(crate) mod fleet;
pub(crate) mod gateway;
pub(crate) mod guard;
pub(crate) mod loaders;
pub(crate) mod photo;
pub(crate) mod read_only;
pub(crate) mod scalars;
pub(crate) mod site;
pub(crate) mod subscription;
pub(crate) mod user;
pub(crate) mod variables;

use async_graphql::{MergedObject, Schema};

use crate::state::AppState;

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

/// Builds the schema around `state`, with the limits from its configuration.
pub(crate) fn build_schema(state: AppState) -> AppSchema {
    let config = state.config.clone();
    let mut builder = Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
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
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
    .finish()
    .sdl()
}
