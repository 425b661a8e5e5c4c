// The runtime across real processes, included once per transport by
// `runtime_shm.rs` and `runtime_socket.rs` (which define `TRANSPORT`). The test binary
// re-executes itself to play the other processes: `child_main` runs only when
// `IPC_TEST_ROLE` is set. Every test has a watchdog, and every child is killed when
// its test ends.
//
// The service is a hand-written stub speaking raw transactions; the generated-code
// path is covered by the `integration-tests` crate.

use std::io::{Read, Write};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ipc_core::binder::DeathRecipient;
use ipc_core::{FLAG_ONEWAY, Parcel, ParcelFileDescriptor, Remotable, SpIBinder, StatusCode};

/// The protocol version a raw peer says in its hello (docs/PROTOCOL.md).
const WIRE_VERSION: u32 = 3;

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
const SHARED_OBJECT: u32 = 12;
const ECHO_BINDER: u32 = 13;
const CALL_HELD_LATER: u32 = 14;
const STATS: u32 = 15;
const SLOW_RECORD: u32 = 16;
const ECHO_BYTES: u32 = 17;
const CALL_HELD_BIG: u32 = 18;
const GIFT: u32 = 19;
const RELAY_GIFT: u32 = 20;
const RELAY_GIFT_ONEWAY: u32 = 21;
const CALL_ARG: u32 = 22;
const CALL_HELD_ARG: u32 = 23;
const THREAD_ID: u32 = 24;
const ECHO_TAIL: u32 = 25;

