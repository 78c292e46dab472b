//! Integration tests: the real server over HTTP, on SQLite and (with TEST_DATABASE_URL) on
//! PostgreSQL. One test binary so the app is compiled and linked once.

mod helpers;

mod auth;
mod bulk;
mod cameras;
mod cli;
mod drones;
mod examples;
mod hostile_input;
mod http;
mod schema;
mod subscriptions;
mod users;
