//! Tracing: one span per dynamongo operation, and inside it one span per DynamoDB call,
//! named and attributed per the OpenTelemetry semantic conventions for DynamoDB
//! (`db.system.name = "aws.dynamodb"`, `db.operation.name`, `aws.dynamodb.table_names`,
//! `aws.dynamodb.index_name`, `aws.dynamodb.consumed_capacity`, counts), plus dynamongo's
//! own (`dynamongo.model`, `dynamongo.items`, `dynamongo.retries`, `dynamongo.unprocessed`).
//! `otel.name` and `otel.kind` are what `tracing-opentelemetry` names spans by.

use std::pin::Pin;
use std::task::{Context, Poll};

use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use futures::stream::{BoxStream, Stream, StreamExt};
use tracing::field::Empty;
use tracing::Span;

pub(crate) use crate::capacity::Kind;
use crate::db::Db;

/// The name of a type without its path (`User`), as spans name what was called.
pub(crate) fn short_name<M>() -> &'static str {
    std::any::type_name::<M>()
        .rsplit("::")
        .next()
        .unwrap_or_default()
}

/// The name of type `M` without its path, worked out only when shown: a span's fields are
/// not evaluated when no subscriber wants the span.
pub(crate) struct ShortName<M>(std::marker::PhantomData<M>);

impl<M> std::fmt::Display for ShortName<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(short_name::<M>())
    }
}

/// The span of a dynamongo operation on model `M` (`save_one`, `get_many`, ...).
pub(crate) fn operation<M>(operation: &'static str, table: &str) -> Span {
    operation_on(operation, ShortName::<M>(std::marker::PhantomData), table)
}

/// The span of a dynamongo operation on `model`: a model, the models of a transaction's
/// actions (`Account, User`), or a collection's enum (`WorkspaceItem`).
pub(crate) fn operation_on(
    operation: &'static str,
    model: impl std::fmt::Display,
    table: &str,
) -> Span {
    tracing::info_span!(
        "dynamongo.operation",
        otel.name = %format_args!("{operation} {model}"),
        otel.kind = "internal",
        db.system.name = "aws.dynamodb",
        aws.dynamodb.table_names = table,
        dynamongo.operation = operation,
        dynamongo.model = %model,
        dynamongo.items = Empty,
        dynamongo.failed = Empty,
        dynamongo.retries = Empty,
        dynamongo.unprocessed = Empty,
    )
}

/// A DynamoDB request sent inside its call span (`send` is the fluent builder's `send()`):
/// the SDK's request future — most of an operation's future, several KiB — is made straight
/// into a cached block ([`OpFuture`](crate::op_future::OpFuture)), so each layer above it
/// (retries, timeouts, the operation and its span) holds a pointer to it rather than
/// copying its KiBs every time it is moved. Awaited directly, it is polled where it lies.
pub(crate) fn sent<'a, F>(
    span: &Span,
    send: impl FnOnce() -> F,
) -> tracing::instrument::Instrumented<crate::op_future::OpFuture<'a, F::Output>>
where
    F: std::future::Future + Send + 'a,
{
    use tracing::Instrument;
    crate::op_future::OpFuture::new_with(send).instrument(span.clone())
}

/// Optional request settings on the SDK's fluent builders: each setter takes and returns
/// the whole builder (several hundred bytes, moved per call), so a setting with no value
/// is not set at all rather than set to `None`.
pub(crate) trait MaybeSet: Sized {
    /// `set(self, value)` when there is a value, else `self` as it is.
    #[inline(always)]
    fn maybe<T>(self, value: Option<T>, set: impl FnOnce(Self, T) -> Self) -> Self {
        match value {
            Some(v) => set(self, v),
            None => self,
        }
    }
}

impl<B> MaybeSet for B {}

/// The span of one DynamoDB call.
pub(crate) fn call(operation: &'static str, table: &str) -> Span {
    tracing::info_span!(
        "dynamodb.call",
        otel.name = %format_args!("{operation} {table}"),
        otel.kind = "client",
        db.system.name = "aws.dynamodb",
        db.operation.name = operation,
        aws.dynamodb.table_names = table,
        aws.dynamodb.index_name = Empty,
        aws.dynamodb.consumed_capacity = Empty,
        aws.dynamodb.count = Empty,
        aws.dynamodb.scanned_count = Empty,
        dynamongo.items = Empty,
        dynamongo.unprocessed = Empty,
        error.type = Empty,
    )
}

