//! Failed-login throttling that limits guessing without handing anyone a lock-out button
//! (NIST SP 800-63B §5.2.2, OWASP's authentication guidance).
//!
//! Three limits over one sliding window (`HANGAR_LOGIN_FAILURE_WINDOW`, 15 minutes):
//!
//! - **per (username, address)**, tight (`HANGAR_LOGIN_MAX_FAILURES`, 5): the one a person who
//!   mistypes meets. It stops guessing from one place and blocks nobody else.
//! - **per address**, across usernames (`HANGAR_LOGIN_MAX_FAILURES_PER_IP`, 50): one address
//!   spraying many accounts.
//! - **per username**, across addresses (`HANGAR_LOGIN_MAX_FAILURES_PER_USER`, 100, NIST's
//!   ceiling): many addresses guessing one account. From twice the pair limit on, each attempt
//!   must wait a delay that doubles with every failure (1 s, 2 s, 4 s ... at most 60 s) after
//!   the account's latest failure; at the ceiling it is refused until the window lets it go.
//!   Addresses the account signed in from within the refresh-token TTL are exempt: the limit
//!   exists to stop strangers, and exempting only where the real user has been means no one
//!   elsewhere can lock them out.
//!
//! A refusal is TOO_MANY_REQUESTS with `retryAfter` (seconds), decided before the password is
//! hashed, so refused attempts cost no argon2 work and are not counted.
//!
//! State lives in the database (`login_failures`): every instance behind a load balancer sees
//! the same counts and a restart keeps them. The check is one read; a failure is one insert;
//! a success writes only when its (username, address) pair had failures to clear, and clears
//! that pair alone (one good password must not reopen an address guessing other accounts).
//! Rows leave as the window passes: each instance deletes the expired ones at most once a
//! minute, after a failure (without failures nothing accumulates).
//!
//! Concurrency: the check and the insert are separate statements, so attempts that arrive at
//! the same instant can all pass a limit that the last of them reaches. The overshoot is at
//! most the attempts in flight at once: for logins the argon2 pool's bounded queue keeps that
//! small; unknown API tokens cost no hash, so a burst of them can insert more rows than the
//! limit, which refuses the address just as long (the rows leave the window together).

use std::{
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

use crate::{config::Config, error::AppError};

/// The delays before the per-username ceiling double from this, up to `MAX_DELAY`.
const FIRST_DELAY: Duration = Duration::from_secs(1);
const MAX_DELAY: Duration = Duration::from_secs(60);
/// How often one instance deletes the rows that left the window.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// The name unknown API tokens are counted under: a space, so no username can be it.
const UNKNOWN_API_TOKEN: &str = "api token";
/// Stored usernames are cut here: a failure for a 10 kB "username" must not store 10 kB.
const MAX_USERNAME_CHARS: usize = 64;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub per_pair: u32,
    pub per_address: u32,
    pub per_user: u32,
    pub window: Duration,
    /// How long an address stays one the account "signs in from".
    pub known_for: Duration,
}

impl Limits {
    pub(crate) fn from_config(config: &Config) -> Self {
        Self {
            per_pair: config.login_max_failures,
            per_address: config.login_max_failures_per_ip,
            per_user: config.login_max_failures_per_user,
            window: config.login_failure_window,
            known_for: config.refresh_token_ttl,
        }
    }

    /// Failures of one username after which its attempts from unknown addresses are delayed.
    fn delay_from(&self) -> u32 {
        self.per_pair.saturating_mul(2)
    }
}

pub(crate) struct LoginThrottle {
    limits: Limits,
    last_prune: Mutex<Option<Instant>>,
}

/// A login attempt the throttle let through, to report back how it went.
pub(crate) struct Attempt {
    username: String,
    address: String,
    pair_failures: i64,
}

impl Attempt {
    /// Keyed as the table stores it; its pair's failures are not known yet.
    fn new(username: String, address: Option<IpAddr>) -> Self {
        Self {
            username,
            address: address.map(address_key).unwrap_or_default(),
            pair_failures: 0,
        }
    }
}

