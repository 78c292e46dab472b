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

/// A problem with one field of an input: where it is, relative to the input (`serialNumber`,
/// `cameraModels.1`), and what is wrong. The caller adds where the input itself is
/// (`input.`, `inputs.3.`) when it turns the problem into an [`AppError::bad_field`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub(crate) path: String,
    pub(crate) message: String,
}

impl FieldError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }

    /// BAD_USER_INPUT about this field of the input at `input` (`"input"`, or `""` for an
    /// argument of its own).
    pub(crate) fn of(self, input: &str) -> AppError {
        let field = if input.is_empty() {
            self.path
        } else {
            format!("{input}.{}", self.path)
        };
        AppError::bad_field(field, self.message)
    }
}

/// Names the field a text check's message is about.
pub(crate) trait At<T> {
    /// The problem, if any, as one about the field at `path`.
    fn at(self, path: impl Into<String>) -> Result<T, FieldError>;
}

impl<T> At<T> for Result<T, String> {
    fn at(self, path: impl Into<String>) -> Result<T, FieldError> {
        self.map_err(|message| FieldError::new(path, message))
    }
}

/// The case-insensitive key of a model or serial number (Unicode lower case, as stored).
pub(crate) fn key(value: &str) -> String {
    value.trim().to_lowercase()
}

/// Problems found in the items of a bulk call, each with the item's index and the field.
#[derive(Debug, Default)]
pub(crate) struct ItemErrors(Vec<(usize, FieldError)>);

/// How many item problems the message lists before "and N more" (extensions list them all).
const LISTED_IN_MESSAGE: usize = 10;

impl ItemErrors {
    pub(crate) fn push(&mut self, index: usize, problem: FieldError) {
        self.0.push((index, problem));
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
            .map(|(index, problem)| format!("item {index}: {}", problem.message))
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
        // The bulk mutations' argument is `inputs`: an item's field is `inputs.3.serialNumber`.
        let field = |index: usize, problem: &FieldError| format!("inputs.{index}.{}", problem.path);
        let first = self
            .0
            .first()
            .map(|(index, problem)| field(*index, problem));
        let items = self
            .0
            .iter()
            .map(|(index, problem)| {
                json!({ "index": index, "message": problem.message, "field": field(*index, problem) })
            })
            .collect::<Vec<_>>();
        (message, json!({ "items": items, "field": first }))
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

    /// BAD_USER_INPUT with the first problem alone, as a single item's call (argument
    /// `input`) reports it.
    pub(crate) fn into_first(self) -> Result<(), AppError> {
        match self.0.into_iter().next() {
            Some((_, problem)) => Err(problem.of("input")),
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
