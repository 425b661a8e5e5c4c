//! The thread pool: binder threads that wait for incoming calls on every connection
//! at once (one `epoll` set, each connection armed one-shot so exactly one thread
//! picks up a readable connection), read the request, and run it themselves.
//!
//! The pool starts with one thread and grows, one thread at a time, whenever every
//! thread is busy, up to `set_max_threads` (default 15). Threads that call
//! [`join_thread_pool`] serve too, on top of that bound.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use nix::sys::eventfd::{EfdFlags, EventFd};
use parking_lot::Mutex;

use super::connection::{Connection, Work, drain_oneway, run_call};
use super::listener::ListenerInner;
use super::runtime;

/// The default bound on pool threads, as in Android.
pub(crate) const DEFAULT_MAX_THREADS: usize = 15;

/// Key 0 is the work queue's eventfd; connections and listeners get the others.
const WORK_KEY: u64 = 0;
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

/// A fresh poller key (also used as a connection's id).
pub(crate) fn next_key() -> u64 {
    NEXT_KEY.fetch_add(1, Ordering::Relaxed)
}

enum Watched {
    Connection(Weak<Connection>),
    Listener(Weak<ListenerInner>),
}

#[derive(Debug, Default)]
struct Threads {
    max: usize,
    spawned: usize,
    idle: usize,
    started: bool,
}

pub(crate) struct Pool {
    epoll: Epoll,
    work_fd: EventFd,
    work: Mutex<VecDeque<Work>>,
    watched: Mutex<HashMap<u64, Watched>>,
    threads: Mutex<Threads>,
}

const ONESHOT_IN: EpollFlags = EpollFlags::EPOLLIN
    .union(EpollFlags::EPOLLRDHUP)
    .union(EpollFlags::EPOLLONESHOT);

