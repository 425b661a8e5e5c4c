//! Running incoming calls.

use super::*;

/// An incoming call, with the descriptors that came with it.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) conn: Arc<Connection>,
    pub(crate) txn: u64,
    pub(crate) target: u64,
    pub(crate) token: Token,
    pub(crate) code: u32,
    pub(crate) flags: u32,
    pub(crate) parcel: WireParcel,
    pub(crate) fds: Vec<OwnedFd>,
    /// This process's own objects the parcel names, resolved when the frame was read.
    pub(crate) pinned: Vec<Option<SpIBinder>>,
    /// The threads the call is made on behalf of (see `mailbox`).
    pub(crate) chain: Vec<u64>,
    /// The target, resolved when a oneway call was queued.
    pub(crate) resolved: Option<SpIBinder>,
}

/// Work a reader found that some thread must do.
#[derive(Debug)]
pub(crate) enum Work {
    /// Run a two-way call.
    Call(Call),
    /// Run the queued oneway calls of one object until its queue is empty.
    Drain(Arc<crate::runtime::nodes::OnewayQueue>),
    /// Read a connection again: it was paused on a full oneway queue that drained.
    Resume(Arc<Connection>),
}

/// Runs an incoming call on this thread and (for a two-way call) sends the reply.
pub(crate) fn run_call(mut call: Call) {
    let rt = runtime();
    let conn = call.conn.clone();
    let oneway = call.flags & FLAG_ONEWAY != 0;
    let looked_up = match call.resolved.take() {
        Some(binder) => Ok(binder),
        None => rt.nodes.lookup(call.target, &call.token).map(|t| t.binder),
    };
    let target = match looked_up {
        Ok(target) => target,
        Err(LookupError::BadToken) => {
            conn.close(&format!(
                "call to object {} with a wrong token",
                call.target
            ));
            return;
        }
        Err(LookupError::Unknown) => {
            if oneway {
                conn.acknowledge(conn.names_third_party(&call.parcel), call.txn, false);
            } else {
                let _ = conn.send(
                    &Message::Reply {
                        txn: call.txn,
                        result: Err(StatusCode::DEAD_OBJECT.as_i32()),
                    },
                    &[],
                );
            }
            return;
        }
    };
    let incoming = Incoming {
        conn: conn.id,
        txn: call.txn,
        pid: conn.peer.pid,
        uid: conn.peer.uid,
        gid: conn.peer.gid,
    };
    // A oneway call naming a third process's object is acknowledged once this
    // process holds its own reference (the sender keeps the object until then).
    let acknowledge = oneway && conn.names_third_party(&call.parcel);
    let chain = std::mem::take(&mut call.chain);
    let result = identity::with_incoming(incoming, chain, || {
        let data = conn.from_wire(call.parcel, call.fds, call.pinned);
        conn.acknowledge(acknowledge, call.txn, false);
        target.transact(call.code, data?, call.flags)
    });
    if oneway {
        if let Err(e) = result {
            tracing::debug!(code = call.code, error = %e, "oneway call failed");
        }
        return;
    }
    let (result, fds, keep) = match result.and_then(|reply| conn.to_wire(reply)) {
        Ok((parcel, fds, keep)) => (Ok(parcel), fds, keep),
        Err(code) => (Err(code.as_i32()), Vec::new(), Vec::new()),
    };
    // An object of a third process in the reply is held until the caller says it
    // has its own reference from the owner (`Received`), which it takes over another
    // connection; held before sending, as the acknowledgement may come back at once.
    let keep = if result
        .as_ref()
        .is_ok_and(|parcel| conn.names_third_party(parcel))
    {
        conn.hold_for_peer(call.txn, true, keep);
        Vec::new()
    } else {
        keep
    };
    let reply = Message::Reply {
        txn: call.txn,
        result,
    };
    let _ = conn.send(&reply, &fds);
    super::recycle(reply);
    // Only now may a proxy in the reply release its object: the release follows the
    // reply on this connection, so the caller has the reply (and its reference)
    // first.
    drop(keep);
}

/// Runs the oneway calls queued for one object, one at a time, until none is left.
pub(crate) fn drain_oneway(queue: &crate::runtime::nodes::OnewayQueue) {
    let max = runtime().config.max_pending_oneway;
    queue.state.lock().drainer = Some(std::thread::current().id());
    loop {
        let (call, blocked) = {
            let mut state = queue.state.lock();
            let Some(call) = state.queue.pop_front() else {
                state.busy = false;
                state.drainer = None;
                return;
            };
            let blocked = if state.queue.len() < max {
                std::mem::take(&mut state.blocked)
            } else {
                Vec::new()
            };
            (call, blocked)
        };
        for conn in blocked {
            conn.resume();
        }
        run_call(call);
    }
}
