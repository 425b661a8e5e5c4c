//! Services come and go with their processes: a watcher hears of every
//! registration (the current one included, and a re-registration after the service
//! restarts) and of the service's death; a service killed with SIGKILL leaves the registry and its name can be
//! registered again by a new process.

use std::sync::Arc;

use integration_tests::sm::{Scratch, Watchdog, wait_until};
use ipc_core::service_manager::ServiceEvent;
use parking_lot::Mutex;
use servicemanager::testing::ITestService;

#[test]
fn child_main() {
    integration_tests::sm::child_main();
}

#[test]
fn a_watcher_is_told_of_registrations_including_after_a_restart() {
    let _w = Watchdog::new("notifications", 60);
    let scratch = Scratch::new("notify");
    let _daemon = scratch.daemon(&[]);
    let client = scratch.client();
    // Registered before the watcher exists: reported at once.
    let mut first = scratch.server("test.watched", false);

    let seen: Arc<Mutex<Vec<(String, i32)>>> = Arc::default();
    let _registration = {
        let seen = seen.clone();
        client
            .register_for_notifications("test.watched", move |name, binder| {
                let pid = binder
                    .clone()
                    .into_interface::<dyn ITestService>()
                    .and_then(|s| s.pid().map_err(|e| e.transaction_error()))
                    .unwrap_or(-1);
                seen.lock().push((name.to_owned(), pid));
            })
            .expect("register_for_notifications")
    };
    wait_until("the current registration", 20, || seen.lock().len() == 1);
    assert_eq!(
        seen.lock()[0],
        ("test.watched".to_owned(), first.pid() as i32)
    );

    // The watcher hears of the death too (through `watch`, which reports both).
    let deaths = Arc::new(Mutex::new(0));
    let _watch = {
        let deaths = deaths.clone();
        client
            .watch("test.watched", move |_, event| {
                if matches!(event, ServiceEvent::Died) {
                    *deaths.lock() += 1;
                }
            })
            .unwrap()
    };

    // The service restarts: a new process registers the name again.
    first.kill9();
    wait_until("the death notice", 20, || *deaths.lock() == 1);
    let second = scratch.server("test.watched", false);
    wait_until("the re-registration", 20, || seen.lock().len() == 2);
    assert_eq!(
        seen.lock()[1],
        ("test.watched".to_owned(), second.pid() as i32)
    );

    // Other names are not reported.
    let _other = scratch.server("test.unwatched", false);
    let probe = scratch.client();
    wait_until("the other service", 20, || {
        probe.check_binder("test.unwatched").unwrap().is_some()
    });
    assert_eq!(seen.lock().len(), 2);
}

#[test]
fn a_killed_service_disappears_and_its_name_can_be_registered_again() {
    let _w = Watchdog::new("kill -9", 60);
    let scratch = Scratch::new("kill");
    let _daemon = scratch.daemon(&[]);
    let client = scratch.client();
    let mut victim = scratch.server("test.victim,test.victim2", false);
    let listed = client.list_services().unwrap();
    assert!(listed.contains(&"test.victim".to_owned()), "{listed:?}");

    victim.kill9();
    wait_until("the dead service to leave the registry", 20, || {
        let names = client.list_services().unwrap();
        !names.iter().any(|n| n.starts_with("test.victim"))
    });
    assert_eq!(client.check_binder("test.victim").unwrap(), None);

    let heir = scratch.server("test.victim", false);
    let found = client
        .check_service::<dyn ITestService>("test.victim")
        .unwrap()
        .expect("registered again");
    assert_eq!(found.pid(), Ok(heir.pid() as i32));
    assert_eq!(found.addOne(1), Ok(2));
}
