//! The smallest example: a server registers an `IHello` with the service manager, a
//! client looks it up by name and calls it.
//!
//! ```text
//! cargo run -p examples --bin hello            # everything (starts a service manager if needed)
//! cargo run -p examples --bin hello -- server  # by hand, with a servicemanager running
//! cargo run -p examples --bin hello -- client
//! ```
//!
//! The interface is `examples/aidl/example/hello/IHello.aidl`:
//!
//! ```text
//! interface IHello {
//!     String sayHello(String name);
//! }
//! ```

use aidl::example::hello::IHello::{BnHello, IHello};
use examples::aidl; // In a crate of your own: include!(concat!(env!("OUT_DIR"), "/aidl.rs"));
use examples::launch::{DEFAULT_DEADLINE, Launcher};
use ipc_core::{BinderResult, Interface, Strong, service_manager};

const SERVICE_NAME: &str = "example.hello";

// ---- the server ----------------------------------------------------------------

/// The service: implements the trait `aidlc` generated from `IHello.aidl`.
struct Hello;

impl Interface for Hello {}

impl IHello for Hello {
    fn sayHello(&self, name: &str) -> BinderResult<String> {
        println!("server: pid {} calls sayHello", ipc_core::calling_pid());
        Ok(format!("Hello, {name}! (from pid {})", std::process::id()))
    }
}

fn server() -> anyhow::Result<()> {
    // Wrap the service in a binder object and publish it under a name.
    let hello = BnHello::new_binder(Hello);
    service_manager::add_service(SERVICE_NAME, &hello.as_binder())?;
    println!("server: registered {SERVICE_NAME:?}, waiting for calls");
    // Calls run on the thread pool; this thread joins it and never returns.
    ipc_core::join_thread_pool()
}

// ---- the client ----------------------------------------------------------------

fn client() -> anyhow::Result<()> {
    // Ask the service manager for the service, as a typed proxy.
    let hello: Strong<dyn IHello> = service_manager::wait_for_service(SERVICE_NAME)?;
    // A method call is a transaction to the server's process and back.
    let greeting = hello.sayHello("world")?;
    println!("client: {greeting}");
    Ok(())
}

// ---- one command for all -----------------------------------------------------

/// Starts the server and then the client, in two processes of their own.
fn run_all() -> anyhow::Result<()> {
    let mut launcher = Launcher::start()?;
    let server = launcher.spawn("hello server", &["server"])?;
    launcher.expect(server, "waiting for calls", DEFAULT_DEADLINE)?;
    let client = launcher.spawn("hello client", &["client"])?;
    launcher.wait_success(client, DEFAULT_DEADLINE)?;
    launcher.shutdown()?;
    Ok(())
}

fn main() -> std::process::ExitCode {
    examples::init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None => run_all(),
        Some("server") => server(),
        Some("client") => client(),
        Some("servicemanager") => return examples::launch::servicemanager_role(&args[1..]),
        Some(other) => Err(anyhow::anyhow!(
            "unknown role {other:?}: use `server`, `client`, or nothing"
        )),
    };
    examples::exit(result)
}
