//! The runtime across real processes. The test binary re-executes itself to play the
//! other processes: `child_main` runs only when `IPC_TEST_ROLE` is set. Every test
//! has a watchdog, and every child is killed when its test ends.
//!
//! The service is a hand-written stub speaking raw transactions; the generated-code
//! path is covered by the `integration-tests` crate.

use std::io::{Read, Write};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipc_core::binder::DeathRecipient;
use ipc_core::{FLAG_ONEWAY, Parcel, ParcelFileDescriptor, Remotable, SpIBinder, StatusCode};

const ADD_ONE: u32 = 1;
const RECURSE: u32 = 2;
const RECORD: u32 = 3;
const RECORDED: u32 = 4;
const CALLER: u32 = 5;
const READ_FD: u32 = 6;
const HOLD: u32 = 7;
const CALL_HELD: u32 = 8;
const DROP_HELD: u32 = 9;
const SLEEP: u32 = 10;
const CONCURRENT_MAX: u32 = 11;

/// A test service: each code does one small thing.
#[derive(Default)]
struct TestService {
    recorded: Mutex<Vec<i32>>,
    held: Mutex<Option<SpIBinder>>,
    running: AtomicUsize,
    max_running: AtomicUsize,
    dropped: Option<Arc<AtomicBool>>,
}

impl Drop for TestService {
    fn drop(&mut self) {
        if let Some(flag) = &self.dropped {
            flag.store(true, Ordering::SeqCst);
        }
    }
}

impl Remotable for TestService {
    fn descriptor() -> &'static str {
        "test.ITestService"
    }

    fn on_transact(
        &self,
        code: u32,
        data: &mut Parcel,
        reply: &mut Parcel,
    ) -> ipc_core::Result<()> {
        match code {
            ADD_ONE => reply.write(&(data.read::<i32>()? + 1)),
            RECURSE => {
                // Call `peer` back with ourselves, depth - 1, and return the depth reached.
                let peer: SpIBinder = data.read()?;
                let me: SpIBinder = data.read()?;
                let depth: i32 = data.read()?;
                if depth == 0 {
                    return reply.write(&0i32);
                }
                let mut call = Parcel::new();
                call.write(&me)?;
                call.write(&peer)?;
                call.write(&(depth - 1))?;
                let mut back = peer.transact(RECURSE, call, 0)?;
                reply.write(&(back.read::<i32>()? + 1))
            }
            RECORD => {
                let running = self.running.fetch_add(1, Ordering::SeqCst) + 1;
                self.max_running.fetch_max(running, Ordering::SeqCst);
                self.recorded.lock().unwrap().push(data.read()?);
                self.running.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            }
            RECORDED => {
                reply.write(&self.recorded.lock().unwrap().clone())?;
                reply.write(&(self.max_running.load(Ordering::SeqCst) as i32))
            }
            CALLER => {
                reply.write(&ipc_core::calling_pid())?;
                reply.write(&(ipc_core::calling_uid() as i32))
            }
            READ_FD => {
                let fd: ParcelFileDescriptor = data.read()?;
                let mut text = String::new();
                std::fs::File::from(fd.into_inner())
                    .read_to_string(&mut text)
                    .map_err(|_| StatusCode::BAD_VALUE)?;
                reply.write(&text)
            }
            HOLD => {
                *self.held.lock().unwrap() = Some(data.read()?);
                Ok(())
            }
            CALL_HELD => {
                let held = self
                    .held
                    .lock()
                    .unwrap()
                    .clone()
                    .ok_or(StatusCode::NAME_NOT_FOUND)?;
                let mut call = Parcel::new();
                call.write(&data.read::<i32>()?)?;
                let mut back = held.transact(ADD_ONE, call, 0)?;
                reply.write(&back.read::<i32>()?)
            }
            DROP_HELD => {
                self.held.lock().unwrap().take();
                Ok(())
            }
            SLEEP => {
                std::thread::sleep(Duration::from_millis(data.read::<i32>()? as u64));
                Ok(())
            }
            CONCURRENT_MAX => {
                let running = self.running.fetch_add(1, Ordering::SeqCst) + 1;
                self.max_running.fetch_max(running, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                self.running.fetch_sub(1, Ordering::SeqCst);
                reply.write(&(self.max_running.load(Ordering::SeqCst) as i32))
            }
            _ => Err(StatusCode::UNKNOWN_TRANSACTION),
        }
    }
}

