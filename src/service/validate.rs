//! Input checks shared by the inventory services, and the per-item error report of bulk calls.

use serde_json::json;

use crate::error::AppError;

/// Trims `value` and checks it is 1..=`max` characters without control characters.
pub(crate) fn required_text(field: &str, value: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("{field} must not be empty"));
    }
    if value.chars().count() > max {
        return Err(format!("{field} must be at most {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{field} must not contain control characters"));
    }
    Ok(value.to_string())
}

/// An optional text: trimmed, at most `max` characters without control characters; blank
/// means none (a form's empty optional field).
pub(crate) fn optional_text(
    field: &str,
    value: &str,
    max: usize,
) -> Result<Option<String>, String> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    required_text(field, value, max).map(Some)
}

/// The case-insensitive key of a model or serial number (Unicode lower case, as stored).
pub(crate) fn key(value: &str) -> String {
    value.trim().to_lowercase()
}

/// Problems found in the items of a bulk call, each with the item's index.
#[derive(Debug, Default)]
pub(crate) struct ItemErrors(Vec<(usize, String)>);

/// How many item problems the message lists before "and N more" (extensions list them all).
const LISTED_IN_MESSAGE: usize = 10;

impl ItemErrors {
    pub(crate) fn push(&mut self, index: usize, message: impl Into<String>) {
        self.0.push((index, message.into()));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn report(mut self, what: &str) -> (String, serde_json::Value) {
        self.0.sort_by_key(|(index, _)| *index);
        let listed = self
            .0
            .iter()
            .take(LISTED_IN_MESSAGE)
            .map(|(index, message)| format!("item {index}: {message}"))
            .collect::<Vec<_>>()
            .join("; ");
        let more = self.0.len().saturating_sub(LISTED_IN_MESSAGE);
        let message = if more > 0 {
            format!(
                "{} items {what}: {listed}; and {more} more (see extensions.items)",
                self.0.len()
            )
        } else {
            format!(
                "{} item{} {what}: {listed}",
                self.0.len(),
                if self.0.len() == 1 { "" } else { "s" }
            )
        };
        let items = self
            .0
            .into_iter()
            .map(|(index, message)| json!({ "index": index, "message": message }))
            .collect::<Vec<_>>();
        (message, json!({ "items": items }))
    }

    /// BAD_USER_INPUT naming every bad item, or Ok when there is none.
    pub(crate) fn into_bad_input(self) -> Result<(), AppError> {
        if self.is_empty() {
            return Ok(());
        }
        let (message, details) = self.report("invalid, nothing was written");
        Err(AppError::BadInput {
            message,
            details: Some(details),
        })
    }

    /// BAD_USER_INPUT with the first problem alone, as a single item's call reports it.
    pub(crate) fn into_first(self) -> Result<(), AppError> {
        match self.0.into_iter().next() {
            Some((_, message)) => Err(AppError::bad_input(message)),
            None => Ok(()),
        }
    }

    /// CONFLICT naming every conflicting item, or Ok when there is none.
    pub(crate) fn into_conflict(self) -> Result<(), AppError> {
        if self.is_empty() {
            return Ok(());
        }
        let (message, details) = self.report("already registered, nothing was written");
        Err(AppError::ItemConflicts { message, details })
    }
}

#[cfg(test)]
mod props;
