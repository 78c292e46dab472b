//! `hangar seed`: a demo data set for a fresh database: a few users, sites in several
//! countries, real camera models and drones that carry them, stationed, tagged and on a
//! maintenance schedule, with a little history: check-outs (one overdue), maintenance
//! entries, drones in maintenance, lost and retired, and photos (drawn here, not downloaded).

use chrono::Duration;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::{
    entity::{camera, drone, user::Role},
    error::{AppError, Result},
    events::Events,
    service::{
        audit::Actor,
        bulk::OnConflict,
        camera::{self as cameras, CameraInput},
        drone::{
            self as drones, DroneInput,
            maintenance::{self, MaintenanceInput},
            status,
        },
        photo::{self, store::PhotoStore},
        site::{self as sites, SiteInput},
        user::{self as users, NewUser},
        write::Writer,
    },
};

/// (name, address, city, country, contact)
const SITES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "Paris HQ",
        "12 rue de la Paix",
        "Paris",
        "FR",
        "Front desk, +33 1 23 45 67 89",
    ),
    (
        "Lyon Depot",
        "3 quai Perrache",
        "Lyon",
        "FR",
        "Depot lead, +33 4 72 00 00 00",
    ),
    (
        "Berlin Lab",
        "Friedrichstraße 100",
        "Berlin",
        "DE",
        "Lab desk, +49 30 1234567",
    ),
    (
        "Austin Field Base",
        "2100 E 6th St",
        "Austin",
        "US",
        "Field ops, +1 512 555 0100",
    ),
    (
        "Toronto Office",
        "100 King St W",
        "Toronto",
        "CA",
        "Reception, +1 416 555 0199",
    ),
];

/// Tags by drone model: what the support team labels them with.
fn tags_of(model: &str) -> Vec<String> {
    let tags: &[&str] = match model {
        "Matrice 350 RTK" => &["mapping", "inspection", "rtk"],
        "Matrice 30T" | "Anafi USA" => &["thermal", "night-ops"],
        "Skydio X10" => &["thermal", "autonomous"],
        "Mavic 3 Enterprise" => &["mapping"],
        "Air 3" => &["training"],
        "Freefly Astro" => &["cinema", "heavy lift"],
        _ => &["photo"],
    };
    tags.iter().map(|t| (*t).to_string()).collect()
}

/// (model, brand, megapixels)
const CAMERAS: &[(&str, &str, f64)] = &[
    ("Zenmuse H20", "DJI", 20.0),
    ("Zenmuse H20T", "DJI", 20.0),
    ("Zenmuse H30T", "DJI", 40.0),
    ("Zenmuse P1", "DJI", 45.0),
    ("Zenmuse L2", "DJI", 20.0),
    ("Hasselblad L2D-20c", "Hasselblad", 20.0),
    ("Mavic 3E Wide", "DJI", 20.0),
    ("GoPro HERO12 Black", "GoPro", 27.0),
    ("GoPro HERO11 Black", "GoPro", 27.0),
    ("Sony RX0 II", "Sony", 15.3),
    ("Sony Alpha 7R V", "Sony", 61.0),
    ("Skydio VT300-L", "Skydio", 64.0),
    ("Anafi Ai 48MP", "Parrot", 48.0),
    ("FLIR Vue TZ20-R", "Teledyne FLIR", 0.3),
    ("Autel 6K Gimbal", "Autel", 20.0),
];

/// (name, brand, serial prefix, camera models, how many)
const DRONES: &[(&str, &str, &str, &[&str], usize)] = &[
    ("Mavic 3 Pro", "DJI", "1581F6Q", &["Hasselblad L2D-20c"], 6),
    (
        "Mavic 3 Enterprise",
        "DJI",
        "1581F5E",
        &["Mavic 3E Wide"],
        4,
    ),
    (
        "Matrice 350 RTK",
        "DJI",
        "1ZNBJ7R",
        &[
            "Zenmuse H20",
            "Zenmuse H20T",
            "Zenmuse H30T",
            "Zenmuse P1",
            "Zenmuse L2",
        ],
        5,
    ),
    ("Matrice 30T", "DJI", "1ZNDH1T", &["Zenmuse H20T"], 3),
    ("Air 3", "DJI", "1581F7A", &["GoPro HERO12 Black"], 3),
    (
        "Skydio X10",
        "Skydio",
        "SKX10",
        &["Skydio VT300-L", "FLIR Vue TZ20-R"],
        4,
    ),
    ("Anafi Ai", "Parrot", "PI040500", &["Anafi Ai 48MP"], 3),
    (
        "Anafi USA",
        "Parrot",
        "PI040600",
        &["Anafi Ai 48MP", "FLIR Vue TZ20-R"],
        2,
    ),
    (
        "EVO II Pro V3",
        "Autel",
        "7E5K",
        &["Autel 6K Gimbal", "Sony RX0 II"],
        3,
    ),
    (
        "Freefly Astro",
        "Freefly",
        "FFA",
        &["Sony Alpha 7R V", "Sony RX0 II"],
        2,
    ),
];

