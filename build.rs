//! Tells the test suite which outside services this build may use, so that a variant that
//! cannot run shows as *ignored* in the summary, never as passed: with `TEST_DATABASE_URL` set
//! the PostgreSQL variants are compiled as ordinary tests (`cfg(hangar_test_postgres)`), and
//! with `HANGAR_TEST_S3_ENDPOINT` the S3 photo-store variants (`cfg(hangar_test_s3)`); unset,
//! they are compiled with `#[ignore = "…"]` naming the variable. Setting or clearing one
//! rebuilds the package (Cargo reruns this script when they change). With `CI` set,
//! `cfg(hangar_ci)` compiles in the test that fails the run when either is missing
//! (`tests/api/ci.rs`).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    for (variable, cfg) in [
        ("TEST_DATABASE_URL", "hangar_test_postgres"),
        ("HANGAR_TEST_S3_ENDPOINT", "hangar_test_s3"),
        ("CI", "hangar_ci"),
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={variable}");
        if std::env::var_os(variable).is_some_and(|v| !v.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
