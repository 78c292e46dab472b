//! The practical limit for Hangar's list query, for the benchmark only (not part of the
//! server): a hand-written axum handler that runs the minimal SQL (page query, one
//! `ANY($1)` cameras query, one count) on PostgreSQL and returns byte for byte the JSON Hangar
//! returns for the same request. It understands exactly the benchmark's requests (by their
//! variables), nothing else: no GraphQL parsing, no auth, no validation beyond what it needs.
//!
//!   DATABASE_URL=postgres://… BASELINE_ADDR=127.0.0.1:8090 hangar-bench-baseline

use std::collections::HashMap;

use axum::{Json, Router, extract::State, http::StatusCode, response::IntoResponse, routing::post};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{PgPool, Row, postgres::PgPoolOptions};

#[derive(Deserialize)]
struct Request {
    #[serde(default)]
    variables: HashMap<String, Value>,
}

#[derive(Serialize)]
struct CameraOut {
    model: String,
    megapixels: f64,
    brand: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DroneOut {
    id: String,
    serial_number: String,
    name: String,
    brand: String,
    cameras: Vec<CameraOut>,
}

#[derive(Serialize)]
struct Edge {
    node: DroneOut,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Connection {
    // The order Hangar's answer has.
    edges: Vec<Edge>,
    total_count: i64,
}

/// `{"data": {...}}` with fields in declaration order (serde_json's `json!` would sort keys).
#[derive(Serialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Serialize)]
struct DronesData {
    drones: Connection,
}

#[derive(Serialize)]
struct DroneData {
    drone: Option<DroneOut>,
}

#[derive(Deserialize)]
struct Cursor {
    k: Vec<String>,
    i: i64,
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let addr = std::env::var("BASELINE_ADDR").unwrap_or_else(|_| "127.0.0.1:8090".into());
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .connect(&url)
        .await
        .expect("connect");
    let app = Router::new()
        .route("/graphql", post(graphql))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .expect("serve");
}

async fn graphql(State(pool): State<PgPool>, Json(request): Json<Request>) -> impl IntoResponse {
    let result = match request.variables.get("serial").and_then(Value::as_str) {
        Some(serial) => drone(&pool, serial).await,
        None => drones(&pool, &request.variables).await,
    };
    match result {
        Ok(body) => (StatusCode::OK, [("content-type", "application/json")], body),
        Err(err) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "text/plain")],
            err.to_string(),
        ),
    }
}

async fn cameras_of(
    pool: &PgPool,
    ids: &[i64],
) -> sqlx::Result<HashMap<i64, Vec<(i64, CameraOut)>>> {
    let rows = sqlx::query(
        "SELECT dc.drone_id, c.id, c.model, c.megapixels, c.brand FROM drone_cameras dc \
         JOIN cameras c ON c.id = dc.camera_id WHERE dc.drone_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    let mut by_drone: HashMap<i64, Vec<(i64, CameraOut)>> = HashMap::new();
    for row in rows {
        by_drone.entry(row.get(0)).or_default().push((
            row.get(1),
            CameraOut {
                model: row.get(2),
                megapixels: row.get(3),
                brand: row.get(4),
            },
        ));
    }
    // Hangar orders a drone's cameras by model, then id.
    for cameras in by_drone.values_mut() {
        cameras.sort_by(|a, b| a.1.model.cmp(&b.1.model).then(a.0.cmp(&b.0)));
    }
    Ok(by_drone)
}

fn node(
    row: &sqlx::postgres::PgRow,
    cameras: &mut HashMap<i64, Vec<(i64, CameraOut)>>,
) -> DroneOut {
    let id: i64 = row.get(0);
    DroneOut {
        id: id.to_string(),
        serial_number: row.get(1),
        name: row.get(2),
        brand: row.get(3),
        cameras: cameras
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|(_, c)| c)
            .collect(),
    }
}

async fn drones(
    pool: &PgPool,
    variables: &HashMap<String, Value>,
) -> Result<String, Box<dyn std::error::Error>> {
    let brand = variables
        .get("brand")
        .and_then(Value::as_str)
        .unwrap_or("DJI");
    let first = variables.get("first").and_then(Value::as_i64).unwrap_or(20);
    let after = match variables.get("after").and_then(Value::as_str) {
        Some(raw) => {
            let cursor: Cursor = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(raw)?)?;
            Some((cursor.k.into_iter().next().unwrap_or_default(), cursor.i))
        }
        None => None,
    };
    let rows = match &after {
        Some((name, id)) => {
            sqlx::query(
                "SELECT id, serial_number, name, brand FROM drones WHERE brand = $1 \
                 AND (name, id) > ($2, $3) ORDER BY name, id LIMIT $4",
            )
            .bind(brand)
            .bind(name)
            .bind(id)
            .bind(first)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query("SELECT id, serial_number, name, brand FROM drones WHERE brand = $1 ORDER BY name, id LIMIT $2")
                .bind(brand)
                .bind(first)
                .fetch_all(pool)
                .await?
        }
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    let (mut cameras, total) = tokio::try_join!(cameras_of(pool, &ids), async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM drones WHERE brand = $1")
            .bind(brand)
            .fetch_one(pool)
            .await
    })?;
    let edges = rows
        .iter()
        .map(|row| Edge {
            node: node(row, &mut cameras),
        })
        .collect();
    let body = Envelope {
        data: DronesData {
            drones: Connection {
                edges,
                total_count: total,
            },
        },
    };
    Ok(serde_json::to_string(&body)?)
}

async fn drone(pool: &PgPool, serial: &str) -> Result<String, Box<dyn std::error::Error>> {
    let row =
        sqlx::query("SELECT id, serial_number, name, brand FROM drones WHERE serial_key = $1")
            .bind(serial.to_lowercase())
            .fetch_optional(pool)
            .await?;
    let drone = match row {
        Some(row) => {
            let id: i64 = row.get(0);
            let mut cameras = cameras_of(pool, &[id]).await?;
            Some(node(&row, &mut cameras))
        }
        None => None,
    };
    let body = Envelope {
        data: DroneData { drone },
    };
    Ok(serde_json::to_string(&body)?)
}