/// What every request asks for: the consumed capacity of the table and of each index
/// (free of charge), for the meter and the spans.
pub(crate) const CAPACITY: ReturnConsumedCapacity = ReturnConsumedCapacity::Indexes;

/// The one place every call reports what it consumed: recorded on its span, counted by
/// the `Db`'s meter (when metered), and said at `debug`; the units are returned (to
/// correct a rate's charge).
pub(crate) fn consumed<'c>(
    db: &Db,
    span: &Span,
    kind: Kind,
    capacity: impl IntoIterator<Item = &'c ConsumedCapacity>,
) -> f64 {
    tracing::debug!(target: "dynamongo", parent: span, "call done");
    let mut units = 0.0;
    for c in capacity {
        units += c.capacity_units().unwrap_or_default();
        if let Some(meter) = db.meter() {
            meter.record(kind, c);
        }
    }
    if units > 0.0 {
        span.record("aws.dynamodb.consumed_capacity", units);
    }
    units
}

/// A conditional write whose condition failed: DynamoDB charges the table's share of the
/// write (`bytes`: the larger of the item written and the one stored, when known) and does
/// not report it.
#[cold]
pub(crate) fn check_failed(db: &Db, span: &Span, table: &str, bytes: u64) {
    let units = crate::capacity::write_units(bytes);
    span.record("aws.dynamodb.consumed_capacity", units);
    if let Some(meter) = db.meter() {
        meter.record_failed_write(table, units);
    }
}

/// Records how a call ended when it failed: the error's code, or its kind.
#[cold]
#[inline(never)]
pub(crate) fn failed(span: &Span, error: &crate::error::Error) {
    let kind = match error {
        crate::error::Error::Sdk { code: Some(c), .. } => c.as_str(),
        crate::error::Error::ConditionalCheckFailed { .. } => "ConditionalCheckFailedException",
        crate::error::Error::TransactionCanceled { .. } => "TransactionCanceledException",
        crate::error::Error::Config(_) => "configuration",
        _ => "error",
    };
    span.record("error.type", kind);
    tracing::debug!(target: "dynamongo", parent: span, error = %error, "call failed");
}

/// A stream whose every poll runs inside `span` (tracing's `Instrument` is for futures).
pub(crate) fn stream_in<'a, T: 'a>(span: Span, inner: BoxStream<'a, T>) -> BoxStream<'a, T> {
    struct InSpan<'a, T> {
        span: Span,
        inner: BoxStream<'a, T>,
    }
    impl<T> Stream for InSpan<'_, T> {
        type Item = T;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
            let this = &mut *self;
            let _entered = this.span.enter();
            this.inner.poll_next_unpin(cx)
        }
    }
    InSpan { span, inner }.boxed()
}

/// The future every operation builder awaits as.
pub(crate) type BoxFuture<'a, T> = crate::op_future::OpFuture<'a, T>;

/// An operation's future (made by `make`, in place) inside its span, type-erased: what a
/// builder's `.await` runs (see [`in_span`]).
pub(crate) fn traced<'a, T, F>(
    span: Span,
    make: impl FnOnce() -> F,
) -> BoxFuture<'a, Result<T, crate::error::Error>>
where
    F: std::future::Future<Output = Result<T, crate::error::Error>> + Send + 'a,
{
    crate::op_future::OpFuture::new_with(move || in_span(span, make()))
}

/// An operation's future inside its span; a failed operation is one event (target
/// `dynamongo`), in its span, naming the error — so a plain `fmt` subscriber shows it: `warn`
/// when the service or the setup failed (a 5xx answer), `info` when the caller's request
/// was refused (invalid data, a bad cursor, nothing found, a failed condition). Polled
/// where it lies (no wrapping `async` block that would move it on its first poll).
pub(crate) fn in_span<'a, T>(
    span: Span,
    future: impl std::future::Future<Output = Result<T, crate::error::Error>> + Send + 'a,
) -> impl std::future::Future<Output = Result<T, crate::error::Error>> + Send + 'a {
    use futures::FutureExt;
    use tracing::Instrument;
    future
        .inspect(|result| match result {
            Err(e) if e.http_status() >= 500 => {
                tracing::warn!(target: "dynamongo", error = %e, "operation failed")
            }
            Err(e) => tracing::info!(target: "dynamongo", error = %e, "operation refused"),
            Ok(_) => {}
        })
        .instrument(span)
}
