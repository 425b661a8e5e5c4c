//! Shared helpers for the end-to-end tests in `tests/tests/`.
#![deny(unsafe_code)]

// The generated tree of the aidl-compiler golden corpus (built by build.rs).
include!(concat!(env!("OUT_DIR"), "/aidl.rs"));

/// The Rust side of `golden.types.Native` (`rust_type "crate::native::Native"`).
pub mod native {
    #[derive(Debug, Default)]
    pub struct Native(pub i32);

    impl ipc_core::Parcelable for Native {
        fn write_to_parcel(&self, parcel: &mut ipc_core::Parcel) -> ipc_core::Result<()> {
            parcel.write(&self.0)
        }
        fn read_from_parcel(&mut self, parcel: &mut ipc_core::Parcel) -> ipc_core::Result<()> {
            self.0 = parcel.read()?;
            Ok(())
        }
    }
    ipc_core::impl_parcelable!(Native);
}

pub mod everything;
pub mod reliability;
pub mod sm;
