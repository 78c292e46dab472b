//! A short-lived memory of "user N exists and has role R", so that a signed-in request does
//! not pay a database round trip just to re-read its own user.
//!
//! Changes made through this instance (role change, deletion) evict the entry at once; other
//! instances behind the load balancer see them within the TTL (`HANGAR_AUTH_CACHE_TTL`,
//! default 5 s; `0s` turns the cache off).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::entity::user::Role;

/// Entries kept at most; past it the cache drops what expired, or everything.
const CAPACITY: usize = 10_000;

pub struct ViewerCache {
    ttl: Duration,
    entries: Mutex<HashMap<i64, (Role, Instant)>>,
}

impl ViewerCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::new(HashMap::new()) }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (Role, Instant)>> {
        // A panic while holding the lock cannot leave the map inconsistent: keep using it.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, user_id: i64) -> Option<Role> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries();
        entries
            .get(&user_id)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(role, _)| *role)
    }

    pub fn put(&self, user_id: i64, role: Role) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= CAPACITY {
            let ttl = self.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(user_id, (role, Instant::now()));
    }

    /// Call after changing or deleting a user.
    pub fn forget(&self, user_id: i64) {
        self.entries().remove(&user_id);
    }
}
