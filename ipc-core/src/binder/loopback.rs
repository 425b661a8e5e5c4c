//! An in-process stand-in for a remote proxy (see [`SpIBinder::loopback`]).

use std::any::Any;

use super::{BinderObject, SpIBinder, TransactionCode, TransactionFlags};
use crate::{Parcel, Result};

#[derive(Debug)]
pub(crate) struct Loopback {
    target: SpIBinder,
}

impl Loopback {
    pub(crate) fn new(target: SpIBinder) -> Loopback {
        Loopback { target }
    }
}

/// A fresh parcel with the same bytes and objects, as the far side of a transport
/// would see it.
fn copy(parcel: &Parcel) -> Result<Parcel> {
    let mut out = Parcel::with_capacity(parcel.data_size());
    out.append_from(parcel, 0, parcel.data_size())?;
    Ok(out)
}

impl BinderObject for Loopback {
    fn transact(
        &self,
        code: TransactionCode,
        data: Parcel,
        flags: TransactionFlags,
    ) -> Result<Parcel> {
        let reply = self.target.transact(code, copy(&data)?, flags)?;
        copy(&reply)
    }

    fn descriptor(&self) -> Result<String> {
        let mut reply = self
            .target
            .transact(super::INTERFACE_TRANSACTION, Parcel::new(), 0)?;
        reply
            .read_string16()?
            .ok_or(crate::StatusCode::UNEXPECTED_NULL)
    }

    fn is_remote(&self) -> bool {
        true
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
