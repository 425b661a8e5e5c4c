//! Benchmarks: the `ipc-bench` latency binary (this library is its body) and the
//! criterion micro-benchmarks in `benches/`.
//!
//! `ipc-bench` runs every row with client and server in separate processes (it
//! re-executes itself for each), see `README.md` in this crate.
#![deny(unsafe_code)]

mod child;
mod cli;
mod machine;
mod measure;
mod ours;
mod peer;
mod raw;
mod report;
#[allow(unsafe_code)]
mod sys;

pub use cli::{Cli, main};

/// The code `aidlc` generates from `aidl/bench/IEcho.aidl`.
#[allow(missing_docs, missing_debug_implementations, unreachable_pub)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/aidl.rs"));
}
use generated::aidl;
