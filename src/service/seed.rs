//! `hangar seed`: a demo data set for a fresh database: a few users, real camera models and
//! drones that carry them.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::{
    auth::password::Passwords,
    entity::{camera, drone, user::Role},
    error::{AppError, Result},
    events::Events,
    service::{
        audit::Actor,
        bulk::OnConflict,
        camera::{self as cameras, CameraInput},
        drone::{self as drones, DroneInput},
        user::{self as users, NewUser},
    },
};

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
pub async fn seed(
    db: &DatabaseConnection,
    passwords: &Passwords,
    events: &Events,
    progress: impl Fn(&str),
) -> Result<String> {
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
        match users::create(db, passwords, &Actor::System, new).await {
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
        cameras::register_many(db, &Actor::System, camera_inputs, OnConflict::Fail).await?;
    progress(&format!("  {} cameras", registered_cameras.created));

    let support = users::find_by_username(db, "sam.support")
        .await?
        .ok_or_else(|| AppError::internal("seed support user missing"))?;
    let drone_inputs = DRONES
        .iter()
        .flat_map(|(name, brand, prefix, models, count)| {
            (1..=*count).map(move |n| DroneInput {
                serial_number: format!("{prefix}{n:05}"),
                name: (*name).into(),
                brand: (*brand).into(),
                camera_models: models.iter().map(|m| (*m).into()).collect(),
            })
        })
        .collect();
    // Registered in the support user's name, so the demo shows `registeredBy`.
    let actor = Actor::User {
        id: support.id,
        username: support.username,
    };
    let registered_drones =
        drones::register_many(db, events, &actor, drone_inputs, OnConflict::Fail).await?;
    progress(&format!("  {} drones", registered_drones.created));

    Ok(format!(
        "seeded {} users, {} cameras and {} drones; the users' password is `{password}` (shown once)",
        created.len(),
        registered_cameras.created,
        registered_drones.created
    ))
}
