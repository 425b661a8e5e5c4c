//! Behaviour of generated code across processes: this test binary starts itself
//! again as a server publishing the generated `BnEverything` stub on a Unix
//! socket (`ipc_core::serve`), connects to it (`ipc_core::connect`) and drives the
//! generated proxy: values, `out`/`inout` values, errors, oneway calls, a callback
//! object the server calls back into, and a file descriptor all cross for real.

use integration_tests::aidl::golden::behave::ICallback::BnCallback;
use integration_tests::aidl::golden::behave::IEverything::{
    self as everything, BnEverything, IEverything,
};
use integration_tests::aidl::golden::behave::Item::Item;
use integration_tests::aidl::golden::behave::Kind::Kind;
use integration_tests::aidl::golden::behave::Payload::Payload;
use integration_tests::everything::{Callback, Everything};
use ipc_core::{ExceptionCode, ParcelFileDescriptor, Strong};
use std::sync::atomic::AtomicI32;
/// Set in the child process: the socket to serve `IEverything` on.
const CHILD_SOCKET: &str = "AIDL_PROCESSES_CHILD_SOCKET";

/// Not a test of its own: the body of the server process started below. In a
/// normal run (no socket in the environment) it returns at once.
#[test]
fn child_server() {
    let Some(path) = std::env::var_os(CHILD_SOCKET) else {
        return;
    };
    let service = BnEverything::new_binder(Everything::default());
    let _listener = ipc_core::serve(&path, &service.as_binder()).unwrap();
    // Serves until the parent kills this process.
    ipc_core::join_thread_pool();
}

/// Kills the server process however the test ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `body` on its own thread; a hang fails the test instead of blocking it.
fn with_watchdog(body: impl FnOnce() + Send + 'static) {
    let (done, finished) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        body();
        let _ = done.send(());
    });
    match finished.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(()) => worker.join().unwrap(),
        // The body panicked: re-raise its panic.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("watchdog: no progress in 60 s"),
    }
}

fn start_server() -> (Server, Strong<dyn IEverything>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("everything.sock");
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_server", "--nocapture", "--test-threads=1"])
        .env(CHILD_SOCKET, &path)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    // Wait (with a deadline) until the server accepts connections.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let binder = loop {
        match ipc_core::connect(&path) {
            Ok(b) => break b,
            Err(e) if std::time::Instant::now() > deadline => panic!("server never came up: {e:?}"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    };
    let proxy: Strong<dyn IEverything> = binder.into_interface().unwrap();
    assert!(proxy.as_binder().is_remote());
    (server, proxy, dir)
}

#[test]
fn generated_client_calls_generated_server_in_another_process() {
    with_watchdog(|| {
        ipc_core::start_thread_pool();
        let (_server, p, _dir) = start_server();

        assert_eq!(
            p.prims(true, -7, 0x263A, i32::MIN, i64::MAX, 1.5, -2.25),
            Ok(true)
        );
        assert_eq!(p.strings("a", None, "世界"), Ok("a|<null>|世界".to_owned()));

        let mut doubled = vec![0; 3];
        let mut strs = vec!["kept".to_owned()];
        assert_eq!(
            p.arrays(&[1, 2, 3], &mut doubled, &mut strs, &[7]),
            Ok(vec![3, 2, 1])
        );
        assert_eq!(
            (doubled, strs),
            (vec![2, 4, 6], vec!["kept".to_owned(), "1 bytes".to_owned()])
        );

        let a = Item {
            id: 1,
            name: "a".into(),
            tags: vec![5],
            ..Item::default()
        };
        let (mut b, mut c) = (Item::default(), Item::default());
        assert_eq!(p.parcelables(&a, &mut b, &mut c, Some(&a)), Ok(a.clone()));
        assert_eq!(
            b,
            Item {
                id: 2,
                child: Some(Box::new(a.clone())),
                ..a.clone()
            }
        );
        assert_eq!((c.tags, c.kind), (vec![99], Kind::LARGE));

        let mut q = Payload::default();
        assert_eq!(
            p.unions(&Payload::text("four".into()), &mut q),
            Ok(Payload::number(4))
        );
        assert_eq!(q, Payload::text("four".into()));

        let mut out = Vec::new();
        assert_eq!(
            p.enums(Kind::LARGE, &[Kind::SMALL, Kind::LARGE], &mut out),
            Ok(Kind::SMALL)
        );
        assert_eq!(out, [Kind::LARGE, Kind::SMALL]);

        // A local object crosses to the server, which calls back into this process.
        let cb = BnCallback::new_binder(Callback {
            events: AtomicI32::new(0),
        });
        assert_eq!(p.interfaces(&cb, None, 21), Ok(42));
        assert_eq!(
            p.echoCallback(&cb),
            Ok(cb.clone()),
            "it comes home as itself"
        );

        let err = p
            .fail(everything::ERROR_ASKED, "across processes")
            .unwrap_err();
        assert_eq!(err.exception_code(), ExceptionCode::SERVICE_SPECIFIC);
        assert_eq!(err.service_specific_error(), 42);
        assert_eq!(err.message(), "across processes");

        for seq in 1..=4 {
            p.fire(seq).unwrap();
        }
        // Oneway calls to one object run in order, before the next two-way call
        // from this thread is answered.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while p.fired() != Ok(10) {
            assert!(
                std::time::Instant::now() < deadline,
                "oneway calls never arrived"
            );
            std::thread::yield_now();
        }
        assert_eq!(p.getInterfaceVersion(), Ok(3));

        // Nullable byte arrays that end a request and a reply; big ones travel
        // apart from the parcel (blobs), both ways and oneway.
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(
            p.maybeBytes(9, Some(&big)),
            Ok(Some([&big[..], &[9]].concat()))
        );
        assert_eq!(p.maybeBytes(9, None), Ok(None));
        assert_eq!(p.maybeBytes(1, Some(&[5])), Ok(Some(vec![5, 1])));
        for data in [
            Some(&big[..]),
            None,
            Some(&big[..70_000]),
            Some(&[1, 2][..]),
        ] {
            p.fireBytes(data).unwrap();
        }
        let want = 200_000 - 1 + 70_000 + 2;
        while p.bytesFired() != Ok(want) {
            assert!(
                std::time::Instant::now() < deadline,
                "oneway calls with byte arrays never arrived"
            );
            std::thread::yield_now();
        }

        use std::io::{Read, Seek, Write};
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"payload").unwrap();
        let pfd = ParcelFileDescriptor::new(std::os::fd::OwnedFd::from(file));
        let back = p.fds(&pfd).unwrap();
        let mut back = std::fs::File::from(back.into_inner());
        back.rewind().unwrap();
        let mut text = String::new();
        back.read_to_string(&mut text).unwrap();
        assert_eq!(text, "payload");
    });
}
