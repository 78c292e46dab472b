//! Password hashing with argon2id, kept off the async runtime.
//!
//! Hashing is deliberately slow and memory-hungry (19 MiB, 2 passes: OWASP's argon2id
//! baseline), so it runs on the blocking pool, and a semaphore caps how many run at once: a
//! login storm queues here instead of eating every core and starving inventory queries.

use std::sync::Arc;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use tokio::sync::{OnceCell, Semaphore};

use crate::error::{AppError, Result};

pub const MIN_PASSWORD_CHARS: usize = 8;
/// Argon2 accepts longer input, but hashing megabytes of "password" is a cheap way to burn CPU.
pub const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// Verified when a login names an unknown user, so both paths cost the same time.
    dummy_hash: Arc<OnceCell<String>>,
}

impl Passwords {
    /// `concurrency`: how many hashes may run at the same time.
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: Arc::new(OnceCell::new()),
        }
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
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AppError::internal("password hashing pool closed"))?;
        tokio::task::spawn_blocking(work).await?
    }
}

/// The password policy, in one place.
pub fn validate(password: &str) -> Result<()> {
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
