//! The one error type of the runtime, and its parts.

use std::fmt;

/// Everything that can go wrong in a dynamongo call.
///
/// ```
/// use dynamongo_runtime::{Error, error::Violation};
/// let e = Error::Validation(vec![Violation::new("email", "is required")]);
/// assert_eq!(e.to_string(), "invalid item: email: is required");
/// assert!(!e.is_not_found());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The item broke the model's rules; every violation is listed, with its field path.
    #[error("invalid item: {}", render_violations(.0))]
    Validation(Vec<Violation>),
    /// The request itself cannot be served, whatever the data: a body that is not JSON, a
    /// page cursor that was altered, cut short or belongs to another query, a page of no
    /// items, a malformed id. Each problem is a violation, its path naming the part of the
    /// request (`cursor`, `page`, `id`). A web service answers 400.
    #[error("invalid request: {}", render_violations(.0))]
    BadRequest(Vec<Violation>),
    /// The write's condition was not met: `overwrite(false)` on an existing item, a failed
    /// check, or a stale copy of a versioned item. Nothing was written. The item as stored
    /// comes with it when DynamoDB returned it: read it with [`Error::stored`].
    #[error("the conditional check failed{}", table_suffix(.table))]
    ConditionalCheckFailed {
        /// The (prefixed) table the write went to.
        table: String,
        /// The item as stored when the check failed (`None`: there was none, or the
        /// service did not return it).
        item: Option<Box<crate::item::Item>>,
        /// That item as the model's JSON (`to_json`), when it decodes: what a web service
        /// answers, with none of the storage's own attributes (keys a single-table design
        /// renders, its entity attribute) or formats.
        json: Option<Box<serde_json::Value>>,
    },
    /// A transaction was cancelled and nothing in it was applied: one reason per action,
    /// in the order the actions were added.
    #[error("transaction cancelled: {}", render_reasons(.reasons))]
    TransactionCanceled {
        /// One per action (DynamoDB's code `None` for the actions that did not fail).
        reasons: Vec<CancelReason>,
    },
    /// A transaction that DynamoDB would refuse (too many actions, one item twice, too
    /// large), caught before sending.
    #[error("invalid transaction: {0}")]
    Transaction(String),
    /// A strategy or condition that cannot be turned into a request (caught before sending).
    #[error("invalid expression: {0}")]
    Expression(String),
    /// No item matched the strategy.
    #[error("no item found in table `{table}`")]
    NotFound {
        /// The (prefixed) table that was read.
        table: String,
    },
    /// An item in the table does not fit the model.
    #[error("item in table `{table}` does not fit the model: {source}")]
    Decode {
        /// The (prefixed) table the item came from.
        table: String,
        /// Where and how it does not fit.
        #[source]
        source: DecodeError,
    },
    /// A batch read could not fetch every key even after retrying: what was fetched and
    /// what is missing, so that nothing is silently dropped.
    #[error("{} key(s) still unprocessed after {attempts} attempts ({} item(s) fetched)", .missing.len(), .fetched.len())]
    Incomplete {
        /// Items fetched (raw; decode with `Model::from_item`).
        fetched: Vec<crate::item::Item>,
        /// Keys not fetched.
        missing: Vec<crate::item::Item>,
        /// Attempts made per request.
        attempts: u32,
    },
    /// A batch write stayed unprocessed (throttled) through every retry.
    #[error("still unprocessed after {attempts} attempts")]
    Unprocessed {
        /// Attempts made.
        attempts: u32,
    },
    /// A write whose outcome cannot be known: an earlier attempt may have been applied
    /// (its reply was lost: a 5xx answer, a dropped connection or a timeout), and the retry
    /// found the item neither as that write left it nor as it was before. Another writer
    /// may have changed it in between. Read the item to see where it stands; this is never
    /// reported as a conflict, since there may have been none.
    #[error("the outcome of {operation} on table `{table}` is unknown: {reason}")]
    OutcomeUnknown {
        /// The (prefixed) table.
        table: String,
        /// The DynamoDB operation (`PutItem`, `UpdateItem`, `DeleteItem`).
        operation: &'static str,
        /// What happened.
        reason: String,
    },
    /// A call took longer than the retry policy allows ([`RetryPolicy::attempt_timeout`]
    /// for one request, retried; [`RetryPolicy::operation_timeout`] for the whole call).
    ///
    /// [`RetryPolicy::attempt_timeout`]: crate::config::RetryPolicy::attempt_timeout
    /// [`RetryPolicy::operation_timeout`]: crate::config::RetryPolicy::operation_timeout
    #[error("{what} timed out after {after:?}")]
    Timeout {
        /// `attempt` (one request) or `operation` (the whole call, retries included).
        what: &'static str,
        /// The limit that was reached.
        after: std::time::Duration,
    },
    /// A call would Scan the table and the `Db` refuses Scans
    /// ([`Scans::Refuse`](crate::config::Scans::Refuse)); nothing was sent.
    #[error("refused to scan table `{table}`: {reason} (the Db's scan policy is Refuse; use a key, an index or `explain()` to see the plan)")]
    ScanRefused {
        /// The (prefixed) table.
        table: String,
        /// Why the planner chose a Scan.
        reason: String,
    },
    /// The table already exists (from `create_table`).
    #[error("table `{0}` already exists")]
    TableExists(String),
    /// Configuration could not be read or the embedded store could not start.
    #[error("configuration: {0}")]
    Config(String),
    /// An error from DynamoDB or the AWS SDK, with the operation that failed.
    #[error("{operation} failed: {message}")]
    Sdk {
        /// The DynamoDB operation (`PutItem`, ...).
        operation: &'static str,
        /// The service's error code, when it sent one (`ResourceNotFoundException`, ...).
        code: Option<String>,
        /// The full error text.
        message: String,
    },
}

