//! SeaORM entities: one module per table, nothing but columns. GraphQL types live in
//! `graphql/` and rules in `service/`, so the tables can change without touching the API.

pub mod api_token;
pub mod audit;
pub mod camera;
pub mod drone;
pub mod drone_camera;
pub mod drone_tag;
pub mod maintenance;
pub mod photo;
pub mod photo_chunk;
pub mod refresh_token;
pub mod site;
pub mod user;
