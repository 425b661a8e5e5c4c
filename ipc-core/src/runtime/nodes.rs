//! The objects this process exports: each has an id, a 128-bit token, and a count of
//! the references every connected process holds. While any count is above zero the
//! runtime keeps the object alive; when the last one goes, it lets go.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::protocol::Token;
use crate::{Result, SpIBinder, StatusCode};

/// A exported object.
struct Node {
    binder: SpIBinder,
    token: Token,
    /// References held, per connection id.
    holders: HashMap<u64, u64>,
    oneway: Arc<OnewayQueue>,
}

/// Oneway calls to one object: run one at a time, in arrival order.
#[derive(Debug, Default)]
pub(crate) struct OnewayQueue {
    pub(crate) state: Mutex<OnewayState>,
}

#[derive(Debug, Default)]
pub(crate) struct OnewayState {
    /// A thread is running this object's oneway calls.
    pub(crate) busy: bool,
    pub(crate) queue: VecDeque<super::connection::Call>,
    /// The thread draining the queue, while one is.
    pub(crate) drainer: Option<std::thread::ThreadId>,
    /// Connections paused because the queue was full when they had more for it.
    pub(crate) blocked: Vec<Arc<super::connection::Connection>>,
}

#[derive(Default)]
pub(crate) struct Nodes {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    by_id: HashMap<u64, Node>,
    by_addr: HashMap<usize, u64>,
    next_id: u64,
}

/// What an incoming call finds when it looks up its target.
pub(crate) struct Target {
    pub(crate) binder: SpIBinder,
    pub(crate) oneway: Arc<OnewayQueue>,
}

/// Why a lookup failed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LookupError {
    /// No such object (any more).
    Unknown,
    /// The object exists but the token is wrong: a forged reference.
    BadToken,
}

impl Nodes {
    /// Counts one more reference held by connection `conn` and returns the id and
    /// token that name the object.
    pub(crate) fn export(&self, binder: &SpIBinder, conn: u64) -> (u64, Token) {
        let mut inner = self.inner.lock();
        let addr = binder.addr() as usize;
        let id = match inner.by_addr.get(&addr) {
            Some(id) => *id,
            None => {
                inner.next_id += 1;
                let id = inner.next_id;
                inner.by_addr.insert(addr, id);
                let node = Node {
                    binder: binder.clone(),
                    token: super::new_token(),
                    holders: HashMap::new(),
                    oneway: Arc::default(),
                };
                inner.by_id.insert(id, node);
                id
            }
        };
        let node = inner.by_id.get_mut(&id).expect("by_addr and by_id agree");
        *node.holders.entry(conn).or_insert(0) += 1;
        (id, node.token)
    }

    /// The exported object `id`, if `token` is its token.
    pub(crate) fn lookup(
        &self,
        id: u64,
        token: &Token,
    ) -> std::result::Result<Target, LookupError> {
        let inner = self.inner.lock();
        let node = inner.by_id.get(&id).ok_or(LookupError::Unknown)?;
        if !constant_time_eq(&node.token, token) {
            return Err(LookupError::BadToken);
        }
        Ok(Target {
            binder: node.binder.clone(),
            oneway: node.oneway.clone(),
        })
    }

    /// Connection `conn` gives back `count` references. Releasing more than it holds,
    /// or with a wrong token, is `BAD_VALUE`.
    pub(crate) fn release(&self, conn: u64, id: u64, token: &Token, count: u64) -> Result<()> {
        let dropped;
        {
            let mut inner = self.inner.lock();
            let node = inner.by_id.get_mut(&id).ok_or(StatusCode::BAD_VALUE)?;
            if !constant_time_eq(&node.token, token) {
                return Err(StatusCode::BAD_VALUE);
            }
            let held = node.holders.get_mut(&conn).ok_or(StatusCode::BAD_VALUE)?;
            *held = held.checked_sub(count).ok_or(StatusCode::BAD_VALUE)?;
            if *held == 0 {
                node.holders.remove(&conn);
            }
            dropped = take_if_unheld(&mut inner, id);
        }
        drop(dropped);
        Ok(())
    }

    /// Whether connection `conn` holds a reference to any of our objects.
    pub(crate) fn held_by(&self, conn: u64) -> bool {
        self.inner
            .lock()
            .by_id
            .values()
            .any(|n| n.holders.contains_key(&conn))
    }

    /// Forgets every reference held by connection `conn` (it is gone).
    pub(crate) fn drop_connection(&self, conn: u64) {
        let mut dropped = Vec::new();
        {
            let mut inner = self.inner.lock();
            let ids: Vec<u64> = inner
                .by_id
                .iter()
                .filter(|(_, n)| n.holders.contains_key(&conn))
                .map(|(id, _)| *id)
                .collect();
            for id in ids {
                if let Some(node) = inner.by_id.get_mut(&id) {
                    node.holders.remove(&conn);
                }
                dropped.push(take_if_unheld(&mut inner, id));
            }
        }
        // User objects drop here, outside the lock: their destructors may call back in.
        drop(dropped);
    }
}

/// Removes node `id` when nobody holds it any more, returning its binder to drop
/// after the lock is released.
fn take_if_unheld(inner: &mut Inner, id: u64) -> Option<SpIBinder> {
    if inner.by_id.get(&id).is_some_and(|n| n.holders.is_empty()) {
        let node = inner.by_id.remove(&id)?;
        inner.by_addr.remove(&(node.binder.addr() as usize));
        return Some(node.binder);
    }
    None
}

/// Compares tokens without an early exit, so timing tells nothing about a guess.
fn constant_time_eq(a: &Token, b: &Token) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
