//! HTTP: the router, its layers, health endpoints, GraphiQL, and graceful shutdown.

mod console;
mod media;
mod photos;

use std::{net::SocketAddr, time::Instant};

use async_graphql::{BatchResponse, Executor};
use async_graphql_axum::GraphQLResponse;
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

use self::media::{GraphQLRequest, Media};
use super::gateway::{Deadline, Gateway};
use crate::{
    auth::Viewer,
    error::AppError,
    graphql::{
        context::{Caller, PublicOrigin, client_addr},
        error_codes::Refusal,
        read_only::ReadOnlyRequest,
    },
    metrics,
    state::AppState,
};

#[derive(Clone)]
struct HttpState {
    app: AppState,
    gateway: Gateway,
}

/// The whole application as an axum router.
pub(crate) fn app(state: AppState) -> Router {
    metrics::init();
    let gateway = Gateway::new(&state);
    let config = state.config.clone();
    let http_state = HttpState {
        app: state,
        gateway,
    };

    let mut router = Router::new()
        .route("/graphql", get(graphql).post(graphql))
        .route(
            "/graphql/ws",
            get(super::ws::upgrade)
                .with_state((http_state.app.clone(), http_state.gateway.clone())),
        )
        .route("/photos/{id}", get(photos::original))
        .route("/photos/{id}/thumbnail", get(photos::thumbnail))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text));
    if config.playground {
        router = router.merge(crate::graphiql::routes());
    }
    if let Some(dir) = &config.console_dir {
        router = router.merge(console::routes(dir));
    }

    let request_id = header::HeaderName::from_static("x-request-id");
    router
        .with_state(http_state)
        // async-graphql reads the body itself, past axum's DefaultBodyLimit: limit the body
        // below the extractors (413 when Content-Length says too much). Room for one photo
        // upload; a JSON body is held to HANGAR_MAX_BODY_BYTES by the GraphQL extractor.
        .layer(RequestBodyLimitLayer::new(
            config.max_body_bytes + config.max_photo_bytes,
        ))
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
    GraphQLRequest(mut batch): GraphQLRequest,
) -> Response {
    let started = Instant::now();
    let media = Media::negotiate(&headers);
    let app = &http.app;
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let address = client_addr(
        &headers,
        peer.map(|Extension(ConnectInfo(addr))| addr),
        app.config.trust_forwarded_for,
    );
    let origin = PublicOrigin::of(&headers, app.config.public_url.as_deref());
    let caller = match Caller::identify(app, authorization, address, origin).await {
        Ok(caller) => caller,
        Err(err) => {
            // Unknown API tokens past their address's limit: 429 with Retry-After, as a
            // client expects; anything else is the database not answering (503).
            let (status, retry_after) = match &err {
                AppError::TooManyRequests {
                    retry_after_secs, ..
                } => (StatusCode::TOO_MANY_REQUESTS, Some(*retry_after_secs)),
                _ => (StatusCode::SERVICE_UNAVAILABLE, None),
            };
            let error: async_graphql::Error = err.into();
            let response = async_graphql::Response::from_errors(vec![
                error.into_server_error(Default::default()),
            ]);
            let mut response = (status, GraphQLResponse::from(response)).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, media.content_type());
            if let Some(secs) = retry_after {
                headers.insert(header::RETRY_AFTER, secs.into());
            }
            return response;
        }
    };
    let signed_in = matches!(caller.viewer, Viewer::User(_));
    let operations = match &batch {
        async_graphql::BatchRequest::Single(_) => 1,
        async_graphql::BatchRequest::Batch(requests) => requests.len(),
    };
    let max_operations = app.config.max_batch_operations;
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
    // One deadline for the whole batch, as for one operation.
    let deadline = Deadline(tokio::time::Instant::now() + app.config.request_timeout);
    for request in batch.iter_mut() {
        caller.attach(&mut request.data);
        request.data.insert(deadline);
        if method == Method::GET {
            request.data.insert(ReadOnlyRequest);
        }
    }
    let response = http.gateway.execute_batch(batch).await;
    let answers: &[async_graphql::Response] = match &response {
        BatchResponse::Single(single) => std::slice::from_ref(single),
        BatchResponse::Batch(many) => many,
    };
    let refusals: Vec<(Refusal, &str)> = answers
        .iter()
        .flat_map(|r| &r.errors)
        .filter_map(|e| Refusal::of(e).map(|refusal| (refusal, e.message.as_str())))
        .collect();
    if let Some((_, message)) = refusals.iter().find(|(r, _)| *r == Refusal::TimedOut) {
        metrics::record_request(operation, "timeout", started.elapsed());
        return refusal(StatusCode::GATEWAY_TIMEOUT, "TIMEOUT", message.to_string());
    }
    let outcome = if response.is_ok() { "ok" } else { "error" };
    metrics::record_request(operation, outcome, started.elapsed());
    let refused_over_get = matches!(response, BatchResponse::Single(_))
        && refusals.iter().any(|(r, _)| *r == Refusal::WriteOverGet);

    let mut response = media.render(response);
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

/// A GraphQL-shaped error answer (no `data`) for a request refused before execution, or
/// stopped by its deadline.
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
    let text = metrics::render(&http.app.db, &http.app.statements, &http.app.counts);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

/// Resolves when SIGINT or SIGTERM arrives.
pub(crate) async fn shutdown_signal() {
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
