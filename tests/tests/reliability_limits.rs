//! Limits not already covered by the runtime suite (`ipc-core/tests/runtime_suite`,
//! see docs/RELIABILITY.md for the full list): descriptors per parcel, the
//! receiver's transaction size, the thread pool's bound seen from outside, a full
//! oneway queue slowing only its sender, and the per-uid connection limit leaving
//! other uids alone. Exceeding a limit affects that peer only.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;

use integration_tests::reliability::raw::{self, RawPeer};
use integration_tests::reliability::{
    READ_FDS, SLEEP, Server, Watchdog, add_one, is_root, pipe_with, skip, wait_until, warm_pool,
};
use ipc_core::{FLAG_ONEWAY, Parcel, StatusCode};

#[test]
fn child_main() {
    integration_tests::sm::child_main();
    integration_tests::reliability::child_main();
}

#[test]
fn fds_per_parcel_above_250_fail_that_call_only() {
    let _w = Watchdog::new("fd-limit", 60);
    let server = Server::start("fd-limit", &[]);
    let root = ipc_core::connect(&server.path).unwrap();
    warm_pool(&root, 4);
    let baseline = server.stats();
    let call = |n: i32| {
        let mut data = Parcel::new();
        data.write(&n).unwrap();
        for _ in 0..n {
            data.write(&pipe_with(b"x")).unwrap();
        }
        root.transact(READ_FDS, data, 0)
            .and_then(|mut r| r.read::<i32>())
    };
    assert_eq!(call(250), Ok(250), "250 descriptors in one parcel travel");
    assert_eq!(call(251), Err(StatusCode::FDS_NOT_ALLOWED), "251 do not");
    assert_eq!(add_one(&root, 1), Ok(2), "the connection lives on");
    assert_eq!(call(3), Ok(3));
    integration_tests::reliability::wait_settled(server.pid(), baseline, 30);
}

#[test]
fn a_frame_above_the_receivers_transaction_limit_closes_that_connection_only() {
    let _w = Watchdog::new("size-limit", 60);
    let server = Server::start(
        "size-limit",
        &[("BINDER_IPC_MAX_TRANSACTION_SIZE", "65536")],
    );
    let root = ipc_core::connect(&server.path).unwrap();
    // A raw peer ignores the limit the server announced in its hello: 65536 + the
    // 64 KiB frame allowance + 1.
    let mut p = RawPeer::connect(&server.path);
    let data = vec![0u8; 65536 + 64 * 1024];
    let frame = raw::transaction(2, p.id, p.token, 10, 0, &data);
    assert!(frame.len() > 65536 + 64 * 1024);
    let _ = p.stream.write_all(&frame);
    assert!(p.goodbye().contains("impossible length"));
    assert_eq!(add_one(&root, 1), Ok(2));
    // A well-behaved client is stopped before sending: FAILED_TRANSACTION, and its
    // connection lives (runtime suite: an_oversized_transaction_fails_cleanly...).
    let mut big = Parcel::new();
    big.write(&vec![0u8; 70_000]).unwrap();
    assert_eq!(
        root.transact(10, big, 0).unwrap_err(),
        StatusCode::FAILED_TRANSACTION
    );
    assert_eq!(add_one(&root, 2), Ok(3));
    assert!(server.log_text().contains("impossible length"));
}

#[test]
fn the_pool_never_grows_past_its_bound() {
    let _w = Watchdog::new("thread-limit", 60);
    let server = Server::start("thread-limit", &[("REL_THREADS", "3")]);
    let root = ipc_core::connect(&server.path).unwrap();
    warm_pool(&root, 4);
    let full = server.stats().threads;
    // 16 callers at once: the pool's 3 threads serve them in turn.
    let callers: Vec<_> = (0..16)
        .map(|_| {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut data = Parcel::new();
                data.write(&100i32).unwrap();
                root.transact(SLEEP, data, 0).map(drop)
            })
        })
        .collect();
    let mut peak = 0;
    while callers.iter().any(|c| !c.is_finished()) {
        peak = peak.max(server.stats().threads);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    for c in callers {
        c.join().unwrap().unwrap();
    }
    eprintln!("16 concurrent callers: server threads peaked at {peak} (full pool {full})");
    assert!(
        peak <= full,
        "the pool grew past its bound: {peak} > {full}"
    );
}

#[test]
fn a_full_oneway_queue_slows_only_its_sender() {
    let _w = Watchdog::new("oneway-limit", 60);
    let server = Server::start("oneway-limit", &[("BINDER_IPC_MAX_PENDING_ONEWAY", "4")]);
    let root = ipc_core::connect(&server.path).unwrap();
    // A raw peer floods the root with slow oneway calls and does nothing else.
    let mut p = RawPeer::connect(&server.path);
    let mut flood = Vec::new();
    for k in 0..400u64 {
        flood.extend(raw::transaction(
            10 + k,
            p.id,
            p.token,
            SLEEP,
            FLAG_ONEWAY,
            &raw::ints(&[5]),
        ));
    }
    let flooder = std::thread::spawn(move || {
        let _ = p.stream.write_all(&flood);
        p
    });
    // Meanwhile another client's two-way calls go through.
    for i in 0..200 {
        assert_eq!(add_one(&root, i), Ok(i + 1));
    }
    let p = flooder.join().unwrap();
    drop(p);
}

#[test]
fn the_connection_limit_is_per_uid() {
    if !is_root() {
        skip("the_connection_limit_is_per_uid: needs root to run a client as uid 65534");
        return;
    }
    let _w = Watchdog::new("conn-limit-uid", 60);
    let server = Server::start(
        "conn-limit-uid",
        &[("BINDER_IPC_MAX_CONNECTIONS_PER_UID", "3")],
    );
    std::fs::set_permissions(&server.path, std::fs::Permissions::from_mode(0o777)).unwrap();
    let _a = RawPeer::connect(&server.path);
    let _b = RawPeer::connect(&server.path);
    let _c = RawPeer::connect(&server.path);
    // Root's fourth connection is refused...
    let mut s = raw::connect(&server.path);
    let _ = s.write_all(&raw::hello()); // the refusal may come first
    assert!(raw::goodbye(&mut s).contains("too many connections from uid 0"));
    // ...while uid 65534 still gets in (a copy of the test binary it may run).
    let dir = std::env::temp_dir().join(format!("rel-limit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let copy = integration_tests::exec::copy_of_this_binary(&dir, "rel-test-bin");
    let mut cmd = std::process::Command::new(&copy);
    cmd.args(["--exact", "child_main", "--nocapture", "--test-threads=1"])
        .env("REL_ROLE", "hello_at_path")
        .env("REL_SOCKET", &server.path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .uid(65534)
        .gid(65534);
    let out = integration_tests::exec::spawn(&mut cmd)
        .and_then(|child| child.wait_with_output())
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        text.contains("answer -> hello"),
        "uid 65534 was not admitted: {text}"
    );
    wait_until("the refusal in the log", 10, || {
        server
            .log_text()
            .contains("too many connections from uid 0")
    });
}
