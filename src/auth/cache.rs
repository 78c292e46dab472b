//! Short-lived memories of who a credential is, so that a signed-in request does not pay a
//! database round trip just to re-read its own user ("user N exists and has role R") or its
//! API token ("this hash is token T of user N, scope S").
//!
//! Changes made through this instance (role change, deletion, revocation) evict the entry at
//! once; other instances behind the load balancer see them within the TTL
//! (`HANGAR_AUTH_CACHE_TTL`, default 5 s; `0s` turns the caches off).

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use std::sync::Arc;

use crate::entity::user::Role;

/// What a request needs to know about its user: the role for the guards, the username for
/// the audit trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KnownUser {
    pub role: Role,
    pub username: Arc<str>,
}

/// Entries kept at most; past it the cache drops what expired, or everything.
const CAPACITY: usize = 10_000;

/// Users by id.
pub(crate) type ViewerCache = TtlCache<i64, KnownUser>;

pub(crate) struct TtlCache<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, (V, Instant)>>,
    /// Bumped by every [`forget`](Self::forget): a role read from the database before a change
    /// must not be cached after it.
    epoch: AtomicU64,
}

/// When a database read started, for [`TtlCache::put`].
#[derive(Clone, Copy)]
pub(crate) struct Epoch(u64);

impl<K: Hash + Eq, V: Clone> TtlCache<K, V> {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
            epoch: AtomicU64::new(0),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<K, (V, Instant)>> {
        // A panic while holding the lock cannot leave the map inconsistent: keep using it.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn get(&self, key: &K) -> Option<V> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries();
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(value, _)| value.clone())
    }

    /// Take before reading from the database; hand to [`put`](Self::put) afterwards.
    pub(crate) fn epoch(&self) -> Epoch {
        Epoch(self.epoch.load(Ordering::SeqCst))
    }

    /// Remembers what was read since `read_at`, unless some entry was forgotten meanwhile.
    pub(crate) fn put(&self, read_at: Epoch, key: K, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries();
        // Checked under the lock that `forget` takes too, so no eviction slips in between.
        if self.epoch.load(Ordering::SeqCst) != read_at.0 {
            return;
        }
        if entries.len() >= CAPACITY {
            let ttl = self.ttl;
            entries.retain(|_, (_, at)| at.elapsed() < ttl);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (value, Instant::now()));
    }

    /// Changes what is remembered for `key`, if anything, keeping its age: the entry still
    /// leaves at the TTL counted from its read. (A forgotten entry stays forgotten.)
    pub(crate) fn amend(&self, key: &K, amend: impl FnOnce(&mut V)) {
        if let Some((value, _)) = self.entries().get_mut(key) {
            amend(value);
        }
    }

    /// Call after changing or deleting what `key` names.
    pub(crate) fn forget(&self, key: &K) {
        let mut entries = self.entries();
        self.epoch.fetch_add(1, Ordering::SeqCst);
        entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amending_an_entry_keeps_its_age_and_a_forgotten_one_stays_forgotten() {
        let cache: TtlCache<i64, u32> = TtlCache::new(Duration::from_millis(150));
        cache.put(cache.epoch(), 1, 10);
        std::thread::sleep(Duration::from_millis(100));
        cache.amend(&1, |v| *v = 11);
        assert_eq!(cache.get(&1), Some(11));
        std::thread::sleep(Duration::from_millis(80));
        // 180 ms after the read: gone, though amended 80 ms ago.
        assert_eq!(cache.get(&1), None);
        cache.put(cache.epoch(), 2, 20);
        cache.forget(&2);
        cache.amend(&2, |v| *v = 21);
        assert_eq!(cache.get(&2), None);
    }
}
