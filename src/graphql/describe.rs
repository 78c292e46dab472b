//! The descriptions of what every list shares, written once here: the arguments of each list
//! field (`filter`, `orderBy`, `first`, `after`, `last`, `before`) and the `and`/`or`/`not` of
//! each filter input. The derive macros take a description only as a literal on each argument
//! or input field, which would copy these nine into every domain (and `filter`'s names its
//! input type, so it could not even be one literal); instead [`SharedDescriptions`] fills in,
//! through async-graphql's public registration hook, the ones that have none. One described at
//! its own field keeps its own words.
use std::borrow::Cow;

use async_graphql::{
    InputType, InputValueError, InputValueResult, Value,
    registry::{MetaType, Registry},
};

/// Registered last with `SchemaBuilder::register_input_type`, whose only work is to hand us the
/// registry once every type of the schema is in it: its `create_type_info` fills in the shared
/// descriptions and names the built-in `Boolean`, so it adds no type of its own. (This replaced
/// a patch of the vendored async-graphql, `SchemaBuilder::edit_registry`.) It is never parsed
/// or produced: no field or argument has this type.
pub(crate) struct SharedDescriptions;

impl InputType for SharedDescriptions {
    type RawValueType = Self;

    fn type_name() -> Cow<'static, str> {
        Cow::Borrowed("Boolean")
    }

    fn create_type_info(registry: &mut Registry) -> String {
        shared_arguments(registry);
        Self::qualified_type_name()
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        Err(InputValueError::custom(format!(
            "not an input of this schema: {value:?}"
        )))
    }

    fn to_value(&self) -> Value {
        Value::Null
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }
}

/// The paging arguments' text: the same rule on every list (the contract's "Lists" note).
const FIRST: &str = "Page forward: at most this many items, after `after` (default 20, at most \
    HANGAR_MAX_PAGE_SIZE, 100 by default; above it or below 0 is BAD_USER_INPUT). Not with `last`.";
const AFTER: &str = "A cursor (`endCursor` or an edge's `cursor`) of the same list with the same \
    filter and orderBy: the page starts after it. Omitted: from the start. A malformed cursor is \
    BAD_USER_INPUT.";
const LAST: &str = "Page backward: at most this many items, before `before` (the same limits as \
    `first`). Not with `first`.";
const BEFORE: &str = "A cursor (`startCursor` or an edge's `cursor`) of the same list with the \
    same filter and orderBy: the page ends before it. Omitted: up to the end.";
const ORDER_BY: &str = "Sort keys in priority order (the first decides, the next breaks its \
    ties); ties left over break on id, so the order is stable. Omitted or empty: id ascending \
    (registration order).";

/// The combinators of every `XFilter` input.
const AND: &str = "Filters that must all match as well.";
const OR: &str = "Filters of which at least one must match as well.";
const NOT: &str = "A filter that must not match.";

/// Fills in the shared descriptions wherever they are missing.
fn shared_arguments(registry: &mut Registry) {
    for ty in registry.types.values_mut() {
        if let MetaType::InputObject { input_fields, .. } = ty {
            for (name, field) in input_fields.iter_mut() {
                if field.description.is_none() {
                    field.description = match name.as_str() {
                        "and" => Some(AND.into()),
                        "or" => Some(OR.into()),
                        "not" => Some(NOT.into()),
                        _ => None,
                    };
                }
            }
            continue;
        }
        let MetaType::Object { fields, .. } = ty else {
            continue;
        };
        for field in fields.values_mut() {
            for (name, arg) in field.args.iter_mut() {
                if arg.description.is_some() {
                    continue;
                }
                arg.description = match name.as_str() {
                    "first" => Some(FIRST.into()),
                    "after" => Some(AFTER.into()),
                    "last" => Some(LAST.into()),
                    "before" => Some(BEFORE.into()),
                    "orderBy" => Some(ORDER_BY.into()),
                    "filter" => Some(filter(&arg.ty)),
                    _ => None,
                };
            }
        }
    }
}

/// `filter`'s text names its input type, whose own description says what it matches.
fn filter(ty: &str) -> String {
    let input = ty.trim_end_matches('!');
    format!(
        "Which items to list: those matching every field given in the {input} (see its \
         fields; `and`, `or` and `not` combine filters). Omitted: all. `totalCount` counts \
         the matches."
    )
}
