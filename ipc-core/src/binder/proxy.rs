//! Proxies: this process's handle on an object of another process.

use std::any::Any;
use std::fmt;
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;

use super::{
    BinderObject, DeathRecipient, INTERFACE_TRANSACTION, TransactionCode, TransactionFlags,
};
use crate::protocol::Token;
use crate::runtime::connection::Connection;
use crate::{Parcel, Result, StatusCode};

/// A remote object: the connection to its owner, its id there and its token.
pub(crate) struct Proxy {
    pub(crate) conn: Arc<Connection>,
    pub(crate) owner: String,
    pub(crate) id: u64,
    pub(crate) token: Token,
    /// How many references the owner counts for this process on this object; given
    /// back in one release when the proxy drops.
    pub(crate) held: AtomicU32,
    descriptor: OnceLock<String>,
    /// `None` once the death notification has been sent.
    recipients: Mutex<Option<Vec<DeathRecipient>>>,
}

impl Proxy {
    pub(crate) fn new(
        conn: Arc<Connection>,
        owner: String,
        id: u64,
        token: Token,
        held: u32,
    ) -> Proxy {
        conn.proxy_made();
        Proxy {
            conn,
            owner,
            id,
            token,
            held: AtomicU32::new(held),
            descriptor: OnceLock::new(),
            recipients: Mutex::new(Some(Vec::new())),
        }
    }

    /// Sends the death notification: each linked recipient runs once.
    pub(crate) fn notify_death(&self) {
        let recipients = self.recipients.lock().take();
        for recipient in recipients.into_iter().flatten() {
            recipient.notify();
        }
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Proxy({}#{})", self.owner, self.id)
    }
}

impl BinderObject for Proxy {
    fn transact(
        &self,
        code: TransactionCode,
        data: Parcel,
        flags: TransactionFlags,
    ) -> Result<Parcel> {
        self.conn
            .transact(self.id, self.token, code, data, None, flags)
    }

    fn transact_with_tail(
        &self,
        code: TransactionCode,
        mut data: Parcel,
        tail: &[u8],
        flags: TransactionFlags,
    ) -> Result<Parcel> {
        // The count goes in the parcel, the bytes as the frame's blob.
        data.write_i32(i32::try_from(tail.len()).map_err(|_| StatusCode::BAD_VALUE)?);
        self.conn
            .transact(self.id, self.token, code, data, Some(tail), flags)
    }

    fn descriptor(&self) -> Result<String> {
        if let Some(d) = self.descriptor.get() {
            return Ok(d.clone());
        }
        let mut reply = self.conn.transact(
            self.id,
            self.token,
            INTERFACE_TRANSACTION,
            Parcel::new(),
            None,
            0,
        )?;
        let descriptor = reply.read_string16()?.ok_or(StatusCode::UNEXPECTED_NULL)?;
        Ok(self.descriptor.get_or_init(|| descriptor).clone())
    }

    fn is_remote(&self) -> bool {
        true
    }

    fn owner_pid(&self) -> i32 {
        self.conn.peer.pid
    }

    fn is_alive(&self) -> bool {
        !self.conn.is_dead()
    }

    fn link_to_death(&self, recipient: &DeathRecipient) -> Result<()> {
        match &mut *self.recipients.lock() {
            Some(list) if !self.conn.is_dead() => {
                list.push(recipient.clone());
                Ok(())
            }
            _ => Err(StatusCode::DEAD_OBJECT),
        }
    }

    fn unlink_to_death(&self, recipient: &DeathRecipient) -> Result<()> {
        match &mut *self.recipients.lock() {
            Some(list) => {
                let before = list.len();
                list.retain(|r| !r.same_as(recipient));
                if list.len() < before {
                    Ok(())
                } else {
                    Err(StatusCode::NAME_NOT_FOUND)
                }
            }
            None => Err(StatusCode::DEAD_OBJECT),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        crate::runtime::proxy_dropped(self);
    }
}
