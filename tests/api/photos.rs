//! Drone photos (issue #13) over HTTP, on both databases and in the `database` and `dir:`
//! stores: multipart uploads as apollo-upload-client sends them, what is refused (with its
//! code), signed URLs, ETags, deletion and the cascade from a drone.

use std::io::Cursor;

use image::{ImageFormat, RgbImage, codecs::jpeg::JpegEncoder};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, expect_error};

const ADD: &str = "mutation($d: ID!, $f: Upload!, $c: String) { addDronePhoto(droneId: $d, file: $f, caption: $c) {
    id url thumbnailUrl contentType size width height caption uploadedBy { username } createdAt } }";

/// The photo store a test runs with; keeps its directory alive.
pub(crate) enum Store {
    Database,
    Dir(tempfile::TempDir),
    /// A bucket of its own on the S3-compatible server at `HANGAR_TEST_S3_ENDPOINT` (`.ci/run`
    /// starts moto there).
    S3 {
        endpoint: String,
        bucket: String,
    },
}

impl Store {
    /// Only for tests ignored without `HANGAR_TEST_S3_ENDPOINT` (see `build.rs`).
    pub(crate) async fn s3() -> Store {
        let endpoint = std::env::var("HANGAR_TEST_S3_ENDPOINT").expect(
            "HANGAR_TEST_S3_ENDPOINT is unset: this S3 test is ignored without it (run it with the variable set)",
        );
        let bucket = format!("t-{}", uuid::Uuid::new_v4().simple());
        let created = reqwest::Client::new()
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .await
            .expect("the S3 server answers");
        assert!(
            created.status().is_success(),
            "bucket created: {}",
            created.status()
        );
        Store::S3 { endpoint, bucket }
    }

    fn config(&self) -> Vec<(String, String)> {
        match self {
            Store::Database => vec![],
            Store::Dir(dir) => vec![(
                "HANGAR_PHOTO_STORE".into(),
                format!("dir:{}", dir.path().display()),
            )],
            Store::S3 { endpoint, bucket } => vec![
                ("HANGAR_PHOTO_STORE".into(), format!("s3://{bucket}/photos")),
                ("AWS_ENDPOINT_URL".into(), endpoint.clone()),
                ("AWS_ACCESS_KEY_ID".into(), "test".into()),
                ("AWS_SECRET_ACCESS_KEY".into(), "test".into()),
                ("AWS_REGION".into(), "us-east-1".into()),
            ],
        }
    }

    /// Objects the store holds (none for the database).
    pub(crate) async fn objects(&self) -> usize {
        match self {
            Store::Database => 0,
            Store::Dir(dir) => std::fs::read_dir(dir.path()).map_or(0, |d| d.count()),
            Store::S3 { endpoint, bucket } => {
                let listing = reqwest::get(format!("{endpoint}/{bucket}?list-type=2"))
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                listing.matches("<Key>").count()
            }
        }
    }
}

/// Writes `<name>::{sqlite,postgres}_{database,dir,s3}`, each calling `name(app, store)`.
macro_rules! photo_test {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            use super::{Store, spawn};
            use crate::helpers::Backend;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_database() {
                let store = Store::Database;
                let app = spawn(Backend::Sqlite, &store, &[]).await;
                super::$name(app, store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_dir() {
                let store = Store::Dir(tempfile::tempdir().unwrap());
                let app = spawn(Backend::Sqlite, &store, &[]).await;
                super::$name(app, store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(hangar_test_s3), ignore = "HANGAR_TEST_S3_ENDPOINT is unset")]
            async fn sqlite_s3() {
                let store = Store::s3().await;
                let app = spawn(Backend::Sqlite, &store, &[]).await;
                super::$name(app, store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(all(hangar_test_s3, hangar_test_postgres)),
                ignore = "TEST_DATABASE_URL or HANGAR_TEST_S3_ENDPOINT is unset"
            )]
            async fn postgres_s3() {
                let store = Store::s3().await;
                let app = spawn(Backend::Postgres, &store, &[]).await;
                super::$name(app, store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
            async fn postgres_database() {
                let store = Store::Database;
                let app = spawn(Backend::Postgres, &store, &[]).await;
                super::$name(app, store).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
            async fn postgres_dir() {
                let store = Store::Dir(tempfile::tempdir().unwrap());
                let app = spawn(Backend::Postgres, &store, &[]).await;
                super::$name(app, store).await;
            }
        }
    )+};
}

pub(crate) async fn spawn(backend: Backend, store: &Store, extra: &[(&str, &str)]) -> TestApp {
    let config = store.config();
    let mut vars: Vec<(&str, &str)> = config
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    vars.extend_from_slice(extra);
    match backend {
        Backend::Sqlite => TestApp::spawn_with(Backend::Sqlite, &vars).await,
        Backend::Postgres => TestApp::spawn_postgres_with(&vars).await,
    }
}

pub(crate) fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7) as u8, (y * 3) as u8, 90])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&image)
        .unwrap();
    out
}

fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 5) as u8, (y * 9) as u8, 30])
    });
    let mut out = Vec::new();
    image.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

/// A JPEG whose EXIF says where it was taken (GPS) and that the camera was turned (6).
fn jpeg_with_gps() -> Vec<u8> {
    use img_parts::{Bytes, ImageEXIF, jpeg::Jpeg};
    let fields = [
        exif::Field {
            tag: exif::Tag::Orientation,
            ifd_num: exif::In::PRIMARY,
            value: exif::Value::Short(vec![6]),
        },
        exif::Field {
            tag: exif::Tag::GPSLatitude,
            ifd_num: exif::In::PRIMARY,
            value: exif::Value::Rational(vec![(48, 1).into(), (51, 1).into(), (24, 1).into()]),
        },
    ];
    let mut writer = exif::experimental::Writer::new();
    for field in &fields {
        writer.push_field(field);
    }
    let mut tiff = Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let mut image = Jpeg::from_bytes(Bytes::from(jpeg(400, 200))).unwrap();
    image.set_exif(Some(Bytes::from(tiff.into_inner())));
    image.encoder().bytes().to_vec()
}

/// POSTs a multipart request as apollo-upload-client does (with its preflight header unless
/// `preflight` is false); returns (status, JSON body or Null).
pub(crate) async fn upload(
    app: &TestApp,
    token: Option<&str>,
    drone_id: &str,
    bytes: Vec<u8>,
    caption: Option<&str>,
    preflight: bool,
) -> (u16, Value) {
    let operations =
        json!({ "query": ADD, "variables": { "d": drone_id, "f": null, "c": caption } });
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": ["variables.f"] }).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("photo.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let mut request = app.http().post(app.url("/graphql")).multipart(form);
    if preflight {
        request = request.header("apollo-require-preflight", "true");
    }
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn drone(app: &TestApp, token: &str, serial: &str) -> String {
    app.register_drone(token, serial, "Mavic 3", "DJI", &[])
        .await
}

/// GETs a URL the API returned (absolute, on this server).
async fn fetch(app: &TestApp, url: &str, etag: Option<&str>) -> reqwest::Response {
    let mut request = app.http().get(url);
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    request.send().await.unwrap()
}

async fn photos_are_uploaded_served_and_deleted(app: TestApp, store: Store) {
    let admin = app.admin_token().await;
    let id = drone(&app, &admin, "PH-1").await;
    let mut events = crate::subscriptions::subscribe(&app, &admin).await;

    let (status, body) = upload(
        &app,
        Some(&admin),
        &id,
        jpeg_with_gps(),
        Some(" roof view "),
        true,
    )
    .await;
    // Announced as a change to its drone, once committed.
    let event = crate::subscriptions::next_event(&mut events).await;
    assert_eq!(
        (event["kind"].as_str(), event["droneId"].as_str()),
        (Some("UPDATED"), Some(id.as_str()))
    );
    assert_eq!(status, 200, "{body}");
    let photo = body["data"]["addDronePhoto"].clone();
    assert_eq!(photo["contentType"], "image/jpeg");
    assert_eq!(
        (photo["width"].as_i64(), photo["height"].as_i64()),
        (Some(200), Some(400)),
        "upright"
    );
    assert_eq!(photo["caption"], "roof view");
    assert_eq!(photo["uploadedBy"], json!({ "username": "admin" }));
    let url = photo["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("http://{}/photos/", app.addr)),
        "{url}"
    );

    // The original: its type, nosniff, private caching, an ETag, and no GPS position.
    let response = fetch(&app, &url, None).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("private")
    );
    let etag = headers["etag"].to_str().unwrap().to_string();
    let bytes = response.bytes().await.unwrap();
    assert_eq!(bytes.len() as i64, photo["size"].as_i64().unwrap());
    let served = exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes.as_ref()))
        .unwrap();
    assert!(
        served
            .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .is_none(),
        "GPS stripped"
    );
    assert_eq!(
        served
            .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
            .and_then(|f| f.value.get_uint(0)),
        Some(6),
        "orientation kept"
    );
    // Conditional GET.
    let response = fetch(&app, &url, Some(&etag)).await;
    assert_eq!(response.status(), 304);
    assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);

    // The thumbnail: a JPEG, upright, at most 320 px.
    let response = fetch(&app, photo["thumbnailUrl"].as_str().unwrap(), None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    let thumb = image::load_from_memory(&response.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (160, 320));

    // Signatures: missing, tampered, for another photo: 403.
    let unsigned = url.split('?').next().unwrap().to_string();
    assert_eq!(fetch(&app, &unsigned, None).await.status(), 403);
    let tampered = format!("{}0", &url[..url.len() - 1]);
    let tampered = if tampered == url {
        format!("{}1", &url[..url.len() - 1])
    } else {
        tampered
    };
    assert_eq!(fetch(&app, &tampered, None).await.status(), 403);
    let longer = url.replace("exp=", "exp=1");
    assert_eq!(
        fetch(&app, &longer, None).await.status(),
        403,
        "expiry extended"
    );

    // PNG and WebP; the list, oldest first.
    for (format, content_type) in [
        (ImageFormat::Png, "image/png"),
        (ImageFormat::WebP, "image/webp"),
    ] {
        let (status, body) =
            upload(&app, Some(&admin), &id, encoded(50, 30, format), None, true).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["data"]["addDronePhoto"]["contentType"], content_type,
            "{body}"
        );
        let response = fetch(
            &app,
            body["data"]["addDronePhoto"]["url"].as_str().unwrap(),
            None,
        )
        .await;
        assert_eq!(response.headers()["content-type"], content_type);
    }
    let data = app
        .ok(
            Some(&admin),
            "query($id: ID!) { drone(id: $id) { photos { contentType caption } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data["drone"]["photos"],
        json!([
            { "contentType": "image/jpeg", "caption": "roof view" },
            { "contentType": "image/png", "caption": null },
            { "contentType": "image/webp", "caption": null },
        ])
    );
    if !matches!(store, Store::Database) {
        assert_eq!(store.objects().await, 6, "an original and a thumbnail each");
    }

    // Delete one: its URL is gone; then the drone, with the rest.
    let photo_id = photo["id"].as_str().unwrap();
    let data = app
        .ok(
            Some(&admin),
            "mutation($id: ID!) { deleteDronePhoto(id: $id) }",
            json!({ "id": photo_id }),
        )
        .await;
    assert_eq!(data["deleteDronePhoto"], photo_id);
    assert_eq!(fetch(&app, &url, None).await.status(), 404);
    let response = app
        .gql(
            Some(&admin),
            "mutation($id: ID!) { deleteDronePhoto(id: $id) }",
            json!({ "id": photo_id }),
        )
        .await;
    expect_error(&response, "NOT_FOUND");
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteDrone(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(store.objects().await, 0, "the drone's photos went with it");
    let left = app
        .ok(
            Some(&admin),
            "{ auditLog(filter: { entity: PHOTO }) { nodes { action } } }",
            json!({}),
        )
        .await;
    let actions: Vec<&str> = left["auditLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["DELETE", "CREATE", "CREATE", "CREATE"],
        "uploads and the one delete"
    );
}

