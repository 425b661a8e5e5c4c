//! Parcelables (AIDL structured parcelables and unions) and enums.
//!
//! A parcelable writes itself with [`Parcelable::write_to_parcel`]; structured
//! parcelables wrap their fields in [`Parcel::sized_write`], unions write an `i32` tag
//! then the member. As a value in a parcel (an argument, a return value, a field, an
//! element) a parcelable is preceded by an `i32` presence marker, 1 or 0 for null, as
//! Android's `writeParcelable` does; [`impl_parcelable!`](crate::impl_parcelable)
//! implements the value traits that way.

use super::Parcel;
use crate::Result;

/// A type that knows how to write and read its own contents.
pub trait Parcelable {
    /// Writes the contents (for a structured parcelable, its size-prefixed fields).
    fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()>;

    /// Reads the contents into `self`; fields absent from the data keep their values.
    fn read_from_parcel(&mut self, parcel: &mut Parcel) -> Result<()>;
}

/// The fully qualified AIDL name of a parcelable, as `ParcelableHolder` records it.
pub trait ParcelableMetadata {
    /// For example `"com.example.Point"`.
    fn descriptor() -> &'static str;
}

/// Implements the parcel value traits ([`Serialize`](crate::parcel::Serialize),
/// [`Deserialize`](crate::parcel::Deserialize) and their option and array forms) for
/// a type that implements [`Parcelable`] and `Default`: an `i32` marker (1, or 0 for
/// null) followed by the contents.
///
/// ```
/// use ipc_core::{Parcel, Parcelable, Result};
///
/// #[derive(Debug, Default, PartialEq)]
/// struct Point { x: i32, y: i32 }
///
/// impl Parcelable for Point {
///     fn write_to_parcel(&self, parcel: &mut Parcel) -> Result<()> {
///         parcel.sized_write(|p| {
///             p.write(&self.x)?;
///             p.write(&self.y)
///         })
///     }
///     fn read_from_parcel(&mut self, parcel: &mut Parcel) -> Result<()> {
///         parcel.sized_read(|p| {
///             if p.has_more_data() { self.x = p.read()?; }
///             if p.has_more_data() { self.y = p.read()?; }
///             Ok(())
///         })
///     }
/// }
/// ipc_core::impl_parcelable!(Point);
///
/// let mut parcel = Parcel::new();
/// parcel.write(&Some(Point { x: 1, y: 2 }))?;
/// parcel.set_data_position(0)?;
/// assert_eq!(parcel.read::<Option<Point>>()?, Some(Point { x: 1, y: 2 }));
/// # Ok::<(), ipc_core::StatusCode>(())
/// ```
#[macro_export]
macro_rules! impl_parcelable {
    ($name:ident $(< $($generic:ident),+ >)?) => {
        impl $(< $($generic),+ >)? $crate::parcel::Serialize for $name $(< $($generic),+ >)?
        where
            Self: $crate::Parcelable,
        {
            fn serialize(&self, parcel: &mut $crate::Parcel) -> $crate::Result<()> {
                parcel.write_i32(1);
                $crate::Parcelable::write_to_parcel(self, parcel)
            }
        }

        impl $(< $($generic),+ >)? $crate::parcel::SerializeOption for $name $(< $($generic),+ >)?
        where
            Self: $crate::Parcelable,
        {
            fn serialize_option(
                this: ::std::option::Option<&Self>,
                parcel: &mut $crate::Parcel,
            ) -> $crate::Result<()> {
                match this {
                    ::std::option::Option::Some(value) => $crate::parcel::Serialize::serialize(value, parcel),
                    ::std::option::Option::None => {
                        parcel.write_i32(0);
                        ::std::result::Result::Ok(())
                    }
                }
            }
        }

        impl $(< $($generic),+ >)? $crate::parcel::SerializeArray for $name $(< $($generic),+ >)?
        where
            Self: $crate::Parcelable,
        {
        }

        impl $(< $($generic),+ >)? $crate::parcel::Deserialize for $name $(< $($generic),+ >)?
        where
            Self: $crate::Parcelable + ::std::default::Default,
        {
            fn deserialize(parcel: &mut $crate::Parcel) -> $crate::Result<Self> {
                <Self as $crate::parcel::DeserializeOption>::deserialize_option(parcel)?
                    .ok_or($crate::StatusCode::UNEXPECTED_NULL)
            }

            fn deserialize_from(&mut self, parcel: &mut $crate::Parcel) -> $crate::Result<()> {
                if $crate::codegen::read_presence(parcel)? {
                    parcel.read_parcelable(self)
                } else {
                    ::std::result::Result::Err($crate::StatusCode::UNEXPECTED_NULL)
                }
            }
        }

        impl $(< $($generic),+ >)? $crate::parcel::DeserializeOption for $name $(< $($generic),+ >)?
        where
            Self: $crate::Parcelable + ::std::default::Default,
        {
            fn deserialize_option(parcel: &mut $crate::Parcel) -> $crate::Result<::std::option::Option<Self>> {
                if !$crate::codegen::read_presence(parcel)? {
                    return ::std::result::Result::Ok(::std::option::Option::None);
                }
                let mut value = <Self as ::std::default::Default>::default();
                parcel.read_parcelable(&mut value)?;
                ::std::result::Result::Ok(::std::option::Option::Some(value))
            }
        }

        impl $(< $($generic),+ >)? $crate::parcel::DeserializeArray for $name $(< $($generic),+ >)?
        where
            Self: $crate::Parcelable + ::std::default::Default,
        {
        }
    };
}

