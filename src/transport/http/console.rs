//! The inventory console (`clients/angular`, built), served at `/console/` from
//! `HANGAR_CONSOLE_DIR`: the app and its API on one origin, so no CORS and no proxy. A path
//! under `/console/` that names no file is one of the app's own pages (`/console/drones?…`,
//! shared as a link): `index.html` answers it and the Angular router takes over.

use std::path::Path;

use axum::{
    Router,
    http::{HeaderValue, header},
};
use tower_http::{
    services::{ServeDir, ServeFile},
    set_header::SetResponseHeaderLayer,
};

pub(super) fn routes<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    let files = ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")));
    Router::new()
        .nest_service("/console", files)
        // The file names of the scripts and styles change with their content, but index.html
        // does not: a browser must ask again each time, or it keeps running an old console.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}
