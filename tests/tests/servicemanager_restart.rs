//! The daemon restarts (killed with SIGKILL, a new one takes over its stale socket):
//! an existing client's next call just works, an opted-in server's services are
//! registered again by themselves, and notification registrations carry over.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use integration_tests::sm::{Scratch, Watchdog, wait_until};
use servicemanager::testing::ITestService;

#[test]
fn child_main() {
    integration_tests::sm::child_main();
}

#[test]
fn clients_reconnect_and_opted_in_servers_reregister_after_a_daemon_restart() {
    let _w = Watchdog::new("daemon restart", 60);
    let scratch = Scratch::new("restart");
    let mut daemon = scratch.daemon(&[]);
    let phoenix = scratch.server("test.phoenix", true);
    let _plain = scratch.server("test.plain", false);

    let client = scratch.client();
    let before = client
        .get_service::<dyn ITestService>("test.phoenix")
        .unwrap();
    assert_eq!(before.pid(), Ok(phoenix.pid() as i32));
    let told = Arc::new(AtomicUsize::new(0));
    let _registration = {
        let told = told.clone();
        let same_client = client.clone();
        client
            .register_for_notifications("test.phoenix", move |name, _| {
                // A callback may use the client that delivers it, even while that
                // client replays its registrations to a restarted daemon.
                assert!(same_client.check_binder(name).is_ok());
                told.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap()
    };
    wait_until("the current registration", 20, || {
        told.load(Ordering::SeqCst) == 1
    });

    daemon.kill9();
    assert!(scratch.socket().exists(), "SIGKILL leaves the socket file");
    let _daemon = scratch.daemon(&[]);

    // The existing client's next call reconnects and succeeds.
    client
        .list_services()
        .expect("the first call after the restart");
    // The opted-in server registers again without being asked...
    wait_until("the re-registration", 20, || {
        client.check_binder("test.phoenix").unwrap().is_some()
    });
    let after = client
        .get_service::<dyn ITestService>("test.phoenix")
        .unwrap();
    assert_eq!(after.pid(), Ok(phoenix.pid() as i32));
    assert_eq!(after.addOne(1), Ok(2));
    // ...the other one does not...
    assert_eq!(client.check_binder("test.plain").unwrap(), None);
    // ...and our notification registration came along to the new daemon.
    wait_until("the notification of the re-registration", 20, || {
        told.load(Ordering::SeqCst) == 2
    });
}