/// What the database holds about one attempt's username and address within the window.
#[derive(Debug, Default, PartialEq)]
struct Standing {
    pair_failures: i64,
    /// Times (Unix ms) of the failure whose leaving the window lifts that limit, present only
    /// when the limit is reached: the `limit`-th newest.
    pair_edge: Option<i64>,
    address_edge: Option<i64>,
    user_edge: Option<i64>,
    user_failures: i64,
    user_last: Option<i64>,
    /// The account signed in from this address recently.
    known_address: bool,
}

#[derive(Debug, PartialEq)]
struct Refusal {
    until_ms: i64,
    scope: &'static str,
}

impl LoginThrottle {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            last_prune: Mutex::new(None),
        }
    }

    /// Refuses a login attempt for `username` from `address` while any limit holds; otherwise
    /// returns the attempt, to be reported as [`Self::failed`] or [`Self::succeeded`].
    pub(crate) async fn admit(
        &self,
        db: &DatabaseConnection,
        username: &str,
        address: Option<IpAddr>,
    ) -> Result<Attempt, AppError> {
        let attempt = Attempt::new(user_key(username), address);
        let now = now_ms();
        let standing = self.standing(db, &attempt, now).await?;
        if let Some(refusal) = verdict(&self.limits, &standing, address.is_some(), now) {
            return Err(too_many(
                &format!("failed logins{}", refusal.scope),
                refusal.until_ms,
                now,
            ));
        }
        Ok(Attempt {
            pair_failures: standing.pair_failures,
            ..attempt
        })
    }

    /// Counts an unknown API token presented from `address` like a failed login (under a
    /// name no user can have), and refuses it with TOO_MANY_REQUESTS once the address is past
    /// its limits. Only unknown ones: a revoked or expired token is not a guess.
    pub(crate) async fn unknown_api_token(
        &self,
        db: &DatabaseConnection,
        address: Option<IpAddr>,
    ) -> Result<(), AppError> {
        let attempt = Attempt::new(UNKNOWN_API_TOKEN.into(), address);
        let now = now_ms();
        // The per-username ceiling protects accounts; this name is none.
        let standing = Standing {
            known_address: true,
            ..self.standing(db, &attempt, now).await?
        };
        if let Some(refusal) = verdict(&self.limits, &standing, address.is_some(), now) {
            return Err(too_many(
                "unknown API tokens from this address",
                refusal.until_ms,
                now,
            ));
        }
        self.failed(db, &attempt).await
    }

    pub(crate) async fn failed(
        &self,
        db: &DatabaseConnection,
        attempt: &Attempt,
    ) -> Result<(), AppError> {
        let backend = db.get_database_backend();
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO login_failures (username, address, failed_at_ms) VALUES ($1, $2, $3)",
            [
                attempt.username.clone().into(),
                attempt.address.clone().into(),
                now_ms().into(),
            ],
        ))
        .await?;
        if self.prune_due() {
            let db = db.clone();
            let window = self.limits.window;
            tokio::spawn(async move {
                if let Err(err) = prune(&db, window).await {
                    tracing::warn!(error = %err, "could not delete expired login failures");
                }
            });
        }
        Ok(())
    }

    /// Clears the attempt's (username, address) pair, if it had failures.
    pub(crate) async fn succeeded(
        &self,
        db: &DatabaseConnection,
        attempt: &Attempt,
    ) -> Result<(), AppError> {
        if attempt.pair_failures == 0 {
            return Ok(());
        }
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "DELETE FROM login_failures WHERE username = $1 AND address = $2",
            [
                attempt.username.clone().into(),
                attempt.address.clone().into(),
            ],
        ))
        .await?;
        Ok(())
    }

    async fn standing(
        &self,
        db: &DatabaseConnection,
        attempt: &Attempt,
        now: i64,
    ) -> Result<Standing, DbErr> {
        let limits = &self.limits;
        let since = now - millis(limits.window);
        let known_since = chrono::Duration::from_std(limits.known_for)
            .ok()
            .and_then(|known_for| Utc::now().checked_sub_signed(known_for))
            .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
        // The `limit`-th newest failure within the window exists exactly when the limit is
        // reached, and is the one whose leaving lifts it. `known` stops at the first session
        // from this address: an account signs in from its desk thousands of times.
        let sql = "SELECT \
            (SELECT count(*) FROM login_failures \
              WHERE username = $1 AND address = $2 AND failed_at_ms > $3) AS pair_failures, \
            (SELECT failed_at_ms FROM login_failures \
              WHERE username = $1 AND address = $2 AND failed_at_ms > $3 \
              ORDER BY failed_at_ms DESC LIMIT 1 OFFSET $4) AS pair_edge, \
            (SELECT failed_at_ms FROM login_failures \
              WHERE address = $2 AND failed_at_ms > $3 \
              ORDER BY failed_at_ms DESC LIMIT 1 OFFSET $5) AS address_edge, \
            (SELECT failed_at_ms FROM login_failures \
              WHERE username = $1 AND failed_at_ms > $3 \
              ORDER BY failed_at_ms DESC LIMIT 1 OFFSET $6) AS user_edge, \
            (SELECT count(*) FROM login_failures \
              WHERE username = $1 AND failed_at_ms > $3) AS user_failures, \
            (SELECT max(failed_at_ms) FROM login_failures \
              WHERE username = $1 AND failed_at_ms > $3) AS user_last, \
            (SELECT count(*) FROM (SELECT 1 FROM refresh_tokens t JOIN users u ON u.id = t.user_id \
              WHERE u.username = $1 AND t.signed_in_from = $2 AND t.created_at > $7 \
              LIMIT 1) AS one) AS known";
        let offset = |limit: u32| i64::from(limit.max(1) - 1);
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                sql,
                [
                    attempt.username.clone().into(),
                    attempt.address.clone().into(),
                    since.into(),
                    offset(limits.per_pair).into(),
                    offset(limits.per_address).into(),
                    offset(limits.per_user).into(),
                    known_since.into(),
                ],
            ))
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("login throttle standing".into()))?;
        Ok(Standing {
            pair_failures: row.try_get_by_index(0)?,
            pair_edge: row.try_get_by_index(1)?,
            address_edge: row.try_get_by_index(2)?,
            user_edge: row.try_get_by_index(3)?,
            user_failures: row.try_get_by_index(4)?,
            user_last: row.try_get_by_index(5)?,
            known_address: row.try_get_by_index::<i64>(6)? > 0,
        })
    }

    fn prune_due(&self) -> bool {
        let mut last = self.last_prune.lock().unwrap_or_else(|e| e.into_inner());
        let due = last.is_none_or(|at| at.elapsed() >= PRUNE_EVERY);
        if due {
            *last = Some(Instant::now());
        }
        due
    }
}

