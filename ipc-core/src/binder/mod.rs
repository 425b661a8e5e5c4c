//! Binder objects: the things transactions are addressed to.
//!
//! A [`SpIBinder`] is a counted reference to a binder object, which is either *local*
//! (an object of this process, wrapped around a [`Remotable`] stub) or *remote* (a
//! proxy for an object in another process). Typed interfaces sit on top: a
//! [`Strong<dyn IFoo>`](Strong) is a handle to something implementing the AIDL
//! interface `IFoo`, backed by the local object itself or by a generated proxy that
//! marshals each call into a transaction. [`FromIBinder`] casts an untyped binder
//! back to a typed interface, checking its descriptor.

mod death;
mod local;
mod loopback;
pub(crate) mod proxy;
mod strong;

pub use death::DeathRecipient;
pub use local::Remotable;
pub use strong::{FromIBinder, Interface, Strong};

use std::any::Any;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::{Parcel, Result, StatusCode};

/// A transaction code: which method of the target is called.
pub type TransactionCode = u32;
/// Transaction flags, a bit set of `FLAG_*` values.
pub type TransactionFlags = u32;

/// The first code available to AIDL methods.
pub const FIRST_CALL_TRANSACTION: TransactionCode = 0x0000_0001;
/// The last code available to AIDL methods.
pub const LAST_CALL_TRANSACTION: TransactionCode = 0x00ff_ffff;
/// Asks the target for its interface descriptor (Android's `'_NTF'`).
pub const INTERFACE_TRANSACTION: TransactionCode = u32::from_be_bytes(*b"_NTF");
/// Checks that the target is alive (Android's `'_PNG'`).
pub const PING_TRANSACTION: TransactionCode = u32::from_be_bytes(*b"_PNG");
/// Asks the target to dump its state (Android's `'_DMP'`).
pub const DUMP_TRANSACTION: TransactionCode = u32::from_be_bytes(*b"_DMP");

/// The call does not wait for a reply: it returns once the transaction is queued.
pub const FLAG_ONEWAY: TransactionFlags = 0x01;

/// What every binder object, local or remote, can do. Implemented inside this crate
/// only; users hold [`SpIBinder`]s.
pub(crate) trait BinderObject: Send + Sync + fmt::Debug + Any {
    /// Sends a transaction; `data` is read from its start by the target.
    fn transact(
        &self,
        code: TransactionCode,
        data: Parcel,
        flags: TransactionFlags,
    ) -> Result<Parcel>;

    /// [`BinderObject::transact`] with a big byte array appended to `data`
    /// (positioned at its end); a remote object sends the array's bytes from `tail`
    /// itself, a local one writes them into `data`.
    fn transact_with_tail(
        &self,
        code: TransactionCode,
        data: Parcel,
        tail: &[u8],
        flags: TransactionFlags,
    ) -> Result<Parcel> {
        self.transact(code, with_inline_tail(data, tail)?, flags)
    }

    /// The interface descriptor (asked of the object once when it is remote).
    fn descriptor(&self) -> Result<String>;

    /// Whether the object lives in another process.
    fn is_remote(&self) -> bool;

    /// The owning process's pid.
    fn owner_pid(&self) -> i32 {
        std::process::id() as i32
    }

    /// Whether the object can still be reached (a remote one: its connection is up).
    fn is_alive(&self) -> bool {
        true
    }

    /// See [`SpIBinder::link_to_death`].
    fn link_to_death(&self, _recipient: &DeathRecipient) -> Result<()> {
        Err(StatusCode::INVALID_OPERATION)
    }

    /// See [`SpIBinder::unlink_to_death`].
    fn unlink_to_death(&self, _recipient: &DeathRecipient) -> Result<()> {
        Err(StatusCode::INVALID_OPERATION)
    }

    /// `self` as `Any`, to find a local object's stub.
    fn as_any(&self) -> &dyn Any;
}

/// `data` with the byte array `tail` written at its position, then positioned at 0.
fn with_inline_tail(mut data: Parcel, tail: &[u8]) -> Result<Parcel> {
    data.write_byte_array(Some(tail))?;
    data.set_data_position(0)?;
    Ok(data)
}

/// A counted reference to a binder object (Android's `sp<IBinder>`). Cloning is
/// cheap; two references compare equal when they name the same object.
#[derive(Clone)]
pub struct SpIBinder(Arc<dyn BinderObject>);

impl SpIBinder {
    /// Wraps a local stub in a new binder object of this process.
    pub fn new_local<T: Remotable>(stub: T) -> SpIBinder {
        SpIBinder(Arc::new(local::LocalBinder::new(stub)))
    }

