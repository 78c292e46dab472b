//! The one way a service writes. A [`Writer`] is everything a write needs, as one value: the
//! connection, the event hub, who acts and the time the write is stamped with. It opens a
//! [`WriteTxn`], which records the audit rows and the announcements of its changes as it goes,
//! and whose only way to commit does, in this order: the announcements' NOTIFYs (PostgreSQL),
//! the inventory epoch's raise, COMMIT, the in-process announcements (SQLite).
//!
//! Why a transaction type and not a trigger per inventory table for the epoch: SQLite has only
//! row triggers, so a 10,000-drone registration (with its 30,000 camera links and 20,000 tags)
//! would raise the epoch 60,000 times; and on PostgreSQL a trigger takes the epoch slot's row
//! lock at the first write and holds it while the transaction waits for other locks (two
//! writers could then deadlock on a drone row and a slot), where a raise right before COMMIT
//! holds it for the commit alone. The type makes forgetting hard instead: [`Writer::begin`]
//! is the only way to a transaction that audits or announces, it always raises the epoch, and
//! the raw transaction inside can be borrowed (for statements) but not taken out to commit.
//! The writes that touch no inventory table (users' profiles and passwords, API tokens) say
//! so by name, with [`Writer::begin_outside_inventory`]. `tests/api/epoch.rs` runs every
//! mutation of the schema and shows that each one that writes the inventory moves the epoch,
//! and a unit test below keeps every other `begin_write` out of the services.
//!
//! A new concern of every write (a change log, say) is one field here and one line in
//! [`WriteTxn::commit`] or [`WriteTxn::audit`].

use std::{ops::Deref, sync::OnceLock};

use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement,
};

use crate::{
    db,
    error::Result,
    events::{ChangeKind, Events, Outbox},
    service::{
        audit::{self, Actor, Change},
        now,
    },
};

/// Everything a write needs: where, who, when, and whom to tell.
#[derive(Clone)]
pub struct Writer<'a> {
    pub(crate) db: &'a DatabaseConnection,
    pub(crate) events: &'a Events,
    pub(crate) actor: Actor,
    /// When the write was asked for: what checks made before the transaction compare with
    /// ("dueBackAt must be in the future"). What the write stores is stamped with
    /// [`WriteTxn::now`], read inside the transaction.
    pub(crate) now: DateTime<Utc>,
}

impl<'a> Writer<'a> {
    /// A write by `actor`, stamped with the current time.
    pub(crate) fn new(db: &'a DatabaseConnection, events: &'a Events, actor: Actor) -> Self {
        Self {
            db,
            events,
            actor,
            now: now(),
        }
    }

    /// Starts a transaction that may write the inventory (drones and what hangs off them,
    /// cameras, sites, and users, whose deletion clears drones' `registeredBy`). Its commit
    /// raises the inventory epoch.
    pub(crate) async fn begin(&self) -> Result<WriteTxn<'_>> {
        self.open(true).await
    }

    /// Starts a transaction that writes no inventory table: users' own rows (profiles,
    /// passwords, roles) and API tokens. Its commit leaves the inventory epoch, so the
    /// remembered counts stay.
    pub(crate) async fn begin_outside_inventory(&self) -> Result<WriteTxn<'_>> {
        self.open(false).await
    }

    async fn open(&self, inventory: bool) -> Result<WriteTxn<'_>> {
        Ok(WriteTxn {
            txn: db::begin_write(self.db).await?,
            writer: self,
            outbox: Outbox::default(),
            inventory,
            clock: OnceLock::new(),
        })
    }
}

/// A write transaction of a [`Writer`]. Dereferences to the database transaction for
/// statements; commits only through [`WriteTxn::commit`]. Dropped uncommitted, it rolls back
/// and announces nothing.
pub struct WriteTxn<'w> {
    txn: DatabaseTransaction,
    writer: &'w Writer<'w>,
    outbox: Outbox,
    inventory: bool,
    clock: OnceLock<DateTime<Utc>>,
}

impl Deref for WriteTxn<'_> {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// Statements run in the transaction, so a `&WriteTxn` goes wherever a connection does.
#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

impl WriteTxn<'_> {
    /// The time this write stamps on what it stores, audit rows included: read once, the
    /// first time it is asked for, so after the locks the service took before it (two writes
    /// of one row are stamped in the order they commit).
    pub(crate) fn now(&self) -> DateTime<Utc> {
        *self.clock.get_or_init(now)
    }

    /// Records `changes` in the audit trail, in this transaction, as the writer's.
    pub(crate) async fn audit(&self, changes: impl IntoIterator<Item = Change>) -> Result<()> {
        audit::record(&self.txn, &self.writer.actor, self.now(), changes).await
    }

    /// Announces a change to drones once (and only if) this transaction commits.
    pub(crate) fn announce(&mut self, kind: ChangeKind, ids: Vec<i64>) {
        debug_assert!(
            self.inventory,
            "drone changes are inventory writes: begin(), not begin_outside_inventory()"
        );
        self.outbox.push(kind, ids);
    }

    /// Commits: see the module's header for what happens around it.
    pub(crate) async fn commit(self) -> Result<()> {
        let events = self.writer.events;
        self.outbox.send_in(events, &self.txn).await?;
        if self.inventory {
            db::raise_inventory_epoch(&self.txn).await?;
        }
        self.txn.commit().await?;
        self.outbox.deliver(events);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every transaction that writes is begun here or, for sign-in bookkeeping that has no
    /// actor to audit (refresh tokens), in `service/session.rs`: nowhere else may a plain
    /// transaction be begun and committed past the epoch.
    #[test]
    fn only_the_write_module_and_sessions_begin_write_transactions() {
        let mut offenders = Vec::new();
        visit(
            Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            &mut |path, text| {
                let allowed = [
                    "src/db.rs",
                    "src/service/write.rs",
                    "src/service/session.rs",
                ]
                .iter()
                .any(|a| path.ends_with(a));
                // A connection's `begin` needs `TransactionTrait` in scope.
                for needle in ["begin_write(", "TransactionTrait"] {
                    if !allowed && text.contains(needle) {
                        offenders.push(format!("{}: {needle}", path.display()));
                    }
                }
            },
        );
        assert!(
            offenders.is_empty(),
            "write through service::write: {offenders:#?}"
        );
    }

    fn visit(dir: &Path, each: &mut dyn FnMut(&Path, &str)) {
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                visit(&path, each);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file");
                each(&path, &text);
            }
        }
    }
}
