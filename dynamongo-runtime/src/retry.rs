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

/// The retry quota of a `Db`, shared by its clones and metered copies, as the AWS SDKs'
/// standard retry mode keeps it: 500 tokens; a retry takes 5 (10 after a timeout); a call
/// that succeeds gives back what its retries took, or 1 when it needed none. When the
/// quota cannot pay for a retry, the call fails with its last error: under a lasting
/// outage or throttling a client stops multiplying its requests.
#[derive(Debug)]
pub(crate) struct RetryQuota {
    tokens: std::sync::atomic::AtomicU32,
}

/// Tokens a quota starts with (and holds at most).
pub(crate) const QUOTA_TOKENS: u32 = 500;
/// Tokens a retry takes.
const RETRY_COST: u32 = 5;
/// Tokens a retry after a timeout takes.
const TIMEOUT_RETRY_COST: u32 = 10;

impl Default for RetryQuota {
    fn default() -> Self {
        RetryQuota {
            tokens: std::sync::atomic::AtomicU32::new(QUOTA_TOKENS),
        }
    }
}

impl RetryQuota {
    /// Takes the cost of retrying after `error`: `None` when the quota cannot pay.
    pub(crate) fn acquire(&self, error: &Error) -> Option<u32> {
        use std::sync::atomic::Ordering;
        let cost = match error {
            Error::Timeout { .. } => TIMEOUT_RETRY_COST,
            _ => RETRY_COST,
        };
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .ok()
            .map(|_| cost)
    }

    /// A call succeeded: gives back what its retries took (`taken`), or 1 without retries.
    pub(crate) fn release(&self, taken: u32) {
        use std::sync::atomic::Ordering;
        // A call that needed no retry meets a full quota almost always: nothing to give
        // back, and no write to the counter every client call shares.
        if taken == 0 && self.tokens.load(Ordering::Relaxed) >= QUOTA_TOKENS {
            return;
        }
        let back = if taken == 0 { 1 } else { taken };
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(t.saturating_add(back).min(QUOTA_TOKENS))
            });
    }

    /// Tokens left.
    pub(crate) fn available(&self) -> u32 {
        self.tokens.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// Runs `f` until it succeeds, fails for good, or `policy` (or the quota) runs out of
/// attempts.
///
/// The retry layer is plain functions returning futures, not `async fn`s wrapping each
/// other: every `async fn` layer keeps its argument future and the awaited one apart, so a
/// request's future (several KiB of the SDK's) would be stored, and copied, once per layer.
pub(crate) fn retrying<'a, T, F, Fut>(
    quota: &'a RetryQuota,
    policy: &'a RetryPolicy,
    mut f: F,
) -> impl std::future::Future<Output = Result<T, Error>> + 'a
where
    T: 'a,
    F: FnMut() -> Fut + 'a,
    Fut: std::future::Future<Output = Result<T, Error>> + 'a,
{
    retrying_after(quota, policy, move |_| f())
}

/// As [`retrying`], telling `f` whether an earlier attempt may have been applied (its
/// reply was lost), so that a write can tell its own effect from another writer's.
pub(crate) fn retrying_after<'a, T, F, Fut>(
    quota: &'a RetryQuota,
    policy: &'a RetryPolicy,
    mut f: F,
) -> impl std::future::Future<Output = Result<T, Error>> + 'a
where
    T: 'a,
    F: FnMut(bool) -> Fut + 'a,
    Fut: std::future::Future<Output = Result<T, Error>> + 'a,
{
    let attempts = async move {
        let mut attempt = 0;
        let mut maybe_applied = false;
        let mut taken = 0;
        loop {
            match within(policy.attempt_timeout, f(maybe_applied)).await {
                Ok(v) => {
                    quota.release(taken);
                    return Ok(v);
                }
                Err(e) => {
                    let (delay, may_have_applied) =
                        retry_after(quota, policy, e, &mut attempt, &mut taken)?;
                    maybe_applied |= may_have_applied;
                    tokio::time::sleep(delay).await;
                }
            }
        }
    };
    limited(policy.operation_timeout, "operation", attempts)
}

