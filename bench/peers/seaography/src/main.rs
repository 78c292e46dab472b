//! Seaography 2.0 over Hangar's tables: the schema it generates from the SeaORM entities in
//! `entities/`, as its CLI's axum template serves it, at `POST /graphql` on 127.0.0.1:$PORT.
//! No authentication, no GraphiQL. Environment: DATABASE_URL (PostgreSQL), PORT.

mod entities;

use std::{sync::LazyLock, time::Duration};

use async_graphql::dynamic::Schema;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{extract::State, routing::post, Router};
use entities::*;
use sea_orm::{ConnectOptions, Database};
use seaography::{Builder, BuilderContext};

/// Seaography's defaults: camelCase fields, `filters`/`orderBy`/`pagination` arguments, no
/// default or maximum page size.
static CONTEXT: LazyLock<BuilderContext> = LazyLock::new(BuilderContext::default);

/// Far above what the benchmark's queries need (depth 6, complexity under 30): they are there
/// because a server without them is not how anyone deploys one.
const DEPTH_LIMIT: usize = 32;
const COMPLEXITY_LIMIT: usize = 20_000;

async fn graphql(State(schema): State<Schema>, request: GraphQLRequest) -> GraphQLResponse {
    schema.execute(request.into_inner()).await.into()
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let port: u16 = std::env::var("PORT")
        .expect("PORT")
        .parse()
        .expect("PORT is a port number");

    // Ten connections, as Hangar, the baseline and PostGraphile have in the benchmark. SQL
    // logging off: nothing would print it (no subscriber), but SeaORM still formats it.
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(10)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let db = Database::connect(options).await.expect("connect to DATABASE_URL");

    let mut builder = Builder::new(&CONTEXT, db.clone());
    seaography::register_entities!(builder, [drones, cameras, drone_cameras, sites]);
    let schema = builder
        .set_depth_limit(Some(DEPTH_LIMIT))
        .set_complexity_limit(Some(COMPLEXITY_LIMIT))
        .schema_builder()
        .data(db)
        .finish()
        .expect("build the schema");

    let app = Router::new().route("/graphql", post(graphql)).with_state(schema);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind 127.0.0.1:PORT");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("serve");
}