impl Pool {
    pub(crate) fn new() -> Pool {
        // Without epoll or eventfd (a kernel from before 2.6.27) nothing here can work.
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)
            .unwrap_or_else(|e| fatal("epoll_create", e));
        let work_fd = EventFd::from_flags(
            EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK | EfdFlags::EFD_SEMAPHORE,
        )
        .unwrap_or_else(|e| fatal("eventfd", e));
        if let Err(e) = epoll.add(
            &work_fd,
            EpollEvent::new(EpollFlags::EPOLLIN | EpollFlags::EPOLLEXCLUSIVE, WORK_KEY),
        ) {
            fatal("epoll_ctl", e);
        }
        Pool {
            epoll,
            work_fd,
            work: Mutex::new(VecDeque::new()),
            watched: Mutex::new(HashMap::new()),
            threads: Mutex::new(Threads {
                max: DEFAULT_MAX_THREADS,
                ..Threads::default()
            }),
        }
    }

    pub(crate) fn watch_connection(&self, conn: &Arc<Connection>) {
        self.watched
            .lock()
            .insert(conn.id, Watched::Connection(Arc::downgrade(conn)));
        if let Err(e) = self
            .epoll
            .add(conn.poll_fd(), EpollEvent::new(ONESHOT_IN, conn.id))
        {
            tracing::error!(error = %e, "cannot watch a connection");
        }
    }

    pub(crate) fn rearm_connection(&self, conn: &Connection) {
        let _ = self
            .epoll
            .modify(conn.poll_fd(), &mut EpollEvent::new(ONESHOT_IN, conn.id));
    }

    pub(crate) fn unwatch_connection(&self, conn: &Connection) {
        self.watched.lock().remove(&conn.id);
        let _ = self.epoll.delete(conn.poll_fd());
    }

    pub(crate) fn watch_listener(
        &self,
        key: u64,
        listener: &Arc<ListenerInner>,
    ) -> std::io::Result<()> {
        self.watched
            .lock()
            .insert(key, Watched::Listener(Arc::downgrade(listener)));
        self.epoll
            .add(
                &listener.socket,
                EpollEvent::new(EpollFlags::EPOLLIN | EpollFlags::EPOLLONESHOT, key),
            )
            .map_err(Into::into)
    }

    pub(crate) fn rearm_listener(&self, key: u64, listener: &ListenerInner) {
        let _ = self.epoll.modify(
            &listener.socket,
            &mut EpollEvent::new(EpollFlags::EPOLLIN | EpollFlags::EPOLLONESHOT, key),
        );
    }

    pub(crate) fn unwatch_listener(&self, key: u64, listener: &ListenerInner) {
        self.watched.lock().remove(&key);
        let _ = self.epoll.delete(&listener.socket);
    }

    /// Queues work for a pool thread.
    pub(crate) fn submit(&self, work: Work) {
        self.work.lock().push_back(work);
        let _ = self.work_fd.write(1);
    }

    /// One pool thread's life.
    fn serve_forever(&self, counted: bool) -> ! {
        let mut events = [EpollEvent::empty()];
        loop {
            self.threads.lock().idle += 1;
            let ready = self.epoll.wait(&mut events, EpollTimeout::NONE);
            self.became_busy();
            match ready {
                Ok(1) => self.handle(events[0].data(), events[0].events()),
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(e) => {
                    tracing::error!(error = %e, "epoll_wait failed");
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
            }
            let _ = counted;
        }
    }

    /// Whether some pool thread is waiting in `epoll` (and would take an event on any
    /// other connection).
    pub(crate) fn has_idle_thread(&self) -> bool {
        self.threads.lock().idle > 0
    }

    /// A thread left the idle set: if none is left idle, grow the pool by one.
    fn became_busy(&self) {
        let mut threads = self.threads.lock();
        threads.idle -= 1;
        if threads.started && threads.idle == 0 && threads.spawned < threads.max {
            threads.spawned += 1;
            drop(threads);
            spawn_pool_thread();
        }
    }

    fn handle(&self, key: u64, events: EpollFlags) {
        if key == WORK_KEY {
            if self.work_fd.read().is_ok() {
                let work = self.work.lock().pop_front();
                if let Some(work) = work {
                    run_work(work);
                }
            }
            return;
        }
        let watched = match self.watched.lock().get(&key) {
            Some(Watched::Connection(conn)) => conn.upgrade().map(Ok),
            Some(Watched::Listener(listener)) => listener.upgrade().map(Err),
            None => None,
        };
        match watched {
            Some(Ok(conn)) => {
                let hangup = events.intersects(
                    EpollFlags::EPOLLHUP | EpollFlags::EPOLLRDHUP | EpollFlags::EPOLLERR,
                );
                self.read_connection(&conn, hangup)
            }
            Some(Err(listener)) => {
                let mut accepted = Vec::new();
                while let Some(stream) = listener.accept() {
                    accepted.push(stream);
                }
                self.rearm_listener(key, &listener);
                for stream in accepted {
                    listener.handshake(stream);
                }
            }
            None => {}
        }
    }

    /// Reads a connection the poller reported, runs what it brought, and keeps
    /// serving it while more arrives within the spin budget (on a ring connection a
    /// steady exchange then needs no system call at all).
    pub(crate) fn read_connection(&self, conn: &Arc<Connection>, hangup: bool) {
        let works = match conn.try_read_for_pool() {
            Some(works) => works,
            None => {
                // Another thread is reading; it re-arms the poller when it stops.
                // Check once more in case it stopped before it could see the flag.
                conn.needs_rearm.store(true, Ordering::Release);
                if hangup {
                    // It may be asleep on a futex: make it look at the socket.
                    conn.wake_reader();
                }
                match conn.try_read_for_pool() {
                    Some(works) => works,
                    None => return,
                }
            }
        };
        conn.needs_rearm.store(false, Ordering::Release);
        if !conn.is_dead() && !conn.paused_for_others() {
            self.rearm_connection(conn);
        }
        conn.after_read();
        let mut works = works;
        loop {
            let mut batch = works.into_iter();
            let mine = batch.next();
            for work in batch {
                self.submit(work);
            }
            let Some(work) = mine else { return };
            run_work(work);
            match conn.serve_more() {
                Some(more) => works = more,
                None => return,
            }
        }
    }
}

fn run_work(work: Work) {
    match work {
        Work::Call(call) => run_call(call),
        Work::Drain(queue) => drain_oneway(&queue),
        Work::Resume(conn) => runtime().pool.read_connection(&conn, false),
    }
}

fn fatal(what: &str, e: nix::errno::Errno) -> ! {
    tracing::error!(error = %e, "{what} failed: the runtime cannot start");
    std::process::abort();
}

fn spawn_pool_thread() {
    let spawned = std::thread::Builder::new()
        .name("binder-pool".into())
        .spawn(|| runtime().pool.serve_forever(true));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot spawn a pool thread");
        runtime().pool.threads.lock().spawned -= 1;
    }
}

/// Sets the most threads the pool may spawn (default 15). Threads that call
/// [`join_thread_pool`] come on top.
pub fn set_max_threads(max: usize) {
    runtime().pool.threads.lock().max = max;
}

/// Starts the thread pool (one thread at first; it grows when all are busy). Calling
/// it again does nothing.
pub fn start_thread_pool() {
    let pool = &runtime().pool;
    let mut threads = pool.threads.lock();
    if threads.started {
        return;
    }
    threads.started = true;
    if threads.spawned < threads.max.max(1) {
        threads.spawned += 1;
        drop(threads);
        spawn_pool_thread();
    }
}

/// Makes the calling thread a pool thread, serving calls forever.
pub fn join_thread_pool() -> ! {
    runtime().pool.serve_forever(false)
}
