//! Drone change events: recorded inside the write transaction, delivered after it commits.
//!
//! PostgreSQL: each change is a `pg_notify` issued inside the transaction. PostgreSQL delivers
//! notifications only when (and if) the transaction commits, to every session listening on the
//! channel, so every Hangar instance sharing the database hears every change through its one
//! listener connection, and a rolled-back change is never announced. No broker of our own.
//!
//! SQLite (one process): the changes wait in the [`Outbox`] and go to the in-process broadcast
//! right after the commit succeeds.
//!
//! Either way subscribers read from a bounded `tokio::sync::broadcast` channel: a writer never
//! waits for a subscriber, and a subscriber that falls behind is told and dropped.
//!
//! PostgreSQL drops the notifications of changes committed while this instance's listener is
//! disconnected, and writes may succeed before the listener is back. So whenever the listener
//! loses its connection, and again once it listens again, subscribers get a [`Notice::Gap`]:
//! their subscription ends with an error telling them to resubscribe and refetch. Missing an
//! event is allowed; missing one silently is not.

use std::{sync::Arc, time::Duration};

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::error::Result;

/// Change batches a subscriber may fall behind by before it is dropped.
pub(crate) const SUBSCRIBER_BUFFER: usize = 1024;
/// Ids per notification: keeps each payload well under PostgreSQL's 8,000-byte limit.
const IDS_PER_NOTIFY: usize = 300;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

/// One kind of change to some drones.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DroneChange {
    pub kind: ChangeKind,
    pub ids: Vec<i64>,
}

/// What subscribers hear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Notice {
    Change(DroneChange),
    /// Changes may have been committed without reaching this instance.
    Gap,
}

/// The event hub of one Hangar instance.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Arc<Notice>>,
    /// `Some(channel)` on PostgreSQL: changes travel through NOTIFY on this channel.
    channel: Option<String>,
}

impl Events {
    /// `namespace` separates deployments that share one PostgreSQL database (e.g. schemas).
    pub(crate) fn new(backend: DbBackend, namespace: Option<&str>) -> Self {
        let (sender, _) = broadcast::channel(SUBSCRIBER_BUFFER);
        let channel = (backend == DbBackend::Postgres).then(|| match namespace {
            Some(ns) => format!("hangar_drone_events_{ns}"),
            None => "hangar_drone_events".to_string(),
        });
        Self { sender, channel }
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<Notice>> {
        self.sender.subscribe()
    }

    fn deliver(&self, change: DroneChange) {
        // No subscriber is not an error: the change is simply not watched.
        let _ = self.sender.send(Arc::new(Notice::Change(change)));
    }

    fn announce_gap(&self) {
        let _ = self.sender.send(Arc::new(Notice::Gap));
    }

    /// On PostgreSQL, listens on the channel and re-broadcasts what arrives, reconnecting with
    /// a growing pause when the database goes away. Does nothing on SQLite.
    pub(crate) fn start_listener(&self, db: &DatabaseConnection) {
        let Some(channel) = self.channel.clone() else {
            return;
        };
        let pool = db.get_postgres_connection_pool().clone();
        // The listener keeps its connection for good: give it a pool of its own, so it never
        // holds one of the HANGAR_DB_MAX_CONNECTIONS that requests share.
        let listener_pool = sea_orm::sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .connect_lazy_with((*pool.connect_options()).clone());
        let events = self.clone();
        tokio::spawn(async move {
            let mut pause = Duration::from_millis(200);
            let mut first = true;
            loop {
                match listen(&pool, &listener_pool, &channel, &events, first).await {
                    Ok(()) => return,
                    Err(err) => {
                        events.announce_gap();
                        tracing::warn!(error = %err, ?pause, "event listener lost its connection; reconnecting");
                        tokio::time::sleep(pause).await;
                        // Short pauses: changes go unannounced until the listener is back.
                        pause = (pause * 2).min(Duration::from_secs(2));
                    }
                }
                first = false;
            }
        });
    }
}

/// Runs until the requests' pool closes (Ok) or the connection is lost (Err).
async fn listen(
    pool: &sea_orm::sqlx::PgPool,
    listener_pool: &sea_orm::sqlx::PgPool,
    channel: &str,
    events: &Events,
    first: bool,
) -> Result<(), sea_orm::sqlx::Error> {
    use sea_orm::sqlx::postgres::PgListener;
    if pool.is_closed() {
        return Ok(());
    }
    let mut listener = PgListener::connect_with(listener_pool).await?;
    listener.listen(channel).await?;
    tracing::debug!(channel, "listening for drone events");
    if !first {
        // Subscribers who joined while the listener was away missed what was committed then.
        events.announce_gap();
    }
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                match serde_json::from_str::<DroneChange>(notification.payload()) {
                    Ok(change) => events.deliver(change),
                    Err(err) => tracing::warn!(error = %err, "ignoring a malformed drone event"),
                }
            }
            // The connection dropped. PgListener would reconnect on the next call, but
            // silently: start over instead, so the gap is announced once it listens again.
            Ok(None) => {
                return Err(sea_orm::sqlx::Error::Protocol(
                    "listener connection closed".into(),
                ));
            }
            Err(sea_orm::sqlx::Error::PoolClosed) => return Ok(()),
            Err(err) => return Err(err),
        }
    }
}

/// Changes made by one transaction, announced only once it commits. Owned by the
/// transaction that makes them (`service::write::WriteTxn`), which calls [`Outbox::send_in`]
/// right before its commit and [`Outbox::deliver`] right after.
#[derive(Default)]
pub(crate) struct Outbox {
    changes: Vec<DroneChange>,
}

impl Outbox {
    pub(crate) fn push(&mut self, kind: ChangeKind, ids: Vec<i64>) {
        if !ids.is_empty() {
            self.changes.push(DroneChange { kind, ids });
        }
    }

    /// PostgreSQL: issues the notifications inside `txn`, so they travel only if it commits.
    pub(crate) async fn send_in(&self, events: &Events, txn: &DatabaseTransaction) -> Result<()> {
        let Some(channel) = &events.channel else {
            return Ok(());
        };
        for change in &self.changes {
            for ids in change.ids.chunks(IDS_PER_NOTIFY) {
                let payload = serde_json::to_string(&DroneChange {
                    kind: change.kind,
                    ids: ids.to_vec(),
                })
                .expect("a change serialises");
                txn.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [channel.clone().into(), payload.into()],
                ))
                .await?;
            }
        }
        Ok(())
    }

    /// SQLite: hands the changes to this instance's subscribers, once committed. (PostgreSQL's
    /// arrive through the listener.)
    pub(crate) fn deliver(self, events: &Events) {
        if events.channel.is_none() {
            for change in self.changes {
                events.deliver(change);
            }
        }
    }
}
