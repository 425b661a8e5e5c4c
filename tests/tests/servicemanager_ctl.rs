//! `servicectl` (its code, in processes of its own) against a live daemon with a
//! real service, including `call` returning a value, and its errors when no daemon
//! runs. The binaries themselves are tested in `servicemanager/tests/binaries.rs`.

use integration_tests::sm::{Scratch, Watchdog};

#[test]
fn child_main() {
    integration_tests::sm::child_main();
}

#[test]
fn servicectl_against_a_live_daemon_and_without_one() {
    let _w = Watchdog::new("servicectl", 60);
    let scratch = Scratch::new("ctl");

    // No daemon yet: every command fails with one line naming the socket.
    for args in [
        &["list"][..],
        &["check", "test.svc"],
        &["dump"],
        &["call", "test.svc", "1", "i32", "1"],
    ] {
        let (code, out) = scratch.ctl(args);
        assert_eq!(code, 1, "{args:?}: {out}");
        let errors: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("servicectl: "))
            .collect();
        assert_eq!(errors.len(), 1, "{out}");
        assert!(errors[0].contains("no service manager running at"), "{out}");
    }

    let _daemon = scratch.daemon(&[]);
    let server = scratch.server("test.svc", false);
    let (code, out) = scratch.ctl(&["list"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.lines().any(|l| l == "test.svc"), "{out}");
    let (code, out) = scratch.ctl(&["check", "test.svc"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Service test.svc: found (smtest.ITestService)"),
        "{out}"
    );
    let (code, out) = scratch.ctl(&["wait", "test.svc", "--timeout", "5"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = scratch.ctl(&["dump"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("test.svc ") && l.contains(&server.pid().to_string())),
        "{out}"
    );
    let (code, out) = scratch.ctl(&["call", "test.svc", "1", "i32", "-8"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Result (as i32): -7"), "{out}");
    let (code, out) = scratch.ctl(&["check", "test.nothere"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("servicectl: service \"test.nothere\" not found"),
        "{out}"
    );
}
