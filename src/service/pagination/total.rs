//! `totalCount`: counted only when a client asks for it, and for the inventory's lists
//! remembered per filter for as long as the inventory stands still, so that asking again costs
//! a look at one small table instead of counting every match again (at a million drones a
//! count of one brand reads 200,000 index entries).
//!
//! Why a remembered count is never wrong: every transaction that writes the inventory raises
//! `inventory_epoch` by one just before it commits (`service::write::WriteTxn::commit`,
//! migration 7). The count is asked together with the epoch in one statement, so both are read
//! at one snapshot: `(epoch e, total t)` says "at every snapshot whose epoch is e there are t matches", because
//! snapshots see commits in one order (each later snapshot sees what an earlier one saw, and
//! more) and each commit moves the epoch. The next request asks the epoch again, in the same
//! statement that would count: if it is still e, the database skips the count (`CASE` runs its
//! sub-query only when reached) and `t` is the answer at that request's own snapshot. Nothing
//! is announced between instances, so every instance on one PostgreSQL is exact at once, and
//! a restart merely starts with nothing remembered.
//!
//! Not remembered: filters that read the clock (`overdue`, `maintenanceDue`), whose matches
//! change while the inventory does not.
//!
//! The dashboard (`droneStats`) is remembered here too ([`CountCache::recall_or_count`]): its
//! grouped counts by filter and epoch, and its clock counts (overdue, due for maintenance)
//! also only until the next instant at which one of them would change.

use std::{
    any::Any,
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection,
    sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement},
};

use tokio::sync::watch;

use crate::error::{AppError, Result};

/// Filters remembered at most; past it the stale ones go first, then all.
const CAPACITY: usize = 1024;

/// `totalCount` of one page's query, counted only if asked.
#[derive(Clone)]
pub(crate) struct TotalCount {
    db: DatabaseConnection,
    matches: SelectStatement,
    remembered: Option<CountCache>,
}

impl TotalCount {
    /// `remembered`: the cache, for a query over inventory tables only (every write to them
    /// moves the epoch) whose filter does not read the clock.
    pub(crate) fn new(
        db: DatabaseConnection,
        matches: SelectStatement,
        remembered: Option<CountCache>,
    ) -> Self {
        Self {
            db,
            matches,
            remembered,
        }
    }

    pub(crate) async fn get(&self) -> Result<i64> {
        match &self.remembered {
            Some(cache) => cache.count(&self.db, &self.matches).await,
            None => {
                let row = self.db.query_one(&count_of(self.matches.clone())).await?;
                Ok(match row {
                    Some(row) => row.try_get_by_index::<i64>(0)?,
                    None => 0,
                })
            }
        }
    }
}

/// Counts remembered by filter, with the epoch each was counted at. One per instance
/// (`AppState::counts`); cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct CountCache(Arc<Shared>);

#[derive(Default)]
struct Shared {
    entries: Mutex<HashMap<String, Counted>>,
    /// Answers from memory, and answers counted by the database (`/metrics`).
    remembered: AtomicU64,
    counted: AtomicU64,
    /// Per filter, the request asking the database for its count right now (see `count`).
    in_flight: Mutex<HashMap<String, watch::Receiver<Option<Counted>>>>,
    /// Dashboard answers, and the same two tallies for them.
    dashboard: Mutex<HashMap<String, Held>>,
    dashboard_remembered: AtomicU64,
    dashboard_counted: AtomicU64,
}

