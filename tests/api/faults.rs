//! Fault injection: what Hangar does when the world around it fails.
//!
//! - [`postgres_outage`]: PostgreSQL stops and restarts under a running server (a private
//!   cluster, never the shared one). Requests fail fast with SERVICE_UNAVAILABLE, the process
//!   stays up, and reads, writes and subscriptions come back without restarting Hangar.
//! - [`event_gap`]: a subscriber connected through that restart is told when it missed
//!   changes, or misses none.
//! - [`bulk_interrupted`]: the real binary receives SIGTERM or SIGKILL in the middle of a
//!   10,000-drone `registerDrones`. The batch is all or nothing, and an acknowledged write is
//!   never lost, on SQLite and on PostgreSQL.
//!
//! Each test prints what it measured or which outcome happened (`faults:` lines on stderr;
//! run with `--nocapture` to see them).

mod bulk_interrupted;
mod event_gap;
mod postgres_outage;
mod subscriber;
