//! `schema.graphql` is generated from the code, and it honours the public contract.

use std::{path::Path, process::Command};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn schema_graphql_is_up_to_date() {
    let committed =
        std::fs::read_to_string(Path::new(ROOT).join("schema.graphql")).unwrap_or_default();
    let generated = hangar::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql is stale: regenerate it with `cargo run -q -- schema > schema.graphql`"
    );
}

#[test]
fn schema_honours_the_api_contract() {
    let checker = Path::new(ROOT).join("../shared/tools/contract-check");
    if !checker.exists() {
        eprintln!("note: ../shared/tools/contract-check not found beside the repository: skipped");
        return;
    }
    let output = Command::new("python3")
        .arg(&checker)
        .arg(Path::new(ROOT).join("schema.graphql"))
        // Every part implemented so far.
        .args([
            "api-contract.graphql",
            "api-contract-fleet.graphql",
            "api-contract-photos.graphql",
            "api-contract-tokens.graphql",
        ])
        .output()
        .expect("python3 runs the contract checker");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let breaches: Vec<&str> = stdout
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.contains(" passed, "))
        .collect();
    assert!(
        breaches.is_empty() && output.status.success(),
        "schema.graphql breaks the contract:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every type, field, argument, input field and enum value of the generated schema has a
/// description (issue #18): GraphiQL's docs are the API's manual, and a new field cannot ship
/// undocumented. Checked here on the SDL itself, so it runs without the workplace's tools.
#[test]
fn every_place_in_the_schema_has_a_description() {
    use async_graphql::parser::{
        parse_schema,
        types::{TypeKind, TypeSystemDefinition},
    };
    let document = parse_schema(hangar::graphql::sdl()).expect("the SDL parses");
    let mut missing = Vec::new();
    let mut check = |place: String, description: bool| {
        if !description {
            missing.push(place);
        }
    };
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = &ty.node;
        let name = ty.name.node.as_str();
        check(name.to_string(), ty.description.is_some());
        let fields = match &ty.kind {
            TypeKind::Object(object) => &object.fields,
            TypeKind::Interface(interface) => &interface.fields,
            TypeKind::InputObject(input) => {
                for field in &input.fields {
                    let field = &field.node;
                    check(
                        format!("{name}.{}", field.name.node),
                        field.description.is_some(),
                    );
                }
                continue;
            }
            TypeKind::Enum(enumeration) => {
                for value in &enumeration.values {
                    let value = &value.node;
                    check(
                        format!("{name}.{}", value.value.node),
                        value.description.is_some(),
                    );
                }
                continue;
            }
            TypeKind::Scalar | TypeKind::Union(_) => continue,
        };
        for field in fields {
            let field = &field.node;
            let place = format!("{name}.{}", field.name.node);
            for arg in &field.arguments {
                let arg = &arg.node;
                check(
                    format!("{place}({})", arg.name.node),
                    arg.description.is_some(),
                );
            }
            check(place, field.description.is_some());
        }
    }
    assert!(
        missing.is_empty(),
        "{} place(s) of the schema have no description (a doc comment, or desc = \"…\" on an \
         argument; the list arguments and filter combinators get theirs from \
         graphql/describe.rs):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// The workplace's own checker agrees, when it is there (`../shared/tools/describe-check`).
#[test]
fn describe_check_finds_nothing_missing() {
    let checker = Path::new(ROOT).join("../shared/tools/describe-check");
    if !checker.exists() {
        eprintln!("note: ../shared/tools/describe-check not found beside the repository: skipped");
        return;
    }
    let output = Command::new("python3")
        .arg(&checker)
        .arg(Path::new(ROOT).join("schema.graphql"))
        .output()
        .expect("python3 runs describe-check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.trim_end().ends_with(" 0 missing") && output.status.success(),
        "describe-check lists places without a description:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