    /// Sends transaction `code` with `data` to the object and waits for its reply
    /// (with [`FLAG_ONEWAY`], returns an empty reply once the call is queued).
    pub fn transact(
        &self,
        code: TransactionCode,
        mut data: Parcel,
        flags: TransactionFlags,
    ) -> Result<Parcel> {
        data.set_data_position(0)?;
        let mut reply = self.0.transact(code, data, flags)?;
        reply.set_data_position(0)?;
        Ok(reply)
    }

    /// [`SpIBinder::transact`] for a request that ends with a byte array: `tail` is
    /// written after `data`'s bytes (exactly as `data.write(tail)` would), but a big
    /// array's bytes go from `tail` straight to the connection instead of being
    /// copied into the parcel first. Generated proxies send a trailing `in byte[]`
    /// argument this way.
    pub fn transact_with_tail(
        &self,
        code: TransactionCode,
        mut data: Parcel,
        tail: &[u8],
        flags: TransactionFlags,
    ) -> Result<Parcel> {
        data.set_data_position(data.data_size())?;
        let mut reply = if tail.len() < crate::parcel::BLOB_MIN {
            self.0
                .transact(code, with_inline_tail(data, tail)?, flags)?
        } else {
            self.0.transact_with_tail(code, data, tail, flags)?
        };
        reply.set_data_position(0)?;
        Ok(reply)
    }

    /// Checks that the object is alive and answering.
    pub fn ping_binder(&self) -> Result<()> {
        self.transact(PING_TRANSACTION, Parcel::new(), 0).map(drop)
    }

    /// The object's interface descriptor (asked of the object when remote).
    pub fn interface_descriptor(&self) -> Result<String> {
        self.0.descriptor()
    }

    /// Checks that the object implements `descriptor`; `BAD_TYPE` if it does not.
    pub fn check_interface(&self, descriptor: &str) -> Result<()> {
        if self.interface_descriptor()? == descriptor {
            Ok(())
        } else {
            Err(StatusCode::BAD_TYPE)
        }
    }

    /// Whether the object is still reachable: always for a local object; for a
    /// remote one, until its process dies or its connection is lost (no round trip
    /// is made; use [`SpIBinder::ping_binder`] to ask the object itself).
    pub fn is_binder_alive(&self) -> bool {
        self.0.is_alive()
    }

    /// The pid of the process that owns the object (this process for a local one),
    /// as `SO_PEERCRED` reported it when the connection was made. For diagnostics
    /// (Android's `getDebugPid`).
    pub fn debug_pid(&self) -> i32 {
        self.0.owner_pid()
    }

    /// Whether the object lives in another process.
    pub fn is_remote(&self) -> bool {
        self.0.is_remote()
    }

    /// Asks to be told, once, when the object's process dies or its connection is
    /// lost. Only remote objects die: for a local one this is `INVALID_OPERATION`;
    /// for an object already dead, `DEAD_OBJECT`. Notifications are delivered by a
    /// thread that reads the connection, so the process needs a thread pool
    /// ([`crate::start_thread_pool`]) to be told while no call is in flight.
    pub fn link_to_death(&self, recipient: &DeathRecipient) -> Result<()> {
        self.0.link_to_death(recipient)
    }

    /// Cancels [`SpIBinder::link_to_death`]; `NAME_NOT_FOUND` if it was not linked.
    pub fn unlink_to_death(&self, recipient: &DeathRecipient) -> Result<()> {
        self.0.unlink_to_death(recipient)
    }

    pub(crate) fn object(&self) -> &Arc<dyn BinderObject> {
        &self.0
    }

    pub(crate) fn from_object(object: Arc<dyn BinderObject>) -> SpIBinder {
        SpIBinder(object)
    }

    /// The stub of a local object, if this is a local object with a stub of type `T`.
    pub fn local<T: Remotable>(&self) -> Option<&T> {
        self.0
            .as_any()
            .downcast_ref::<local::LocalBinder<T>>()
            .map(local::LocalBinder::stub)
    }

    /// Casts to a typed interface (see [`FromIBinder`]).
    pub fn into_interface<I: FromIBinder + ?Sized>(self) -> Result<Strong<I>> {
        I::try_from(self)
    }

    /// A binder that forwards every transaction to this one through a copy of its
    /// parcels, as a remote proxy would, but within the process. Casting it to an
    /// interface yields the generated proxy, so tests can drive a proxy and a stub
    /// against each other without a second process.
    pub fn loopback(&self) -> SpIBinder {
        SpIBinder(Arc::new(loopback::Loopback::new(self.clone())))
    }

    pub(crate) fn addr(&self) -> *const () {
        Arc::as_ptr(&self.0).cast::<()>()
    }
}

impl PartialEq for SpIBinder {
    fn eq(&self, other: &Self) -> bool {
        self.addr() == other.addr()
    }
}

impl Eq for SpIBinder {}

impl Hash for SpIBinder {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.addr().hash(state);
    }
}

impl fmt::Debug for SpIBinder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}