async fn bad_uploads_are_refused_with_their_code(app: TestApp, store: Store) {
    let admin = app.admin_token().await;
    let (_, member) = app.member("pilot").await;
    let id = drone(&app, &admin, "PH-2").await;
    let mut truncated = jpeg(300, 300);
    truncated.truncate(truncated.len() * 2 / 3);
    for (bytes, says) in [
        (b"just some text".to_vec(), "not a JPEG, PNG or WebP"),
        (
            b"GIF89a\x01\x00\x01\x00".to_vec(),
            "not a JPEG, PNG or WebP",
        ),
        (truncated, "truncated"),
        (Vec::new(), "not a JPEG"),
    ] {
        let (status, body) = upload(&app, Some(&admin), &id, bytes, None, true).await;
        assert_eq!(status, 200);
        let message = expect_error(&body, "BAD_USER_INPUT");
        assert!(message.contains(says), "{message}");
    }
    let (_, body) = upload(&app, Some(&member), &id, jpeg(10, 10), None, true).await;
    expect_error(&body, "FORBIDDEN");
    let (_, body) = upload(&app, None, &id, jpeg(10, 10), None, true).await;
    expect_error(&body, "UNAUTHENTICATED");
    let (_, body) = upload(&app, Some(&admin), "999999", jpeg(10, 10), None, true).await;
    expect_error(&body, "NOT_FOUND");
    // CSRF: a multipart POST without the preflight header never runs.
    let (status, body) = upload(&app, Some(&admin), &id, jpeg(10, 10), None, false).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Apollo-Require-Preflight")
    );
    // At most 20 photos per drone.
    for n in 0..20 {
        let (status, body) = upload(&app, Some(&admin), &id, jpeg(8 + n, 8), None, true).await;
        assert_eq!(status, 200);
        assert!(body.get("errors").is_none(), "{body}");
    }
    let (_, body) = upload(&app, Some(&admin), &id, jpeg(9, 9), None, true).await;
    let message = expect_error(&body, "CONFLICT");
    assert!(message.contains("20 photos"), "{message}");
    // Nothing half-written: 20 photos, 40 objects (dir store), whatever was refused.
    let data = app
        .ok(
            Some(&admin),
            "query($id: ID!) { drone(id: $id) { photos { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(data["drone"]["photos"].as_array().unwrap().len(), 20);
    if !matches!(store, Store::Database) {
        assert_eq!(store.objects().await, 40);
    }
}

