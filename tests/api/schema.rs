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

/// Contract items that later issues deliver. Each breach the checker reports must be listed
/// here, so the contract check runs in CI now and the list shrinks as the work lands.
const NOT_YET_BUILT: &[(&str, &str)] = &[
    ("Subscription", "issue #4 (real-time)"),
    ("DroneEvent", "issue #4 (real-time)"),
];

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
        .output()
        .expect("python3 runs the contract checker");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let breaches: Vec<&str> = stdout
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.contains(" passed, "))
        .collect();
    let unexpected: Vec<&&str> = breaches
        .iter()
        .filter(|line| !NOT_YET_BUILT.iter().any(|(item, _)| line.contains(item)))
        .collect();
    assert!(
        unexpected.is_empty(),
        "schema.graphql breaks the contract:\n{}\n\nfull output:\n{stdout}",
        unexpected
            .iter()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    if !breaches.is_empty() {
        eprintln!(
            "contract items not built yet ({}):\n{}",
            breaches.len(),
            breaches.join("\n")
        );
    }
}
