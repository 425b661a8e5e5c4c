//! The runtime suite (`runtime_suite/suite.rs`) over shared-memory rings.
const TRANSPORT: &str = "shm";
include!("runtime_suite/suite.rs");
