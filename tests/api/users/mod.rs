//! The user API over HTTP: creation, profiles, administration, deletion and the `users` list
//! (filters, orderings and keyset pagination). Every scenario runs on SQLite and PostgreSQL.
//!
//! Usernames are lower-case ASCII only, so both engines' collations order them the same way.

use chrono::{DateTime, Days, Utc};
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN, ADMIN_PASSWORD, TestApp, assert_record, error_codes, expect_error, total_count,
};

mod accounts;
mod list;

const USER_FIELDS: &str = "id username role firstName lastName birthDate createdAt updatedAt";
const MEMBER_PASSWORD: &str = "member-password-1";

fn create_user_mutation() -> String {
    format!("mutation($i: CreateUserInput!) {{ createUser(input: $i) {{ {USER_FIELDS} }} }}")
}

fn update_profile_mutation() -> String {
    format!("mutation($i: UpdateProfileInput!) {{ updateProfile(input: $i) {{ {USER_FIELDS} }} }}")
}

fn update_user_mutation() -> String {
    format!(
        "mutation($id: ID!, $i: UpdateUserInput!) {{ updateUser(id: $id, input: $i) {{ {USER_FIELDS} }} }}"
    )
}

fn me_query() -> String {
    format!("{{ me {{ {USER_FIELDS} }} }}")
}

fn user_query() -> String {
    format!("query($id: ID!) {{ user(id: $id) {{ {USER_FIELDS} }} }}")
}

const DELETE_USER: &str = "mutation($id: ID!) { deleteUser(id: $id) }";

fn parse_time(value: &Value) -> DateTime<Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("a timestamp, got {value}"));

    assert!(text.ends_with('Z'), "UTC with Z: {text}");
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("RFC 3339 timestamp {text:?}: {e}"))
        .with_timezone(&Utc)
}

/// Runs `createUser` with `input`, as `token`.
async fn create(app: &TestApp, token: Option<&str>, input: Value) -> Value {
    app.gql(token, &create_user_mutation(), json!({ "i": input }))
        .await
}