/// A dashboard answer: what it was counted at and until when the clock leaves it true.
#[derive(Clone)]
struct Held {
    epoch: i64,
    counted_at: DateTime<Utc>,
    /// `None`: no clock in it; it holds for as long as the epoch does.
    until: Option<DateTime<Utc>>,
    answer: Arc<dyn Any + Send + Sync>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Counted {
    epoch: i64,
    total: i64,
}

impl CountCache {
    /// The count of `matches`. After a write every request misses its remembered count at
    /// once; at a million drones a count takes tens of milliseconds, so without sharing them
    /// a steady 100 req/s would each count the same thing and queue up behind one another.
    /// So a request that finds another one asking the database for the same filter reads only
    /// the epoch (one cheap statement) and takes that request's answer when it was counted at
    /// the same epoch: the same epoch is the same inventory, seen during this request.
    async fn count(&self, db: &DatabaseConnection, matches: &SelectStatement) -> Result<i64> {
        // The filter, normalised: its SQL and bound values as this engine gets them.
        let built = db.get_database_backend().build(matches);
        let key = format!("{}\n{:?}", built.sql, built.values);
        let leader = self.lock_in_flight().get(&key).cloned();
        if let Some(mut leader) = leader {
            let epoch = Self::epoch(db).await?;
            let known = self.lock().get(&key).copied();
            let shared = match known {
                Some(known) if known.epoch == epoch => Some(known),
                // Err: the leader failed or was dropped; ask on our own.
                _ => leader
                    .wait_for(|answer| answer.is_some())
                    .await
                    .ok()
                    .and_then(|answer| *answer)
                    .filter(|counted| counted.epoch == epoch),
            };
            if let Some(counted) = shared {
                self.0.remembered.fetch_add(1, Ordering::Relaxed);
                return Ok(counted.total);
            }
        }
        self.lead(db, matches, key).await
    }

    /// Asks the database (the epoch, and the count unless the epoch is the remembered one),
    /// letting requests for the same filter that come meanwhile share the answer.
    async fn lead(
        &self,
        db: &DatabaseConnection,
        matches: &SelectStatement,
        key: String,
    ) -> Result<i64> {
        let (answer, mine) = watch::channel(None);
        self.lock_in_flight().insert(key.clone(), mine.clone());
        let counted = self.ask(db, matches, &key).await;
        if let Ok(counted) = counted {
            answer.send_replace(Some(counted));
        }
        let mut in_flight = self.lock_in_flight();
        // A later leader may have taken the slot; then it is theirs to clear.
        if in_flight
            .get(&key)
            .is_some_and(|slot| slot.same_channel(&mine))
        {
            in_flight.remove(&key);
        }
        Ok(counted?.total)
    }

    async fn ask(
        &self,
        db: &DatabaseConnection,
        matches: &SelectStatement,
        key: &str,
    ) -> Result<Counted> {
        let known = self.lock().get(key).copied();
        let statement = epoch_and_count(matches.clone(), known.map(|k| k.epoch));
        let row = db.query_one(&statement).await?.ok_or_else(|| {
            AppError::Internal("the epoch and count query returned no row".into())
        })?;
        let epoch: i64 = row.try_get_by_index(0)?;
        let total: Option<i64> = row.try_get_by_index(1)?;
        match (total, known) {
            (Some(total), _) => {
                self.0.counted.fetch_add(1, Ordering::Relaxed);
                let counted = Counted { epoch, total };
                self.remember(key.to_owned(), counted);
                Ok(counted)
            }
            // Skipped by the database: the epoch is still the one `known` was counted at.
            (None, Some(known)) if known.epoch == epoch => {
                self.0.remembered.fetch_add(1, Ordering::Relaxed);
                Ok(known)
            }
            (None, _) => Err(AppError::Internal(
                "the epoch and count query skipped a count it had to make".into(),
            )),
        }
    }

    fn lock_in_flight(&self) -> MutexGuard<'_, HashMap<String, watch::Receiver<Option<Counted>>>> {
        unpoisoned(&self.0.in_flight)
    }

