//! Local binder objects: a [`Remotable`] stub owned by this process.

use std::any::Any;
use std::fmt;

use super::{
    BinderObject, INTERFACE_TRANSACTION, PING_TRANSACTION, TransactionCode, TransactionFlags,
};
use crate::{Parcel, Result};

/// The server side of an interface: decodes a transaction and runs it. Generated
/// stubs (`BnFoo`) implement it.
pub trait Remotable: Send + Sync + 'static {
    /// The interface descriptor, e.g. `"com.example.IFoo"`.
    fn descriptor() -> &'static str
    where
        Self: Sized;

    /// Handles transaction `code`: reads the arguments from `data` and writes the
    /// reply into `reply`. An error fails the transaction with that status code.
    fn on_transact(
        &self,
        code: TransactionCode,
        data: &mut Parcel,
        reply: &mut Parcel,
    ) -> Result<()>;
}

/// A local object: the stub and what the runtime keeps about it.
pub(crate) struct LocalBinder<T> {
    stub: T,
}

impl<T: Remotable> LocalBinder<T> {
    pub(crate) fn new(stub: T) -> LocalBinder<T> {
        LocalBinder { stub }
    }

    pub(crate) fn stub(&self) -> &T {
        &self.stub
    }
}

impl<T: Remotable> fmt::Debug for LocalBinder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LocalBinder({})", T::descriptor())
    }
}

impl<T: Remotable> BinderObject for LocalBinder<T> {
    fn transact(
        &self,
        code: TransactionCode,
        mut data: Parcel,
        _flags: TransactionFlags,
    ) -> Result<Parcel> {
        // A call to a local object runs on the calling thread, oneway or not, as in
        // Android.
        let mut reply = Parcel::new();
        match code {
            INTERFACE_TRANSACTION => reply.write_str16(T::descriptor())?,
            PING_TRANSACTION => {}
            _ => self.stub.on_transact(code, &mut data, &mut reply)?,
        }
        Ok(reply)
    }

    fn descriptor(&self) -> Result<String> {
        Ok(T::descriptor().to_owned())
    }

    fn is_remote(&self) -> bool {
        false
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
