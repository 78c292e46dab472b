//! `GET /photos/{id}` and `GET /photos/{id}/thumbnail`: a photo's bytes, for whoever holds an
//! unexpired URL that `Photo.url`/`Photo.thumbnailUrl` signed (403 otherwise), so `<img src>`
//! needs no Authorization header. `ETag` (the bytes' SHA-256) with conditional GET (304),
//! `Cache-Control: private`, the stored content type and `nosniff`.

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::HttpState;
use crate::{
    error::AppError,
    service::photo::{self as photos, store::Variant},
};

#[derive(Deserialize)]
pub(super) struct Signature {
    exp: Option<i64>,
    sig: Option<String>,
}

pub(super) async fn original(
    State(http): State<HttpState>,
    Path(id): Path<String>,
    Query(signature): Query<Signature>,
    headers: HeaderMap,
) -> Response {
    serve(&http, &id, Variant::Original, signature, &headers).await
}

pub(super) async fn thumbnail(
    State(http): State<HttpState>,
    Path(id): Path<String>,
    Query(signature): Query<Signature>,
    headers: HeaderMap,
) -> Response {
    serve(&http, &id, Variant::Thumbnail, signature, &headers).await
}

fn plain(status: StatusCode, message: &'static str) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], message).into_response()
}

async fn serve(
    http: &HttpState,
    id: &str,
    variant: Variant,
    signature: Signature,
    headers: &HeaderMap,
) -> Response {
    let app = &http.app;
    let now = chrono::Utc::now().timestamp();
    let Ok(id) = id.parse::<i64>() else {
        return plain(StatusCode::NOT_FOUND, "no such photo");
    };
    let (Some(expires), Some(sig)) = (signature.exp, signature.sig.as_deref()) else {
        return plain(
            StatusCode::FORBIDDEN,
            "this URL is not signed: ask Photo.url for one",
        );
    };
    if !app.photo_urls.verify(id, variant, expires, sig, now) {
        return plain(
            StatusCode::FORBIDDEN,
            "this URL's signature is invalid or expired: ask Photo.url for a fresh one",
        );
    }
    let photo = match photos::find_by_id(&app.db, id).await {
        Ok(Some(photo)) => photo,
        Ok(None) => return plain(StatusCode::NOT_FOUND, "no such photo"),
        Err(err) => return failure(err),
    };
    let (etag, content_type) = match variant {
        Variant::Original => (&photo.sha256, photo.content_type.as_str()),
        Variant::Thumbnail => (&photo.thumbnail_sha256, "image/jpeg"),
    };
    let etag = format!("\"{etag}\"");
    // The URL expires; a private cache may keep the bytes as long as it is valid.
    let cache = format!("private, max-age={}", (expires - now).max(0));
    let common = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, cache),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
    ];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    if matches {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    match app.photos.read(&app.db, &photo, variant).await {
        Ok(bytes) => {
            let mut response = (StatusCode::OK, common, bytes).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(content_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            );
            response
        }
        Err(err) => failure(err),
    }
}

fn failure(err: AppError) -> Response {
    match err {
        AppError::NotFound(_) => plain(StatusCode::NOT_FOUND, "no such photo"),
        AppError::Unavailable(_) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "the photo store is unavailable: retry in a few seconds",
        ),
        AppError::Database(db) => {
            tracing::warn!(error = %db, "serving a photo failed");
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable: retry",
            )
        }
        other => {
            tracing::error!(error = %other, "serving a photo failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
        }
    }
}