/// The entry point of the child processes (a no-op in the normal test run).
#[test]
fn child_main() {
    let Ok(role) = std::env::var("IPC_TEST_ROLE") else {
        return;
    };
    let path = std::env::var("IPC_TEST_SOCKET").unwrap();
    match role.as_str() {
        "server" => {
            let threads: usize = std::env::var("IPC_TEST_THREADS")
                .map(|t| t.parse().unwrap())
                .unwrap_or(4);
            ipc_core::set_max_threads(threads);
            let root = SpIBinder::new_local(TestService::default());
            let _listener = ipc_core::serve(&path, &root).unwrap();
            println!("ready");
            std::io::stdout().flush().unwrap();
            // Serve until killed; the parent's end of stdin closing means the test is over.
            let mut buf = [0u8; 1];
            let _ = std::io::stdin().read(&mut buf);
            std::process::exit(0);
        }
        "relay" => {
            // Connect to the server at `path`, get the object the parent server holds
            // for us via IPC_TEST_SECOND, and call through it.
            let second = std::env::var("IPC_TEST_SECOND").unwrap();
            ipc_core::start_thread_pool();
            let first = ipc_core::connect(&path).unwrap();
            let other = ipc_core::connect(&second).unwrap();
            // Hand our proxy of `other` to `first`, which then calls `other` directly.
            let mut data = Parcel::new();
            data.write(&other).unwrap();
            first.transact(HOLD, data, 0).unwrap();
            let mut data = Parcel::new();
            data.write(&41i32).unwrap();
            let mut reply = first.transact(CALL_HELD, data, 0).unwrap();
            println!("relayed {}", reply.read::<i32>().unwrap());
            std::process::exit(0);
        }
        other => panic!("unknown role {other}"),
    }
}

/// Kills the test process if a test takes longer than `secs`: a hang fails loudly.
struct Watchdog(Arc<AtomicBool>);

impl Watchdog {
    fn new(name: &'static str, secs: u64) -> Watchdog {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(secs);
            while Instant::now() < deadline {
                if flag.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            eprintln!("watchdog: {name} did not finish in {secs} s");
            std::process::exit(101);
        });
        Watchdog(done)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A child process, killed and reaped on drop.
struct ChildProc(Child);

impl Drop for ChildProc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn socket_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ipc-rt-{}-{name}.sock", std::process::id()))
}

fn spawn(role: &str, path: &std::path::Path, extra: &[(&str, String)]) -> ChildProc {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_main", "--nocapture", "--test-threads=1"])
        .env("IPC_TEST_ROLE", role)
        .env("IPC_TEST_SOCKET", path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    ChildProc(cmd.spawn().unwrap())
}

/// Starts a server process and waits until it serves.
fn server(name: &str, threads: usize) -> (ChildProc, SpIBinder) {
    let path = socket_path(name);
    let mut child = spawn(
        "server",
        &path,
        &[("IPC_TEST_THREADS", threads.to_string())],
    );
    let mut out = child.0.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&seen).contains("ready") {
        assert_eq!(
            out.read(&mut byte).unwrap(),
            1,
            "server exited before it was ready"
        );
        seen.push(byte[0]);
    }
    let binder = ipc_core::connect(&path).unwrap();
    (child, binder)
}

fn add_one(binder: &SpIBinder, v: i32) -> ipc_core::Result<i32> {
    let mut data = Parcel::new();
    data.write(&v)?;
    binder.transact(ADD_ONE, data, 0)?.read()
}

