//! How calls retry: bounded attempts with exponential backoff and full jitter.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::error::Error;

/// How batch calls retry.
///
/// ```
/// use std::time::Duration;
/// let p = dynamongo_runtime::config::RetryPolicy { max_attempts: 5, ..Default::default() };
/// assert_eq!(p.base_delay, Duration::from_millis(25));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per chunk, the first included.
    pub max_attempts: u32,
    /// The first backoff ceiling; it doubles each attempt.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
    /// Chunks in flight at once.
    pub concurrency: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(25),
            max_delay: Duration::from_secs(5),
            concurrency: 8,
        }
    }
}

impl RetryPolicy {
    /// Full jitter: a random delay between zero and the attempt's ceiling.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let nanos = ceiling.as_nanos().min(u64::MAX as u128) as u64;
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(random_u64() % nanos)
    }
}

fn random_u64() -> u64 {
    // A fresh RandomState is randomly keyed per process and per call; enough for jitter.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    h.finish()
}

/// Runs `f` until it succeeds, fails for good, or `policy` runs out of attempts.
pub(crate) async fn retrying<T, F, Fut>(policy: &RetryPolicy, mut f: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let mut attempt = 0;
    loop {
        match f().await {
            Err(e) if e.is_retryable() && attempt + 1 < policy.max_attempts => {
                attempt += 1;
                // On the operation's span (the current one between calls).
                tracing::Span::current().record("dynamongo.retries", attempt);
                tokio::time::sleep(policy.backoff(attempt)).await;
            }
            other => return other,
        }
    }
}