async fn upload_placeholders_written_by_the_client_do_not_panic(app: TestApp, _store: Store) {
    let admin = app.admin_token().await;
    let id = drone(&app, &admin, "PH-3").await;
    for placeholder in [
        "#__graphql_file__:x",
        "#__graphql_file__:7",
        "not a placeholder",
    ] {
        let response = app
            .gql(
                Some(&admin),
                "mutation($d: ID!, $f: Upload!) { addDronePhoto(droneId: $d, file: $f) { id } }",
                json!({ "d": id, "f": placeholder }),
            )
            .await;
        expect_error(&response, "BAD_USER_INPUT");
    }
}

async fn photo_urls_expire(app: TestApp, _store: Store) {
    let admin = app.admin_token().await;
    let id = drone(&app, &admin, "PH-4").await;
    let (_, body) = upload(&app, Some(&admin), &id, jpeg(20, 20), None, true).await;
    let url = body["data"]["addDronePhoto"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(fetch(&app, &url, None).await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(fetch(&app, &url, None).await.status(), 403, "expired");
}

async fn a_page_of_drones_with_photos_costs_constant_statements(app: TestApp, _store: Store) {
    let admin = app.admin_token().await;
    for i in 0..12 {
        let id = drone(&app, &admin, &format!("PS-{i:02}")).await;
        if i % 2 == 0 {
            upload(&app, Some(&admin), &id, jpeg(12, 12), None, true).await;
        }
    }
    let query = "query($n: Int) { drones(first: $n) { nodes { serialNumber photos { thumbnailUrl uploadedBy { username } } } } }";
    app.ok(Some(&admin), query, json!({ "n": 1 })).await;
    let mut costs = Vec::new();
    for n in [1, 12] {
        let before = app.statements();
        app.ok(Some(&admin), query, json!({ "n": n })).await;
        costs.push(app.statements() - before);
    }
    assert_eq!(costs[0], costs[1], "photos are batched: {costs:?}");
}

/// A photo of a few megabytes (several of the database store's 512 KiB pieces) is served
/// whole, byte for byte what was accepted, and its pieces go with it.
async fn a_large_photo_is_served_whole(app: TestApp, store: Store) {
    let admin = app.admin_token().await;
    let id = drone(&app, &admin, "PH-BIG").await;
    // Noise does not compress: a 1600 x 1200 JPEG at quality 95 is about 1.5 MB or more.
    let mut state = 0x2545_f491_u32;
    let image = RgbImage::from_fn(1600, 1200, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    });
    let mut file = Vec::new();
    JpegEncoder::new_with_quality(&mut file, 95)
        .encode_image(&image)
        .unwrap();
    assert!(file.len() > 3 * 512 * 1024, "{} bytes", file.len());
    let (status, body) = upload(&app, Some(&admin), &id, file.clone(), None, true).await;
    assert_eq!(status, 200, "{body}");
    let photo = &body["data"]["addDronePhoto"];
    assert_eq!(
        (photo["width"].as_i64(), photo["height"].as_i64()),
        (Some(1600), Some(1200))
    );
    // An upright JPEG without metadata is kept as it came.
    let served = fetch(&app, photo["url"].as_str().unwrap(), None).await;
    assert_eq!(served.status(), 200);
    assert!(
        served.bytes().await.unwrap() == file,
        "served byte for byte"
    );
    let thumb = fetch(&app, photo["thumbnailUrl"].as_str().unwrap(), None).await;
    let thumb = image::load_from_memory(&thumb.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 240));
    app.ok(
        Some(&admin),
        "mutation($id: ID!) { deleteDronePhoto(id: $id) }",
        json!({ "id": photo["id"] }),
    )
    .await;
    assert_eq!(store.objects().await, 0);
    if matches!(store, Store::Database) {
        use sea_orm::ConnectionTrait;
        let left = app
            .state
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                app.state.db.get_database_backend(),
                "SELECT count(*) AS n FROM photo_chunks",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(left, 0, "the pieces went with the photo");
    }
}

