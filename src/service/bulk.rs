//! Bulk registration, once for every domain: validate every item -> resolve what they refer
//! to -> find the keys that exist -> apply the FAIL/SKIP/UPDATE policy -> multi-row writes ->
//! audit -> an outcome in input order. A domain plugs in with [`BulkEntity`]: what an item is,
//! its key, how its rows are read and written. It is the only way rows of such a domain are
//! registered: a single registration (`registerDrone`) is a batch of one ([`register_one`]),
//! whose problems are reported as one item's, without an index.
//!
//! Nothing is written unless every item is valid (and, with FAIL, none exists yet): all
//! problems are reported together, by index. The skeleton stops short of committing and hands
//! back a [`Staged`] transaction, so a domain that announces its changes (drones) announces
//! them before it commits.

use std::{
    collections::{HashMap, hash_map::Entry},
    future::Future,
};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, InsertMany,
    IntoActiveModel,
    sea_query::{IntoIden, OnConflict as SqlOnConflict},
};
use serde_json::Value;

use crate::{
    db::{self, TurnLock},
    error::{AppError, Result, conflict_on_foreign_key, conflict_on_race},
    service::{
        audit::{Actor, AuditEntity, Change},
        validate::{FieldError, ItemErrors},
        write::{WriteTxn, Writer},
    },
};

/// What a bulk registration does with an item whose key already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnConflict {
    /// Reject the whole batch, naming each conflicting item.
    Fail,
    /// Leave the existing row alone and go on.
    Skip,
    /// Overwrite the existing row with the item.
    Update,
}

/// What a bulk registration did.
pub(crate) struct BulkOutcome<M> {
    pub created: usize,
    pub updated: usize,
    /// Items whose key existed (SKIP), including rows registered concurrently.
    pub skipped: usize,
    /// Created and updated rows, in input order.
    pub rows: Vec<M>,
}

/// A domain's part in bulk registration. Implemented by a marker type of the domain's service
/// module; every method but [`BulkEntity::refs`] and [`BulkEntity::link`] is required.
pub(crate) trait BulkEntity {
    /// An item as the caller sends it.
    type Input: Sync;
    /// An item once checked: trimmed text and its key.
    type Item: Send + Sync;
    /// A stored row.
    type Model: Send + Sync;
    /// What the items refer to, looked up once for the whole batch (drones: their cameras).
    type Refs: Default + Send + Sync;

    /// The audit trail's name for the rows.
    const AUDIT: AuditEntity;
    /// The turn registrations of this domain take (see [`db::take_turn`]).
    const TURN: TurnLock;
    /// The key's name in messages ("serial number", "model").
    const KEY_NAME: &'static str;
    /// The key's input field ("serialNumber", "model"): where a repeat or a conflict points.
    const KEY_FIELD: &'static str;

    /// CONFLICT for a single registration whose key (as typed) exists already.
    fn taken(shown_key: &str) -> AppError;

    fn validate(input: &Self::Input) -> Result<Self::Item, FieldError>;
    /// The item's unique key (case-folded).
    fn key(item: &Self::Item) -> &str;
    /// The key as the caller typed it, for messages.
    fn shown_key(item: &Self::Item) -> &str;
    /// The stored row's key.
    fn row_key(row: &Self::Model) -> &str;
    fn row_id(row: &Self::Model) -> i64;

    /// Looks up what the items refer to; pushes a problem for each item whose references are
    /// unknown. A batch runs it before its write transaction; a registration of one inside
    /// it, after its turn, as a single registration always did. Items that refer to nothing
    /// need none.
    fn refs(
        _db: &impl ConnectionTrait,
        _items: &[(usize, Self::Item)],
        _errors: &mut ItemErrors,
    ) -> impl Future<Output = Result<Self::Refs>> + Send {
        async { Ok(Self::Refs::default()) }
    }

    /// The rows of these keys that exist already, by key.
    fn existing(
        txn: &DatabaseTransaction,
        keys: &[String],
    ) -> impl Future<Output = Result<HashMap<String, Self::Model>>> + Send;

    /// Audit snapshots of existing rows an UPDATE is about to overwrite, by id.
    fn snapshots(
        txn: &DatabaseTransaction,
        rows: Vec<&Self::Model>,
    ) -> impl Future<Output = Result<HashMap<i64, Value>>> + Send;

