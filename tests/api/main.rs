//! Integration tests: the real server over HTTP, on SQLite and (with TEST_DATABASE_URL) on
//! PostgreSQL. One test binary so the app is compiled and linked once.

mod helpers;

mod audit;
mod auth;
mod authz;
mod bulk;
mod cameras;
mod ci;
mod cli;
mod concurrency;
mod console;
mod counts;
mod drones;
mod epoch;
mod examples;
mod faults;
mod field_errors;
mod field_order;
mod fleet;
mod graphql_over_http;
mod graphql_over_ws;
mod hostile;
mod hostile_input;
mod http;
mod limits;
mod photos;
mod private_pg;
mod readme;
mod schema;
mod subscriptions;
mod throttle;
mod tokens;
mod users;
