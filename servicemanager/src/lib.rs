//! The service manager: a daemon mapping names to binders, and `servicectl`, its CLI.
//!
//! Both are built on `ipc-core` and on `aidl/android/os/IServiceManager.aidl`
//! compiled by `aidlc` (the generated code lives in `ipc_core::service_manager::aidl`).
//! The binaries are thin: `servicemanager` is [`daemon::main`], `servicectl` is
//! [`ctl::main`], so tests can run the very same code in child processes.
//! See `docs/SERVICEMANAGER.md`.
#![deny(unsafe_code)]

pub mod ctl;
pub mod daemon;
pub mod policy;
pub mod registry;
mod sys;
pub mod systemd;
pub mod testing;
