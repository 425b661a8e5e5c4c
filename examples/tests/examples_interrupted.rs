//! The demo stopped from outside: by Ctrl-C, the launcher stops every process it
//! started and removes its temporary directories; killed with SIGKILL, it cannot,
//! but its children still die with it.

mod common;

use std::time::Duration;

use nix::sys::signal::Signal;

// One test, two cases in turn: each reaps every orphan of the process (waitpid(-1)),
// so they must not run side by side.
#[test]
fn the_demo_stopped_from_outside_leaves_no_process_behind() {
    ctrl_c_stops_the_demo_with_nothing_left_behind();
    the_children_die_with_a_launcher_killed_by_sigkill();
}

fn ctrl_c_stops_the_demo_with_nothing_left_behind() {
    let run = common::run_signalled(
        env!("CARGO_BIN_EXE_app-framework"),
        "the service manager lists",
        Signal::SIGINT,
        Duration::from_secs(50),
    );
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("interrupted by SIGINT"), "{run}");
    run.assert_no_process_left();
    run.assert_no_file_left();
}

/// Regression: the children inherited the launcher's blocked SIGTERM through exec,
/// so the SIGTERM the kernel sends them when the launcher dies did nothing and they
/// outlived it.
fn the_children_die_with_a_launcher_killed_by_sigkill() {
    let run = common::run_signalled(
        env!("CARGO_BIN_EXE_app-framework"),
        "the service manager lists",
        Signal::SIGKILL,
        Duration::from_secs(50),
    );
    assert_eq!(run.code, None, "{run}");
    run.reap_orphans(Duration::from_secs(20));
}
