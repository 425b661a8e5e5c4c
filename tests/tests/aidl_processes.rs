//! Behaviour of generated code across processes: this test binary starts itself
//! again as a server publishing the generated `BnEverything` stub on a Unix
//! socket (`ipc_core::serve`), connects to it (`ipc_core::connect`) and drives the
//! generated proxy: values, `out`/`inout` values, errors, oneway calls, a callback
//! object the server calls back into, and a file descriptor all cross for real.

include!(concat!(env!("OUT_DIR"), "/aidl.rs"));

/// The Rust side of `golden.types.Native` (`rust_type "crate::native::Native"`).
pub mod native {
    #[derive(Debug, Default)]
    pub struct Native(pub i32);

    impl ipc_core::Parcelable for Native {
        fn write_to_parcel(&self, parcel: &mut ipc_core::Parcel) -> ipc_core::Result<()> {
            parcel.write(&self.0)
        }
        fn read_from_parcel(&mut self, parcel: &mut ipc_core::Parcel) -> ipc_core::Result<()> {
            self.0 = parcel.read()?;
            Ok(())
        }
    }
    ipc_core::impl_parcelable!(Native);
}

use aidl::golden::behave::ICallback::{BnCallback, ICallback};
use aidl::golden::behave::IEverything::{self as everything, BnEverything, IEverything};
use aidl::golden::behave::Item::Item;
use aidl::golden::behave::Kind::Kind;
use aidl::golden::behave::Payload::Payload;
use ipc_core::{
    BinderResult, ExceptionCode, Interface, ParcelFileDescriptor, SpIBinder, Status, Strong,
};
use std::sync::atomic::{AtomicI32, Ordering};

#[derive(Default)]
struct Everything {
    fired: AtomicI32,
}

impl Interface for Everything {}

impl IEverything for Everything {
    fn prims(&self, z: bool, b: i8, c: u16, i: i32, l: i64, f: f32, d: f64) -> BinderResult<bool> {
        Ok(z && b == -7 && c == 0x263A && i == i32::MIN && l == i64::MAX && f == 1.5 && d == -2.25)
    }
    fn strings(&self, s: &str, n: Option<&str>, u: &str) -> BinderResult<String> {
        Ok(format!("{s}|{}|{u}", n.unwrap_or("<null>")))
    }
    fn nullableRet(&self, give: bool) -> BinderResult<Option<String>> {
        Ok(give.then(|| "given".to_owned()))
    }
    fn arrays(
        &self,
        a: &[i32],
        doubled: &mut Vec<i32>,
        strs: &mut Vec<String>,
        bytes: &[u8],
    ) -> BinderResult<Vec<i32>> {
        // An out array arrives sized like the caller's, filled with defaults.
        assert!(doubled.iter().all(|v| *v == 0));
        *doubled = a.iter().map(|v| v * 2).collect();
        strs.push(format!("{} bytes", bytes.len()));
        Ok(a.iter().rev().copied().collect())
    }
    fn lists(&self, l: &[String], items: &mut Vec<Item>) -> BinderResult<Vec<String>> {
        *items = l
            .iter()
            .enumerate()
            .map(|(i, s)| Item {
                id: i as i32,
                name: s.clone(),
                ..Item::default()
            })
            .collect();
        Ok(l.iter().map(|s| s.to_uppercase()).collect())
    }
    fn nullableArrays(
        &self,
        a: Option<&[i32]>,
        b: &mut Option<Vec<i32>>,
    ) -> BinderResult<Option<Vec<i32>>> {
        *b = a.map(|a| a.iter().map(|v| v + 1).collect());
        Ok(a.map(<[i32]>::to_vec))
    }
    fn fixed(&self, m: &[[i32; 3]; 2], f: &mut [i64; 4]) -> BinderResult<[[i32; 3]; 2]> {
        *f = [1, 2, 3, 4];
        Ok([m[1], m[0]])
    }
    fn parcelables(
        &self,
        a: &Item,
        b: &mut Item,
        c: &mut Item,
        d: Option<&Item>,
    ) -> BinderResult<Item> {
        assert_eq!(
            *b,
            Item::default(),
            "an out parcelable arrives as its default"
        );
        *b = Item {
            id: a.id + 1,
            child: Some(Box::new(a.clone())),
            ..a.clone()
        };
        c.tags.push(99);
        c.kind = Kind::LARGE;
        Ok(d.cloned().unwrap_or_default())
    }
    fn unions(&self, p: &Payload, q: &mut Payload) -> BinderResult<Payload> {
        *q = p.clone();
        Ok(match p {
            Payload::number(n) => Payload::text(n.to_string()),
            Payload::text(t) => Payload::number(t.len() as i32),
            Payload::item(i) => Payload::kind(i.kind),
            Payload::kind(k) => Payload::item(Item {
                kind: *k,
                ..Item::default()
            }),
        })
    }
    fn enums(&self, k: Kind, ks: &[Kind], out1: &mut Vec<Kind>) -> BinderResult<Kind> {
        *out1 = ks.iter().rev().copied().collect();
        Ok(if k == Kind::SMALL {
            Kind::LARGE
        } else {
            Kind::SMALL
        })
    }
    fn interfaces(
        &self,
        cb: &Strong<dyn ICallback>,
        none: Option<&Strong<dyn ICallback>>,
        v: i32,
    ) -> BinderResult<i32> {
        assert!(none.is_none());
        cb.onEvent(v)?;
        cb.twice(v)
    }
    fn echoCallback(&self, cb: &Strong<dyn ICallback>) -> BinderResult<Strong<dyn ICallback>> {
        Ok(cb.clone())
    }
    fn binders(&self, b: &SpIBinder) -> BinderResult<SpIBinder> {
        Ok(b.clone())
    }
    fn fds(&self, fd: &ParcelFileDescriptor) -> BinderResult<ParcelFileDescriptor> {
        Ok(fd.try_clone()?)
    }
    fn fail(&self, code: i32, message: &str) -> BinderResult<()> {
        if code == 0 {
            return Err(Status::new_exception(
                ExceptionCode::ILLEGAL_STATE,
                Some(message),
            ));
        }
        Err(Status::new_service_specific_error(code, Some(message)))
    }
    fn fire(&self, seq: i32) -> BinderResult<()> {
        self.fired.fetch_add(seq, Ordering::SeqCst);
        Ok(())
    }
    fn fired(&self) -> BinderResult<i32> {
        Ok(self.fired.load(Ordering::SeqCst))
    }
}

struct Callback {
    events: AtomicI32,
}

impl Interface for Callback {}

impl ICallback for Callback {
    fn onEvent(&self, n: i32) -> BinderResult<()> {
        self.events.fetch_add(n, Ordering::SeqCst);
        Ok(())
    }
    fn twice(&self, v: i32) -> BinderResult<i32> {
        Ok(v * 2)
    }
}

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
