//! The AIDL compiler: turns `.aidl` files into Rust client proxies, server stubs and
//! types that run on `ipc-core`. It emits text only and never depends on `ipc-core`.
//!
//! Pipeline: [`parser`] (pest grammar → [`ast`]) → [`program`] (inputs plus
//! imports found under include dirs) → [`check`] (semantic checks, using
//! [`sema`] for types and constant values) → [`codegen`] (Rust text).
//! [`compiler::compile`] runs it all; the `aidlc` binary ([`cli`]) and
//! [`Builder`] (for `build.rs`) are thin layers over it.
#![deny(unsafe_code)]

pub mod api_dump;
pub mod ast;
mod builder;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod codegen;
pub mod compiler;
pub mod consteval;
pub mod cycles;
pub mod diagnostics;
mod lexical;
pub mod parser;
pub mod program;
pub mod sema;
pub mod types;

pub use builder::{Builder, Error};
pub use compiler::{Options, Outcome, compile, compile_sources};
