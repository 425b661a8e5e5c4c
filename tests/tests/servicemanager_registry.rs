//! The service manager across real processes: register in one, find and call from
//! another, list, wait for a service that comes later, getService's short wait,
//! and the errors for bad names, null and dead binders.

use std::time::Duration;

use integration_tests::sm::{Scratch, Spawn, Watchdog};
use ipc_core::service_manager::aidl::android::os::IServiceManager::{
    DUMP_FLAG_PRIORITY_CRITICAL, DUMP_FLAG_PRIORITY_HIGH,
};
use ipc_core::{ExceptionCode, StatusCode};
use servicemanager::testing::ITestService;

#[test]
fn child_main() {
    integration_tests::sm::child_main();
}

#[test]
fn registered_in_one_process_found_and_called_from_another() {
    let _w = Watchdog::new("register/find/call", 60);
    let scratch = Scratch::new("find");
    let _daemon = scratch.daemon(&[]);
    let server = scratch.server("test.echo", false);
    let client = scratch.client();

    let echo = client
        .get_service::<dyn ITestService>("test.echo")
        .expect("get_service");
    assert!(echo.as_binder().is_remote());
    assert_eq!(echo.addOne(41), Ok(42));
    assert_eq!(echo.echo("héllo"), Ok("héllo".to_owned()));
    assert_eq!(
        echo.pid(),
        Ok(server.pid() as i32),
        "the server itself answers"
    );

    assert!(
        client
            .list_services()
            .unwrap()
            .contains(&"test.echo".to_owned())
    );
    let info = client.debug_info().unwrap();
    let entry = info
        .iter()
        .find(|e| e.name == "test.echo")
        .expect("dump entry");
    assert_eq!(entry.debugPid, server.pid() as i32);
    assert_eq!(entry.uid as u32, nix::unistd::getuid().as_raw());
    assert_eq!(entry.descriptor, "smtest.ITestService");

    // Dump priorities filter the list.
    let local = servicemanager::testing::new_service().as_binder();
    client
        .add_service_with("test.high", &local, false, DUMP_FLAG_PRIORITY_HIGH)
        .unwrap();
    let critical = client
        .list_services_with_priority(DUMP_FLAG_PRIORITY_CRITICAL)
        .unwrap();
    assert!(critical.is_empty(), "{critical:?}");
    let high = client
        .list_services_with_priority(DUMP_FLAG_PRIORITY_HIGH)
        .unwrap();
    assert_eq!(high, vec!["test.high".to_owned()]);

    // `servicectl list` (its code, in a process of its own) shows it too.
    let (code, out) = scratch.ctl(&["list"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.lines().any(|l| l == "test.echo"), "{out}");
}

#[test]
fn wait_for_service_in_a_client_started_before_the_server() {
    let _w = Watchdog::new("wait before server", 60);
    let scratch = Scratch::new("wait");
    let _daemon = scratch.daemon(&[]);
    let mut waiter = Spawn::role("waiter")
        .env("SM_TEST_SOCKET", scratch.socket())
        .env("SM_TEST_NAME", "test.late")
        .start();
    waiter.expect_line("waiting", 20);
    assert_eq!(scratch.client().check_binder("test.late").unwrap(), None);
    let server = scratch.server("test.late", false);
    let line = waiter.expect_line("found", 20);
    assert_eq!(line, format!("found addOne(41)=42 pid={}", server.pid()));
}

#[test]
fn get_service_waits_briefly_and_check_service_does_not() {
    let _w = Watchdog::new("getService wait", 60);
    let scratch = Scratch::new("getwait");
    // A long wait, so that the server below surely starts within it.
    let _daemon = scratch.daemon(&["--get-timeout-ms", "30000"]);
    let client = scratch.client();
    assert_eq!(client.check_binder("test.soon").unwrap(), None);
    let getter = {
        let client = client.clone();
        std::thread::spawn(move || client.get_service::<dyn ITestService>("test.soon"))
    };
    let server = scratch.server("test.soon", false);
    let found = getter
        .join()
        .unwrap()
        .expect("getService returned once registered");
    assert_eq!(found.pid(), Ok(server.pid() as i32));

    // The daemon-side waitForService blocks the same way.
    let waiter = {
        let client = client.clone();
        std::thread::spawn(move || client.manager().unwrap().waitForService("test.later", -1))
    };
    let _later = scratch.server("test.later", false);
    assert!(waiter.join().unwrap().unwrap().is_some());
}

#[test]
fn get_service_gives_up_after_the_configured_wait() {
    let _w = Watchdog::new("getService timeout", 60);
    let scratch = Scratch::new("gettimeout");
    let _daemon = scratch.daemon(&["--get-timeout-ms", "100"]);
    let client = scratch.client();
    let err = client
        .get_service::<dyn ITestService>("test.never")
        .unwrap_err();
    assert_eq!(err.transaction_error(), StatusCode::NAME_NOT_FOUND, "{err}");
    let err = client
        .wait_for_binder("test.never", Some(Duration::from_millis(100)))
        .unwrap_err();
    assert_eq!(err.transaction_error(), StatusCode::TIMED_OUT, "{err}");
    assert_eq!(
        client
            .manager()
            .unwrap()
            .waitForService("test.never", 50)
            .unwrap(),
        None
    );
}

#[test]
fn bad_names_null_and_dead_binders_get_clear_errors() {
    let _w = Watchdog::new("validation", 60);
    let scratch = Scratch::new("validate");
    let _daemon = scratch.daemon(&[]);
    let client = scratch.client();
    let manager = client.manager().unwrap();
    let service = servicemanager::testing::new_service().as_binder();

    let too_long = "x".repeat(128);
    for bad in ["", "has space", "semi;colon", "ünï", too_long.as_str()] {
        // Checked by the client library before sending...
        let err = client.add_service(bad, &service).unwrap_err();
        assert_eq!(
            err.exception_code(),
            ExceptionCode::ILLEGAL_ARGUMENT,
            "{err}"
        );
        assert!(err.message().contains("invalid service name"), "{err}");
        // ...and by the daemon for anyone who sends it anyway.
        let err = manager
            .addService(bad, Some(&service), false, 0)
            .unwrap_err();
        assert_eq!(
            err.exception_code(),
            ExceptionCode::ILLEGAL_ARGUMENT,
            "{err}"
        );
        assert!(err.message().contains("invalid service name"), "{err}");
        let err = manager.checkService(bad).unwrap_err();
        assert_eq!(
            err.exception_code(),
            ExceptionCode::ILLEGAL_ARGUMENT,
            "{err}"
        );
    }
    client.add_service(&"x".repeat(127), &service).unwrap();

    let err = manager.addService("test.null", None, false, 0).unwrap_err();
    assert_eq!(
        err.exception_code(),
        ExceptionCode::ILLEGAL_ARGUMENT,
        "{err}"
    );
    assert!(err.message().contains("null"), "{err}");

    // A proxy whose process is gone.
    let mut server = scratch.server("test.doomed", false);
    let doomed = client.get_binder("test.doomed").unwrap();
    server.kill9();
    integration_tests::sm::wait_until("the proxy to notice", 20, || {
        doomed.ping_binder() == Err(StatusCode::DEAD_OBJECT)
    });
    let err = client.add_service("test.zombie", &doomed).unwrap_err();
    assert_eq!(
        err.exception_code(),
        ExceptionCode::ILLEGAL_ARGUMENT,
        "{err}"
    );
    assert!(err.message().contains("dead"), "{err}");
    assert_eq!(client.check_binder("test.zombie").unwrap(), None);
}
