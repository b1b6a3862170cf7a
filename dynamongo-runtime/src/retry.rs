//! How calls retry: bounded attempts with exponential backoff and full jitter.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::error::Error;

/// How every DynamoDB call retries: the one retry layer (a `Db` built by dynamongo turns
/// the SDK's own retries off, so that the bounds here are the bounds). A request is sent
/// at most `max_attempts` times: a single-item call, a page of a Query or Scan, a batch
/// chunk (with its unprocessed items) or a transaction makes at most that many requests,
/// and a batch of `n` chunks at most `n × max_attempts`. Set it per `Db`
/// ([`DbBuilder::retry`](crate::config::DbBuilder::retry)) or per call (`.retry(policy)`).
///
/// ```
/// use std::time::Duration;
/// use dynamongo_runtime::config::RetryPolicy;
/// let p = RetryPolicy {
///     max_attempts: 5,
///     attempt_timeout: Some(Duration::from_secs(2)),
///     operation_timeout: Some(Duration::from_secs(10)),
///     ..Default::default()
/// };
/// assert_eq!(p.base_delay, Duration::from_millis(25));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Requests per call (per chunk for batches), the first included.
    pub max_attempts: u32,
    /// The first backoff ceiling; it doubles each attempt (full jitter below it).
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
    /// Chunks in flight at once.
    pub concurrency: usize,
    /// The longest one request may take before it is given up and retried
    /// ([`Error::Timeout`] once attempts run out). `None`: no limit.
    pub attempt_timeout: Option<Duration>,
    /// The longest one call may take, retries and backoff included ([`Error::Timeout`]).
    /// `None`: no limit.
    pub operation_timeout: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(25),
            max_delay: Duration::from_secs(5),
            concurrency: 8,
            attempt_timeout: None,
            operation_timeout: None,
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
    retrying_after(policy, |_| f()).await
}

/// As [`retrying`], telling `f` whether an earlier attempt may have been applied (its
/// reply was lost), so that a write can tell its own effect from another writer's.
pub(crate) async fn retrying_after<T, F, Fut>(policy: &RetryPolicy, mut f: F) -> Result<T, Error>
where
    F: FnMut(bool) -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let attempts = async {
        let mut attempt = 0;
        let mut maybe_applied = false;
        loop {
            match within(policy, f(maybe_applied)).await {
                Err(e) if e.is_retryable() && attempt + 1 < policy.max_attempts => {
                    maybe_applied |= e.may_have_applied();
                    attempt += 1;
                    // On the operation's span (the current one between calls).
                    tracing::Span::current().record("dynamongo.retries", attempt);
                    tokio::time::sleep(policy.backoff(attempt)).await;
                }
                other => return other,
            }
        }
    };
    match policy.operation_timeout {
        Some(limit) => tokio::time::timeout(limit, attempts)
            .await
            .unwrap_or(Err(Error::Timeout {
                what: "operation",
                after: limit,
            })),
        None => attempts.await,
    }
}

/// One request under the policy's attempt timeout ([`Error::Timeout`] when it runs out).
pub(crate) async fn within<T>(
    policy: &RetryPolicy,
    request: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match policy.attempt_timeout {
        Some(limit) => tokio::time::timeout(limit, request)
            .await
            .unwrap_or(Err(Error::Timeout {
                what: "attempt",
                after: limit,
            })),
        None => request.await,
    }
}
