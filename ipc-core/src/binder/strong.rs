//! Typed interface handles.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use super::SpIBinder;
use crate::parcel::{
    Deserialize, DeserializeArray, DeserializeOption, Serialize, SerializeArray, SerializeOption,
};
use crate::{Parcel, Result, StatusCode};

/// Implemented by every service object (the type behind an AIDL interface trait).
/// It has no methods: `impl Interface for MyService {}` is all it takes.
pub trait Interface: Send + Sync + 'static {}

/// Casts an untyped binder to a typed interface. Generated code implements it for
/// `dyn IFoo`: a local object comes back as itself, a remote one as a proxy after its
/// descriptor is checked (`BAD_TYPE` when it is another interface).
pub trait FromIBinder: Interface {
    /// Casts `binder` to this interface.
    fn try_from(binder: SpIBinder) -> Result<Strong<Self>>;
}

/// A handle to an object implementing interface `I` (`Strong<dyn IFoo>`), local or
/// remote. Dereferences to `I`; cloning is cheap; equal when both name the same
/// binder object.
pub struct Strong<I: ?Sized> {
    inner: Arc<I>,
    binder: SpIBinder,
}

impl<I: ?Sized> Strong<I> {
    /// Assembles a handle from the object that implements `I` (the service itself, or
    /// a proxy) and the binder that names it. Used by generated code.
    pub fn from_parts(inner: Arc<I>, binder: SpIBinder) -> Strong<I> {
        Strong { inner, binder }
    }

    /// The binder object behind this interface.
    pub fn as_binder(&self) -> SpIBinder {
        self.binder.clone()
    }
}

impl<I: ?Sized> Clone for Strong<I> {
    fn clone(&self) -> Self {
        Strong {
            inner: self.inner.clone(),
            binder: self.binder.clone(),
        }
    }
}

impl<I: ?Sized> Deref for Strong<I> {
    type Target = I;

    fn deref(&self) -> &I {
        &self.inner
    }
}

impl<I: ?Sized> PartialEq for Strong<I> {
    fn eq(&self, other: &Self) -> bool {
        self.binder == other.binder
    }
}

impl<I: ?Sized> Eq for Strong<I> {}

impl<I: ?Sized> fmt::Debug for Strong<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Strong").field(&self.binder).finish()
    }
}

impl<I: ?Sized> Serialize for Strong<I> {
    fn serialize(&self, parcel: &mut Parcel) -> Result<()> {
        parcel.write_binder(Some(&self.binder))
    }
}

impl<I: ?Sized> SerializeOption for Strong<I> {
    fn serialize_option(this: Option<&Self>, parcel: &mut Parcel) -> Result<()> {
        parcel.write_binder(this.map(|s| &s.binder))
    }
}

impl<I: ?Sized> SerializeArray for Strong<I> {}

impl<I: FromIBinder + ?Sized> Deserialize for Strong<I> {
    fn deserialize(parcel: &mut Parcel) -> Result<Self> {
        let binder = parcel.read_binder()?.ok_or(StatusCode::UNEXPECTED_NULL)?;
        I::try_from(binder)
    }
}

impl<I: FromIBinder + ?Sized> DeserializeOption for Strong<I> {
    fn deserialize_option(parcel: &mut Parcel) -> Result<Option<Self>> {
        parcel.read_binder()?.map(I::try_from).transpose()
    }
}

impl<I: FromIBinder + ?Sized> DeserializeArray for Strong<I> {}
