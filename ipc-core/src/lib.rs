//! ipc-core: the runtime of a Binder/AIDL-style IPC system for plain Linux.
#![deny(unsafe_code)]
#![warn(missing_docs)]