/// Loads demo users, reporting progress through `progress`. Refuses a database that already
/// holds inventory, so it can never mix demo rows into real data.
/// What seeding writes with: the database, the password hasher, the event hub and the photo
/// store of the running configuration.
pub struct SeedTarget<'a> {
    pub db: &'a DatabaseConnection,
    pub passwords: &'a crate::auth::password::Passwords,
    pub events: &'a Events,
    pub(crate) photos: &'a dyn PhotoStore,
}

pub async fn seed(target: SeedTarget<'_>, progress: impl Fn(&str)) -> Result<String> {
    let (db, passwords, events) = (target.db, target.passwords, target.events);
    let system = Writer::new(db, events, Actor::System);
    let inventory =
        camera::Entity::find().count(db).await? + drone::Entity::find().count(db).await?;
    if inventory > 0 {
        return Err(AppError::Conflict(format!(
            "the database already holds {inventory} cameras and drones: seed only loads into an empty inventory"
        )));
    }
    let password = users::random_password();
    let mut created = Vec::new();
    for (username, role, first, last) in [
        ("sam.support", Role::Support, "Sam", "Rivera"),
        ("mia.pilot", Role::Member, "Mia", "Okafor"),
        ("leo.pilot", Role::Member, "Leo", "Lindqvist"),
    ] {
        let new = NewUser {
            username: username.into(),
            password: password.clone(),
            role,
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            birth_date: None,
        };
        match users::create(&system, passwords, new).await {
            Ok(user) => {
                progress(&format!("  user {} ({:?})", user.username, user.role));
                created.push(user.username);
            }
            Err(AppError::Conflict(_)) => progress(&format!("  user {username} exists, kept")),
            Err(err) => return Err(err),
        }
    }

    let camera_inputs = CAMERAS
        .iter()
        .map(|(model, brand, megapixels)| CameraInput {
            model: (*model).into(),
            brand: (*brand).into(),
            megapixels: *megapixels,
        })
        .collect();
    let registered_cameras =
        cameras::register_many(&system, camera_inputs, OnConflict::Fail).await?;
    progress(&format!("  {} cameras", registered_cameras.created));

    let support = users::find_by_username(db, "sam.support")
        .await?
        .ok_or_else(|| AppError::internal("seed support user missing"))?;
    for (name, address, city, country, contact) in SITES {
        let input = SiteInput {
            name: (*name).into(),
            address: Some((*address).into()),
            city: (*city).into(),
            country: (*country).into(),
            contact: Some((*contact).into()),
        };
        sites::create(&system, input).await?;
    }
    progress(&format!("  {} sites", SITES.len()));

    let mut index = 0usize;
    let drone_inputs = DRONES
        .iter()
        .flat_map(|(name, brand, prefix, models, count)| {
            (1..=*count).map(move |n| (name, brand, prefix, models, n))
        })
        .map(|(name, brand, prefix, models, n)| {
            index += 1;
            DroneInput {
                serial_number: format!("{prefix}{n:05}"),
                name: (*name).into(),
                brand: (*brand).into(),
                camera_models: models.iter().map(|m| (*m).into()).collect(),
                // Every fifth drone is stationed nowhere yet (just arrived).
                site: (!index.is_multiple_of(5)).then(|| SITES[index % SITES.len()].0.to_string()),
                tags: Some(tags_of(name)),
                maintenance_interval_days: Some(if index.is_multiple_of(2) { 90 } else { 180 }),
            }
        })
        .collect();
    // Registered in the support user's name, so the demo shows `registeredBy`.
    let sam = Writer::new(
        db,
        events,
        Actor::User {
            id: support.id,
            username: support.username,
        },
    );
    let registered_drones = drones::register_many(&sam, drone_inputs, OnConflict::Fail).await?;
    progress(&format!("  {} drones", registered_drones.created));
    let history = history(&sam, &registered_drones.rows).await?;
    progress(&format!("  {history}"));
    let photos = photos(&sam, target.photos, &registered_drones.rows).await?;
    progress(&format!("  {photos} photos"));

    Ok(format!(
        "seeded {} users, {} sites, {} cameras and {} drones; the users' password is `{password}` (shown once)",
        created.len(),
        SITES.len(),
        registered_cameras.created,
        registered_drones.created
    ))
}

