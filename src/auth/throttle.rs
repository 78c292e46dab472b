//! Failed-login throttling, per username and per client address.
//!
//! After `max` failures within the window, a username (or an address) is refused with
//! TOO_MANY_REQUESTS and a `retryAfter` hint until its oldest failure leaves the window. The
//! check runs before the password hash, so refused attempts cost no argon2 work. A success
//! clears the username's failures (not the address's: one good password must not open the door
//! for guessing others from the same address).
//!
//! Kept in memory, per instance: behind a load balancer an attacker gets `max` tries per
//! instance per window, still far too few to guess a password. Memory is bounded: at most
//! `CAPACITY` keys per map, each holding at most `max` timestamps.

use std::{
    collections::{HashMap, VecDeque},
    hash::Hash,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::error::AppError;

/// Keys remembered per map; past it, expired keys are pruned, then arbitrary ones.
const CAPACITY: usize = 100_000;

pub(crate) struct LoginThrottle {
    window: Duration,
    users: Failures<String>,
    addresses: Failures<IpAddr>,
}

impl LoginThrottle {
    pub(crate) fn new(max_per_user: u32, max_per_address: u32, window: Duration) -> Self {
        Self {
            window,
            users: Failures::new(max_per_user as usize),
            addresses: Failures::new(max_per_address as usize),
        }
    }

    /// Refuses a login attempt for `username` from `address` while either is throttled.
    pub(crate) fn check(&self, username: &str, address: Option<IpAddr>) -> Result<(), AppError> {
        let now = Instant::now();
        let user_wait = self.users.wait(&user_key(username), now, self.window);
        let address_wait = address.and_then(|a| self.addresses.wait(&a, now, self.window));
        match user_wait.max(address_wait) {
            None => Ok(()),
            Some(wait) => {
                let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Err(AppError::TooManyRequests {
                    message: format!("too many failed logins: try again in {retry_after_secs} s"),
                    retry_after_secs,
                })
            }
        }
    }

    pub(crate) fn record_failure(&self, username: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        self.users.record(user_key(username), now, self.window);
        if let Some(address) = address {
            self.addresses.record(address, now, self.window);
        }
    }

    pub(crate) fn record_success(&self, username: &str) {
        self.users.clear(&user_key(username));
    }
}

/// The username as login looks it up (trimmed, lower case), so spelling variants of one name
/// share one count.
fn user_key(username: &str) -> String {
    username.trim().to_lowercase()
}

/// Recent failure times per key.
struct Failures<K> {
    max: usize,
    times: Mutex<HashMap<K, VecDeque<Instant>>>,
}

impl<K: Hash + Eq + Clone> Failures<K> {
    fn new(max: usize) -> Self {
        Self {
            max,
            times: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, VecDeque<Instant>>> {
        self.times.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long `key` must wait, if it has `max` failures within the window.
    fn wait(&self, key: &K, now: Instant, window: Duration) -> Option<Duration> {
        let mut times = self.lock();
        let recent = times.get_mut(key)?;
        while recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            recent.pop_front();
        }
        if recent.len() < self.max {
            return None;
        }
        let oldest = *recent.front()?;
        Some(window.saturating_sub(now.duration_since(oldest)))
    }

    fn record(&self, key: K, now: Instant, window: Duration) {
        let mut times = self.lock();
        if times.len() >= CAPACITY && !times.contains_key(&key) {
            times.retain(|_, recent| {
                recent
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < window)
            });
            if times.len() >= CAPACITY
                && let Some(evicted) = times.keys().next().cloned()
            {
                times.remove(&evicted);
            }
        }
        let recent = times.entry(key).or_default();
        recent.push_back(now);
        while recent.len() > self.max {
            recent.pop_front();
        }
    }

    fn clear(&self, key: &K) {
        self.lock().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_is_refused_after_max_failures_until_the_window_passes() {
        let throttle = LoginThrottle::new(3, 100, Duration::from_millis(200));
        for _ in 0..3 {
            assert!(throttle.check("Mia", None).is_ok());
            throttle.record_failure("mia", None);
        }
        match throttle.check(" MIA ", None) {
            Err(AppError::TooManyRequests {
                retry_after_secs, ..
            }) => assert_eq!(retry_after_secs, 1),
            other => panic!("expected TOO_MANY_REQUESTS, got {other:?}"),
        }
        std::thread::sleep(Duration::from_millis(250));
        assert!(throttle.check("mia", None).is_ok());
    }

    #[test]
    fn a_success_clears_the_username_but_not_the_address() {
        let address: IpAddr = "192.0.2.7".parse().unwrap();
        let throttle = LoginThrottle::new(2, 3, Duration::from_secs(60));
        throttle.record_failure("leo", Some(address));
        throttle.record_success("leo");
        assert!(throttle.check("leo", Some(address)).is_ok());
        throttle.record_failure("ana", Some(address));
        throttle.record_failure("bob", Some(address));
        // Three failures from one address, each under its username's limit.
        assert!(throttle.check("eve", Some(address)).is_err());
        assert!(throttle.check("eve", None).is_ok());
    }
}
