//! In CI every variant runs: a PostgreSQL or S3 test left ignored there would be a hole that
//! a green run hides. Built only with `CI` set (`build.rs`); elsewhere it shows as ignored.

use crate::private_pg::PrivateCluster;

#[test]
#[cfg_attr(not(hangar_ci), ignore = "CI is unset")]
fn ci_runs_every_variant() {
    let mut missing = Vec::new();
    if !cfg!(hangar_test_postgres) {
        missing.push("TEST_DATABASE_URL (the PostgreSQL variants)");
    }
    if !cfg!(hangar_test_s3) {
        missing.push("HANGAR_TEST_S3_ENDPOINT (the S3 photo-store variants)");
    }
    if PrivateCluster::bin_dir().is_none() {
        missing.push("the PostgreSQL server binaries initdb and pg_ctl (the outage tests)");
    }
    assert!(
        missing.is_empty(),
        "CI is set but these tests could not run: {missing:?}; .ci/run sets them up"
    );
}