impl Error {
    /// Whether this is [`Error::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// Whether this is [`Error::ConditionalCheckFailed`].
    pub fn is_conditional_check_failed(&self) -> bool {
        matches!(self, Error::ConditionalCheckFailed { .. })
    }

    /// The reasons of an [`Error::TransactionCanceled`], else an empty slice.
    pub fn cancel_reasons(&self) -> &[CancelReason] {
        match self {
            Error::TransactionCanceled { reasons } => reasons,
            _ => &[],
        }
    }

    /// The violations of an [`Error::Validation`] or [`Error::BadRequest`], else an empty
    /// slice.
    pub fn violations(&self) -> &[Violation] {
        match self {
            Error::Validation(v) | Error::BadRequest(v) => v,
            _ => &[],
        }
    }

    /// Whether retrying the same request may succeed (throttling, 5xx, network).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Sdk { code, .. } => matches!(
                code.as_deref(),
                None | Some(
                    "ProvisionedThroughputExceededException"
                        | "ThrottlingException"
                        | "RequestLimitExceeded"
                        | "InternalServerError"
                        | "ServiceUnavailable"
                        | "TransactionInProgressException"
                        // Too many table operations at once (CreateTable, ...).
                        | "LimitExceededException"
                )
            ),
            // One request took too long: another may not.
            Error::Timeout {
                what: "attempt", ..
            } => true,
            // A transaction cancelled only by conflicts with other writers or throttling:
            // nothing was applied, and the same request (same token) may go through.
            Error::TransactionCanceled { reasons } => {
                reasons.iter().any(CancelReason::failed)
                    && reasons.iter().filter(|r| r.failed()).all(|r| {
                        matches!(
                            r.code.as_deref().unwrap_or_default(),
                            "TransactionConflict"
                                | "ThrottlingError"
                                | "ProvisionedThroughputExceeded"
                        )
                    })
            }
            _ => false,
        }
    }

    /// Whether the request that failed so may have been applied all the same: the reply
    /// was lost (no answer, a timeout, a server error). Throttling and every 4xx answer
    /// mean it was not.
    pub(crate) fn may_have_applied(&self) -> bool {
        match self {
            Error::Sdk { code, .. } => matches!(
                code.as_deref(),
                None | Some("InternalServerError" | "ServiceUnavailable")
            ),
            Error::Timeout { .. } => true,
            _ => false,
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn sdk<E>(operation: &'static str, err: aws_sdk_dynamodb::error::SdkError<E>) -> Self
    where
        E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
        #[cfg(feature = "encryption")]
        if let Some(e) = crate::encryption::failure_of(&err) {
            return e;
        }
        // No credentials is a configuration problem, found at the first call: say which
        // variables provide them.
        if let SdkError::ConstructionFailure(_) | SdkError::DispatchFailure(_) = &err {
            let text = aws_sdk_dynamodb::error::DisplayErrorContext(&err).to_string();
            if text.to_lowercase().contains("credential") {
                return Error::Config(format!(
                    "no AWS credentials for {operation}: set AWS_ACCESS_KEY_ID and \
                     AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or run where an IAM role provides \
                     them), or use Db::builder().credentials(..) ({text})"
                ));
            }
        }
        let code = err.code().map(str::to_string);
        let message = match err.message() {
            Some(m) => format!("{}: {m}", code.as_deref().unwrap_or("error")),
            None => format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(&err)),
        };
        Error::Sdk {
            operation,
            code,
            message,
        }
    }
}

fn table_suffix(table: &str) -> String {
    if table.is_empty() {
        String::new()
    } else {
        format!(" on table `{table}`")
    }
}

