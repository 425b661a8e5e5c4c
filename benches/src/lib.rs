//! Benchmarks: the `ipc-bench` latency binary and criterion micro-benchmarks in `benches/`.
#![deny(unsafe_code)]