    /// Inserts `items` (with [`insert_chunk`], in chunks) under `policy`, returning the rows
    /// written: created and, with UPDATE, overwritten.
    fn write(
        txn: &DatabaseTransaction,
        items: &[&Self::Item],
        refs: &Self::Refs,
        actor: &Actor,
        at: DateTime<Utc>,
        policy: OnConflict,
    ) -> impl Future<Output = Result<Vec<Self::Model>>> + Send;

    /// Writes what hangs off the written rows (drones: their camera links; `overwritten` are
    /// the ids of rows that existed before, whose links are replaced).
    fn link(
        _txn: &DatabaseTransaction,
        _written: &[Self::Model],
        _items: &HashMap<&str, &Self::Item>,
        _overwritten: &[i64],
        _refs: &Self::Refs,
    ) -> impl Future<Output = Result<()>> + Send {
        async { Ok(()) }
    }

    /// The audit snapshot of a written row; `before` is the overwritten row's, for what an
    /// UPDATE keeps because the item does not say (a drone's tags).
    fn snapshot(
        row: &Self::Model,
        item: &Self::Item,
        refs: &Self::Refs,
        before: Option<&Value>,
    ) -> Value;
}

/// A bulk registration written but not committed yet.
pub(crate) struct Staged<'w, M> {
    pub txn: WriteTxn<'w>,
    pub outcome: BulkOutcome<M>,
    pub created_ids: Vec<i64>,
    pub updated_ids: Vec<i64>,
}

impl<M> Staged<'_, M> {
    /// Commits, for a domain that announces nothing.
    pub(crate) async fn commit(self) -> Result<BulkOutcome<M>> {
        self.txn.commit().await?;
        Ok(self.outcome)
    }
}

/// How problems are reported.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Report {
    /// By item index (`registerDrones`).
    ByIndex,
    /// As the one item's own: its first problem alone, as a single registration says it.
    One,
}

/// Registers one row of `E`: a batch of one with FAIL, its problems reported as its own. Not
/// committed yet.
pub(crate) async fn register_one<'w, E: BulkEntity>(
    w: &'w Writer<'_>,
    input: E::Input,
) -> Result<(WriteTxn<'w>, E::Model)> {
    let staged = register::<E>(
        w,
        std::slice::from_ref(&input),
        OnConflict::Fail,
        Report::One,
    )
    .await?;
    let row = staged
        .outcome
        .rows
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal("a registration of one wrote no row".into()))?;
    Ok((staged.txn, row))
}