fn render_reasons(reasons: &[CancelReason]) -> String {
    let failed: Vec<String> = reasons
        .iter()
        .filter(|r| r.failed())
        .map(CancelReason::to_string)
        .collect();
    if failed.is_empty() {
        "no reason given".to_string()
    } else {
        failed.join("; ")
    }
}

/// Why one action of a cancelled transaction failed, or `code: None` when it did not.
///
/// ```
/// use dynamongo_runtime::transact::CancelReason;
/// let r = CancelReason::new(2, "ConditionalCheckFailed");
/// assert!(r.failed());
/// assert_eq!(r.code.as_deref(), Some("ConditionalCheckFailed"));
/// assert_eq!(r.to_string(), "action 2: ConditionalCheckFailed");
/// // DynamoDB says "None" for an action that was fine.
/// let fine = CancelReason::new(0, "None");
/// assert_eq!(fine.code, None);
/// assert!(!fine.failed());
/// assert_eq!(fine.to_string(), "action 0: fine");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CancelReason {
    /// The action's position in the transaction, from 0.
    pub index: usize,
    /// DynamoDB's code when this action failed: `ConditionalCheckFailed`,
    /// `TransactionConflict`, `ItemCollectionSizeLimitExceeded`, `ThrottlingError`,
    /// `ValidationError`, ...; `None` when it was fine (DynamoDB's `"None"`).
    pub code: Option<String>,
    /// DynamoDB's message, when it sent one.
    pub message: Option<String>,
    /// The item as stored, when the transaction asked for it
    /// (`TransactWrite::return_stored`); read it typed with `CancelReason::stored`.
    pub item: Option<Box<crate::item::Item>>,
}

impl CancelReason {
    /// A reason with no message or item, from DynamoDB's code (`"None"`: the action was
    /// fine).
    pub fn new(index: usize, code: impl Into<String>) -> Self {
        let code = code.into();
        CancelReason {
            index,
            code: (code != "None").then_some(code),
            message: None,
            item: None,
        }
    }

    /// Whether this action failed (it has a code).
    pub fn failed(&self) -> bool {
        self.code.is_some()
    }
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "action {}: {}",
            self.index,
            self.code.as_deref().unwrap_or("fine")
        )?;
        if let Some(m) = self.message.as_deref().filter(|m| !m.is_empty()) {
            write!(f, " ({m})")?;
        }
        Ok(())
    }
}

fn render_violations(v: &[Violation]) -> String {
    v.iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// One broken rule: where (a field path such as `address.city` or `pets[2]`) and what.
///
/// ```
/// let v = dynamongo_runtime::error::Violation::new("year_of_birth", "must be at most 2018");
/// assert_eq!(v.to_string(), "year_of_birth: must be at most 2018");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Violation {
    /// Field path in the model (attribute names joined with `.`, list indices in `[]`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl Violation {
    /// A violation at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Violation {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Why an item read from DynamoDB does not fit the model.
///
/// ```
/// let e = dynamongo_runtime::error::DecodeError::new("N (number)", "S").at("year_of_birth");
/// assert_eq!(e.path(), "year_of_birth");
/// assert_eq!(e.to_string(), "attribute `year_of_birth`: expected N (number), found S");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(Box<DecodeInner>);

/// Boxed so that `Result<T, DecodeError>` stays small on the hot decode path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DecodeInner {
    /// Path segments, innermost first (built while the error travels outwards).
    segments: Vec<String>,
    expected: String,
    found: String,
}

impl DecodeError {
    /// An error with no path yet: `expected` what, `found` what instead.
    pub fn new(expected: impl Into<String>, found: impl Into<String>) -> Self {
        DecodeError(Box::new(DecodeInner {
            segments: Vec::new(),
            expected: expected.into(),
            found: found.into(),
        }))
    }

    /// The same error one level further out, under attribute `name` (or `[i]`).
    pub fn at(mut self, name: &str) -> Self {
        self.0.segments.push(name.to_string());
        self
    }

    /// The attribute path (`address.city`, `pets[1].name`).
    pub fn path(&self) -> String {
        let mut out = String::new();
        for seg in self.0.segments.iter().rev() {
            if !out.is_empty() && !seg.starts_with('[') {
                out.push('.');
            }
            out.push_str(seg);
        }
        out
    }

    /// What the model expected there.
    pub fn expected(&self) -> &str {
        &self.0.expected
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "attribute `{}`: expected {}, found {}",
            self.path(),
            self.0.expected,
            self.0.found
        )
    }
}

impl std::error::Error for DecodeError {}

