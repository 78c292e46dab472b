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