    fn remember(&self, key: String, counted: Counted) {
        keep_newest(&mut self.lock(), key, counted, |c| c.epoch);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Counted>> {
        unpoisoned(&self.0.entries)
    }

    /// Answers given from memory and answers the database counted, since start.
    pub(crate) fn answers(&self) -> (u64, u64) {
        (
            self.0.remembered.load(Ordering::Relaxed),
            self.0.counted.load(Ordering::Relaxed),
        )
    }

    /// The same for dashboard answers.
    pub(crate) fn dashboard_answers(&self) -> (u64, u64) {
        (
            self.0.dashboard_remembered.load(Ordering::Relaxed),
            self.0.dashboard_counted.load(Ordering::Relaxed),
        )
    }

    /// The inventory's epoch now, in one statement.
    pub(crate) async fn epoch(db: &DatabaseConnection) -> Result<i64> {
        let row = db.query_one(&epoch_now()).await?.ok_or_else(|| {
            AppError::Internal("the inventory epoch query returned no row".into())
        })?;
        Ok(row.try_get_by_index(0)?)
    }

    /// `key`'s answer from memory when it was counted at `epoch` (read by the caller with
    /// [`Self::epoch`] before this) and the clock has not passed its `until`; else what
    /// `count` answers at `at`, remembered with `epoch` and the instant until which it holds.
    ///
    /// Why the epoch may be read in an earlier statement than the count: a write that commits
    /// between the two is in the answer but not in the epoch it is remembered at, so every
    /// later request, whose epoch includes that write, misses and counts again. The answer is
    /// never older than its epoch, which is what makes a hit exact.
    pub(crate) async fn recall_or_count<T, F>(
        &self,
        key: String,
        epoch: i64,
        at: DateTime<Utc>,
        count: F,
    ) -> Result<T>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = Result<(T, Option<DateTime<Utc>>)>>,
    {
        let held = self.lock_dashboard().get(&key).cloned();
        if let Some(held) = held
            && held.epoch == epoch
            && held.counted_at <= at
            && held.until.is_none_or(|until| at < until)
            && let Some(answer) = held.answer.downcast_ref::<T>()
        {
            self.0.dashboard_remembered.fetch_add(1, Ordering::Relaxed);
            return Ok(answer.clone());
        }
        let (answer, until) = count.await?;
        self.0.dashboard_counted.fetch_add(1, Ordering::Relaxed);
        let held = Held {
            epoch,
            counted_at: at,
            until,
            answer: Arc::new(answer.clone()),
        };
        keep_newest(&mut self.lock_dashboard(), key, held, |h| h.epoch);
        Ok(answer)
    }

    fn lock_dashboard(&self) -> MutexGuard<'_, HashMap<String, Held>> {
        unpoisoned(&self.0.dashboard)
    }
}

/// Puts `value` under `key` unless the entry there is newer (a slower request may finish
/// after a newer count); past [`CAPACITY`] the entries older than `value` go first, then all.
fn keep_newest<V>(
    entries: &mut HashMap<String, V>,
    key: String,
    value: V,
    epoch: impl Fn(&V) -> i64,
) {
    let newest = epoch(&value);
    if entries.len() >= CAPACITY && !entries.contains_key(&key) {
        entries.retain(|_, v| epoch(v) >= newest);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
    }
    if entries.get(&key).is_none_or(|old| epoch(old) <= newest) {
        entries.insert(key, value);
    }
}

/// A poisoned lock is still good: a panic elsewhere while holding one of these maps cannot
/// leave a wrong answer behind, since every entry is written whole.
fn unpoisoned<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `SELECT COUNT(*) FROM (matches)`.
fn count_of(matches: SelectStatement) -> SelectStatement {
    let mut count = Query::select();
    count
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("total"))
        .from_subquery(matches, Alias::new("matches"));
    count
}

/// `SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS epoch FROM inventory_epoch`.
fn epoch_now() -> SelectStatement {
    let mut epoch = Query::select();
    epoch
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(n), 0) AS BIGINT)"),
            Alias::new("epoch"),
        )
        .from(Alias::new("inventory_epoch"));
    epoch
}

/// One statement, one snapshot: the epoch, and the count unless the epoch is still `known`:
///
/// ```sql
/// SELECT e.epoch, CASE WHEN e.epoch = $known THEN NULL ELSE (SELECT COUNT(*) FROM (…)) END
/// FROM (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS epoch FROM inventory_epoch) AS e
/// ```
fn epoch_and_count(matches: SelectStatement, known: Option<i64>) -> SelectStatement {
    let epoch = epoch_now();
    let count: Expr = count_of(matches).into();
    let total: Expr = match known {
        Some(known) => Expr::case(
            Expr::col((Alias::new("e"), Alias::new("epoch"))).eq(known),
            Expr::null(),
        )
        .finally(count)
        .into(),
        None => count,
    };
    let mut statement = Query::select();
    statement
        .expr(Expr::col((Alias::new("e"), Alias::new("epoch"))))
        .expr(total)
        .from_subquery(epoch, Alias::new("e"));
    statement
}
