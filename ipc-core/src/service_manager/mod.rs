//! The service manager's client API: find services by name, publish your own, and
//! hear about registrations.
//!
//! The `servicemanager` daemon maps names to binder objects. This module talks to it
//! through the `aidlc`-generated [`IServiceManager`](aidl::android::os::IServiceManager)
//! proxy. The free functions use a process-wide [`ServiceManager`] that reaches the
//! daemon at `$BINDER_IPC_SERVICEMANAGER`, else `<runtime dir>/servicemanager.sock`
//! (see [`crate::runtime_dir`]); [`ServiceManager::builder`] makes one for another
//! path.
//!
//! When the daemon restarts, the next call reconnects. A server that asks for it
//! ([`Builder::reregister_on_restart`]) gets its services added again as soon as the
//! new daemon is up, and notification registrations are always carried over.
//!
//! ```no_run
//! use ipc_core::service_manager::{self, aidl::android::os::IServiceManager::IServiceManager};
//! // Any AIDL interface works the same way; here, the manager itself.
//! let names = service_manager::list_services()?;
//! let found = service_manager::check_binder("example.echo")?;
//! println!("{names:?}, echo registered: {}", found.is_some());
//! # Ok::<(), ipc_core::Status>(())
//! ```

mod client;
mod notify;
mod session;

pub use client::{Builder, ServiceManager};
pub use notify::{Registration, ServiceEvent};

use std::sync::OnceLock;
use std::time::Duration;

use crate::{BinderResult, ExceptionCode, FromIBinder, SpIBinder, Status, Strong};

/// The generated code for `aidl/android/os/*.aidl` (built by `ipc-core`'s
/// `build.rs` with `aidlc`): `IServiceManager`, `IServiceCallback`,
/// `ServiceDebugInfo`. The daemon implements `IServiceManager` with it.
#[allow(missing_docs, clippy::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/aidl.rs"));
}
pub use generated::aidl;

use aidl::android::os::IServiceManager as sm;

/// Every dump priority (`listServices` argument that lists everything).
pub const DUMP_FLAG_PRIORITY_ALL: i32 = sm::DUMP_FLAG_PRIORITY_ALL;
/// The dump priority of a service added without one.
pub const DUMP_FLAG_PRIORITY_DEFAULT: i32 = sm::DUMP_FLAG_PRIORITY_DEFAULT;

/// The longest service name, in bytes.
pub const MAX_NAME_LEN: usize = 127;

/// Checks a service name: 1 to 127 bytes of `[A-Za-z0-9._/-]`. The error is an
/// `ILLEGAL_ARGUMENT` exception saying what is wrong.
pub fn validate_name(name: &str) -> BinderResult<()> {
    let problem = if name.is_empty() {
        "is empty".to_owned()
    } else if name.len() > MAX_NAME_LEN {
        format!("is {} bytes long, the limit is {MAX_NAME_LEN}", name.len())
    } else if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-')))
    {
        format!("contains {c:?}; allowed are A-Z a-z 0-9 . _ / -")
    } else {
        return Ok(());
    };
    Err(Status::new_exception(
        ExceptionCode::ILLEGAL_ARGUMENT,
        Some(&format!("invalid service name {name:?}: it {problem}")),
    ))
}

/// The process-wide service manager client (for the default socket path, read once).
pub fn default() -> &'static ServiceManager {
    static DEFAULT: OnceLock<ServiceManager> = OnceLock::new();
    DEFAULT.get_or_init(|| ServiceManager::builder().build())
}

/// The service `name` as interface `I`, waiting briefly (the daemon's
/// `--get-timeout-ms`) if it is not registered yet. `NAME_NOT_FOUND` if it still is
/// not; `BAD_TYPE` if it implements another interface.
pub fn get_service<I: FromIBinder + ?Sized>(name: &str) -> BinderResult<Strong<I>> {
    default().get_service(name)
}

/// The service `name` as interface `I`, or `None` at once if it is not registered.
pub fn check_service<I: FromIBinder + ?Sized>(name: &str) -> BinderResult<Option<Strong<I>>> {
    default().check_service(name)
}

/// Blocks until the service `name` is registered and returns it as interface `I`.
pub fn wait_for_service<I: FromIBinder + ?Sized>(name: &str) -> BinderResult<Strong<I>> {
    default().wait_for_service(name)
}

/// [`wait_for_service`] that gives up after `timeout` with `TIMED_OUT`.
pub fn wait_for_service_timeout<I: FromIBinder + ?Sized>(
    name: &str,
    timeout: Duration,
) -> BinderResult<Strong<I>> {
    default().wait_for_service_timeout(name, timeout)
}

/// The untyped binder registered as `name`, waiting briefly like [`get_service`].
pub fn get_binder(name: &str) -> BinderResult<SpIBinder> {
    default().get_binder(name)
}

/// The untyped binder registered as `name`, or `None` at once.
pub fn check_binder(name: &str) -> BinderResult<Option<SpIBinder>> {
    default().check_binder(name)
}

/// Registers `binder` (a local object of this process) as `name`, with the default
/// dump priority. Starts the thread pool so that the service can be called.
pub fn add_service(name: &str, binder: &SpIBinder) -> BinderResult<()> {
    default().add_service(name, binder)
}

/// The names registered (that this process may find).
pub fn list_services() -> BinderResult<Vec<String>> {
    default().list_services()
}

/// Calls `callback(name, binder)` for every registration of `name`, starting with the
/// current one if there is one, until the returned [`Registration`] drops.
pub fn register_for_notifications(
    name: &str,
    callback: impl Fn(&str, &SpIBinder) + Send + Sync + 'static,
) -> BinderResult<Registration> {
    default().register_for_notifications(name, callback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        for good in ["a", "example.echo", "vendor/foo-1_2", &"x".repeat(127)] {
            assert_eq!(validate_name(good), Ok(()), "{good}");
        }
        for bad in ["", "a b", "é", "a\0", "a:b", &"x".repeat(128)] {
            let err = validate_name(bad).unwrap_err();
            assert_eq!(err.exception_code(), ExceptionCode::ILLEGAL_ARGUMENT);
            assert!(err.message().contains("invalid service name"), "{err}");
        }
    }
}
