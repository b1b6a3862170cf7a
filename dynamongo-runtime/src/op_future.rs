//! [`OpFuture`]: what awaiting an operation builder runs. A builder's future has to be
//! type-erased (`IntoFuture` needs a type it can name, and an `async` block has none), so it
//! lives on the heap, in a block from a small per-thread cache instead of a fresh
//! allocation per call (a request of 1 KiB or more is one glibc's `malloc` serves slowly: it
//! first merges every small free chunk), and the future is made straight into its block
//! rather than copied there. The SDK's request future inside it (several KiB) gets a block
//! of its own the same way (`trace::sent`), so the operation's layers above it stay small.

use std::alloc::{self, Layout};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

/// The size of a cached block: room for any operation's future (the largest is under
/// 12 KiB). A larger future is boxed as usual.
const BLOCK: usize = 16 * 1024;
/// The alignment of a cached block (a future needing more is boxed as usual).
const ALIGN: usize = 16;
/// Blocks kept per thread: enough for the calls one thread has in flight at once, at most
/// 64 KiB held.
const KEPT: usize = 4;

thread_local! {
    static SPARE: RefCell<Vec<NonNull<u8>>> = const { RefCell::new(Vec::new()) };
}

fn block_layout() -> Layout {
    // BLOCK and ALIGN are non-zero and ALIGN is a power of two.
    Layout::from_size_align(BLOCK, ALIGN).unwrap_or_else(|_| unreachable!())
}

/// A block from this thread's cache, or a new one.
fn take_block() -> Option<NonNull<u8>> {
    let spare = SPARE.try_with(|s| s.borrow_mut().pop()).ok().flatten();
    spare.or_else(|| {
        // SAFETY: the layout's size is non-zero.
        NonNull::new(unsafe { alloc::alloc(block_layout()) })
    })
}

/// Gives a block back: kept for the next call on this thread, or freed.
///
/// # Safety
/// `block` came from [`take_block`] and nothing uses it any more.
unsafe fn give_block(block: NonNull<u8>) {
    let kept = SPARE
        .try_with(|s| {
            let mut s = s.borrow_mut();
            (s.len() < KEPT).then(|| s.push(block)).is_some()
        })
        .unwrap_or(false);
    if !kept {
        // SAFETY: allocated with this layout by `take_block`.
        unsafe { alloc::dealloc(block.as_ptr(), block_layout()) }
    }
}

/// The future an operation builder is awaited as (`User::get_one(&db, key).await`): the
/// operation's future, type-erased, in a block reused from one call to the next on the same
/// thread. It is `Send`, and can be polled, stored and dropped like any boxed future.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::User;
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// use std::future::IntoFuture;
/// let call: dynamongo_runtime::ops::OpFuture<'_, _> =
///     User::get_one(db, "a@b.io").into_future();
/// let user = call.await?;
/// # Ok(()) }
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct OpFuture<'a, T> {
    future: NonNull<dyn Future<Output = T> + Send + 'a>,
    /// Whether `future` is in a cached block (else it is a `Box`).
    cached: bool,
}

// SAFETY: the future it owns is `Send`; it is only reached through `&mut self`.
unsafe impl<T> Send for OpFuture<'_, T> {}

impl<'a, T> OpFuture<'a, T> {
    /// The future `make` returns, made straight into a cached block when it fits one (a
    /// future of a few KiB is then not copied on its way there).
    #[inline(always)]
    pub(crate) fn new_with<F: Future<Output = T> + Send + 'a>(make: impl FnOnce() -> F) -> Self {
        let layout = Layout::new::<F>();
        if layout.size() <= BLOCK && layout.align() <= ALIGN {
            if let Some(block) = take_block() {
                let at = block.as_ptr().cast::<F>();
                // SAFETY: the block is unused, large and aligned enough for `F`.
                unsafe { at.write(make()) };
                let erased: *mut (dyn Future<Output = T> + Send + 'a) = at;
                return OpFuture {
                    // SAFETY: `at` is the block's non-null address.
                    future: unsafe { NonNull::new_unchecked(erased) },
                    cached: true,
                };
            }
        }
        let boxed: Box<dyn Future<Output = T> + Send + 'a> = Box::new(make());
        OpFuture {
            future: NonNull::from(Box::leak(boxed)),
            cached: false,
        }
    }
}

impl<T> Future for OpFuture<'_, T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        // SAFETY: the future is owned here and never moved out of its block or box.
        unsafe { Pin::new_unchecked(&mut *self.future.as_ptr()) }.poll(cx)
    }
}

impl<T> Drop for OpFuture<'_, T> {
    fn drop(&mut self) {
        if self.cached {
            // SAFETY: the future was written into the block by `new_with` and is dropped once;
            // the block is then unused.
            unsafe {
                std::ptr::drop_in_place(self.future.as_ptr());
                give_block(self.future.cast::<u8>());
            }
        } else {
            // SAFETY: made from `Box::leak` in `new_with`, and dropped once.
            drop(unsafe { Box::from_raw(self.future.as_ptr()) });
        }
    }
}

impl<T> std::fmt::Debug for OpFuture<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpFuture").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Counts its drops.
    struct Dropped(Arc<AtomicUsize>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn runs_and_drops_each_future_once_whether_cached_or_boxed() {
        let drops = Arc::new(AtomicUsize::new(0));
        // Small (cached), and larger than a block (boxed).
        for big in [false, true] {
            for i in 0..10u64 {
                let guard = Dropped(drops.clone());
                let out = if big {
                    let ballast = [i as u8; BLOCK + 1];
                    OpFuture::new_with(move || async move {
                        let _g = guard;
                        tokio::task::yield_now().await;
                        u64::from(ballast[BLOCK])
                    })
                    .await
                } else {
                    OpFuture::new_with(move || async move {
                        let _g = guard;
                        tokio::task::yield_now().await;
                        i
                    })
                    .await
                };
                assert_eq!(out, i);
            }
        }
        assert_eq!(drops.load(Ordering::SeqCst), 20);
        // Dropped before it finished (a cancelled call): its state is dropped too.
        let guard = Dropped(drops.clone());
        let pending = OpFuture::new_with(move || async move {
            let _g = guard;
            std::future::pending::<()>().await;
        });
        drop(pending);
        assert_eq!(drops.load(Ordering::SeqCst), 21);
        // At most KEPT blocks stay with the thread.
        assert!(SPARE.with(|s| s.borrow().len()) <= KEPT);
    }

    #[test]
    fn a_future_sent_to_another_thread_returns_its_block_there() {
        let f = OpFuture::new_with(|| async { 7 });
        let out = std::thread::spawn(move || futures::executor::block_on(f))
            .join()
            .expect("the other thread ran it");
        assert_eq!(out, 7);
    }
}
