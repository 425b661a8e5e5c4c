//! With a service manager already running for the user, an example uses it (no
//! private one), and leaves it running with nothing of the example registered.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ipc_core::service_manager::ServiceManager;

#[test]
fn hello_uses_the_running_service_manager_and_leaves_it_clean() {
    let scratch = common::scratch();
    let runtime = scratch.path().join("runtime");
    std::fs::create_dir(&runtime).expect("runtime dir");
    let socket = runtime.join("servicemanager.sock");
    // The user's own daemon: here the `servicemanager` role of an example binary.
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_hello"))
        .args(["servicemanager", "--foreground", "--socket"])
        .arg(&socket)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the daemon");
    let manager = ServiceManager::builder().path(&socket).build();
    let until = Instant::now() + Duration::from_secs(20);
    while manager.list_services().is_err() {
        assert!(Instant::now() < until, "the daemon did not come up");
        std::thread::sleep(Duration::from_millis(10));
    }

    let run = common::run_in(
        scratch,
        env!("CARGO_BIN_EXE_hello"),
        &[],
        Duration::from_secs(30),
    );
    // The example's server stopped: the daemon drops its registration (once it has
    // seen the connection close).
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let names = manager.list_services().expect("the daemon still answers");
        if !names.iter().any(|n| n == "example.hello") {
            break;
        }
        assert!(
            Instant::now() < until,
            "example.hello is still registered: {names:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let stopped = daemon.wait().expect("wait for the daemon");

    run.assert_success();
    run.assert_line(&["launcher", "using the service manager already running at"]);
    run.assert_line(&["hello client", "Hello, world!"]);
    run.assert_line(&["all 2 child processes exited and were reaped"]);
    assert!(stopped.success(), "the daemon: {stopped}");
    run.assert_no_process_left();
    run.assert_tmpdir_empty();
    assert!(
        !socket.exists(),
        "the daemon removes its socket when stopped"
    );
}
