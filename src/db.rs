//! Database connections for both engines, migrations, and the primitives write transactions
//! are made of (begin, take a turn, raise the inventory epoch).

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
    sea_query::{Alias, Expr, ExprTrait, Query},
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::config::{Config, redact_url};

/// Counts every SQL statement the server runs; `/metrics` exports it and tests read it to
/// prove that a request costs a constant number of statements.
#[derive(Clone, Default, Debug)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The database could not be reached; the message names it (password hidden) and the cause.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(String);

/// Connects to the configured database. A PostgreSQL `search_path` may be given (tests run
/// each in a schema of their own).
pub async fn connect(
    config: &Config,
    search_path: Option<&str>,
) -> Result<(DatabaseConnection, StatementCounter), ConnectError> {
    let mut options = ConnectOptions::new(config.database_url.clone());
    options
        .max_connections(config.db_max_connections)
        .min_connections(0)
        .acquire_timeout(config.db_acquire_timeout)
        .connect_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(300))
        .sqlx_logging(false)
        // SQLite: WAL lets readers run beside the writer; the busy timeout makes a second
        // writer wait instead of failing with "database is locked".
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    // PostgreSQL cancels a statement that runs past the limit (SQLSTATE 57014 -> TIMEOUT), so
    // one runaway query cannot hold a connection and its locks for ever.
    let statement_timeout = config.db_statement_timeout.as_millis().to_string();
    options.map_sqlx_postgres_opts(move |opts| {
        opts.options([("statement_timeout", statement_timeout.as_str())])
    });
    if let Some(schema) = search_path {
        options.set_schema_search_path(schema);
    }
    let mut db = Database::connect(options).await.map_err(|err| {
        let hint = if err.to_string().contains("timed out") {
            " (is the database running and reachable? check DATABASE_URL)"
        } else {
            ""
        };
        ConnectError(format!(
            "cannot connect to {}: {err}{hint}",
            redact_url(&config.database_url)
        ))
    })?;
    let counter = StatementCounter::default();
    let count = counter.0.clone();
    db.set_metric_callback(move |_info| {
        count.fetch_add(1, Ordering::Relaxed);
    });
    Ok((db, counter))
}

/// Applies pending migrations.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Keys of the PostgreSQL advisory locks that make some writes take turns.
#[derive(Clone, Copy, Debug)]
#[repr(i64)]
pub(crate) enum TurnLock {
    DroneRegistration = 0x4841_4e47_0001,
    CameraRegistration = 0x4841_4e47_0002,
}

/// Makes the transactions that take `lock` run one at a time on PostgreSQL, until each ends
/// (SQLite's write transactions take turns already). Registrations need it: two batches with
/// overlapping keys otherwise wait on each other's uncommitted rows in opposite orders (a
/// deadlock), or count as "created" a row the other one created after their look-up.
pub(crate) async fn take_turn(txn: &DatabaseTransaction, lock: TurnLock) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [(lock as i64).into()],
        ))
        .await?;
    }
    Ok(())
}

/// Starts a transaction that will write. Services do not call it: they write through
/// `service::write` (inventory and audited writes) or `service::session::begin` (sign-in
/// bookkeeping), which own the commit.
///
/// On SQLite it begins `IMMEDIATE`, taking the write lock up front: a deferred transaction that
/// reads first and writes later can otherwise fail with SQLITE_BUSY when another writer got in
/// between, which no busy timeout can resolve. PostgreSQL ignores the mode.
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Raises `inventory_epoch` by one in `txn`. Only `service::write::WriteTxn::commit` calls
/// it, as the last statement before COMMIT of every transaction that may have written the
/// inventory: the remembered `totalCount`s (`service::pagination::total`) are exact only
/// because no inventory change commits without moving the epoch.
///
/// Last, right before COMMIT, so the slot's row lock is held for the commit alone and never
/// while the transaction waits for another lock (no new deadlocks); a random slot of eight,
/// so writers committing at once seldom queue on one row.
pub(crate) async fn raise_inventory_epoch(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    let slot = rand::random_range(0..migration::INVENTORY_EPOCH_SLOTS);
    let mut raise = Query::update();
    raise
        .table(Alias::new("inventory_epoch"))
        .value(Alias::new("n"), Expr::col(Alias::new("n")).add(1))
        .and_where(Expr::col(Alias::new("slot")).eq(slot));
    txn.execute(&raise).await?;
    Ok(())
}

/// Rows a bulk write must add before its tables' statistics are looked at.
const ANALYZE_AFTER_ROWS: usize = 1000;

/// After a bulk write of `rows` rows into `tables` (PostgreSQL only), refreshes their planner
/// statistics in the background when the write is larger than autovacuum's own threshold (50
/// rows + 10 % of the rows the statistics know of), instead of waiting up to a minute for
/// autovacuum. (The table's change counter is not used: it is flushed a second late.)
///
/// Why: every pooled connection caches its prepared statements, and after five runs PostgreSQL
/// may keep a *generic* plan for one. The first bulk registration into an empty table plans its
/// `serial_key IN (…1,000 keys)` look-up against zero rows, a sequential scan is as cheap as
/// anything then, and that plan stayed cached while the table grew: measured with
/// `bench/fleet.py`, the eighth call of 10,000 drones took 12-17 s instead of 1 s (each look-up
/// scanning 80,000 rows against 1,000 keys). `ANALYZE` invalidates the cached plans of the
/// tables it visits, on every connection, so the next call plans against the table's real size.
pub(crate) fn refresh_statistics_after_bulk(
    db: &DatabaseConnection,
    tables: &'static [&'static str],
    rows: usize,
) {
    if db.get_database_backend() != DbBackend::Postgres || rows < ANALYZE_AFTER_ROWS {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        for table in tables {
            if let Err(err) = analyze_if_stale(&db, table, rows).await {
                tracing::warn!(table, error = %err, "could not refresh planner statistics");
            }
        }
    });
}

async fn analyze_if_stale(db: &DatabaseConnection, table: &str, rows: usize) -> Result<(), DbErr> {
    let stale = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT $2 > 50 + 0.1 * GREATEST(reltuples, 0) FROM pg_class WHERE oid = to_regclass($1)",
            [table.into(), (rows as f64).into()],
        ))
        .await?
        .map(|row| row.try_get_by_index::<bool>(0))
        .transpose()?
        .unwrap_or(false);
    if stale {
        // The name is one of ours (a &'static str from the services), never user input.
        db.execute_unprepared(&format!("ANALYZE {table}")).await?;
        tracing::debug!(table, "planner statistics refreshed after a bulk write");
    }
    Ok(())
}
