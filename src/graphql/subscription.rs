//! `Subscription.droneEvents`: every committed change to the drone inventory, from any
//! instance sharing the database.

use std::{collections::VecDeque, sync::Arc};

use async_graphql::{Context, Enum, ID, Object, Result, Subscription};
use futures_util::{Stream, StreamExt, stream};
use tokio::sync::broadcast::{Receiver, error::RecvError};

use crate::{
    error::AppError,
    events::{ChangeKind, Notice},
    graphql::{
        common::to_id,
        drone::Drone,
        guard::{SignedInGuard, state},
        loaders,
    },
};

/// What happened to the drone.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "ChangeKind")]
pub(crate) enum DroneEventKind {
    /// It was registered.
    Created,
    /// Something about it changed: its fields, cameras, tags, site, status, custody,
    /// maintenance or photos.
    Updated,
    /// It was deleted.
    Deleted,
}

pub(crate) struct DroneEvent {
    kind: DroneEventKind,
    drone_id: i64,
}

/// One committed change to one drone, from any Hangar instance on the same database.
#[Object]
impl DroneEvent {
    /// What happened.
    async fn kind(&self) -> DroneEventKind {
        self.kind
    }

    /// The drone's id (still there for DELETED).
    async fn drone_id(&self) -> ID {
        to_id(self.drone_id)
    }

    /// The drone as it is now; null for DELETED (or when it was deleted since).
    async fn drone(&self, ctx: &Context<'_>) -> Result<Option<Drone>> {
        if self.kind == DroneEventKind::Deleted {
            return Ok(None);
        }
        Ok(loaders::drone(ctx, self.drone_id).await?.map(Drone))
    }
}

#[derive(Default)]
pub(crate) struct SubscriptionRoot;

/// What can be followed live, over graphql-ws (`/graphql/ws`): changes as they commit.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every change to the drone inventory, from any Hangar instance sharing the database,
    /// after it commits. A subscriber that falls more than 1,024 change batches behind gets an
    /// error and the subscription ends (resubscribe and refetch).
    #[graphql(guard = "SignedInGuard")]
    async fn drone_events(
        &self,
        ctx: &Context<'_>,
    ) -> impl Stream<Item = Result<DroneEvent>> + use<> {
        let receiver = state(ctx).events.subscribe();
        let loaders = loaders::of(ctx).cloned();
        events_stream(receiver).map(move |event| {
            // Each event is resolved whole before the next is asked for: forgetting here
            // gives each one a fresh cache, never an earlier event's answers.
            if let Ok(loaders) = &loaders {
                loaders.forget();
            }
            event
        })
    }
}

struct Cursor {
    receiver: Receiver<Arc<Notice>>,
    pending: VecDeque<DroneEvent>,
    done: bool,
}

/// One event per changed drone, in commit order; ends after telling a lagging subscriber.
fn events_stream(receiver: Receiver<Arc<Notice>>) -> impl Stream<Item = Result<DroneEvent>> {
    let cursor = Cursor {
        receiver,
        pending: VecDeque::new(),
        done: false,
    };
    stream::unfold(cursor, |mut cursor| async move {
        loop {
            if cursor.done {
                return None;
            }
            if let Some(event) = cursor.pending.pop_front() {
                return Some((Ok(event), cursor));
            }
            match cursor.receiver.recv().await {
                Ok(notice) => {
                    let Notice::Change(change) = notice.as_ref() else {
                        cursor.done = true;
                        let error = AppError::Unavailable(
                            "the event feed was interrupted (database connection lost): changes may have been missed; subscribe again and refetch".into(),
                        );
                        return Some((Err(error.into()), cursor));
                    };
                    let kind = change.kind.into();
                    cursor.pending.extend(
                        change
                            .ids
                            .iter()
                            .map(|&drone_id| DroneEvent { kind, drone_id }),
                    );
                }
                Err(RecvError::Lagged(missed)) => {
                    cursor.done = true;
                    let error = AppError::TooManyRequests {
                        message: format!(
                            "subscriber too slow: {missed} change batches were dropped; subscribe again and refetch"
                        ),
                        retry_after_secs: 0,
                    };
                    return Some((Err(error.into()), cursor));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;
    use tokio::sync::broadcast;

    use super::*;
    use crate::events::DroneChange;

    #[tokio::test]
    async fn a_lagging_subscriber_is_told_and_dropped_while_writers_go_on() {
        let (sender, receiver) = broadcast::channel(4);
        // Writers never wait: ten sends into a buffer of four all return at once.
        for id in 1..=10 {
            sender
                .send(Arc::new(Notice::Change(DroneChange {
                    kind: ChangeKind::Created,
                    ids: vec![id],
                })))
                .unwrap();
        }
        let items: Vec<_> = events_stream(receiver).collect().await;
        assert_eq!(items.len(), 1, "the stream ends after the error");
        let error = items.into_iter().next().unwrap().err().unwrap();
        assert_eq!(
            error.message,
            "subscriber too slow: 6 change batches were dropped; subscribe again and refetch"
        );
    }

    #[tokio::test]
    async fn a_gap_ends_the_subscription_with_service_unavailable() {
        let (sender, receiver) = broadcast::channel(4);
        sender
            .send(Arc::new(Notice::Change(DroneChange {
                kind: ChangeKind::Created,
                ids: vec![7],
            })))
            .unwrap();
        sender.send(Arc::new(Notice::Gap)).unwrap();
        let items: Vec<_> = events_stream(receiver).collect().await;
        assert_eq!(items.len(), 2, "the event, then the error, then the end");
        assert_eq!(items[0].as_ref().unwrap().drone_id, 7);
        let error = items[1].as_ref().err().unwrap();
        assert_eq!(
            error.extensions.as_ref().and_then(|e| e.get("code")),
            Some(&async_graphql::Value::from("SERVICE_UNAVAILABLE"))
        );
    }

    #[tokio::test]
    async fn each_id_of_a_batch_is_one_event_in_order() {
        let (sender, receiver) = broadcast::channel(4);
        sender
            .send(Arc::new(Notice::Change(DroneChange {
                kind: ChangeKind::Updated,
                ids: vec![3, 1, 2],
            })))
            .unwrap();
        drop(sender);
        let ids: Vec<i64> = events_stream(receiver)
            .map(|e| e.unwrap().drone_id)
            .collect()
            .await;
        assert_eq!(ids, vec![3, 1, 2]);
    }
}
