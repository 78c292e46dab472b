//! The built console at `/console/` (`HANGAR_CONSOLE_DIR`): its files, its own pages answered
//! by `index.html`, and nothing at all when the variable is unset.

use hangar::config::Config;

use crate::helpers::{Backend, TestApp};

fn built_console() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><base href=\"/console/\"><app-root></app-root>",
    )
    .unwrap();
    std::fs::write(dir.path().join("main-ABC123.js"), "console.log('hangar')").unwrap();
    dir
}

#[tokio::test]
async fn the_console_is_served_with_its_pages_answered_by_index_html() {
    let dir = built_console();
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[("HANGAR_CONSOLE_DIR", dir.path().to_str().unwrap())],
    )
    .await;
    let client = app.http();
    for path in [
        "/console/",
        "/console/drones?status=AVAILABLE",
        "/console/drones/42",
    ] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
        assert!(
            response.text().await.unwrap().contains("<app-root>"),
            "{path}: index.html"
        );
    }
    let script = client
        .get(app.url("/console/main-ABC123.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(script.text().await.unwrap(), "console.log('hangar')");
    // The API beside it is untouched.
    let health = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn without_a_console_dir_there_is_no_console() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.http().get(app.url("/console/")).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

#[test]
fn a_console_dir_without_index_html_is_a_config_error_that_says_what_to_do() {
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().to_str().unwrap().to_string();
    let err = Config::from_lookup(|name| match name {
        "HANGAR_CONSOLE_DIR" => Some(path.clone()),
        _ => None,
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("HANGAR_CONSOLE_DIR"), "{err}");
    assert!(err.contains("npm run build:console"), "{err}");
}
