//! `hangar seed`: a demo data set for a fresh database.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::{
    auth::password::Passwords,
    entity::{camera, drone, user::Role},
    error::{AppError, Result},
    service::user::{self as users, NewUser},
};

/// Loads demo users, reporting progress through `progress`. Refuses a database that already
/// holds inventory, so it can never mix demo rows into real data.
pub async fn seed(
    db: &DatabaseConnection,
    passwords: &Passwords,
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
        match users::create(db, passwords, new).await {
            Ok(user) => {
                progress(&format!("  user {} ({:?})", user.username, user.role));
                created.push(user.username);
            }
            Err(AppError::Conflict(_)) => progress(&format!("  user {username} exists, kept")),
            Err(err) => return Err(err),
        }
    }
    Ok(format!(
        "seeded {} users; their password is `{password}` (shown once)",
        created.len()
    ))
}
