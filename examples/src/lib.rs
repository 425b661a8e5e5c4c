//! Runnable example programs, smallest first; each lives in `src/bin/`:
//!
//! * `hello`: one interface, a server registered with the service manager, a client;
//! * `callbacks`: a client hands the server a listener object, the server calls it
//!   back (oneway) and notices when the client dies;
//! * `fd-passing`: bulk data as a sealed memfd the client maps;
//! * `app-framework`: the demo: a launcher, a private service manager, two services
//!   and two apps, one service killed and restarted mid-run.
//!
//! Each binary plays every role of its example (`hello server`, `hello client`...) and,
//! run without arguments, launches all of them itself through [`launch::Launcher`].
//! This library holds what they share: the generated AIDL code ([`aidl`]), the
//! launcher, and the few system calls that need `unsafe` (`sys`).
#![deny(unsafe_code)]

pub mod launch;
pub mod sys;

#[allow(clippy::all)]
mod generated {
    // Written by build.rs (aidl_compiler::Builder) from every file under aidl/.
    include!(concat!(env!("OUT_DIR"), "/aidl.rs"));
}
/// The code `aidlc` generated from `examples/aidl/**.aidl`: one module per package,
/// one per type (`aidl::example::hello::IHello::{IHello, BnHello, BpHello}`).
pub use generated::aidl;

/// Logs of the runtime (and the service manager) to stderr: warnings and errors by
/// default, more with `RUST_LOG=debug`.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .try_init();
}

/// The exit code of a role: success, or the error printed with its causes.
pub fn exit(result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