/// Deletes the failures that left the window.
async fn prune(db: &DatabaseConnection, window: Duration) -> Result<u64, DbErr> {
    let before = now_ms() - millis(window);
    let backend = db.get_database_backend();
    let sql = "DELETE FROM login_failures WHERE failed_at_ms <= $1";
    let result = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [before.into()],
        ))
        .await?;
    Ok(result.rows_affected())
}

/// The longest-lasting limit that refuses this attempt, if any.
fn verdict(limits: &Limits, s: &Standing, has_address: bool, now: i64) -> Option<Refusal> {
    let window = millis(limits.window);
    let mut refusals = vec![];
    if let Some(edge) = s.pair_edge {
        refusals.push(Refusal {
            until_ms: edge + window,
            scope: " for this username from this address",
        });
    }
    if let Some(edge) = s.address_edge.filter(|_| has_address) {
        refusals.push(Refusal {
            until_ms: edge + window,
            scope: " from this address",
        });
    }
    if !s.known_address {
        let scope = " for this username";
        if let Some(edge) = s.user_edge {
            refusals.push(Refusal {
                until_ms: edge + window,
                scope,
            });
        } else if let (Some(last), Some(beyond)) = (
            s.user_last,
            u32::try_from(s.user_failures)
                .ok()
                .and_then(|n| n.checked_sub(limits.delay_from())),
        ) {
            let delay = FIRST_DELAY
                .saturating_mul(2u32.saturating_pow(beyond))
                .min(MAX_DELAY);
            refusals.push(Refusal {
                until_ms: last + millis(delay),
                scope,
            });
        }
    }
    refusals
        .into_iter()
        .filter(|r| r.until_ms > now)
        .max_by_key(|r| r.until_ms)
}