/// A `Result` with the runtime's [`Error`].
///
/// ```
/// fn check(year: i64) -> dynamongo_runtime::Result<i64> {
///     Ok(year)
/// }
/// assert_eq!(check(1990).unwrap(), 1990);
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The status [`Error::http_status`] gives `Validation` (422 unless set).
static VALIDATION_STATUS: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(422);

/// The one setting of the HTTP answers: the status of [`Error::Validation`] for the whole
/// process — 422 by default (as axum's `Json` answers data it cannot accept), or 400 for
/// an API whose clients expect it. A status outside 400–499 is [`Error::Config`].
///
/// ```
/// dynamongo_runtime::error::set_validation_status(400)?;
/// # dynamongo_runtime::error::set_validation_status(422)?;
/// # Ok::<(), dynamongo_runtime::Error>(())
/// ```
pub fn set_validation_status(status: u16) -> Result<(), Error> {
    if !(400..500).contains(&status) {
        return Err(Error::Config(format!(
            "set_validation_status({status}): a client error is a status from 400 to 499"
        )));
    }
    VALIDATION_STATUS.store(status, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

impl Error {
    /// The HTTP status a web service answers this error with, as axum's own extractors
    /// do: 422 for data that breaks the model's rules (`Validation`; one setting makes it
    /// 400: [`set_validation_status`]), 400 for a request that cannot be one (`BadRequest`:
    /// not JSON, a bad cursor; an invalid expression or transaction), 404 when nothing
    /// matched, 409 for a failed condition or a cancelled transaction (someone else changed
    /// the item), 503 when DynamoDB throttled or timed out (retry later), 500 for the rest.
    ///
    /// ```
    /// use dynamongo_runtime::{Error, error::Violation};
    /// assert_eq!(Error::Validation(vec![Violation::new("email", "is required")]).http_status(), 422);
    /// assert_eq!(Error::BadRequest(vec![Violation::new("cursor", "was altered")]).http_status(), 400);
    /// assert_eq!(Error::NotFound { table: "users".into() }.http_status(), 404);
    /// ```
    pub fn http_status(&self) -> u16 {
        match self {
            Error::Validation(_) => VALIDATION_STATUS.load(std::sync::atomic::Ordering::Relaxed),
            Error::BadRequest(_) | Error::Expression(_) | Error::Transaction(_) => 400,
            Error::NotFound { .. } => 404,
            Error::ConditionalCheckFailed { .. } | Error::TransactionCanceled { .. } => 409,
            Error::Timeout { .. } | Error::Incomplete { .. } | Error::Unprocessed { .. } => 503,
            e if e.is_retryable() => 503,
            _ => 500,
        }
    }

    /// The JSON body a web service answers this error with: `{"error": kind, "message":
    /// text}`, plus `"violations"` (every one, as a list) for invalid input and `"stored"`
    /// (the item as stored, as plain JSON) for a failed condition. Messages are worded for
    /// the API's caller (`invalid input: ...`: what they sent, not an "item" of ours). A
    /// 500's body says nothing of the internals (tables, the SDK's text): log the error
    /// instead.
    ///
    /// ```
    /// use dynamongo_runtime::{Error, error::Violation};
    /// let e = Error::Validation(vec![Violation::new("email", "is required")]);
    /// assert_eq!(
    ///     e.http_body(),
    ///     serde_json::json!({
    ///         "error": "validation",
    ///         "message": "invalid input: email: is required",
    ///         "violations": [{"path": "email", "message": "is required"}]
    ///     })
    /// );
    /// ```
    pub fn http_body(&self) -> serde_json::Value {
        use serde_json::json;
        match self {
            Error::Validation(v) => json!({
                "error": "validation",
                "message": format!("invalid input: {}", render_violations(v)),
                "violations": v,
            }),
            Error::BadRequest(v) => json!({
                "error": "bad_request",
                "message": self.to_string(),
                "violations": v,
            }),
            Error::Expression(m) | Error::Transaction(m) => {
                json!({"error": "bad_request", "message": m})
            }
            Error::NotFound { .. } => json!({"error": "not_found", "message": "no such item"}),
            Error::ConditionalCheckFailed { json: stored, .. } => {
                json!({
                    "error": "conflict",
                    "message": "the item was changed by someone else, or does not meet the condition",
                    "stored": stored,
                })
            }
            Error::TransactionCanceled { reasons } => json!({
                "error": "conflict",
                "message": "the transaction was cancelled",
                "reasons": reasons.iter().filter(|r| r.failed()).map(|r| json!({"action": r.index, "code": r.code})).collect::<Vec<_>>(),
            }),
            e if e.http_status() == 503 => {
                json!({"error": "unavailable", "message": "the store is busy: retry later"})
            }
            _ => json!({"error": "internal", "message": "internal error"}),
        }
    }
}
