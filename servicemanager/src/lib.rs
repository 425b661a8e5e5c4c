//! The service manager: a daemon mapping names to binders, and `servicectl`, its CLI.
//!
//! Both are built on `ipc-core` and on an `IServiceManager.aidl` compiled by `aidlc`;
//! see `docs/ARCHITECTURE.md` for where this crate stands in the plan.
#![deny(unsafe_code)]
