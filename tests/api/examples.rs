//! `examples/bulk_register.py` against a live server, as a user would run it.

use std::process::Command;

use serde_json::json;

use crate::helpers::{ADMIN, ADMIN_PASSWORD, TestApp};

async fn bulk_register_script_reports_created_skipped_and_rejected(app: TestApp) {
    let token = app.admin_token().await;
    app.ok(
        Some(&token),
        "mutation { registerCameras(inputs: [
            {model: \"Hasselblad L2D-20c\", brand: \"Hasselblad\", megapixels: 20},
            {model: \"Skydio VT300-L\", brand: \"Skydio\", megapixels: 64}]) { created } }",
        json!({}),
    )
    .await;
    app.ok(
        Some(&token),
        "mutation { registerDrone(input: {serialNumber: \"EXISTING1\", name: \"Old\", brand: \"DJI\", cameraModels: []}) { id } }",
        json!({}),
    )
    .await;

    app.ok(
        Some(&token),
        "mutation { createSite(input: {name: \"Paris HQ\", city: \"Paris\", country: \"FR\"}) { id } }",
        json!({}),
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("drones.csv");
    std::fs::write(
        &csv,
        "serialNumber,name,brand,cameraModels,site,tags\n\
         M3P0001,Mavic 3 Pro,DJI,hasselblad l2d-20c,paris hq,Photo;spare\n\
         existing1,Old again,DJI,,,\n\
         X100001,Skydio X10,Skydio,Skydio VT300-L;No Such Camera,,\n\
         ,Nameless,DJI,,,\n\
         X100002,Skydio X10,Skydio,Skydio VT300-L,,\n\
         X100003,Skydio X10,Skydio,,Atlantis,\n",
    )
    .unwrap();

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bulk_register.py");
    let url = app.url("/graphql");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .arg(&csv)
            .args([
                "--url",
                &url,
                "--username",
                ADMIN,
                "--on-conflict",
                "SKIP",
                "--batch",
                "2",
            ])
            .env("HANGAR_PASSWORD", ADMIN_PASSWORD)
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "some rows were rejected\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("rejected line 4 (X100001): unknown camera model \"No Such Camera\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("rejected line 5 (<no serial>): serialNumber must not be empty"),
        "{stdout}"
    );
    assert!(
        stdout.contains("rejected line 7 (X100003): unknown site \"Atlantis\""),
        "{stdout}"
    );
    assert!(stdout.contains("6 rows sent"), "{stdout}");
    assert!(
        stdout
            .trim_end()
            .ends_with("created 2, updated 0, skipped 1, rejected 3"),
        "{stdout}"
    );

    let data = app
        .ok(
            Some(&token),
            "{ drones(orderBy: [{field: SERIAL_NUMBER}]) { nodes { serialNumber name cameras { model } site { name } tags } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["drones"]["nodes"],
        json!([
            { "serialNumber": "EXISTING1", "name": "Old", "cameras": [], "site": null, "tags": [] },
            { "serialNumber": "M3P0001", "name": "Mavic 3 Pro", "cameras": [{ "model": "Hasselblad L2D-20c" }],
              "site": { "name": "Paris HQ" }, "tags": ["photo", "spare"] },
            { "serialNumber": "X100002", "name": "Skydio X10", "cameras": [{ "model": "Skydio VT300-L" }], "site": null, "tags": [] },
        ])
    );
}

/// With `HANGAR_TOKEN` (an API token) the script needs no password and does not log in.
async fn bulk_register_script_takes_an_api_token(app: TestApp) {
    let admin = app.admin_token().await;
    let created = app
        .ok(
            Some(&admin),
            "mutation { createApiToken(name: \"import\", scope: WRITE) { secret } }",
            json!({}),
        )
        .await;
    let secret = created["createApiToken"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("drones.csv");
    std::fs::write(
        &csv,
        "serialNumber,name,brand,cameraModels\nTOK0001,Mavic,DJI,\nTOK0002,Mavic,DJI,\n",
    )
    .unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/bulk_register.py");
    let url = app.url("/graphql");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .arg(&csv)
            .args(["--url", &url])
            .env("HANGAR_TOKEN", secret)
            .env_remove("HANGAR_PASSWORD")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout
            .trim_end()
            .ends_with("created 2, updated 0, skipped 0, rejected 0"),
        "{stdout}"
    );
    let data = app
        .ok(Some(&admin), "{ drones { totalCount } }", json!({}))
        .await;
    assert_eq!(data, json!({ "drones": { "totalCount": 2 } }));
}

crate::db_test!(
    bulk_register_script_reports_created_skipped_and_rejected,
    bulk_register_script_takes_an_api_token,
);
