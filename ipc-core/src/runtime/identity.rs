//! Who is calling: the identity of the process whose transaction this thread is
//! running, and the stack of incoming transactions used to route nested calls.

use std::cell::RefCell;

/// An incoming transaction being run on this thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Incoming {
    pub(crate) conn: u64,
    pub(crate) txn: u64,
    pub(crate) pid: i32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
}

thread_local! {
    static STACK: RefCell<Vec<Incoming>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` as the handler of `incoming`.
pub(crate) fn with_incoming<R>(incoming: Incoming, f: impl FnOnce() -> R) -> R {
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            STACK.with(|s| s.borrow_mut().pop());
        }
    }
    STACK.with(|s| s.borrow_mut().push(incoming));
    let _pop = Pop;
    f()
}

/// The innermost incoming transaction this thread is running, if any.
pub(crate) fn current_incoming() -> Option<Incoming> {
    STACK.with(|s| s.borrow().last().copied())
}

/// For an outgoing call on connection `conn`: the incoming transaction from that same
/// connection this thread is running on behalf of (the peer routes the call to the
/// thread waiting on it), or 0.
pub(crate) fn nested_parent(conn: u64) -> u64 {
    STACK.with(|s| {
        s.borrow()
            .iter()
            .rev()
            .find(|i| i.conn == conn)
            .map_or(0, |i| i.txn)
    })
}

/// The pid of the process that made the transaction this thread is running (this
/// process's own pid outside of any transaction).
pub fn calling_pid() -> i32 {
    current_incoming().map_or_else(|| std::process::id() as i32, |i| i.pid)
}

/// The uid of the calling process, from `SO_PEERCRED` (this process's own uid outside
/// of any transaction).
pub fn calling_uid() -> u32 {
    current_incoming().map_or_else(|| nix::unistd::getuid().as_raw(), |i| i.uid)
}

/// The gid of the calling process, from `SO_PEERCRED` (this process's own gid outside
/// of any transaction).
pub fn calling_gid() -> u32 {
    current_incoming().map_or_else(|| nix::unistd::getgid().as_raw(), |i| i.gid)
}
