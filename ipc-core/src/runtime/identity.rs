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
    /// The calling-thread chain of each transaction in `STACK`.
    static CHAINS: RefCell<Vec<Vec<u64>>> = const { RefCell::new(Vec::new()) };
    static TOKEN: u64 = {
        let mut bytes = [0u8; 8];
        crate::random::fill(&mut bytes);
        // 0 never names a thread.
        u64::from_le_bytes(bytes).max(1)
    };
}

/// This thread's token: a random number that names it in call chains.
pub(crate) fn thread_token() -> u64 {
    TOKEN.with(|t| *t)
}

/// Runs `f` as the handler of `incoming`, made on behalf of the threads in `chain`.
pub(crate) fn with_incoming<R>(incoming: Incoming, chain: Vec<u64>, f: impl FnOnce() -> R) -> R {
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            STACK.with(|s| s.borrow_mut().pop());
            CHAINS.with(|c| c.borrow_mut().pop());
        }
    }
    STACK.with(|s| s.borrow_mut().push(incoming));
    CHAINS.with(|c| c.borrow_mut().push(chain));
    let _pop = Pop;
    f()
}

/// The chain an outgoing two-way call carries: the chain of the transaction this
/// thread is running (if any), then this thread, at most `MAX_CHAIN` long (the
/// innermost kept).
pub(crate) fn outgoing_chain() -> Vec<u64> {
    let mut chain = CHAINS.with(|c| c.borrow().last().cloned().unwrap_or_default());
    chain.push(thread_token());
    let excess = chain.len().saturating_sub(crate::protocol::MAX_CHAIN);
    chain.drain(..excess);
    chain
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
