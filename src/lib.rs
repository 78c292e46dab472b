//! Hangar: a GraphQL API for a company's inventory of drones and cameras.
//!
//! A request travels one line: [`transport`] (axum: HTTP and graphql-ws, and the gateway into
//! the schema) -> [`graphql`] (async-graphql) -> [`service`] (rules, transactions) ->
//! [`entity`] (SeaORM) -> SQLite or PostgreSQL.

// What the `hangar` binary and the integration tests use is `pub`; everything else is
// `pub(crate)`, so the compiler reports what nothing uses.
#![warn(unreachable_pub)]

pub mod auth;
pub mod config;
pub mod db;
pub mod entity;
pub mod error;
pub mod events;
mod graphiql;
pub mod graphql;
mod metrics;
pub mod serve;
pub mod service;
pub mod state;
mod transport;

pub use state::AppState;
