//! Prometheus metrics: request counts and latency by GraphQL operation, SQL statements, and
//! database pool use. One process-wide recorder (the `metrics` facade is global).

use std::{
    collections::HashSet,
    sync::{Mutex, OnceLock},
    time::Duration,
};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;

use crate::{db::StatementCounter, service::pagination::CountCache};

const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Operation names are chosen by clients; past this many distinct ones, new names are
/// reported as `other` so a client cannot blow up the metric cardinality.
const MAX_OPERATION_LABELS: usize = 200;

fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("hangar_graphql_request_duration_seconds".into()),
                LATENCY_BUCKETS,
            )
            .expect("buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder was installed first (an embedding program's); then
        // that one receives the metrics and /metrics renders what this handle saw.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Call once at start so the recorder exists before the first request.
pub(crate) fn init() {
    handle();
}

/// A label-safe operation name: `[A-Za-z0-9_]` up to 64 chars, `anonymous` when absent.
pub(crate) fn operation_label(name: Option<&str>) -> String {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let Some(name) = name.filter(|n| {
        !n.is_empty() && n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    }) else {
        return "anonymous".into();
    };
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if seen.contains(name) || seen.len() < MAX_OPERATION_LABELS {
        seen.insert(name.to_owned());
        name.to_owned()
    } else {
        "other".into()
    }
}

pub(crate) fn record_request(operation: String, outcome: &'static str, elapsed: Duration) {
    metrics::counter!("hangar_graphql_requests_total", "operation" => operation.clone(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("hangar_graphql_request_duration_seconds", "operation" => operation)
        .record(elapsed.as_secs_f64());
}

/// Renders the Prometheus text, refreshing the gauges read at scrape time.
pub(crate) fn render(
    db: &DatabaseConnection,
    statements: &StatementCounter,
    counts: &CountCache,
) -> String {
    let (size, idle) = pool_use(db);
    metrics::gauge!("hangar_db_pool_connections", "state" => "open").set(size as f64);
    metrics::gauge!("hangar_db_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("hangar_db_pool_connections", "state" => "in_use")
        .set((size as usize).saturating_sub(idle) as f64);
    let mut text = handle().render();
    // Per-process total of this app's connection; kept out of the global recorder so that
    // several apps in one process (tests) each report their own.
    text.push_str("# TYPE hangar_db_statements_total counter\n");
    text.push_str(&format!(
        "hangar_db_statements_total {}\n",
        statements.get()
    ));
    answers_by_source(
        &mut text,
        "hangar_total_count_answers_total",
        "totalCount answers of the inventory lists, by where they came from",
        counts.answers(),
    );
    answers_by_source(
        &mut text,
        "hangar_drone_stats_answers_total",
        "droneStats parts (totals, byStatus, byBrand, bySite), by where they came from",
        counts.dashboard_answers(),
    );
    text
}

/// A counter of remembered and counted answers, labelled by `source`.
fn answers_by_source(text: &mut String, name: &str, help: &str, (remembered, counted): (u64, u64)) {
    text.push_str(&format!(
        "# HELP {name} {help}\n# TYPE {name} counter\n\
         {name}{{source=\"remembered\"}} {remembered}\n\
         {name}{{source=\"counted\"}} {counted}\n"
    ));
}

fn pool_use(db: &DatabaseConnection) -> (u32, usize) {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        sea_orm::DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    }
}
