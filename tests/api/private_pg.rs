//! A PostgreSQL cluster of a test's own: `initdb` in a temp directory, served on a free port
//! with its socket in that directory, trust authentication.
//!
//! For tests that stop and restart the database under a running Hangar: doing that to the
//! shared server on 5432 would break every other test running at the same time. Dropping the
//! cluster stops it and removes its directory, even when the test fails.

use std::{path::PathBuf, process::Command};

/// The server tools a cluster needs.
const TOOLS: [&str; 2] = ["initdb", "pg_ctl"];
/// The superuser of the cluster, and the system account that runs it when tests run as root.
const OS_USER: &str = "postgres";

pub struct PrivateCluster {
    dir: tempfile::TempDir,
    port: u16,
}

impl PrivateCluster {
    /// Where the server binaries are: `pg_config --bindir`, else the newest of Debian's
    /// `/usr/lib/postgresql/<version>/bin`, else a directory of `PATH`; the first that holds
    /// every tool. None: this machine cannot run a cluster.
    pub fn bin_dir() -> Option<PathBuf> {
        let from_pg_config = Command::new("pg_config")
            .arg("--bindir")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let version = e.file_name().to_str()?.parse().ok()?;
                Some((version, e.path().join("bin")))
            })
            .collect();
        debian.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
        let path = std::env::var_os("PATH").unwrap_or_default();
        from_pg_config
            .into_iter()
            .chain(debian.into_iter().map(|(_, dir)| dir))
            .chain(std::env::split_paths(&path))
            .find(|dir| TOOLS.iter().all(|tool| dir.join(tool).is_file()))
    }

    /// Creates the cluster and starts it. Blocking (initdb takes a second or two).
    pub fn start_new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the cluster");
        if running_as_root() {
            // initdb refuses to run as root: the cluster belongs to the postgres account.
            run(Command::new("chown").arg(OS_USER).arg(dir.path()));
        }
        let port = free_port();
        let cluster = Self { dir, port };
        run(cluster
            .tool("initdb")
            .arg("-D")
            .arg(cluster.data_dir())
            .args(["-U", OS_USER, "-A", "trust", "-E", "UTF8", "--locale=C"])
            // No fsync of the fresh files: a test cluster does not outlive the machine.
            .arg("--no-sync"));
        cluster.start();
        cluster
    }

    /// Starts the (stopped) cluster on its port and waits until it accepts connections.
    pub fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let output = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_file())
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .output()
            .expect("pg_ctl runs");
        assert!(
            output.status.success(),
            "pg_ctl start failed ({}): {}\nserver log:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
    }

    /// Stops the cluster the way an operator restarting it does: `-m fast` ends every session
    /// (their transactions roll back) and shuts down cleanly. Returns once it is down.
    pub fn stop(&self) {
        let output = self.pg_ctl_stop("fast");
        assert!(
            output.status.success(),
            "pg_ctl stop failed ({}): {}\nserver log:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://{OS_USER}@127.0.0.1:{}/postgres", self.port)
    }

    /// The server's log so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_file()).unwrap_or_default()
    }

    fn pg_ctl_stop(&self, mode: &str) -> std::process::Output {
        self.tool("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", mode, "-w", "-t", "60", "stop"])
            .output()
            .expect("pg_ctl runs")
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    /// A PostgreSQL tool, run as the postgres account when tests run as root, from the
    /// cluster's directory (the postgres account may not enter the test's working directory).
    fn tool(&self, name: &str) -> Command {
        let program = Self::bin_dir()
            .expect("PostgreSQL server binaries were found at the start")
            .join(name);
        let mut command = if running_as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", OS_USER, "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command.current_dir(self.dir.path());
        command
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        // Stopped already (the usual end of a test) or not: either way nothing may outlive the
        // test. `immediate` because a failed test must not wait for a checkpoint.
        if self.data_dir().join("postmaster.pid").exists() {
            let _ = self.pg_ctl_stop("immediate");
        }
    }
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A port nothing listens on right now. The cluster binds it a moment later; the same port
/// must survive restarts, since the running Hangar keeps its URL.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

fn run(command: &mut Command) {
    let output = command.output().expect("command runs");
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
