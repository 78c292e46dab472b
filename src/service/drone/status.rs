//! The status lifecycle and custody: the state diagram of the API contract as one table
//! ([`MOVES`]), and the three mutations that move a drone along it. Every move is checked
//! against the table in [`check_move`] and nowhere else; the drone's row is locked first
//! (`FOR UPDATE` on PostgreSQL, the write transaction on SQLite), so two concurrent moves of
//! one drone take turns and the second sees the first's outcome: two check-outs never both win.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};

use super::{finish_update, lock, not_found, snapshot};
use crate::{
    entity::{
        drone::{self, DroneStatus},
        user::Role,
    },
    error::{AppError, Result, conflict_on_foreign_key},
    service::{site as sites, user as users, validate::required_text, write::Writer},
};

use DroneStatus::{Available, CheckedOut, Lost, Maintenance, Retired};

/// Longest note of a status move.
pub(crate) const MAX_NOTE_CHARS: usize = 2000;

/// The mutation that makes a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Via {
    CheckOut,
    CheckIn,
    SetStatus,
}

impl Via {
    fn mutation(self) -> &'static str {
        match self {
            Via::CheckOut => "checkOutDrone",
            Via::CheckIn => "checkInDrone",
            Via::SetStatus => "setDroneStatus",
        }
    }
}

/// Every allowed move, and which mutation makes it. Anything else is CONFLICT.
pub(crate) const MOVES: &[(DroneStatus, DroneStatus, Via)] = &[
    (Available, CheckedOut, Via::CheckOut),
    (Available, Maintenance, Via::SetStatus),
    (Available, Lost, Via::SetStatus),
    (Available, Retired, Via::SetStatus),
    (CheckedOut, Available, Via::CheckIn),
    (CheckedOut, Maintenance, Via::CheckIn),
    // Lost while out: only setDroneStatus can say so (the holder cannot bring it back).
    (CheckedOut, Lost, Via::SetStatus),
    (Maintenance, Available, Via::SetStatus),
    (Maintenance, Retired, Via::SetStatus),
    (Lost, Available, Via::SetStatus),
    (Lost, Retired, Via::SetStatus),
];

/// CONFLICT naming both states unless the table allows `from -> to` by `via`.
pub(crate) fn check_move(from: DroneStatus, to: DroneStatus, via: Via) -> Result<()> {
    match MOVES.iter().find(|(f, t, _)| *f == from && *t == to) {
        Some((_, _, by)) if *by == via => Ok(()),
        Some((_, _, by)) => Err(AppError::Conflict(format!(
            "{from} -> {to} is made by {}, not {}",
            by.mutation(),
            via.mutation()
        ))),
        None => {
            let next: Vec<&str> = MOVES
                .iter()
                .filter(|(f, _, _)| *f == from)
                .map(|(_, t, _)| t.as_str())
                .collect();
            let why = if next.is_empty() {
                format!("{from} is final")
            } else {
                format!("from {from} a drone may move to {}", next.join(", "))
            };
            Err(AppError::Conflict(format!(
                "a drone cannot move from {from} to {to}: {why}"
            )))
        }
    }
}

fn note_text(note: Option<&str>) -> Result<Option<String>> {
    note.filter(|n| !n.trim().is_empty())
        .map(|n| required_text("note", n, MAX_NOTE_CHARS))
        .transpose()
        .map_err(|e| AppError::bad_field("note", e))
}

/// The row after a move to `to`; leaving CHECKED_OUT clears the custody columns.
fn moved(
    current: &drone::Model,
    to: DroneStatus,
    note: Option<String>,
    at: DateTime<Utc>,
) -> drone::ActiveModel {
    let mut active: drone::ActiveModel = current.clone().into();
    active.status = Set(to);
    active.status_note = Set(note);
    if to != CheckedOut {
        active.holder_id = Set(None);
        active.checked_out_at = Set(None);
        active.due_back_at = Set(None);
    }
    active.updated_at = Set(at);
    active
}

/// AVAILABLE -> CHECKED_OUT to user `to`, due back at `due_back_at` (in the future) if given.
pub(crate) async fn check_out(
    w: &Writer<'_>,
    id: i64,
    to: i64,
    due_back_at: Option<DateTime<Utc>>,
    note: Option<&str>,
) -> Result<drone::Model> {
    let note = note_text(note)?;
    if let Some(due) = due_back_at
        && due <= w.now
    {
        return Err(AppError::bad_field(
            "dueBackAt",
            format!("dueBackAt must be in the future, got {}", due.to_rfc3339()),
        ));
    }
    let txn = w.begin().await?;
    let current = lock(&txn, id).await?.ok_or_else(|| not_found(id))?;
    if users::find_by_id(&txn, to).await?.is_none() {
        return Err(AppError::bad_field(
            "to",
            format!("no user with id {to} to check the drone out to"),
        ));
    }
    check_move(current.status, CheckedOut, Via::CheckOut)?;
    let before = snapshot(&txn, &current).await?;
    let at = txn.now();
    let mut active = moved(&current, CheckedOut, note, at);
    active.holder_id = Set(Some(to));
    active.checked_out_at = Set(Some(at));
    active.due_back_at = Set(due_back_at);
    let updated = active
        .update(&txn)
        .await
        .map_err(|e| conflict_on_foreign_key(e, || format!("user {to} was deleted meanwhile")))?;
    finish_update(txn, before, &updated).await?;
    Ok(updated)
}