/// The username as login looks it up (trimmed, lower case), so spelling variants of one name
/// share one count.
fn user_key(username: &str) -> String {
    username
        .trim()
        .to_lowercase()
        .chars()
        // No username has them, and PostgreSQL's text refuses NUL.
        .filter(|c| !c.is_control())
        .take(MAX_USERNAME_CHARS)
        .collect()
}

/// An address as the limits count it. An IPv6 client usually holds a whole /64, so the /64 is
/// what counts as one address; an IPv4-mapped IPv6 address counts as its IPv4 address.
pub(crate) fn address_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let network = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{network}/64")
            }
        },
    }
}

/// TOO_MANY_REQUESTS for "too many `what`", with `retryAfter` in whole seconds until
/// `until_ms` (at least 1), and the message naming the same wait.
fn too_many(what: &str, until_ms: i64, now: i64) -> AppError {
    let retry_after_secs = ((until_ms - now).max(1) as u64).div_ceil(1000);
    AppError::TooManyRequests {
        message: format!("too many {what}: try again in {retry_after_secs} s"),
        retry_after_secs,
    }
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX / 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        per_pair: 5,
        per_address: 50,
        per_user: 100,
        window: Duration::from_secs(900),
        known_for: Duration::from_secs(86_400),
    };

    #[test]
    fn the_username_limit_delays_before_it_refuses() {
        let now = 1_000_000;
        let at = |failures: i64| Standing {
            user_failures: failures,
            user_last: Some(now),
            ..Standing::default()
        };
        let wait = |failures| verdict(&LIMITS, &at(failures), true, now).map(|r| r.until_ms - now);
        assert_eq!(wait(9), None);
        assert_eq!(wait(10), Some(1_000));
        assert_eq!(wait(11), Some(2_000));
        assert_eq!(wait(15), Some(32_000));
        assert_eq!(wait(16), Some(60_000));
        assert_eq!(wait(99), Some(60_000));
        // From an address the account signs in from, none of it applies.
        let known = Standing {
            known_address: true,
            user_edge: Some(now),
            ..at(100)
        };
        assert_eq!(verdict(&LIMITS, &known, true, now), None);
    }

    #[test]
    fn the_longest_refusal_wins_and_past_ones_do_not_count() {
        let now = 10_000_000;
        let standing = Standing {
            pair_edge: Some(now - 800_000),
            address_edge: Some(now - 100_000),
            ..Standing::default()
        };
        assert_eq!(
            verdict(&LIMITS, &standing, true, now),
            Some(Refusal {
                until_ms: now + 800_000,
                scope: " from this address"
            })
        );
        // Without a client address there is no address limit.
        assert_eq!(
            verdict(&LIMITS, &standing, false, now).map(|r| r.scope),
            Some(" for this username from this address")
        );
        let expired = Standing {
            pair_edge: Some(now - 900_000),
            ..Standing::default()
        };
        assert_eq!(verdict(&LIMITS, &expired, true, now), None);
    }

    #[test]
    fn ipv6_clients_count_by_their_slash_64() {
        let key = |s: &str| address_key(s.parse().unwrap());
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:bbbb::9"), key("2001:db8:1:2:aaaa::1"));
    }
}