fn wait_until(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn sync_calls_reach_the_server_and_come_back() {
    let _w = Watchdog::new("sync", 30);
    let (_server, root) = server("sync", 4);
    assert!(root.is_remote());
    assert_eq!(root.interface_descriptor().unwrap(), "test.ITestService");
    root.ping_binder().unwrap();
    for i in 0..1000 {
        assert_eq!(add_one(&root, i), Ok(i + 1));
    }
    assert_eq!(
        root.transact(999, Parcel::new(), 0).unwrap_err(),
        StatusCode::UNKNOWN_TRANSACTION
    );
}

#[test]
fn caller_identity_is_the_real_caller() {
    let _w = Watchdog::new("identity", 30);
    let (_server, root) = server("identity", 2);
    let mut reply = root.transact(CALLER, Parcel::new(), 0).unwrap();
    assert_eq!(reply.read::<i32>().unwrap(), std::process::id() as i32);
    assert_eq!(
        reply.read::<i32>().unwrap() as u32,
        nix::unistd::getuid().as_raw()
    );
}

#[test]
fn recursion_twenty_deep_with_one_thread_each() {
    let _w = Watchdog::new("recursion", 30);
    let (_server, root) = server("recurse", 1);
    // This process's side runs nested calls on the waiting thread: no pool needed.
    let me = SpIBinder::new_local(TestService::default());
    let mut data = Parcel::new();
    data.write(&me).unwrap();
    data.write(&root).unwrap();
    data.write(&20i32).unwrap();
    let mut reply = root.transact(RECURSE, data, 0).unwrap();
    assert_eq!(reply.read::<i32>().unwrap(), 20);
}

#[test]
fn ten_thousand_oneway_calls_arrive_in_order_one_at_a_time() {
    let _w = Watchdog::new("oneway", 60);
    let (_server, root) = server("oneway", 4);
    for i in 0..10_000 {
        let mut data = Parcel::new();
        data.write(&i).unwrap();
        root.transact(RECORD, data, FLAG_ONEWAY).unwrap();
    }
    let mut last = (Vec::new(), 0);
    wait_until("all oneway calls", 30, || {
        let mut reply = root.transact(RECORDED, Parcel::new(), 0).unwrap();
        last = (
            reply.read::<Vec<i32>>().unwrap(),
            reply.read::<i32>().unwrap(),
        );
        last.0.len() == 10_000
    });
    assert_eq!(last.0, (0..10_000).collect::<Vec<_>>());
    assert_eq!(
        last.1, 1,
        "oneway calls to one object never run concurrently"
    );
}

#[test]
fn fds_travel_and_are_readable_in_the_peer() {
    let _w = Watchdog::new("fds", 30);
    let (_server, root) = server("fds", 2);
    let (read, write) = nix::unistd::pipe().unwrap();
    let mut writer = std::fs::File::from(write);
    writer.write_all(b"through a pipe").unwrap();
    drop(writer);
    let mut data = Parcel::new();
    data.write(&ParcelFileDescriptor::new(read)).unwrap();
    let mut reply = root.transact(READ_FD, data, 0).unwrap();
    assert_eq!(reply.read::<String>().unwrap(), "through a pipe");
}

#[test]
fn callbacks_run_in_the_clients_pool_and_objects_come_home() {
    let _w = Watchdog::new("callbacks", 30);
    ipc_core::start_thread_pool();
    let (_server, root) = server("callbacks", 2);
    let dropped = Arc::new(AtomicBool::new(false));
    let mut service = TestService::default();
    service.dropped = Some(dropped.clone());
    let me = SpIBinder::new_local(service);
    let mut data = Parcel::new();
    data.write(&me).unwrap();
    root.transact(HOLD, data, 0).unwrap();
    // The server calls our object while we wait: a nested call on this thread.
    let mut data = Parcel::new();
    data.write(&9i32).unwrap();
    assert_eq!(
        root.transact(CALL_HELD, data, 0)
            .unwrap()
            .read::<i32>()
            .unwrap(),
        10
    );
    // The last remote reference goes: the runtime lets go of our object.
    drop(me);
    assert!(!dropped.load(Ordering::SeqCst), "the server still holds it");
    root.transact(DROP_HELD, Parcel::new(), 0).unwrap();
    wait_until("the release of our object", 10, || {
        dropped.load(Ordering::SeqCst)
    });
}

#[test]
fn a_proxy_passed_to_a_third_process_reaches_the_owner() {
    let _w = Watchdog::new("third", 30);
    let (_a, _root_a) = server("third-a", 2);
    let (_b, root_b) = server("third-b", 2);
    // A relay process gets B's root and hands it to A; A then calls B directly.
    let relay = spawn(
        "relay",
        &socket_path("third-a"),
        &[(
            "IPC_TEST_SECOND",
            socket_path("third-b").display().to_string(),
        )],
    );
    let output = {
        let mut relay = relay;
        let mut out = String::new();
        relay
            .0
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        out
    };
    assert!(output.contains("relayed 42"), "relay printed: {output}");
    add_one(&root_b, 1).unwrap();
}

#[test]
fn death_of_the_server_is_noticed_once_and_calls_fail_fast() {
    let _w = Watchdog::new("death", 30);
    ipc_core::start_thread_pool();
    let (mut server, root) = server("death", 2);
    let deaths = Arc::new(AtomicUsize::new(0));
    let counter = deaths.clone();
    let recipient = DeathRecipient::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    root.link_to_death(&recipient).unwrap();
    // A call blocked in the server when it dies returns DEAD_OBJECT.
    let blocked = {
        let root = root.clone();
        std::thread::spawn(move || {
            let mut data = Parcel::new();
            data.write(&20_000i32).unwrap();
            root.transact(SLEEP, data, 0).map(drop)
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    assert_eq!(blocked.join().unwrap(), Err(StatusCode::DEAD_OBJECT));
    wait_until("the death notification", 10, || {
        deaths.load(Ordering::SeqCst) == 1
    });
    assert_eq!(add_one(&root, 1), Err(StatusCode::DEAD_OBJECT));
    assert_eq!(
        root.link_to_death(&DeathRecipient::new(|| {})),
        Err(StatusCode::DEAD_OBJECT)
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(deaths.load(Ordering::SeqCst), 1, "fired exactly once");
}

#[test]
fn concurrent_callers_are_served_by_a_bounded_pool() {
    let _w = Watchdog::new("pool", 60);
    let (_server, root) = server("pool", 4);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let root = root.clone();
            std::thread::spawn(move || {
                for i in 0..200 {
                    assert_eq!(add_one(&root, t * 1000 + i), Ok(t * 1000 + i + 1));
                }
                root.transact(CONCURRENT_MAX, Parcel::new(), 0)
                    .unwrap()
                    .read::<i32>()
                    .unwrap()
            })
        })
        .collect();
    let max = threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .max()
        .unwrap();
    assert!(
        max <= 4,
        "never more than the pool's 4 threads at once, saw {max}"
    );
}
