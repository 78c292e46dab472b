//! HTTP: the router, its layers, health endpoints, GraphiQL, and graceful shutdown.

use std::{net::SocketAddr, time::Instant};

use async_graphql::{BatchResponse, Executor};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::{
    Extension, Router,
    extract::{ConnectInfo, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{CompressionLayer, CompressionLevel},
    cors::{AllowOrigin, CorsLayer},
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::{
    auth::{ClientAddr, Viewer},
    graphql::{
        build_schema,
        gateway::Gateway,
        loaders::Loaders,
        read_only::{MUTATION_OVER_GET, ReadOnlyRequest},
    },
    metrics,
    service::auth::resolve_viewer,
    state::AppState,
};

#[derive(Clone)]
struct HttpState {
    app: AppState,
    gateway: Gateway,
}

/// The whole application as an axum router.
pub fn app(state: AppState) -> Router {
    metrics::init();
    let gateway = Gateway::new(build_schema(state.clone()));
    let config = state.config.clone();
    let http_state = HttpState {
        app: state,
        gateway,
    };

    let mut router = Router::new()
        .route("/graphql", get(graphql).post(graphql))
        .route(
            "/graphql/ws",
            get(crate::ws::upgrade)
                .with_state((http_state.app.clone(), http_state.gateway.clone())),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text));
    if config.playground {
        router = router.merge(crate::graphiql::routes());
    }

    let request_id = header::HeaderName::from_static("x-request-id");
    router
        .with_state(http_state)
        // async-graphql reads the body itself, past axum's DefaultBodyLimit: limit the body
        // below the extractors (413 when Content-Length says too much).
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        // Level 4, not the codecs' defaults: brotli's default is 11, its archival setting,
        // which spends more CPU squeezing a list page than Hangar spends answering it.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(cors(&config.cors_allowed_origins))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            let id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        // Last line of defence: a bug that panics answers 500 instead of dropping the
        // connection, and the panic is logged with the request id.
        .layer(CatchPanicLayer::custom(panic_response))
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    let body = serde_json::json!({
        "data": null,
        "errors": [{ "message": "internal server error", "extensions": { "code": "INTERNAL_SERVER_ERROR" } }]
    });
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}

fn cors(origins: &[String]) -> CorsLayer {
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("apollographql-client-name"),
            header::HeaderName::from_static("apollographql-client-version"),
            header::HeaderName::from_static("apollo-require-preflight"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(std::time::Duration::from_secs(600))
}

async fn graphql(
    State(http): State<HttpState>,
    method: Method,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    request: GraphQLBatchRequest,
) -> Response {
    let started = Instant::now();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let viewer = match resolve_viewer(
        &http.app.db,
        &http.app.tokens,
        &http.app.viewers,
        authorization,
    )
    .await
    {
        Ok(viewer) => viewer,
        Err(err) => {
            let error: async_graphql::Error = err.into();
            let response = async_graphql::Response::from_errors(vec![
                error.into_server_error(Default::default()),
            ]);
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                GraphQLResponse::from(response),
            )
                .into_response();
        }
    };
    let signed_in = matches!(viewer, Viewer::User(_));
    let mut batch = request.into_inner();
    let operations = match &batch {
        async_graphql::BatchRequest::Single(_) => 1,
        async_graphql::BatchRequest::Batch(requests) => requests.len(),
    };
    let max_operations = http.app.config.max_batch_operations;
    if operations > max_operations {
        return refusal(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            format!(
                "a batch may hold at most {max_operations} operations, got {operations}: send several requests"
            ),
        );
    }
    let operation = metrics::operation_label(
        batch
            .iter()
            .next()
            .and_then(|r| r.operation_name.as_deref()),
    );
    batch = batch.data(viewer);
    if let Some(address) = client_addr(&headers, peer, http.app.config.trust_forwarded_for) {
        batch = batch.data(address);
    }
    // Each operation of a batch gets its own loaders: a cache never outlives one operation.
    for operation in batch.iter_mut() {
        operation.data.insert(Loaders::new(&http.app.db));
    }
    if method == Method::GET {
        batch = batch.data(ReadOnlyRequest);
    }
    // Past the limit the operations are dropped mid-flight: their transactions roll back.
    let timeout = http.app.config.request_timeout;
    let Ok(response) = tokio::time::timeout(timeout, http.gateway.execute_batch(batch)).await
    else {
        tracing::warn!(?timeout, operation, "request timed out");
        metrics::record_request(operation, "timeout", started.elapsed());
        return refusal(
            StatusCode::GATEWAY_TIMEOUT,
            "TIMEOUT",
            format!(
                "the request did not finish within {}; nothing it was writing was kept",
                humantime::format_duration(timeout)
            ),
        );
    };
    let outcome = if response.is_ok() { "ok" } else { "error" };
    metrics::record_request(operation, outcome, started.elapsed());
    let refused_over_get = match &response {
        BatchResponse::Single(single) => {
            single.errors.iter().any(|e| e.message == MUTATION_OVER_GET)
        }
        BatchResponse::Batch(_) => false,
    };

    let mut response = GraphQLResponse::from(response).into_response();
    if refused_over_get {
        *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    // Answers depend on who asks: no shared cache may keep them.
    let cache_control = if signed_in {
        "private, no-store"
    } else {
        "no-store"
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    response
}

/// Who is asking, for the login throttle: the peer, or with `HANGAR_TRUST_FORWARDED_FOR` the
/// first `X-Forwarded-For` entry (set by the proxy in front; spoofable without one).
fn client_addr(
    headers: &HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    trust_forwarded_for: bool,
) -> Option<ClientAddr> {
    if trust_forwarded_for
        && let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ClientAddr(forwarded));
    }
    peer.map(|Extension(ConnectInfo(addr))| ClientAddr(addr.ip()))
}

/// A GraphQL-shaped error answer for a request refused before (or instead of) execution.
fn refusal(status: StatusCode, code: &str, message: String) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    (
        status,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        axum::Json(body),
    )
        .into_response()
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(http): State<HttpState>) -> Response {
    let ping = tokio::time::timeout(std::time::Duration::from_secs(2), http.app.db.ping()).await;
    match ping {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

async fn metrics_text(State(http): State<HttpState>) -> Response {
    let text = metrics::render(&http.app.db, &http.app.statements);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// Resolves when SIGINT or SIGTERM arrives.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received: finishing in-flight requests");
}