/// A test service: each code does one small thing.
#[derive(Default)]
struct TestService {
    recorded: Mutex<Vec<i32>>,
    held: Mutex<Option<SpIBinder>>,
    running: AtomicUsize,
    max_running: AtomicUsize,
    dropped: Option<Arc<AtomicBool>>,
    shared: Mutex<Option<SpIBinder>>,
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
                self.running.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(data.read::<i32>()? as u64));
                self.running.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            }
            CONCURRENT_MAX => {
                let running = self.running.fetch_add(1, Ordering::SeqCst) + 1;
                self.max_running.fetch_max(running, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                self.running.fetch_sub(1, Ordering::SeqCst);
                reply.write(&(self.max_running.load(Ordering::SeqCst) as i32))
            }
            SHARED_OBJECT => {
                let mut shared = self.shared.lock().unwrap();
                let object =
                    shared.get_or_insert_with(|| SpIBinder::new_local(TestService::default()));
                reply.write(&*object)
            }
            ECHO_BINDER => reply.write(&data.read::<SpIBinder>()?),
            CALL_HELD_LATER => {
                // Call the held object from a thread of our own, after this call returns.
                let held = self
                    .held
                    .lock()
                    .unwrap()
                    .clone()
                    .ok_or(StatusCode::NAME_NOT_FOUND)?;
                let value: i32 = data.read()?;
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(50));
                    let mut call = Parcel::new();
                    call.write(&value).unwrap();
                    held.transact(RECORD, call, 0).unwrap();
                });
                Ok(())
            }
            STATS => {
                reply.write(&(std::fs::read_dir("/proc/self/fd").unwrap().count() as i32))?;
                let status = std::fs::read_to_string("/proc/self/status").unwrap();
                let threads = status
                    .lines()
                    .find_map(|l| l.strip_prefix("Threads:"))
                    .unwrap()
                    .trim()
                    .parse::<i32>()
                    .unwrap();
                reply.write(&threads)?;
                reply.write(&(self.running.load(Ordering::SeqCst) as i32))
            }
            SLOW_RECORD => {
                std::thread::sleep(Duration::from_micros(300));
                self.recorded.lock().unwrap().push(data.read()?);
                Ok(())
            }
            ECHO_BYTES => reply.write(&data.read::<Vec<u8>>()?),
            ECHO_TAIL => {
                // A word and a trailing array: the word + 1 and the same array back,
                // the array leaving from its own buffer.
                let word: i32 = data.read()?;
                let bytes: Vec<u8> = data.read()?;
                reply.write(&(word + 1))?;
                reply.write_byte_array_owned(bytes)
            }
            CALL_HELD_BIG => {
                // Send a big parcel to the held object while the caller may be
                // sending us big parcels too.
                let held = self.held.lock().unwrap().clone().ok_or(StatusCode::NAME_NOT_FOUND)?;
                let size: i32 = data.read()?;
                let mut call = Parcel::new();
                call.write(&vec![0x5au8; size as usize])?;
                let back: Vec<u8> = held.transact(ECHO_BYTES, call, 0)?.read()?;
                reply.write(&(back.len() as i32))
            }
            // A new object that nobody here keeps: it lives while others hold it.
            GIFT => reply.write(&SpIBinder::new_local(TestService::default())),
            RELAY_GIFT => {
                // Get a gift from the held object (another process) and pass it on
                // in the reply; our only reference goes with the reply.
                let held = self.held.lock().unwrap().clone().ok_or(StatusCode::NAME_NOT_FOUND)?;
                let gift: SpIBinder = held.transact(GIFT, Parcel::new(), 0)?.read()?;
                reply.write(&gift)
            }
            RELAY_GIFT_ONEWAY => {
                // The same, handed to `sink` in a oneway HOLD; then we drop ours.
                let sink: SpIBinder = data.read()?;
                let held = self.held.lock().unwrap().clone().ok_or(StatusCode::NAME_NOT_FOUND)?;
                let gift: SpIBinder = held.transact(GIFT, Parcel::new(), 0)?.read()?;
                let mut call = Parcel::new();
                call.write(&gift)?;
                sink.transact(HOLD, call, FLAG_ONEWAY)?;
                Ok(())
            }
            // Which thread runs this call, as text.
            THREAD_ID => reply.write(&format!("{:?}", std::thread::current().id())),
            CALL_ARG => {
                // Ask the object in the arguments which thread ran our call.
                let x: SpIBinder = data.read()?;
                let answer: String = x.transact(THREAD_ID, Parcel::new(), 0)?.read()?;
                reply.write(&answer)
            }
            CALL_HELD_ARG => {
                // Pass the object in the arguments on to the held object's CALL_ARG.
                let x: SpIBinder = data.read()?;
                let held = self.held.lock().unwrap().clone().ok_or(StatusCode::NAME_NOT_FOUND)?;
                let mut call = Parcel::new();
                call.write(&x)?;
                let answer: String = held.transact(CALL_ARG, call, 0)?.read()?;
                reply.write(&answer)
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
            // Quiet unless the test asks for the log (RUST_LOG, captured to a file).
            let filter = tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .init();
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
        "caller" => {
            // Call SLEEP and get killed in the middle of it.
            let root = ipc_core::connect(&path).unwrap();
            let mut data = Parcel::new();
            data.write(&800i32).unwrap();
            let _ = root.transact(SLEEP, data, 0);
            std::process::exit(0);
        }
        "hammer" => {
            let root = ipc_core::connect(&path).unwrap();
            let threads: Vec<_> = (0..4)
                .map(|t| {
                    let root = root.clone();
                    std::thread::spawn(move || {
                        for i in 0..1000 {
                            let v = t * 100_000 + i;
                            assert_eq!(add_one(&root, v), Ok(v + 1));
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
            println!("hammer done");
            std::process::exit(0);
        }
        other => panic!("unknown role {other}"),
    }
}


/// Puts this (parent) process on the transport under test; children get it from
/// `BINDER_IPC_TRANSPORT`.
fn setup() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let kind = match TRANSPORT {
            "socket" => ipc_core::runtime::TransportKind::Socket,
            _ => ipc_core::runtime::TransportKind::SharedMemory,
        };
        ipc_core::runtime::configure(ipc_core::runtime::Config::from_env().with_transport(kind)).unwrap();
    });
}

/// The test's deadline (see `ipc_core::testing::Watchdog`), after putting this
/// process on the transport under test.
fn watchdog(name: &'static str, secs: u64) -> ipc_core::testing::Watchdog {
    setup();
    ipc_core::testing::Watchdog::new(name, secs)
}

/// A child process, killed and reaped on drop.
/// A child process, killed and reaped on drop, which also removes the socket file
/// it served (`IPC_TEST_SOCKET`), since a killed server cannot.
struct ChildProc(Child, Option<std::path::PathBuf>);

impl Drop for ChildProc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        if let Some(path) = &self.1 {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn socket_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ipc-rt-{}-{TRANSPORT}-{name}.sock", std::process::id()))
}

fn spawn(role: &str, path: &std::path::Path, extra: &[(&str, String)]) -> ChildProc {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_main", "--nocapture", "--test-threads=1"])
        .env("IPC_TEST_ROLE", role)
        .env("IPC_TEST_SOCKET", path)
        .env("BINDER_IPC_TRANSPORT", TRANSPORT)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let served = (role == "server").then(|| path.to_owned());
    ChildProc(cmd.spawn().unwrap(), served)
}

/// Starts a server process and waits until it serves.
fn server(name: &str, threads: usize) -> (ChildProc, SpIBinder) {
    server_env(name, &[("IPC_TEST_THREADS", threads.to_string())])
}

/// A server process with `env` (e.g. a limit), and its root; checks the transport.
fn server_env(name: &str, env: &[(&str, String)]) -> (ChildProc, SpIBinder) {
    let path = socket_path(name);
    let mut child = spawn("server", &path, env);
    wait_ready(&mut child);
    let binder = ipc_core::connect(&path).unwrap();
    let pid = child.0.id() as i32;
    let info = ipc_core::runtime::connections().into_iter().find(|c| c.pid == pid).expect("a connection to the server");
    assert_eq!(info.transport, TRANSPORT, "the connection uses the transport under test");
    (child, binder)
}

fn add_one(binder: &SpIBinder, v: i32) -> ipc_core::Result<i32> {
    let mut data = Parcel::new();
    data.write(&v)?;
    binder.transact(ADD_ONE, data, 0)?.read()
}

use ipc_core::testing::wait_until;

#[test]
fn sync_calls_reach_the_server_and_come_back() {
    let _w = watchdog("sync", 30);
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
    let _w = watchdog("identity", 30);
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
    let _w = watchdog("recursion", 30);
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
    let _w = watchdog("oneway", 60);
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
    let _w = watchdog("fds", 30);
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
    let _w = watchdog("callbacks", 30);
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
    let _w = watchdog("third", 30);
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
fn a_third_process_object_in_a_reply_or_oneway_outlives_its_senders_release() {
    // C makes objects; B gets one from C and passes it on to us (in a reply, or in a
    // oneway call), dropping its own reference at once. B must keep the object
    // alive until we have taken our reference from C, or C frees it first.
    let _w = watchdog("third-party-gift", 60);
    ipc_core::start_thread_pool(); // for the oneway calls to our sink
    let (_c, root_c) = server("gift-c", 2);
    let (_b, root_b) = server("gift-b", 2);
    let mut hold = Parcel::new();
    hold.write(&root_c).unwrap();
    root_b.transact(HOLD, hold, 0).unwrap();
    for round in 0..20 {
        let gift: SpIBinder = root_b
            .transact(RELAY_GIFT, Parcel::new(), 0)
            .and_then(|mut reply| reply.read())
            .unwrap_or_else(|e| panic!("round {round}: relaying the gift failed: {e:?}"));
        assert_eq!(add_one(&gift, round), Ok(round + 1), "reply round {round}");
    }
    // Oneway: B sends the gift to our sink, which keeps it; we then call through it.
    for round in 0..20 {
        let sink = SpIBinder::new_local(TestService::default());
        let mut call = Parcel::new();
        call.write(&sink).unwrap();
        root_b.transact(RELAY_GIFT_ONEWAY, call, 0).unwrap();
        let mut answer = None;
        wait_until("the oneway gift", 10, || {
            let mut call = Parcel::new();
            call.write(&round).unwrap();
            match sink.transact(CALL_HELD, call, 0) {
                Err(StatusCode::NAME_NOT_FOUND) => false,
                other => {
                    answer = Some(other.and_then(|mut reply| reply.read::<i32>()));
                    true
                }
            }
        });
        assert_eq!(answer, Some(Ok(round + 1)), "oneway round {round}");
    }
    // B let go of every gift once we had ours: C holds only what we still hold.
    add_one(&root_b, 1).unwrap();
}

#[test]
fn a_call_chain_back_through_a_third_process_runs_on_the_waiting_thread() {
    // We call B, B calls C, C calls our object: that last call must run on this
    // thread, which is waiting in the chain (not on a pool thread), every time and
    // with calls on other threads going on meanwhile.
    let _w = watchdog("chain-a-b-c-a", 60);
    ipc_core::start_thread_pool(); // something must read C's connection to us
    let (_c, root_c) = server("chain-c", 2);
    let (_b, root_b) = server("chain-b", 2);
    let mut hold = Parcel::new();
    hold.write(&root_c).unwrap();
    root_b.transact(HOLD, hold, 0).unwrap();
    let me = SpIBinder::new_local(TestService::default());
    let mine = format!("{:?}", std::thread::current().id());
    let busy = std::thread::spawn({
        let root_b = root_b.clone();
        move || {
            for i in 0..200 {
                assert_eq!(add_one(&root_b, i), Ok(i + 1));
            }
        }
    });
    for round in 0..50 {
        let mut call = Parcel::new();
        call.write(&me).unwrap();
        let ran_on: String = root_b
            .transact(CALL_HELD_ARG, call, 0)
            .and_then(|mut reply| reply.read())
            .unwrap_or_else(|e| panic!("round {round}: the chain failed: {e:?}"));
        assert_eq!(ran_on, mine, "round {round}: C's call ran on another thread");
    }
    busy.join().unwrap();
    // A call back from B itself (same connection) is still routed by its parent.
    let mut call = Parcel::new();
    call.write(&me).unwrap();
    let ran_on: String = root_b.transact(CALL_ARG, call, 0).unwrap().read().unwrap();
    assert_eq!(ran_on, mine);
}

#[test]
fn death_of_the_server_is_noticed_once_and_calls_fail_fast() {
    let _w = watchdog("death", 30);
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
    let _w = watchdog("pool", 60);
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

fn stats(root: &SpIBinder) -> (i32, i32, i32) {
    let mut reply = root.transact(STATS, Parcel::new(), 0).unwrap();
    (
        reply.read().unwrap(),
        reply.read().unwrap(),
        reply.read().unwrap(),
    )
}

#[test]
fn object_identity_is_kept_both_ways() {
    let _w = watchdog("identity-objects", 30);
    let (_server, root) = server("objects", 2);
    // The same remote object received twice is the same proxy.
    let a: SpIBinder = root
        .transact(SHARED_OBJECT, Parcel::new(), 0)
        .unwrap()
        .read()
        .unwrap();
    let b: SpIBinder = root
        .transact(SHARED_OBJECT, Parcel::new(), 0)
        .unwrap()
        .read()
        .unwrap();
    assert!(a.is_remote());
    assert_eq!(a, b);
    assert_eq!(add_one(&a, 1), Ok(2));
    // Our own object sent out comes home as the local object itself.
    let me = SpIBinder::new_local(TestService::default());
    let mut data = Parcel::new();
    data.write(&me).unwrap();
    let back: SpIBinder = root.transact(ECHO_BINDER, data, 0).unwrap().read().unwrap();
    assert!(!back.is_remote());
    assert_eq!(back, me);
    // A remote object sent back to its owner's peer stays the same proxy here.
    let mut data = Parcel::new();
    data.write(&a).unwrap();
    let again: SpIBinder = root.transact(ECHO_BINDER, data, 0).unwrap().read().unwrap();
    assert_eq!(again, a);
}

#[test]
fn the_server_calls_back_from_its_own_thread_while_the_client_is_idle() {
    let _w = watchdog("idle-callback", 30);
    ipc_core::start_thread_pool();
    let (_server, root) = server("idle-callback", 2);
    let service = Arc::new(Mutex::new(Vec::new()));
    struct Recorder(Arc<Mutex<Vec<i32>>>);
    impl Remotable for Recorder {
        fn descriptor() -> &'static str {
            "test.IRecorder"
        }
        fn on_transact(
            &self,
            code: u32,
            data: &mut Parcel,
            _reply: &mut Parcel,
        ) -> ipc_core::Result<()> {
            assert_eq!(code, RECORD);
            self.0.lock().unwrap().push(data.read()?);
            Ok(())
        }
    }
    let me = SpIBinder::new_local(Recorder(service.clone()));
    let mut data = Parcel::new();
    data.write(&me).unwrap();
    root.transact(HOLD, data, 0).unwrap();
    let mut data = Parcel::new();
    data.write(&77i32).unwrap();
    root.transact(CALL_HELD_LATER, data, 0).unwrap();
    // No call of ours is in flight now: our pool runs the callback.
    wait_until("the callback", 10, || {
        service.lock().unwrap().as_slice() == [77]
    });
}

#[test]
fn objects_held_by_a_process_that_dies_are_released() {
    let _w = watchdog("holder-death", 30);
    ipc_core::start_thread_pool();
    let (mut server, root) = server("holder-death", 2);
    let dropped = Arc::new(AtomicBool::new(false));
    let mut service = TestService::default();
    service.dropped = Some(dropped.clone());
    let me = SpIBinder::new_local(service);
    let mut data = Parcel::new();
    data.write(&me).unwrap();
    root.transact(HOLD, data, 0).unwrap();
    drop(me);
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        !dropped.load(Ordering::SeqCst),
        "the server still holds our object"
    );
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    wait_until("the release after the holder died", 10, || {
        dropped.load(Ordering::SeqCst)
    });
}

#[test]
fn a_client_killed_mid_call_leaks_nothing_in_the_server() {
    let _w = watchdog("client-kill", 60);
    let (_server, root) = server("client-kill", 2);
    // Grow the pool to its bound first, so thread counts are comparable.
    let warm: Vec<_> = (0..3)
        .map(|_| {
            let root = root.clone();
            std::thread::spawn(move || {
                let mut data = Parcel::new();
                data.write(&100i32).unwrap();
                root.transact(SLEEP, data, 0).unwrap();
            })
        })
        .collect();
    warm.into_iter().for_each(|t| t.join().unwrap());
    let (fds, threads, _) = stats(&root);
    for round in 0..3 {
        let mut caller = spawn("caller", &socket_path("client-kill"), &[]);
        wait_until("the caller's call to start", 10, || stats(&root).2 == 1);
        caller.0.kill().unwrap();
        caller.0.wait().unwrap();
        wait_until("the server to settle", 20, || {
            let (f, t, running) = stats(&root);
            running == 0 && f == fds && t == threads
        });
        eprintln!("round {round}: back to {fds} fds, {threads} threads");
    }
}

#[test]
fn eight_processes_of_four_threads_against_a_pool_of_four() {
    let _w = watchdog("hammer", 120);
    let (_server, root) = server("hammer", 4);
    let children: Vec<_> = (0..8)
        .map(|_| spawn("hammer", &socket_path("hammer"), &[]))
        .collect();
    for mut child in children {
        let mut out = String::new();
        child
            .0
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert!(
            out.contains("hammer done"),
            "a hammer process failed: {out}"
        );
        assert!(child.0.wait().unwrap().success());
    }
    assert_eq!(add_one(&root, 1), Ok(2));
}

#[test]
fn fds_do_not_leak_in_the_receiver() {
    let _w = watchdog("fd-leak", 30);
    let (_server, root) = server("fd-leak", 2);
    let (fds, _, _) = stats(&root);
    for i in 0..200 {
        let (read, write) = nix::unistd::pipe().unwrap();
        std::fs::File::from(write)
            .write_all(format!("{i}").as_bytes())
            .unwrap();
        let mut data = Parcel::new();
        data.write(&ParcelFileDescriptor::new(read)).unwrap();
        assert_eq!(
            root.transact(READ_FD, data, 0)
                .unwrap()
                .read::<String>()
                .unwrap(),
            i.to_string()
        );
    }
    // No growth (the baseline may still include the handshake thread's memfd).
    let after = stats(&root).0;
    assert!(after <= fds, "the server kept descriptors: {after} open, {fds} before");
}

#[test]
fn an_oversized_transaction_fails_cleanly_and_the_connection_lives_on() {
    let _w = watchdog("too-large", 30);
    let (_child, root) = server_env(
        "too-large",
        &[("BINDER_IPC_MAX_TRANSACTION_SIZE", "65536".into())],
    );
    let mut data = Parcel::new();
    data.write(&vec![7u8; 60_000]).unwrap();
    assert_eq!(
        root.transact(ECHO_BYTES, data, 0)
            .unwrap()
            .read::<Vec<u8>>()
            .unwrap()
            .len(),
        60_000
    );
    let mut data = Parcel::new();
    data.write(&vec![7u8; 100_000]).unwrap();
    assert_eq!(
        root.transact(ECHO_BYTES, data, 0).unwrap_err(),
        StatusCode::FAILED_TRANSACTION
    );
    assert_eq!(add_one(&root, 1), Ok(2));
}

#[test]
fn a_full_oneway_queue_slows_the_sender_and_loses_nothing() {
    let _w = watchdog("backpressure", 60);
    let (_child, root) = server_env(
        "backpressure",
        &[("BINDER_IPC_MAX_PENDING_ONEWAY", "8".into())],
    );
    for i in 0..2000 {
        let mut data = Parcel::new();
        data.write(&i).unwrap();
        root.transact(SLOW_RECORD, data, FLAG_ONEWAY).unwrap();
    }
    let mut recorded = Vec::new();
    wait_until("every oneway call", 30, || {
        let mut reply = root.transact(RECORDED, Parcel::new(), 0).unwrap();
        recorded = reply.read::<Vec<i32>>().unwrap();
        recorded.len() == 2000
    });
    assert_eq!(recorded, (0..2000).collect::<Vec<_>>());
}

fn wait_ready(child: &mut ChildProc) {
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
}

/// Frames built by hand from docs/PROTOCOL.md, for peers that misbehave.
mod raw {
    pub(super) fn frame(kind: u8, txn: u64, body: &[u8]) -> Vec<u8> {
        let mut f = Vec::new();
        f.extend(((16 + body.len()) as u32).to_le_bytes());
        f.push(kind);
        f.push(0);
        f.extend(0u16.to_le_bytes());
        f.extend(txn.to_le_bytes());
        f.extend(body);
        f
    }

    pub(super) fn hello() -> Vec<u8> {
        let mut body = Vec::new();
        body.extend(b"BIPC");
        body.extend(super::WIRE_VERSION.to_le_bytes());
        let address = b"raw-test-peer";
        body.extend((address.len() as u32).to_le_bytes());
        body.extend(address);
        body.extend((1u32 << 20).to_le_bytes());
        body.push(0); // transport: socket
        body.extend(0u32.to_le_bytes()); // ring size
        body.push(0); // no root
        frame(1, 0, &body)
    }

    pub(super) fn read_frame(stream: &mut std::os::unix::net::UnixStream) -> Option<(u8, Vec<u8>)> {
        use std::io::Read;
        let mut header = [0u8; 16];
        stream.read_exact(&mut header).ok()?;
        let len = u32::from_le_bytes(header[..4].try_into().unwrap()) as usize;
        let mut body = vec![0u8; len - 16];
        stream.read_exact(&mut body).ok()?;
        Some((header[4], body))
    }

    /// The root id and token from a server's hello body.
    pub(super) fn root_of(hello: &[u8]) -> (u64, [u8; 16]) {
        let addr_len = u32::from_le_bytes(hello[8..12].try_into().unwrap()) as usize;
        let at = 12 + addr_len + 4 + 1 + 4;
        assert_eq!(hello[at], 1, "the server names a root");
        let id = u64::from_le_bytes(hello[at + 1..at + 9].try_into().unwrap());
        (id, hello[at + 9..at + 25].try_into().unwrap())
    }

    pub(super) fn transaction(
        txn: u64,
        target: u64,
        token: [u8; 16],
        code: u32,
        data: &[u8],
    ) -> Vec<u8> {
        // Data first, then the fields, the object table and the data length.
        let mut body = data.to_vec();
        body.extend(target.to_le_bytes());
        body.extend(token);
        body.extend(code.to_le_bytes());
        body.extend(0u32.to_le_bytes());
        body.extend(0u64.to_le_bytes());
        body.extend(0u32.to_le_bytes()); // no objects
        body.extend((data.len() as u32).to_le_bytes());
        frame(2, txn, &body)
    }

    /// Reads until the server's goodbye and the end of the stream; returns the reason.
    pub(super) fn goodbye(stream: &mut std::os::unix::net::UnixStream) -> String {
        let mut reason = String::new();
        while let Some((kind, body)) = read_frame(stream) {
            if kind == 6 {
                reason = String::from_utf8_lossy(&body[4..]).into_owned();
            }
        }
        reason
    }
}

#[test]
fn misbehaving_peers_are_cut_off_and_everyone_else_is_served() {
    use std::os::unix::net::UnixStream;
    let _w = watchdog("hostile", 60);
    let (_child, path, log) = server_with_log("hostile", &[]);
    let good = ipc_core::connect(&path).unwrap();

    // Garbage instead of a hello.
    let mut s = UnixStream::connect(&path).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert!(raw::goodbye(&mut s).contains("bad handshake"));
    assert_eq!(add_one(&good, 1), Ok(2));

    // A wrong protocol version.
    let mut s = UnixStream::connect(&path).unwrap();
    let mut hello = raw::hello();
    hello[20..24].copy_from_slice(&99u32.to_le_bytes());
    s.write_all(&hello).unwrap();
    assert!(raw::goodbye(&mut s).contains("unsupported protocol version 99"));

    // A call to the root with a wrong token.
    let mut s = UnixStream::connect(&path).unwrap();
    s.write_all(&raw::hello()).unwrap();
    let (kind, body) = raw::read_frame(&mut s).unwrap();
    assert_eq!(kind, 1);
    let (id, mut token) = raw::root_of(&body);
    token[0] ^= 1;
    s.write_all(&raw::transaction(
        1,
        id,
        token,
        ADD_ONE,
        &5i32.to_le_bytes(),
    ))
    .unwrap();
    assert!(raw::goodbye(&mut s).contains("wrong token"));
    assert_eq!(add_one(&good, 2), Ok(3));

    // The right token works over the same raw protocol.
    let mut s = UnixStream::connect(&path).unwrap();
    s.write_all(&raw::hello()).unwrap();
    let (_, body) = raw::read_frame(&mut s).unwrap();
    let (id, token) = raw::root_of(&body);
    s.write_all(&raw::transaction(
        1,
        id,
        token,
        ADD_ONE,
        &5i32.to_le_bytes(),
    ))
    .unwrap();
    let (kind, reply) = raw::read_frame(&mut s).unwrap();
    assert_eq!(kind, 3);
    let data_len = u32::from_le_bytes(reply[reply.len() - 4..].try_into().unwrap()) as usize;
    assert_eq!(&reply[data_len..data_len + 4], &0u32.to_le_bytes(), "reply status OK");
    assert_eq!(&reply[data_len - 4..data_len], &6i32.to_le_bytes(), "the parcel ends with 5 + 1");

    // A reply to a transaction never sent.
    s.write_all(&raw::frame(3, 4242, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
        .unwrap();
    assert!(raw::goodbye(&mut s).contains("never sent"));

    // A truncated frame, then a hang-up in the middle of it.
    let mut s = UnixStream::connect(&path).unwrap();
    s.write_all(&raw::hello()).unwrap();
    raw::read_frame(&mut s).unwrap();
    let frame = raw::transaction(1, id, token, ADD_ONE, &5i32.to_le_bytes());
    s.write_all(&frame[..frame.len() - 3]).unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    raw::goodbye(&mut s);

    // A length field larger than the limit.
    let mut s = UnixStream::connect(&path).unwrap();
    s.write_all(&raw::hello()).unwrap();
    raw::read_frame(&mut s).unwrap();
    let mut huge = raw::frame(2, 1, &[]);
    huge[..4].copy_from_slice(&u32::MAX.to_le_bytes());
    s.write_all(&huge).unwrap();
    assert!(raw::goodbye(&mut s).contains("impossible length"));

    // Everyone else is still served, and the server logged why it cut each one off.
    for i in 0..100 {
        assert_eq!(add_one(&good, i), Ok(i + 1));
    }
    let logged = std::fs::read_to_string(&log).unwrap();
    for reason in [
        "bad handshake",
        "unsupported protocol version",
        "wrong token",
        "never sent",
        "middle of a frame",
        "impossible length",
    ] {
        assert!(
            logged.contains(reason),
            "the server log lacks {reason:?}:\n{logged}"
        );
    }
    let _ = std::fs::remove_file(&log);
}

#[test]
fn big_transactions_both_ways_at_once_do_not_deadlock() {
    let _w = watchdog("big-both-ways", 120);
    ipc_core::start_thread_pool();
    let (_server, root) = server("big-both-ways", 2);
    let me = SpIBinder::new_local(TestService::default());
    let mut data = Parcel::new();
    data.write(&me).unwrap();
    root.transact(HOLD, data, 0).unwrap();
    const SIZE: usize = 8 * 1024 * 1024; // far larger than a ring
    let outgoing = {
        let root = root.clone();
        std::thread::spawn(move || {
            for round in 0..3u8 {
                let payload: Vec<u8> = (0..SIZE).map(|i| (i as u8).wrapping_add(round)).collect();
                let mut data = Parcel::new();
                data.write(&payload).unwrap();
                let back: Vec<u8> = root.transact(ECHO_BYTES, data, 0).unwrap().read().unwrap();
                assert!(back == payload, "an 8 MiB echo came back changed");
            }
        })
    };
    let incoming = {
        let root = root.clone();
        std::thread::spawn(move || {
            for _ in 0..3 {
                let mut data = Parcel::new();
                data.write(&(SIZE as i32)).unwrap();
                let n: i32 = root.transact(CALL_HELD_BIG, data, 0).unwrap().read().unwrap();
                assert_eq!(n as usize, SIZE);
            }
        })
    };
    outgoing.join().unwrap();
    incoming.join().unwrap();
    assert_eq!(add_one(&root, 1), Ok(2));
}

/// Starts a server with extra environment, its log captured in a file.
fn server_with_log(name: &str, env: &[(&str, &str)]) -> (ChildProc, std::path::PathBuf, std::path::PathBuf) {
    let path = socket_path(name);
    let log = std::env::temp_dir().join(format!("ipc-rt-{}-{TRANSPORT}-{name}.log", std::process::id()));
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_main", "--nocapture", "--test-threads=1"])
        .env("IPC_TEST_ROLE", "server")
        .env("IPC_TEST_SOCKET", &path)
        .env("BINDER_IPC_TRANSPORT", TRANSPORT)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = ChildProc(cmd.spawn().unwrap(), Some(path.clone()));
    wait_ready(&mut child);
    (child, path, log)
}

/// A raw socket peer after the handshake, and the root's id and token.
fn raw_peer(path: &std::path::Path) -> (std::os::unix::net::UnixStream, u64, [u8; 16]) {
    let mut s = std::os::unix::net::UnixStream::connect(path).unwrap();
    s.write_all(&raw::hello()).unwrap();
    let (kind, body) = raw::read_frame(&mut s).unwrap();
    assert_eq!(kind, 1, "the server answers the hello");
    let (id, token) = raw::root_of(&body);
    (s, id, token)
}

#[test]
fn a_peer_that_stops_reading_is_cut_off_after_the_send_timeout() {
    let _w = watchdog("stops-reading", 60);
    let (_child, path, log) = server_with_log("stops-reading", &[("BINDER_IPC_SEND_TIMEOUT_MS", "300")]);
    let good = ipc_core::connect(&path).unwrap();
    let (mut s, id, token) = raw_peer(&path);
    // Ask for big replies and never read them: the server's socket buffer fills.
    let mut request = Vec::new();
    request.extend(60_000i32.to_le_bytes());
    request.extend(std::iter::repeat_n(7u8, 60_000));
    request.extend([0u8; 0]);
    let mut data = Parcel::new();
    data.write(&vec![7u8; 60_000]).unwrap();
    for txn in 1..=40 {
        if s.write_all(&raw::transaction(txn, id, token, ECHO_BYTES, data.data())).is_err() {
            break;
        }
    }
    wait_until("the server to give up on the peer", 20, || {
        std::fs::read_to_string(&log).unwrap().contains("peer stopped reading")
    });
    for i in 0..50 {
        assert_eq!(add_one(&good, i), Ok(i + 1));
    }
    drop(s);
    let _ = std::fs::remove_file(&log);
}

#[test]
fn connections_per_uid_are_limited() {
    let _w = watchdog("conn-limit", 30);
    let (_child, path, log) = server_with_log("conn-limit", &[("BINDER_IPC_MAX_CONNECTIONS_PER_UID", "3")]);
    let good = ipc_core::connect(&path).unwrap();
    let a = raw_peer(&path);
    let b = raw_peer(&path);
    // The fourth connection from this uid is refused with a reason.
    let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
    // The server may refuse before reading our hello, so the write may fail.
    let _ = s.write_all(&raw::hello());
    assert!(raw::goodbye(&mut s).contains("too many connections from uid"));
    assert_eq!(add_one(&good, 1), Ok(2));
    // Closing one makes room again.
    drop(a);
    wait_until("room for a new connection", 10, || {
        let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
        // Until the server has seen `a` go, it refuses at once and the write may
        // fail; the answer then is a bye, not a hello.
        let _ = s.write_all(&raw::hello());
        raw::read_frame(&mut s).is_some_and(|(kind, _)| kind == 1)
    });
    drop(b);
    assert!(std::fs::read_to_string(&log).unwrap().contains("too many connections"));
    let _ = std::fs::remove_file(&log);
}

#[test]
fn a_parcel_with_too_many_objects_fails_that_call_only() {
    let _w = watchdog("object-limit", 30);
    let (_child, path, log) = server_with_log("object-limit", &[("BINDER_IPC_MAX_OBJECTS_PER_PARCEL", "4")]);
    let root = ipc_core::connect(&path).unwrap();
    let me = SpIBinder::new_local(TestService::default());
    let mut data = Parcel::new();
    for _ in 0..5 {
        data.write(&me).unwrap();
    }
    assert_eq!(root.transact(ECHO_BINDER, data, 0).unwrap_err(), StatusCode::BAD_VALUE);
    // Within the limit it works, on the same connection.
    let mut data = Parcel::new();
    data.write(&me).unwrap();
    let back: SpIBinder = root.transact(ECHO_BINDER, data, 0).unwrap().read().unwrap();
    assert_eq!(back, me);
    assert!(std::fs::read_to_string(&log).unwrap().contains("too many objects"));
    let _ = std::fs::remove_file(&log);
}

#[test]
fn connections_opened_and_dropped_do_not_leak() {
    let _w = watchdog("connect-drop", 60);
    let (_server, root) = server("connect-drop", 2);
    let (fds, _, _) = stats(&root);
    for i in 0..50 {
        let other = ipc_core::connect(socket_path("connect-drop")).unwrap();
        assert_eq!(add_one(&other, i), Ok(i + 1));
        drop(other);
    }
    // Each dropped root proxy closes its connection; the server closes its end too.
    // No growth: the baseline may still include the first handshake's temporaries.
    wait_until("the server to close the dropped connections", 20, || stats(&root).0 <= fds);
    assert!(root.is_binder_alive());
}

#[test]
fn silent_connections_do_not_stop_new_clients() {
    let _w = watchdog("silent", 60);
    let (_server, root) = server("silent", 2);
    let silent: Vec<std::os::unix::net::UnixStream> =
        (0..20).map(|_| std::os::unix::net::UnixStream::connect(socket_path("silent")).unwrap()).collect();
    // A new client is served while those connections say nothing.
    let fresh = ipc_core::connect(socket_path("silent")).unwrap();
    for i in 0..100 {
        assert_eq!(add_one(&fresh, i), Ok(i + 1));
    }
    assert_eq!(add_one(&root, 1), Ok(2));
    // The server gives up on each silent one (the end of its stream arrives).
    for mut s in silent {
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
    }
}

#[test]
fn a_connection_over_the_handshake_cap_waits_instead_of_being_dropped() {
    let _w = watchdog("handshake-cap", 60);
    let (_server, root) = server("handshake-cap", 2);
    // More silent connections from this uid than may be in a handshake at once
    // (128): the next ones wait for a slot rather than being reset.
    let silent: Vec<std::os::unix::net::UnixStream> = (0..140)
        .map(|_| std::os::unix::net::UnixStream::connect(socket_path("handshake-cap")).unwrap())
        .collect();
    let fresh = ipc_core::connect(socket_path("handshake-cap")).unwrap();
    assert_eq!(add_one(&fresh, 1), Ok(2));
    assert_eq!(add_one(&root, 2), Ok(3));
    drop(silent);
}

/// `transact_with_tail` of `size` patterned bytes to `ECHO_TAIL`; checks the answer.
fn echo_tail(binder: &SpIBinder, size: usize, seed: u8) {
    let bytes: Vec<u8> = (0..size).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect();
    let mut data = Parcel::new();
    data.write(&(size as i32)).unwrap();
    let mut reply = binder.transact_with_tail(ECHO_TAIL, data, &bytes, 0).unwrap();
    assert_eq!(reply.read::<i32>().unwrap(), size as i32 + 1);
    let back: Vec<u8> = reply.read().unwrap();
    assert!(back == bytes, "{size} bytes came back different");
    assert_eq!(reply.data_avail(), 0);
}

/// A request or reply ending with a big byte array sends it as the frame's blob
/// (from the caller's buffer, into a buffer of its own at the receiver): every size
/// around the threshold and beyond the ring, in both directions, while small calls
/// and a second thread's big ones share the connection.
#[test]
fn trailing_byte_arrays_cross_in_buffers_of_their_own() {
    let _w = watchdog("trailing-arrays", 60);
    let (_child, root) = server("trailing-arrays", 2);
    let sizes = [0, 5, 4095, 4096, 65_537, 1 << 20, (3 << 20) + 3];
    let other = {
        let root = root.clone();
        std::thread::spawn(move || {
            for round in 0..4u8 {
                for size in sizes.iter().rev() {
                    echo_tail(&root, *size, round);
                }
            }
        })
    };
    for round in 0..4u8 {
        for size in sizes {
            echo_tail(&root, size, 100 + round);
            assert_eq!(add_one(&root, size as i32), Ok(size as i32 + 1));
        }
    }
    other.join().unwrap();
    // Oneway calls with a blob: queued with it, run in order.
    for i in 0..50 {
        let mut data = Parcel::new();
        data.write(&i).unwrap();
        let bytes = vec![i as u8; 70_000 + i as usize];
        root.transact_with_tail(RECORD, data, &bytes, FLAG_ONEWAY)
            .unwrap();
    }
    let mut recorded = Vec::new();
    wait_until("the oneway calls with blobs", 30, || {
        let mut reply = root.transact(RECORDED, Parcel::new(), 0).unwrap();
        recorded = reply.read::<Vec<i32>>().unwrap();
        recorded.len() == 50
    });
    assert_eq!(recorded, (0..50).collect::<Vec<i32>>());
    // In-process the same call runs on the caller's thread.
    let local = SpIBinder::new_local(TestService::default());
    for size in sizes {
        echo_tail(&local, size, 7);
    }
}
