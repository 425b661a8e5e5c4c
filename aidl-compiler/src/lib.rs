//! The AIDL compiler: turns `.aidl` files into Rust client proxies, server stubs and
//! types that run on `ipc-core`. It emits text only and never depends on `ipc-core`.
#![deny(unsafe_code)]

pub mod ast;
pub mod diagnostics;
mod lexical;
pub mod parser;