/// Registers `inputs` as rows of `E` in one transaction; see the module's header.
pub(crate) async fn register<'w, E: BulkEntity>(
    w: &'w Writer<'_>,
    inputs: &[E::Input],
    policy: OnConflict,
    report: Report,
) -> Result<Staged<'w, E::Model>> {
    let mut errors = ItemErrors::default();
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut items: Vec<(usize, E::Item)> = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        match E::validate(input) {
            Ok(item) => match first_of.entry(E::key(&item).to_owned()) {
                Entry::Occupied(first) => errors.push(
                    index,
                    FieldError::new(
                        E::KEY_FIELD,
                        format!(
                            "{} {:?} repeats item {}",
                            E::KEY_NAME,
                            E::shown_key(&item),
                            first.get()
                        ),
                    ),
                ),
                Entry::Vacant(slot) => {
                    slot.insert(index);
                    items.push((index, item));
                }
            },
            Err(problem) => errors.push(index, problem),
        }
    }
    let (txn, refs) = match report {
        Report::ByIndex => {
            let refs = E::refs(w.db, &items, &mut errors).await?;
            errors.into_bad_input()?;
            let txn = w.begin().await?;
            db::take_turn(&txn, E::TURN).await?;
            (txn, refs)
        }
        // What one item refers to is read in its turn: nothing registered or deleted by
        // another registration can come between the look-up and the write.
        Report::One => {
            std::mem::take(&mut errors).into_first()?;
            let txn = w.begin().await?;
            db::take_turn(&txn, E::TURN).await?;
            let refs = E::refs(&txn, &items, &mut errors).await?;
            errors.into_first()?;
            (txn, refs)
        }
    };
    let keys: Vec<String> = items.iter().map(|(_, i)| E::key(i).to_owned()).collect();
    let existing = E::existing(&txn, &keys).await?;
    if report == Report::One
        && let Some((_, item)) = items.iter().find(|(_, i)| existing.contains_key(E::key(i)))
    {
        return Err(E::taken(E::shown_key(item)));
    }
    if policy == OnConflict::Fail {
        let mut conflicts = ItemErrors::default();
        for (index, item) in &items {
            if existing.contains_key(E::key(item)) {
                conflicts.push(
                    *index,
                    FieldError::new(
                        E::KEY_FIELD,
                        format!(
                            "{} {:?} is already registered",
                            E::KEY_NAME,
                            E::shown_key(item)
                        ),
                    ),
                );
            }
        }
        conflicts.into_conflict()?;
    }
    // What an UPDATE will overwrite, for the audit trail (read before it is overwritten).
    let before = if policy == OnConflict::Update {
        E::snapshots(&txn, existing.values().collect()).await?
    } else {
        HashMap::new()
    };

    let mut skipped = 0;
    let rows: Vec<&E::Item> = items
        .iter()
        .map(|(_, item)| item)
        .filter(|item| {
            let skip = policy == OnConflict::Skip && existing.contains_key(E::key(item));
            skipped += usize::from(skip);
            !skip
        })
        .collect();
    let mut written = E::write(&txn, &rows, &refs, &w.actor, txn.now(), policy).await?;

    // Counted from what was written, not from what the look-up predicted.
    let by_key: HashMap<&str, &E::Item> = rows.iter().map(|item| (E::key(item), *item)).collect();
    let (updated, created): (Vec<&E::Model>, Vec<&E::Model>) = written
        .iter()
        .partition(|row| existing.contains_key(E::row_key(row)));
    let updated_ids: Vec<i64> = updated.into_iter().map(E::row_id).collect();
    let created_ids: Vec<i64> = created.into_iter().map(E::row_id).collect();
    E::link(&txn, &written, &by_key, &updated_ids, &refs).await?;
    let changes = written.iter().map(|row| {
        let id = E::row_id(row);
        let after = E::snapshot(row, by_key[E::row_key(row)], &refs, before.get(&id));
        match before.get(&id) {
            Some(before) => Change::updated(E::AUDIT, id, before.clone(), after),
            None => Change::created(E::AUDIT, id, after),
        }
    });
    txn.audit(changes).await?;

    let position: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, item)| (E::key(item), i))
        .collect();
    written.sort_by_key(|row| position.get(E::row_key(row)).copied().unwrap_or(usize::MAX));
    let outcome = BulkOutcome {
        created: created_ids.len(),
        updated: updated_ids.len(),
        skipped: skipped + (rows.len() - written.len()),
        rows: written,
    };
    Ok(Staged {
        txn,
        outcome,
        created_ids,
        updated_ids,
    })
}

/// The `ON CONFLICT` clause of `policy` on the unique `key` column: SKIP does nothing, UPDATE
/// overwrites `updated` columns, FAIL has none (the violation is the answer). It also covers a
/// row registered concurrently between the look-up and the insert.
pub(crate) fn conflict_clause<C: IntoIden + Copy>(
    key: C,
    updated: &[C],
    policy: OnConflict,
) -> Option<SqlOnConflict> {
    match policy {
        OnConflict::Fail => None,
        OnConflict::Skip => Some(SqlOnConflict::column(key).do_nothing().to_owned()),
        OnConflict::Update => Some(
            SqlOnConflict::column(key)
                .update_columns(updated.iter().copied())
                .to_owned(),
        ),
    }
}

/// What the items refer to (a site) was deleted between the look-up and the write.
fn referred_gone() -> String {
    "something this batch refers to was deleted meanwhile: nothing was written; retry".into()
}

/// Runs one multi-row INSERT with `clause`, returning the rows written. Without a clause
/// (FAIL), a unique violation is a concurrent registration of a `what` (say "serial number"):
/// CONFLICT, and nothing is written.
pub(crate) async fn insert_chunk<A>(
    txn: &impl ConnectionTrait,
    insert: InsertMany<A>,
    clause: Option<SqlOnConflict>,
    what: &str,
) -> Result<Vec<<A::Entity as EntityTrait>::Model>>
where
    A: ActiveModelTrait,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    match clause {
        Some(clause) => insert
            .on_conflict(clause)
            .exec_with_returning(txn)
            .await
            .map_err(|e| conflict_on_foreign_key(e, referred_gone)),
        None => insert.exec_with_returning(txn).await.map_err(|e| {
            conflict_on_race(
                e,
                || {
                    format!(
                        "a {what} of this batch was registered concurrently: nothing was written"
                    )
                },
                referred_gone,
            )
        }),
    }
}