/// Implements the parcel value traits for an AIDL enum: a newtype over its backing
/// type (`i8`, `i32` or `i64`), written as that type. Arrays of a `byte`-backed enum
/// are packed like `byte[]`, as in Android.
///
/// ```
/// #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
/// pub struct Color(pub i32);
/// impl Color {
///     pub const RED: Color = Color(0);
///     pub const GREEN: Color = Color(1);
/// }
/// ipc_core::impl_enum!(Color, i32);
///
/// let mut parcel = ipc_core::Parcel::new();
/// parcel.write(&vec![Color::GREEN, Color::RED])?;
/// parcel.set_data_position(0)?;
/// assert_eq!(parcel.read::<Vec<Color>>()?, [Color::GREEN, Color::RED]);
/// # Ok::<(), ipc_core::StatusCode>(())
/// ```
#[macro_export]
macro_rules! impl_enum {
    ($name:ident, $backing:ty) => {
        impl $crate::parcel::Serialize for $name {
            fn serialize(&self, parcel: &mut $crate::Parcel) -> $crate::Result<()> {
                $crate::parcel::Serialize::serialize(&self.0, parcel)
            }
        }

        impl $crate::parcel::SerializeArray for $name {
            fn serialize_array(slice: &[Self], parcel: &mut $crate::Parcel) -> $crate::Result<()> {
                let values: ::std::vec::Vec<$backing> = slice.iter().map(|v| v.0).collect();
                <$backing as $crate::parcel::SerializeArray>::serialize_array(&values, parcel)
            }
        }

        impl $crate::parcel::Deserialize for $name {
            fn deserialize(parcel: &mut $crate::Parcel) -> $crate::Result<Self> {
                <$backing as $crate::parcel::Deserialize>::deserialize(parcel).map($name)
            }
        }

        impl $crate::parcel::DeserializeArray for $name {
            const MIN_WIRE_SIZE: usize =
                <$backing as $crate::parcel::DeserializeArray>::MIN_WIRE_SIZE;

            fn deserialize_array(
                parcel: &mut $crate::Parcel,
            ) -> $crate::Result<::std::option::Option<::std::vec::Vec<Self>>> {
                ::std::result::Result::Ok(
                    <$backing as $crate::parcel::DeserializeArray>::deserialize_array(parcel)?
                        .map(|values| values.into_iter().map($name).collect()),
                )
            }
        }
    };
}

/// How deeply parcelables may nest inside one another when read. Each level takes
/// stack, and a recursive parcelable (`parcelable Node { @nullable Node next; }`,
/// `union Tree { int leaf; Tree[] children; }`) lets the data choose the depth: a few
/// MiB of nested levels from a peer would otherwise overflow the reading thread's
/// stack and abort the process.
pub const MAX_PARCELABLE_NESTING: usize = 256;

impl Parcel {
    /// Reads a parcelable's contents into `value` ([`Parcelable::read_from_parcel`]),
    /// counting the nesting: past [`MAX_PARCELABLE_NESTING`] levels the read fails
    /// with `BAD_VALUE`. The value traits of [`impl_parcelable!`](crate::impl_parcelable)
    /// read through it.
    #[doc(hidden)]
    pub fn read_parcelable<T: Parcelable + ?Sized>(&mut self, value: &mut T) -> Result<()> {
        if self.nesting >= MAX_PARCELABLE_NESTING {
            return Err(crate::StatusCode::BAD_VALUE);
        }
        self.nesting += 1;
        let result = value.read_from_parcel(self);
        self.nesting -= 1;
        result
    }
}

/// Reads a parcelable's presence marker: 1 present, 0 null, anything else is
/// `BAD_VALUE`.
pub fn read_presence_marker(parcel: &mut Parcel) -> Result<bool> {
    match parcel.read_i32()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(crate::StatusCode::BAD_VALUE),
    }
}
