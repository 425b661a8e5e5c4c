//! Calls handed to a thread that waits for a reply on another connection.
//!
//! A call chain can leave this process and come back through a third one: thread T
//! of A calls B, B's handler calls C, and C's handler calls A. Every two-way call
//! carries the chain of threads it is made on behalf of (`identity::outgoing_chain`),
//! so A sees T's token in the last call and runs it on T, which is waiting anyway,
//! as binder does: a lock T holds across its call cannot deadlock the chain, and
//! the call needs no free pool thread to run. (A pool thread still reads C's
//! connection and hands the call over. A call back from B itself, on the
//! connection T reads, is routed by its `parent` transaction instead.)

use std::sync::LazyLock;

use parking_lot::RwLock;

use super::*;

/// A thread's mailbox. It stays in `THREADS` for the thread's life; calls are handed
/// to it only while the thread waits for a reply.
#[derive(Debug, Default)]
struct Mailbox {
    inner: Mutex<MailboxInner>,
}

#[derive(Debug, Default)]
struct MailboxInner {
    calls: VecDeque<Call>,
    /// The connections the thread waits on, innermost last (several when it runs a
    /// nested call that makes a call of its own); empty when it is not waiting.
    waiting_on: Vec<Arc<Connection>>,
}

/// Every thread of this process that has made a two-way call, by thread token. Read
/// for every incoming call that is not a call back on its own connection; written
/// once per thread.
static THREADS: LazyLock<RwLock<HashMap<u64, Arc<Mailbox>>>> = LazyLock::new(Default::default);

/// This thread's token and mailbox, registered in `THREADS` until the thread ends.
struct Mine(u64, Arc<Mailbox>);

impl Drop for Mine {
    fn drop(&mut self) {
        THREADS.write().remove(&self.0);
    }
}

thread_local! {
    static MINE: Mine = {
        let token = identity::thread_token();
        let mailbox = Arc::<Mailbox>::default();
        THREADS.write().insert(token, mailbox.clone());
        Mine(token, mailbox)
    };
}

/// This thread waits for a reply on a connection while one of these lives.
pub(super) struct Waiting {
    mailbox: Arc<Mailbox>,
}

/// Registers this thread as waiting for a reply on `conn`.
pub(super) fn waiting_on(conn: &Arc<Connection>) -> Waiting {
    let mailbox = MINE.with(|mine| mine.1.clone());
    mailbox.inner.lock().waiting_on.push(conn.clone());
    Waiting { mailbox }
}

impl Waiting {
    /// The next call handed to this thread, if any.
    pub(super) fn take(&self) -> Option<Call> {
        self.mailbox.inner.lock().calls.pop_front()
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let late: Vec<Call> = {
            let mut inner = self.mailbox.inner.lock();
            inner.waiting_on.pop();
            if inner.waiting_on.is_empty() {
                // No more calls can be handed over (that happens under this lock
                // and only while waiting): what came meanwhile goes to the pool.
                inner.calls.drain(..).collect()
            } else {
                Vec::new()
            }
        };
        for call in late {
            runtime().pool.submit(Work::Call(call));
        }
    }
}

/// Hands a two-way `call` to the innermost thread of its chain that is waiting for
/// a reply in this process, and wakes it; gives the call back when there is none.
pub(super) fn hand_to_waiting_thread(call: Call) -> Option<Call> {
    let mailboxes: Vec<Arc<Mailbox>> = {
        let threads = THREADS.read();
        call.chain
            .iter()
            .rev()
            .filter_map(|t| threads.get(t).cloned())
            .collect()
    };
    for mailbox in mailboxes {
        let conn = {
            let mut inner = mailbox.inner.lock();
            let Some(conn) = inner.waiting_on.last().cloned() else {
                continue; // that thread is not waiting now
            };
            inner.calls.push_back(call);
            conn
        };
        conn.wake_waiter();
        return None;
    }
    Some(call)
}