/// Whether a failed attempt is retried: its backoff, and whether it may have been applied;
/// or the error, to return. Out of line and cold: a call's usual path is one attempt, and
/// its code stays together.
#[cold]
#[inline(never)]
fn retry_after(
    quota: &RetryQuota,
    policy: &RetryPolicy,
    e: Error,
    attempt: &mut u32,
    taken: &mut u32,
) -> Result<(Duration, bool), Error> {
    if !e.is_retryable() || *attempt + 1 >= policy.max_attempts {
        return Err(e);
    }
    let Some(cost) = quota.acquire(&e) else {
        tracing::debug!(target: "dynamongo", "retry quota exhausted: not retried");
        return Err(e);
    };
    *taken += cost;
    *attempt += 1;
    // On the operation's span (the current one between calls).
    tracing::Span::current().record("dynamongo.retries", *attempt);
    Ok((policy.backoff(*attempt), e.may_have_applied()))
}

/// One request under the policy's attempt timeout ([`Error::Timeout`] when it runs out).
pub(crate) fn within<T>(
    limit: Option<Duration>,
    request: impl std::future::Future<Output = Result<T, Error>>,
) -> impl std::future::Future<Output = Result<T, Error>> {
    limited(limit, "attempt", request)
}

/// `future` under `limit`, when there is one: one future either way, polled where it lies.
fn limited<T>(
    limit: Option<Duration>,
    what: &'static str,
    future: impl std::future::Future<Output = Result<T, Error>>,
) -> impl std::future::Future<Output = Result<T, Error>> {
    use futures::future::{Either, FutureExt};
    match limit {
        Some(after) => Either::Left(
            tokio::time::timeout(after, future)
                .map(move |r| r.unwrap_or(Err(Error::Timeout { what, after }))),
        ),
        None => Either::Right(future),
    }
}

#[cfg(test)]
mod tests {
    use crate::codegen::example::user::{self, User};
    use crate::model::Strategy;

    fn db() -> crate::Db {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .build();
        crate::Db::from_client(aws_sdk_dynamodb::Client::from_conf(config), "")
    }

    /// The SDK's request future (several KiB) is made in a block of its own
    /// (`trace::sent`), so the layers above it — retries, timeouts, the operation — hold a
    /// pointer, and every move of theirs copies a few hundred bytes rather than the SDK's
    /// KiBs. (An `async fn` layer that wraps a future held it twice, the argument and the
    /// awaited copy, hence the retry layer's plain functions.) Sizes only: nothing is sent.
    #[test]
    fn a_call_holds_the_sdks_request_future_by_pointer() {
        let db = db();
        let policy = db.retry_policy();
        let key = crate::keys::resolve(Strategy::<User>::into_target("a@b.io"))
            .expect("a key")
            .key;
        let sdk = std::mem::size_of_val(&db.client().get_item().send());
        let ours = std::mem::size_of_val(&crate::read::read_item(&db, "t", &key, false, &policy));
        assert!(
            ours < sdk / 2,
            "read_item: {ours} bytes, GetItem's own {sdk}"
        );

        let sdk = std::mem::size_of_val(&db.client().update_item().send());
        let single = crate::keys::resolve(Strategy::<User>::into_target("a@b.io")).expect("a key");
        let ours = std::mem::size_of_val(&crate::write::update::<User>(
            &db,
            Ok((single, vec![user::name().set("B")])),
            policy,
        ));
        assert!(
            ours < sdk / 2,
            "update: {ours} bytes, UpdateItem's own {sdk}"
        );

        let sdk = std::mem::size_of_val(&db.client().put_item().send());
        let item = User::new("a@b.io", "A");
        let always = crate::ops::Overwrite::Always;
        let ours = std::mem::size_of_val(&crate::write::put::<User>(
            &db, &item, &always, &policy, None,
        ));
        assert!(ours < sdk / 2, "put: {ours} bytes, PutItem's own {sdk}");
    }
}
