//! The runtime suite (`runtime_suite/suite.rs`) over Unix sockets only.
const TRANSPORT: &str = "socket";
include!("runtime_suite/suite.rs");