/// Photos for every third drone: small images drawn here (a sky, a ground line and a body in
/// its brand's colour), not downloaded, through the same upload path as the API.
async fn photos(w: &Writer<'_>, store: &dyn PhotoStore, fleet: &[drone::Model]) -> Result<usize> {
    let mut added = 0;
    for (i, drone) in fleet.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let colour = match drone.brand.as_str() {
            "DJI" => [40, 40, 48],
            "Skydio" => [30, 60, 140],
            "Parrot" => [200, 120, 20],
            "Autel" => [220, 80, 30],
            _ => [90, 90, 90],
        };
        let bytes = demo_photo(colour, i as u32);
        let upload = photo::Upload {
            bytes,
            caption: Some(format!("{} on arrival", drone.name)),
        };
        photo::add(w, store, drone.id, upload).await?;
        added += 1;
    }
    Ok(added)
}

/// A 480 x 320 JPEG: sky, ground, and a drone-ish body in `colour`, shifted by `n`.
fn demo_photo(colour: [u8; 3], n: u32) -> Vec<u8> {
    let (width, height) = (480u32, 320u32);
    let centre = (140 + (n * 37) % 200, 150);
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (x.abs_diff(centre.0), y.abs_diff(centre.1));
        if (dx < 70 && dy < 14) || (dx < 12 && dy < 30) || (dx.abs_diff(70) < 22 && dy < 4) {
            image::Rgb(colour)
        } else if y > 250 {
            image::Rgb([70, 110 + (x % 20) as u8, 60])
        } else {
            image::Rgb([150 + (y / 4) as u8, 190 + (y / 8) as u8, 235])
        }
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&image)
        .expect("encoding to memory");
    out
}

/// A little life for the demo fleet, made through the same services as the API: maintenance
/// entries in the past, check-outs to the pilots (one backdated so that it is overdue), and
/// drones in maintenance, lost and retired.
async fn history(w: &Writer<'_>, fleet: &[drone::Model]) -> Result<String> {
    let db = w.db;
    let pilot = |name: &str| {
        let name = name.to_string();
        async move {
            users::find_by_username(db, &name)
                .await?
                .ok_or_else(|| AppError::internal("seed pilot missing"))
        }
    };
    let (mia, leo) = (pilot("mia.pilot").await?, pilot("leo.pilot").await?);
    let at = w.now;
    let mut entries = 0;
    for (i, drone) in fleet.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        for (kind, note, days_ago) in [
            (
                crate::entity::maintenance::MaintenanceKind::Inspection,
                "Pre-season inspection: frame, props and motors OK",
                200 - i as i64,
            ),
            (
                crate::entity::maintenance::MaintenanceKind::FirmwareUpdate,
                "Firmware updated to the latest release",
                40 + i as i64,
            ),
        ] {
            let input = MaintenanceInput {
                kind,
                note: note.into(),
                performed_at: Some(at - Duration::days(days_ago)),
                return_to_service: false,
            };
            maintenance::record(w, drone.id, input).await?;
            entries += 1;
        }
    }
    let ids: Vec<i64> = fleet.iter().map(|d| d.id).collect();
    let pick = |n: usize| ids[n % ids.len()];
    status::check_out(
        w,
        pick(1),
        mia.id,
        Some(at + Duration::days(7)),
        Some("Roof inspection, Lyon"),
    )
    .await?;
    status::check_out(w, pick(2), leo.id, None, Some("Training")).await?;
    let late = status::check_out(
        w,
        pick(4),
        leo.id,
        Some(at + Duration::days(1)),
        Some("Site survey, Austin"),
    )
    .await?;
    // Backdated, so the demo's overdue list is not empty: out for ten days, due three days ago.
    let mut active: drone::ActiveModel = late.into();
    active.checked_out_at = Set(Some(at - Duration::days(10)));
    active.due_back_at = Set(Some(at - Duration::days(3)));
    let txn = w.begin().await?;
    drone::Entity::update(active).exec(&txn).await?;
    txn.commit().await?;
    status::set_status(
        w,
        pick(5),
        crate::entity::drone::DroneStatus::Maintenance,
        Some("Gimbal drifts to the left"),
    )
    .await?;
    status::set_status(
        w,
        pick(7),
        crate::entity::drone::DroneStatus::Lost,
        Some("Lost signal over the lake during a survey"),
    )
    .await?;
    status::set_status(
        w,
        pick(8),
        crate::entity::drone::DroneStatus::Retired,
        Some("Crash damage beyond repair"),
    )
    .await?;
    Ok(format!(
        "{entries} maintenance entries, 3 check-outs (1 overdue), 1 in maintenance, 1 lost, 1 retired"
    ))
}
