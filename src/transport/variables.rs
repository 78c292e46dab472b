//! The operation a request runs, and its variables checked against their declared types
//! before execution, as the spec's CoerceVariableValues asks.
//!
//! async-graphql coerces a variable only where an argument uses it, against the *argument's*
//! type: `query($id: ID!) { drone(id: $id) { … } }` with `{"id": null}` ran, and the null
//! reached the resolver of the nullable `id` argument. Here an explicit null for a non-null
//! type (at any list depth) is a request error, BAD_USER_INPUT, and nothing runs. Input object
//! fields need no such check: async-graphql parses them against their own types.

use async_graphql::{
    ServerError, ServerResult, Value, Variables,
    parser::types::{BaseType, ExecutableDocument, OperationDefinition, Type},
};

/// The operation `name` selects (or the only one, when no name is given).
pub(crate) fn selected_operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    let mut operations = document.operations.iter();
    match name {
        Some(name) => operations
            .find(|(op_name, _)| op_name.is_some_and(|n| n.as_str() == name))
            .map(|(_, op)| &op.node),
        None => match (operations.next(), operations.next()) {
            (Some((_, op)), None) => Some(&op.node),
            _ => None,
        },
    }
}

/// Refuses a null given for a variable (or a list item) declared non-null.
pub(crate) fn check(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> ServerResult<()> {
    let Some(operation) = selected_operation(document, operation_name) else {
        // No such operation: execution reports it.
        return Ok(());
    };
    for definition in &operation.variable_definitions {
        let name = definition.node.name.node.as_str();
        if let Some(value) = variables.get(name) {
            let declared = &definition.node.var_type.node;
            check_value(declared, value, &format!("${name}"), declared)
                .map_err(|message| ServerError::new(message, Some(definition.node.var_type.pos)))?;
        }
    }
    Ok(())
}

fn check_value(ty: &Type, value: &Value, path: &str, declared: &Type) -> Result<(), String> {
    if *value == Value::Null {
        return if ty.nullable {
            Ok(())
        } else {
            Err(format!(
                "variable {path} must not be null (declared {declared})"
            ))
        };
    }
    if let BaseType::List(item) = &ty.base {
        match value {
            Value::List(items) => {
                for (i, item_value) in items.iter().enumerate() {
                    check_value(item, item_value, &format!("{path}[{i}]"), declared)?;
                }
            }
            // A single value stands for a list of one.
            single => check_value(item, single, path, declared)?,
        }
    }
    Ok(())
}