photo_test!(
    photos_are_uploaded_served_and_deleted,
    a_large_photo_is_served_whole,
    bad_uploads_are_refused_with_their_code,
    upload_placeholders_written_by_the_client_do_not_panic,
    a_page_of_drones_with_photos_costs_constant_statements,
);

/// With a 1 s URL lifetime.
mod photo_urls_expire {
    use super::{Store, spawn};
    use crate::helpers::Backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let store = Store::Database;
        let app = spawn(Backend::Sqlite, &store, &[("HANGAR_PHOTO_URL_TTL", "1s")]).await;
        super::photo_urls_expire(app, store).await;
    }
}

/// Two instances on one PostgreSQL (database store, as behind a load balancer): a photo
/// uploaded through one is served by the other, from the URL the first signed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(hangar_test_postgres), ignore = "TEST_DATABASE_URL is unset")]
async fn instances_serve_each_others_photos() {
    let store = Store::Database;
    let first = spawn(Backend::Postgres, &store, &[]).await;
    let second = first.spawn_sibling().await;
    let admin = first.admin_token().await;
    let id = drone(&first, &admin, "PH-LB").await;
    let (_, body) = upload(&first, Some(&admin), &id, jpeg(64, 48), None, true).await;
    let url = body["data"]["addDronePhoto"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let on_second = url.replace(&first.addr.to_string(), &second.addr.to_string());
    assert_ne!(on_second, url);
    let response = fetch(&second, &on_second, None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    // And the second lists what the first stored.
    let token = second.admin_token().await;
    let data = second
        .ok(
            Some(&token),
            "query($id: ID!) { drone(id: $id) { photos { width height } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data["drone"]["photos"],
        json!([{ "width": 64, "height": 48 }])
    );
}

/// The directory store at start: an object no photo names and older than the grace period
/// (a crash between writing the bytes and committing the row) is removed; a recorded photo,
/// and an unrecorded object too young to judge, stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphaned_objects_are_swept_at_start() {
    let store = Store::Dir(tempfile::tempdir().unwrap());
    let app = spawn(Backend::Sqlite, &store, &[]).await;
    let admin = app.admin_token().await;
    let id = drone(&app, &admin, "PH-SW").await;
    upload(&app, Some(&admin), &id, jpeg(16, 16), None, true).await;
    let Store::Dir(dir) = &store else {
        unreachable!()
    };
    let old = dir.path().join("0123456789abcdef0123456789abcdef");
    std::fs::write(&old, b"left behind").unwrap();
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    let young = dir.path().join("fedcba9876543210fedcba9876543210");
    std::fs::write(&young, b"an upload in flight").unwrap();
    assert_eq!(store.objects().await, 4);
    // A restart: the sibling prepares (and sweeps) like any start.
    let config = store.config();
    let vars: Vec<(&str, &str)> = config
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let _restarted = app.spawn_sibling_with(&vars).await;
    assert!(!old.exists(), "the orphan is gone");
    assert!(young.exists(), "a young object is left to its upload");
    assert_eq!(store.objects().await, 3);
}
