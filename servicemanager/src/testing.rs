//! A small AIDL service (`aidl/smtest/ITestService.aidl`) for tests and examples of
//! the service manager: register it, find it, call it with `servicectl call`.
#![doc(hidden)]

#[allow(missing_docs, unreachable_pub, clippy::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/aidl.rs"));
}
pub use generated::aidl::smtest::ITestService::{BnTestService, ITestService};

use ipc_core::{BinderResult, ExceptionCode, Interface, ParcelFileDescriptor, Status, Strong};

/// The implementation: `addOne`, `echo`, `pid`, `readFd`.
#[derive(Debug, Default)]
pub struct TestService;

impl Interface for TestService {}

impl ITestService for TestService {
    fn addOne(&self, value: i32) -> BinderResult<i32> {
        Ok(value.wrapping_add(1))
    }

    fn echo(&self, text: &str) -> BinderResult<String> {
        Ok(text.to_owned())
    }

    fn pid(&self) -> BinderResult<i32> {
        Ok(std::process::id() as i32)
    }

    fn readFd(&self, fd: &ParcelFileDescriptor) -> BinderResult<String> {
        use std::io::Read;
        let mut text = String::new();
        std::fs::File::from(fd.try_clone()?.into_inner())
            .read_to_string(&mut text)
            .map_err(|e| {
                Status::new_exception(ExceptionCode::ILLEGAL_ARGUMENT, Some(&e.to_string()))
            })?;
        Ok(text)
    }
}

/// A new local `ITestService` object.
pub fn new_service() -> Strong<dyn ITestService> {
    BnTestService::new_binder(TestService)
}
