//! Hangar: a GraphQL API for a company's inventory of drones and cameras.
//!
//! A request travels one line: [`http`] (axum) -> [`graphql`] (async-graphql) -> [`service`]
//! (rules, transactions) -> [`entity`] (SeaORM) -> SQLite or PostgreSQL.

pub mod auth;
pub mod config;
pub mod db;
pub mod entity;
pub mod error;
pub mod events;
pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod serve;
pub mod service;
pub mod state;
pub mod ws;

pub use http::app;
pub use state::AppState;
