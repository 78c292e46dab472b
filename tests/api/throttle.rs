//! Failed-login throttling (`hangar::auth::throttle`): per (username, address), per address and
//! per username with growing delays, state shared through the database by every instance and
//! kept across restarts, and no lock-out button for anyone elsewhere.

use std::time::Duration;

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{ADMIN, ADMIN_PASSWORD, TestApp, expect_error};

const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";

/// Every test trusts X-Forwarded-For, so one client can speak from many addresses.
const FORWARDED: (&str, &str) = ("HANGAR_TRUST_FORWARDED_FOR", "true");

async fn login_from(app: &TestApp, address: &str, username: &str, password: &str) -> Value {
    app.http()
        .post(app.url("/graphql"))
        .header("x-forwarded-for", address)
        .json(&json!({ "query": LOGIN, "variables": { "u": username, "p": password } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn signed_in(response: &Value) -> bool {
    response["data"]["login"]["accessToken"].is_string()
}

/// The refusal's message and `retryAfter`, asserting its code.
fn refused(response: &Value) -> (String, u64) {
    let message = expect_error(response, "TOO_MANY_REQUESTS");
    let retry_after = response["errors"][0]["extensions"]["retryAfter"]
        .as_u64()
        .expect("retryAfter");
    assert_eq!(
        message,
        message
            .split(": try again in ")
            .next()
            .map(|head| format!("{head}: try again in {retry_after} s"))
            .unwrap(),
        "the message names the same wait as retryAfter"
    );
    (message, retry_after)
}

async fn stored_failures(app: &TestApp) -> i64 {
    app.state
        .db
        .query_one_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT count(*) FROM login_failures",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap()
}

/// The attack of the issue: an attacker fails six times as `admin`; the admin, from their own
/// address, still signs in, and the attacker's address stays refused, even with the right
/// password.
async fn an_attacker_elsewhere_cannot_lock_the_admin_out(app: TestApp) {
    const ATTACKER: &str = "203.0.113.66";
    for _ in 0..5 {
        expect_error(
            &login_from(&app, ATTACKER, ADMIN, "guess").await,
            "UNAUTHENTICATED",
        );
    }
    let sixth = login_from(&app, ATTACKER, ADMIN, "guess").await;
    let (message, retry_after) = refused(&sixth);
    assert!(
        message.starts_with("too many failed logins for this username from this address"),
        "{message}"
    );
    // Until the oldest of the five leaves the 15-minute window.
    assert!((890..=900).contains(&retry_after), "{retry_after}");
    // Without hashing: the right password from there is refused too, in any spelling.
    refused(&login_from(&app, ATTACKER, ADMIN, ADMIN_PASSWORD).await);
    refused(&login_from(&app, ATTACKER, " Admin ", ADMIN_PASSWORD).await);

    assert!(signed_in(
        &login_from(&app, "198.51.100.7", ADMIN, ADMIN_PASSWORD).await
    ));
    // The admin's success cleared the admin's own pair only.
    refused(&login_from(&app, ATTACKER, ADMIN, ADMIN_PASSWORD).await);
    assert_eq!(stored_failures(&app).await, 5);
}

/// A username with control characters (NUL is refused earlier, as any text holding it) is a
/// wrong login like any other, and counts for the name without them.
async fn control_characters_in_a_username_are_a_plain_failure(app: TestApp) {
    for _ in 0..5 {
        expect_error(
            &login_from(&app, "203.0.113.8", "adm\u{7}in", "x").await,
            "UNAUTHENTICATED",
        );
    }
    refused(&login_from(&app, "203.0.113.8", "admin", "x").await);
}

/// A success clears its pair: the next mistakes start from zero.
async fn a_success_clears_its_own_pair(app: TestApp) {
    const HOME: &str = "198.51.100.8";
    for _ in 0..4 {
        expect_error(
            &login_from(&app, HOME, ADMIN, "typo").await,
            "UNAUTHENTICATED",
        );
    }
    assert!(signed_in(
        &login_from(&app, HOME, ADMIN, ADMIN_PASSWORD).await
    ));
    assert_eq!(stored_failures(&app).await, 0);
    for _ in 0..4 {
        expect_error(
            &login_from(&app, HOME, ADMIN, "typo").await,
            "UNAUTHENTICATED",
        );
    }
    assert!(signed_in(
        &login_from(&app, HOME, ADMIN, ADMIN_PASSWORD).await
    ));
}

/// One address spraying many usernames meets the per-address limit (here 4); other addresses
/// do not.
async fn one_address_is_limited_across_usernames(app: TestApp) {
    for user in ["ana", "bob", "cid", "dan"] {
        expect_error(
            &login_from(&app, "203.0.113.1", user, "wrong-password").await,
            "UNAUTHENTICATED",
        );
    }
    let (message, retry_after) = refused(&login_from(&app, "203.0.113.1", "eve", "x").await);
    assert!(
        message.starts_with("too many failed logins from this address"),
        "{message}"
    );
    assert!((890..=900).contains(&retry_after), "{retry_after}");
    expect_error(
        &login_from(&app, "203.0.113.2", "eve", "x").await,
        "UNAUTHENTICATED",
    );
    // An IPv6 client counts as its /64: a new interface identifier is the same address.
    for host in 1..=4 {
        expect_error(
            &login_from(&app, &format!("2001:db8:7:7::{host}"), "fay", "x").await,
            "UNAUTHENTICATED",
        );
    }
    refused(&login_from(&app, "2001:db8:7:7::99", "gus", "x").await);
}

/// Many addresses guessing one account: delays that double from twice the pair limit (here
/// 2 × 2 = 4 failures), then a refusal at the per-username ceiling (here 6). The address the
/// admin signed in from stays open throughout.
async fn one_username_is_slowed_then_refused_except_where_it_signs_in(app: TestApp) {
    const KNOWN: &str = "192.0.2.1";
    assert!(signed_in(
        &login_from(&app, KNOWN, ADMIN, ADMIN_PASSWORD).await
    ));
    for address in ["203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.2"] {
        expect_error(
            &login_from(&app, address, ADMIN, "guess").await,
            "UNAUTHENTICATED",
        );
    }
    // Four failures: the next attempt from a stranger waits 1 s after the latest.
    let (message, retry_after) = refused(&login_from(&app, "203.0.113.3", ADMIN, "guess").await);
    assert!(
        message.starts_with("too many failed logins for this username: "),
        "{message}"
    );
    assert_eq!(retry_after, 1);
    // Not the known address, even with a wrong password (which the pair limit still counts,
    // and the account's count too): five failures, so a stranger now waits 2 s.
    expect_error(
        &login_from(&app, KNOWN, ADMIN, "typo").await,
        "UNAUTHENTICATED",
    );
    let (_, retry_after) = refused(&login_from(&app, "203.0.113.3", ADMIN, "guess").await);
    assert_eq!(retry_after, 2);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    expect_error(
        &login_from(&app, "203.0.113.3", ADMIN, "guess").await,
        "UNAUTHENTICATED",
    );
    // Six: the ceiling. Refused until the window lets the oldest failures go.
    let (_, retry_after) = refused(&login_from(&app, "203.0.113.4", ADMIN, ADMIN_PASSWORD).await);
    assert!((890..=900).contains(&retry_after), "{retry_after}");
    // Other accounts are not affected, and the admin signs in where the admin signs in.
    expect_error(
        &login_from(&app, "203.0.113.4", "mia", "x").await,
        "UNAUTHENTICATED",
    );
    assert!(signed_in(
        &login_from(&app, KNOWN, ADMIN, ADMIN_PASSWORD).await
    ));
}

/// Counts live in the database: failures through one instance refuse on another, and on an
/// instance started after them (which is what a restart is: nothing in memory).
async fn every_instance_and_a_restart_see_the_same_counts(app: TestApp) {
    let other = app.spawn_sibling_with(SHARED).await;
    for instance in [&app, &other, &app] {
        expect_error(
            &login_from(instance, "203.0.113.9", ADMIN, "guess").await,
            "UNAUTHENTICATED",
        );
    }
    refused(&login_from(&other, "203.0.113.9", ADMIN, ADMIN_PASSWORD).await);
    drop(other);
    let restarted = app.spawn_sibling_with(SHARED).await;
    let (_, retry_after) =
        refused(&login_from(&restarted, "203.0.113.9", ADMIN, ADMIN_PASSWORD).await);
    assert!((890..=900).contains(&retry_after), "{retry_after}");
}

/// Failures leave the table as the window passes (here 1 s): a restarted instance's first
/// failure deletes the expired ones.
async fn expired_failures_are_deleted(app: TestApp) {
    for _ in 0..3 {
        expect_error(
            &login_from(&app, "203.0.113.5", ADMIN, "guess").await,
            "UNAUTHENTICATED",
        );
    }
    assert_eq!(stored_failures(&app).await, 3);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let restarted = app
        .spawn_sibling_with(&[FORWARDED, ("HANGAR_LOGIN_FAILURE_WINDOW", "1s")])
        .await;
    expect_error(
        &login_from(&restarted, "203.0.113.5", ADMIN, "guess").await,
        "UNAUTHENTICATED",
    );
    let mut left = stored_failures(&app).await;
    for _ in 0..50 {
        if left == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        left = stored_failures(&app).await;
    }
    assert_eq!(left, 1, "only the fresh failure is left");
}

crate::configured_test!(
    an_attacker_elsewhere_cannot_lock_the_admin_out,
    &[FORWARDED]
);
crate::configured_test!(a_success_clears_its_own_pair, &[FORWARDED]);
crate::configured_test!(
    control_characters_in_a_username_are_a_plain_failure,
    &[FORWARDED]
);
crate::configured_test!(
    one_address_is_limited_across_usernames,
    &[FORWARDED, ("HANGAR_LOGIN_MAX_FAILURES_PER_IP", "4")]
);
crate::configured_test!(
    one_username_is_slowed_then_refused_except_where_it_signs_in,
    &[
        FORWARDED,
        ("HANGAR_LOGIN_MAX_FAILURES", "2"),
        ("HANGAR_LOGIN_MAX_FAILURES_PER_USER", "6"),
    ]
);
const SHARED: &[(&str, &str)] = &[FORWARDED, ("HANGAR_LOGIN_MAX_FAILURES", "3")];
crate::configured_test!(every_instance_and_a_restart_see_the_same_counts, SHARED);
crate::configured_test!(
    expired_failures_are_deleted,
    &[FORWARDED, ("HANGAR_LOGIN_FAILURE_WINDOW", "1s")]
);
