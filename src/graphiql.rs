//! GraphiQL at `/`, served with its assets from the binary (see `assets/graphiql/README.md`):
//! no CDN, so it works offline and behind strict networks.
//!
//! The headers editor is open by default, and its headers (e.g. `Authorization: Bearer …`) are
//! also sent in `connection_init` when GraphiQL runs a subscription over `/graphql/ws`.

use axum::{
    Router,
    http::{HeaderValue, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};

/// Part of the asset paths, so browsers may cache them for good.
const VERSION: &str = "4.1.2";

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="robots" content="noindex">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Hangar GraphiQL</title>
    <style>body { margin: 0; overflow: hidden; } #graphiql { height: 100vh; }</style>
    <link rel="stylesheet" href="/assets/graphiql-VERSION/graphiql.min.css">
    <script src="/assets/graphiql-VERSION/react.production.min.js"></script>
    <script src="/assets/graphiql-VERSION/react-dom.production.min.js"></script>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="/assets/graphiql-VERSION/graphiql.min.js"></script>
    <script>
      const http = new URL('/graphql', window.location.href).toString();
      const ws = http.replace(/^http/, 'ws') + '/ws';
      // The headers editor's content, for subscriptions: graphql-ws reads it at connect time.
      const savedHeaders = () => {
        try {
          let headers = JSON.parse(localStorage.getItem('graphiql:headers') || '{}');
          if (typeof headers === 'string') headers = JSON.parse(headers);
          return headers || {};
        } catch (_) { return {}; }
      };
      const fetcher = GraphiQL.createFetcher({
        url: http,
        subscriptionUrl: ws,
        wsConnectionParams: savedHeaders,
      });
      ReactDOM.createRoot(document.getElementById('graphiql')).render(
        React.createElement(GraphiQL, {
          fetcher,
          defaultEditorToolsVisibility: 'headers',
          shouldPersistHeaders: true,
          defaultHeaders: '{\n  "Authorization": "Bearer <accessToken from the login mutation>"\n}',
          defaultQuery: 'mutation Login {\n  login(username: "admin", password: "") {\n    accessToken\n    refreshToken\n    user { username role }\n  }\n}\n',
        }),
      );
    </script>
  </body>
</html>
"#;

/// `/` and its assets.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(page))
        // Browsers ask for it; an empty answer keeps the console free of 404s.
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        .route(
            &asset_path("graphiql.min.js"),
            get(|| asset(GRAPHIQL_JS, JS)),
        )
        .route(
            &asset_path("graphiql.min.css"),
            get(|| asset(GRAPHIQL_CSS, CSS)),
        )
        .route(
            &asset_path("react.production.min.js"),
            get(|| asset(REACT_JS, JS)),
        )
        .route(
            &asset_path("react-dom.production.min.js"),
            get(|| asset(REACT_DOM_JS, JS)),
        )
}

fn asset_path(file: &str) -> String {
    format!("/assets/graphiql-{VERSION}/{file}")
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const GRAPHIQL_JS: &[u8] = include_bytes!("../assets/graphiql/graphiql.min.js");
const GRAPHIQL_CSS: &[u8] = include_bytes!("../assets/graphiql/graphiql.min.css");
const REACT_JS: &[u8] = include_bytes!("../assets/graphiql/react.production.min.js");
const REACT_DOM_JS: &[u8] = include_bytes!("../assets/graphiql/react-dom.production.min.js");

async fn page() -> Html<String> {
    Html(PAGE.replace("VERSION", VERSION))
}

async fn asset(body: &'static [u8], content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // Versioned paths never change content.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        body,
    )
        .into_response()
}
