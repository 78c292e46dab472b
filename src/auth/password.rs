//! Password hashing with argon2id, kept off the async runtime.
//!
//! Hashing is deliberately slow and memory-hungry (19 MiB, 2 passes: OWASP's argon2id
//! baseline). It runs on a small pool of its own threads (one per core), fed by a bounded
//! queue: a login storm waits in that queue instead of eating every core, the memory it can
//! take is fixed (threads × 19 MiB), and on Linux the pool runs at a lower scheduling priority
//! (nice 10), so the runtime threads answering inventory queries win the CPU when both want it.
//! The pool starts with the first hash.

use std::sync::{Arc, Mutex, OnceLock, mpsc};

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use tokio::sync::{OnceCell, oneshot};

use crate::error::{AppError, Result};

pub(crate) const MIN_PASSWORD_CHARS: usize = 8;
/// Argon2 accepts longer input, but hashing megabytes of "password" is a cheap way to burn CPU.
pub(crate) const MAX_PASSWORD_CHARS: usize = 256;

type Job = Box<dyn FnOnce() + Send>;

/// Hashes waiting for a pool thread at most; past it callers wait to enqueue.
const QUEUE: usize = 1024;

#[derive(Clone)]
pub struct Passwords {
    /// Started by the first hash, not by the constructor: a command that never hashes (`hangar
    /// seed` of an inventory, `migrate`) starts no thread.
    pool: Arc<OnceLock<mpsc::SyncSender<Job>>>,
    concurrency: usize,
    /// Verified when a login names an unknown user, so both paths cost the same time.
    dummy_hash: Arc<OnceCell<String>>,
}

impl Passwords {
    /// `concurrency`: how many hashes may run at the same time.
    pub(crate) fn new(concurrency: usize) -> Self {
        Self {
            pool: Arc::default(),
            concurrency: concurrency.max(1),
            dummy_hash: Arc::new(OnceCell::new()),
        }
    }

    /// The pool's queue; the threads exit once every `Passwords` handle is gone.
    fn jobs(&self) -> &mpsc::SyncSender<Job> {
        self.pool.get_or_init(|| {
            let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE);
            let queue = Arc::new(Mutex::new(queue));
            for n in 0..self.concurrency {
                let queue = queue.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("argon2-{n}"))
                    .spawn(move || {
                        lower_priority();
                        loop {
                            // The lock is held only while waiting for the next job.
                            let job = match queue.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                                Ok(job) => job,
                                Err(_) => return, // every Passwords handle is gone
                            };
                            // A panicking hash must not take the thread (and its capacity).
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                    });
                if let Err(err) = spawned {
                    // Fewer threads only means fewer hashes at once; none at all is reported
                    // by `run` as the pool having stopped.
                    tracing::error!(error = %err, "cannot start a password hashing thread");
                }
            }
            jobs
        })
    }

    /// Checks the password policy, then hashes it.
    pub async fn hash(&self, password: &str) -> Result<String> {
        validate(password)?;
        let password = password.to_owned();
        self.run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|err| AppError::internal(format!("argon2 hash failed: {err}")))
        })
        .await
    }

    /// Verifies `password` against a stored PHC string, or against a dummy hash when there is
    /// none (unknown user), always taking the same time. Returns whether it matched.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool> {
        let (hash, real) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash().await?, false),
        };
        let password = password.to_owned();
        let matched = self
            .run(move || {
                Ok(Argon2::default()
                    .verify_password(password.as_bytes(), hash.as_str())
                    .is_ok())
            })
            .await?;
        Ok(matched && real)
    }

    async fn dummy_hash(&self) -> Result<String> {
        self.dummy_hash
            .get_or_try_init(|| async {
                let random: [u8; 16] = rand::random();
                let password = random
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>();
                self.hash(&password).await
            })
            .await
            .cloned()
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        // try_send first: the queue is almost never full, and then no thread is needed.
        match self.jobs().try_send(job) {
            Ok(()) => {}
            Err(mpsc::TrySendError::Full(job)) => {
                let jobs = self.jobs().clone();
                tokio::task::spawn_blocking(move || jobs.send(job))
                    .await?
                    .map_err(|_| AppError::internal("password hashing pool stopped"))?;
            }
            Err(mpsc::TrySendError::Disconnected(_)) => {
                return Err(AppError::internal("password hashing pool stopped"));
            }
        }
        result
            .await
            .map_err(|_| AppError::internal("password hashing thread failed"))?
    }
}

/// The password policy, in one place.
pub(crate) fn validate(password: &str) -> Result<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(AppError::bad_input(format!(
            "password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AppError::bad_input(format!(
            "password must be at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(())
}

/// Nice 10 for the calling thread (Linux applies nice per thread); best effort elsewhere.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain syscalls on the calling thread, no memory passed.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}