/// How a drone comes back.
#[derive(Clone, Debug, Default)]
pub(crate) struct CheckIn {
    /// Re-station it at this site.
    pub site_id: Option<i64>,
    /// Straight into MAINTENANCE (a note then says what is wrong).
    pub to_maintenance: bool,
    pub note: Option<String>,
}

/// CHECKED_OUT -> AVAILABLE (or MAINTENANCE), by SUPPORT or by the holder themself.
pub(crate) async fn check_in(
    w: &Writer<'_>,
    role: Role,
    id: i64,
    how: CheckIn,
) -> Result<drone::Model> {
    let note = note_text(how.note.as_deref())?;
    if how.to_maintenance && note.is_none() {
        return Err(AppError::bad_field(
            "note",
            "checking in to MAINTENANCE needs a note: what is wrong",
        ));
    }
    let to = if how.to_maintenance {
        Maintenance
    } else {
        Available
    };
    let txn = w.begin().await?;
    let current = lock(&txn, id).await?.ok_or_else(|| not_found(id))?;
    let is_holder = current.holder_id.is_some() && current.holder_id == w.actor.user_id();
    if role != Role::Support && !is_holder {
        return Err(AppError::Forbidden(
            "only the support team or the drone's holder may check it in".into(),
        ));
    }
    check_move(current.status, to, Via::CheckIn)?;
    let site_id = match how.site_id {
        Some(site_id) => Some(
            sites::find_by_id(&txn, site_id)
                .await?
                .ok_or_else(|| AppError::bad_field("siteId", format!("no site with id {site_id}")))?
                .id,
        ),
        None => current.site_id,
    };
    let before = snapshot(&txn, &current).await?;
    let mut active = moved(&current, to, note, txn.now());
    active.site_id = Set(site_id);
    let updated = active
        .update(&txn)
        .await
        .map_err(|e| conflict_on_foreign_key(e, || "the site was deleted meanwhile".into()))?;
    finish_update(txn, before, &updated).await?;
    Ok(updated)
}

/// Any move of the table made by setDroneStatus; LOST and RETIRED need a note.
pub(crate) async fn set_status(
    w: &Writer<'_>,
    id: i64,
    to: DroneStatus,
    note: Option<&str>,
) -> Result<drone::Model> {
    let note = note_text(note)?;
    if matches!(to, Lost | Retired) && note.is_none() {
        return Err(AppError::bad_field(
            "note",
            format!("moving a drone to {to} needs a note: what happened"),
        ));
    }
    let txn = w.begin().await?;
    let current = lock(&txn, id).await?.ok_or_else(|| not_found(id))?;
    check_move(current.status, to, Via::SetStatus)?;
    let before = snapshot(&txn, &current).await?;
    let updated = moved(&current, to, note, txn.now()).update(&txn).await?;
    finish_update(txn, before, &updated).await?;
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use sea_orm::Iterable;

    use super::*;

    /// The contract's diagram, written out again by hand: the table must say exactly this.
    #[test]
    fn the_table_is_the_contract_diagram() {
        let allowed = |from, to| {
            matches!(
                (from, to),
                (Available, CheckedOut | Maintenance | Lost | Retired)
                    | (CheckedOut, Available | Maintenance | Lost)
                    | (Maintenance, Available | Retired)
                    | (Lost, Available | Retired)
            )
        };
        for from in DroneStatus::iter() {
            for to in DroneStatus::iter() {
                let via = MOVES
                    .iter()
                    .find(|(f, t, _)| *f == from && *t == to)
                    .map(|(_, _, v)| *v);
                assert_eq!(via.is_some(), allowed(from, to), "{from} -> {to}");
                if let Some(via) = via {
                    assert!(check_move(from, to, via).is_ok());
                    let into_or_out = (from == CheckedOut) != (to == CheckedOut);
                    let expected = match (from, to) {
                        (Available, CheckedOut) => Via::CheckOut,
                        (CheckedOut, Available | Maintenance) => Via::CheckIn,
                        _ => Via::SetStatus,
                    };
                    assert_eq!(via, expected, "{from} -> {to} (into or out: {into_or_out})");
                }
                for other in [Via::CheckOut, Via::CheckIn, Via::SetStatus] {
                    if Some(other) != via {
                        let Err(AppError::Conflict(message)) = check_move(from, to, other) else {
                            panic!("{from} -> {to} by {other:?} must be CONFLICT");
                        };
                        assert!(
                            message.contains(from.as_str()) && message.contains(to.as_str()),
                            "{message}"
                        );
                    }
                }
            }
        }
    }
}
