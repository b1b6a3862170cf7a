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

/// The name of a type without its path (`User`), as spans name what was called.
pub(crate) fn short_name<M>() -> &'static str {
    std::any::type_name::<M>()
        .rsplit("::")
        .next()
        .unwrap_or_default()
}

/// The span of a dynamongo operation on model `M` (`save_one`, `get_many`, ...).
pub(crate) fn operation<M>(operation: &'static str, table: &str) -> Span {
    operation_on(operation, short_name::<M>(), table)
}

/// The span of a dynamongo operation on `model`: a model, the models of a transaction's
/// actions (`Account, User`), or a collection's enum (`WorkspaceItem`).
pub(crate) fn operation_on(operation: &'static str, model: &str, table: &str) -> Span {
    tracing::info_span!(
        "dynamongo.operation",
        otel.name = %format_args!("{operation} {model}"),
        otel.kind = "internal",
        db.system.name = "aws.dynamodb",
        aws.dynamodb.table_names = table,
        dynamongo.operation = operation,
        dynamongo.model = model,
        dynamongo.items = Empty,
        dynamongo.failed = Empty,
        dynamongo.retries = Empty,
        dynamongo.unprocessed = Empty,
    )
}

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

/// Consumed capacity is asked for only when someone records the span.
pub(crate) fn capacity(span: &Span) -> ReturnConsumedCapacity {
    if span.is_disabled() {
        ReturnConsumedCapacity::None
    } else {
        ReturnConsumedCapacity::Total
    }
}

/// Records the capacity units a call consumed, and says at `debug` that it succeeded.
pub(crate) fn consumed<'c>(span: &Span, capacity: impl IntoIterator<Item = &'c ConsumedCapacity>) {
    tracing::debug!(target: "dynamongo", parent: span, "call done");
    let units: f64 = capacity
        .into_iter()
        .filter_map(|c| c.capacity_units())
        .sum();
    if units > 0.0 {
        span.record("aws.dynamodb.consumed_capacity", units);
    }
}

/// Records how a call ended when it failed: the error's code, or its kind.
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

/// The boxed future every operation builder awaits as.
pub(crate) type BoxFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// An operation's future inside its span; a failed operation is one `warn` event (target
/// `dynamongo`), in its span, naming the error — so a plain `fmt` subscriber shows it.
pub(crate) fn traced<'a, T>(
    span: Span,
    future: impl std::future::Future<Output = Result<T, crate::error::Error>> + Send + 'a,
) -> BoxFuture<'a, Result<T, crate::error::Error>> {
    use tracing::Instrument;
    Box::pin(
        async move {
            let result = future.await;
            if let Err(e) = &result {
                tracing::warn!(target: "dynamongo", error = %e, "operation failed");
            }
            result
        }
        .instrument(span),
    )
}
