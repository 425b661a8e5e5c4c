//! Helpers for the reliability and security tests (`tests/reliability_*.rs`): a test
//! service, a server process whose log goes to a file, resource figures read from
//! `/proc/<pid>` (no cooperation from the process), and raw peers ([`raw`]).
//!
//! Each test binary re-executes itself for the other processes: its
//! `#[test] fn child_main()` calls [`child_main`], which does nothing unless
//! `REL_ROLE` is set.

pub mod raw;
pub mod soak;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ipc_core::{Parcel, ParcelFileDescriptor, Remotable, SpIBinder, StatusCode};

pub use crate::sm::{Watchdog, wait_until};

/// `i32` → `i32 + 1`.
pub const ADD_ONE: u32 = 1;
/// `int[]` → the same array (a negative count is `BAD_VALUE`).
pub const ECHO_INTS: u32 = 2;
/// Keeps the binder argument (a callback).
pub const HOLD: u32 = 3;
/// Calls the held callback's `ADD_ONE` with the `i32` argument; returns its answer.
pub const CALL_HELD: u32 = 4;
/// Forgets the held callback.
pub const DROP_HELD: u32 = 5;
/// Returns the binder argument.
pub const ECHO_BINDER: u32 = 6;
/// Reads every descriptor argument (an `i32` count, then the fds); returns the bytes read.
pub const READ_FDS: u32 = 7;
/// Sleeps for the `i32` argument in milliseconds.
pub const SLEEP: u32 = 8;
/// Returns a new object of this service (`i32` seed: its `ADD_ONE` adds `1 + seed`).
pub const NEW_OBJECT: u32 = 9;
/// `byte[]` → the same bytes.
pub const ECHO_BYTES: u32 = 10;
/// Counts one oneway call.
pub const RECORD: u32 = 11;
/// How many `RECORD` calls ran.
pub const RECORDED: u32 = 12;
/// How many service objects are alive in this process.
pub const LIVE_OBJECTS: u32 = 13;
/// How many `SLEEP` calls are running now.
pub const SLEEPING: u32 = 14;
/// Returns a `byte[]` of the `i32` argument's length (a big reply to a small call).
pub const BIG_REPLY: u32 = 15;
/// Sleeps for the `i32` argument in milliseconds (counted in `SLEEPING`), then
/// returns a new object.
pub const SLOW_NEW_OBJECT: u32 = 16;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static SLEEPERS: AtomicUsize = AtomicUsize::new(0);

/// The test service. Each code does one small thing.
#[derive(Debug)]
pub struct RelService {
    seed: i32,
    held: Mutex<Option<SpIBinder>>,
    recorded: AtomicUsize,
}

impl RelService {
    /// A new object whose `ADD_ONE` adds `1 + seed`.
    pub fn new(seed: i32) -> RelService {
        LIVE.fetch_add(1, Ordering::SeqCst);
        RelService {
            seed,
            held: Mutex::new(None),
            recorded: AtomicUsize::new(0),
        }
    }

    /// A new object as a binder.
    pub fn binder(seed: i32) -> SpIBinder {
        SpIBinder::new_local(RelService::new(seed))
    }
}

impl Drop for RelService {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How many [`RelService`] objects are alive in this process.
pub fn live_objects() -> usize {
    LIVE.load(Ordering::SeqCst)
}

impl Remotable for RelService {
    fn descriptor() -> &'static str {
        "rel.IService"
    }

    fn on_transact(
        &self,
        code: u32,
        data: &mut Parcel,
        reply: &mut Parcel,
    ) -> ipc_core::Result<()> {
        match code {
            ADD_ONE => reply.write(&data.read::<i32>()?.wrapping_add(1 + self.seed)),
            ECHO_INTS => reply.write(&data.read::<Vec<i32>>()?),
            HOLD => {
                *self.held.lock().unwrap() = Some(data.read()?);
                Ok(())
            }
            CALL_HELD => {
                let held = self.held.lock().unwrap().clone();
                let held = held.ok_or(StatusCode::NAME_NOT_FOUND)?;
                let mut call = Parcel::new();
                call.write(&data.read::<i32>()?)?;
                reply.write(&held.transact(ADD_ONE, call, 0)?.read::<i32>()?)
            }
            DROP_HELD => {
                self.held.lock().unwrap().take();
                Ok(())
            }
            ECHO_BINDER => reply.write(&data.read::<SpIBinder>()?),
            READ_FDS => {
                let n: i32 = data.read()?;
                let mut total = 0i32;
                for _ in 0..n {
                    let fd: ParcelFileDescriptor = data.read()?;
                    let mut bytes = Vec::new();
                    std::fs::File::from(fd.into_inner())
                        .read_to_end(&mut bytes)
                        .map_err(|_| StatusCode::BAD_VALUE)?;
                    total += bytes.len() as i32;
                }
                reply.write(&total)
            }
            SLEEP => {
                let ms = data.read::<i32>()?.max(0) as u64;
                SLEEPERS.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(ms));
                SLEEPERS.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            }
            NEW_OBJECT => reply.write(&RelService::binder(data.read()?)),
            ECHO_BYTES => reply.write(&data.read::<Vec<u8>>()?),
            RECORD => {
                self.recorded.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
            RECORDED => reply.write(&(self.recorded.load(Ordering::SeqCst) as i32)),
            LIVE_OBJECTS => reply.write(&(live_objects() as i32)),
            SLEEPING => reply.write(&(SLEEPERS.load(Ordering::SeqCst) as i32)),
            SLOW_NEW_OBJECT => {
                let ms = data.read::<i32>()?.max(0) as u64;
                SLEEPERS.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(ms));
                SLEEPERS.fetch_sub(1, Ordering::SeqCst);
                reply.write(&RelService::binder(1))
            }
            BIG_REPLY => {
                let n = data.read::<i32>()?.clamp(0, 1 << 20) as usize;
                reply.write(&vec![0x5au8; n])
            }
            _ => Err(StatusCode::UNKNOWN_TRANSACTION),
        }
    }
}

/// `binder.ADD_ONE(v)`.
pub fn add_one(binder: &SpIBinder, v: i32) -> ipc_core::Result<i32> {
    let mut data = Parcel::new();
    data.write(&v)?;
    binder.transact(ADD_ONE, data, 0)?.read()
}

/// A call with one `i32` argument and an `i32` answer.
pub fn call_i32(binder: &SpIBinder, code: u32, v: i32) -> ipc_core::Result<i32> {
    let mut data = Parcel::new();
    data.write(&v)?;
    binder.transact(code, data, 0)?.read()
}

/// `SLEEP(ms)`.
pub fn sleep_call(binder: &SpIBinder, ms: i32) -> ipc_core::Result<()> {
    let mut data = Parcel::new();
    data.write(&ms)?;
    binder.transact(SLEEP, data, 0).map(drop)
}

/// A call with no argument and an `i32` answer.
pub fn query(binder: &SpIBinder, code: u32) -> ipc_core::Result<i32> {
    binder.transact(code, Parcel::new(), 0)?.read()
}

/// Resource figures of a process, read from `/proc/<pid>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Open descriptors.
    pub fds: usize,
    /// Threads.
    pub threads: usize,
    /// Resident set size, KiB.
    pub rss_kib: usize,
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} fds, {} threads, {} KiB RSS",
            self.fds, self.threads, self.rss_kib
        )
    }
}

/// The figures of process `pid`.
pub fn stats(pid: u32) -> Stats {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Stats {
        fds,
        threads: field("Threads:"),
        rss_kib: field("VmRSS:"),
    }
}

/// How far RSS may end above its baseline after a hostile run: allocator caches and
/// per-thread arenas keep some freed memory; a leak of 1,000 repetitions would not fit.
pub const RSS_SLACK_KIB: usize = 16 * 1024;

/// Waits until process `pid` is back within bounds of `baseline`: the same
/// descriptors, no more threads, RSS within [`RSS_SLACK_KIB`]. Returns the figures.
pub fn wait_settled(pid: u32, baseline: Stats, secs: u64) -> Stats {
    let mut now = stats(pid);
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !(now.fds <= baseline.fds
        && now.threads <= baseline.threads
        && now.rss_kib <= baseline.rss_kib + RSS_SLACK_KIB)
    {
        assert!(
            Instant::now() < deadline,
            "process {pid} did not return to its baseline ({baseline}); now {now}"
        );
        std::thread::sleep(Duration::from_millis(20));
        now = stats(pid);
    }
    now
}

/// How many times `needle` occurs in the log file `path` after byte `mark` (reading
/// only that part: the logs of hostile runs grow to megabytes).
pub fn log_count_since(path: &std::path::Path, mark: u64, needle: &str) -> usize {
    use std::io::Seek;
    let Ok(mut file) = std::fs::File::open(path) else {
        return 0;
    };
    if file.seek(std::io::SeekFrom::Start(mark)).is_err() {
        return 0;
    }
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    text.matches(needle).count()
}

/// A unique scratch path in the temporary directory.
pub fn scratch_path(name: &str, ext: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rel-{}-{name}.{ext}", std::process::id()))
}

/// A server process of this test binary serving a [`RelService`] root on a socket,
/// its stderr (the runtime's `tracing` output at warn level) in a file. Killed,
/// reaped, and its socket and log removed on drop.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// The socket it serves.
    pub path: PathBuf,
    /// Its log file.
    pub log: PathBuf,
}

impl Server {
    /// Starts a server named `name` with extra environment and waits until it serves.
    pub fn start(name: &str, env: &[(&str, &str)]) -> Server {
        let path = scratch_path(name, "sock");
        let log = scratch_path(name, "log");
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", "child_main", "--nocapture", "--test-threads=1"])
            .env("REL_ROLE", "server")
            .env("REL_SOCKET", &path)
            .env(
                "RUST_LOG",
                std::env::var("REL_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.contains("ready") {
            line.clear();
            let n = out.read_line(&mut line).unwrap();
            assert!(n > 0, "the server exited before it was ready");
        }
        Server { child, path, log }
    }

    /// Its pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its resource figures now.
    pub fn stats(&self) -> Stats {
        stats(self.pid())
    }

    /// What it logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The length of its log now (a mark for [`log_count_since`]).
    pub fn log_mark(&self) -> u64 {
        std::fs::metadata(&self.log).map_or(0, |m| m.len())
    }

    /// Kills it with SIGKILL and reaps it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
        if std::thread::panicking() {
            // The end of its log explains most failures.
            let log = self.log_text();
            let lines: Vec<&str> = log.lines().collect();
            let keep = std::env::var("REL_LOG_LINES").map_or(20, |n| n.parse().unwrap_or(20));
            let tail = lines[lines.len().saturating_sub(keep)..].join("\n");
            let _ = writeln!(std::io::stderr(), "server log (last lines):\n{tail}");
        }
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A helper child process of this test binary playing `role`; killed and reaped on drop.
#[derive(Debug)]
pub struct Helper {
    /// The process.
    pub child: Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Helper {
    /// Starts `role` with `env`.
    pub fn start(role: &str, env: &[(&str, &str)]) -> Helper {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", "child_main", "--nocapture", "--test-threads=1"])
            .env("REL_ROLE", role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        Helper { child, out }
    }

    /// Waits for an output line containing `needle` (the watchdog bounds the wait).
    pub fn expect(&mut self, needle: &str) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.out.read_line(&mut line).unwrap();
            assert!(n > 0, "helper exited without printing {needle:?}");
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// Kills it with SIGKILL and reaps it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn env(key: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| panic!("{key} is not set"))
}

fn say(line: &str) {
    println!("{line}");
    let _ = std::io::stdout().flush();
}

/// Blocks until the parent closes our stdin (the test is over).
fn until_stdin_closes() {
    let mut buf = [0u8; 1];
    let _ = std::io::stdin().read(&mut buf);
}

/// The entry point of child processes; returns at once in the normal test run.
pub fn child_main() {
    let Ok(role) = std::env::var("REL_ROLE") else {
        return;
    };
    println!();
    match role.as_str() {
        "server" => {
            servicemanager::daemon::init_logging();
            let threads = std::env::var("REL_THREADS").map_or(4, |t| t.parse().unwrap());
            ipc_core::set_max_threads(threads);
            let root = RelService::binder(0);
            let _listener = ipc_core::serve(env("REL_SOCKET"), &root).unwrap();
            say("ready");
            until_stdin_closes();
        }
        "half_hello" => {
            // Connects and sends half a hello, then waits to be killed.
            let mut s = std::os::unix::net::UnixStream::connect(env("REL_SOCKET")).unwrap();
            let hello = raw::hello();
            s.write_all(&hello[..hello.len() / 2]).unwrap();
            say("half sent");
            until_stdin_closes();
        }
        "caller" => {
            // Calls SLEEP (1.5 s) and is killed in the middle.
            let root = ipc_core::connect(env("REL_SOCKET")).unwrap();
            say("connected");
            let _ = sleep_call(&root, 1500);
        }
        "slow_object_caller" => {
            // Asks for an object the server takes 1 s to make; killed meanwhile.
            let root = ipc_core::connect(env("REL_SOCKET")).unwrap();
            say("connected");
            let _ = call_i32(&root, SLOW_NEW_OBJECT, 1000);
        }
        "holder" => {
            // Holds a server object and gives the server one of ours, then waits.
            ipc_core::start_thread_pool();
            let root = ipc_core::connect(env("REL_SOCKET")).unwrap();
            let mut data = Parcel::new();
            data.write(&7i32).unwrap();
            let theirs: SpIBinder = root.transact(NEW_OBJECT, data, 0).unwrap().read().unwrap();
            assert_eq!(add_one(&theirs, 1), Ok(9));
            let mine = RelService::binder(100);
            let mut data = Parcel::new();
            data.write(&mine).unwrap();
            root.transact(HOLD, data, 0).unwrap();
            assert_eq!(call_i32(&root, CALL_HELD, 1), Ok(102));
            say("holding");
            until_stdin_closes();
            drop((theirs, mine));
        }
        "soak_client" => soak::client(),
        "other_uid_raw" => other_uid_raw(),
        "hello_at_path" => {
            let mut s = raw::connect(std::path::Path::new(&env("REL_SOCKET")));
            s.write_all(&raw::hello()).unwrap();
            match raw::read_frame(&mut s) {
                Some((raw::HELLO, _, _)) => say("answer -> hello"),
                Some((_, _, body)) => say(&format!("answer -> {}", String::from_utf8_lossy(&body))),
                None => say("answer -> nothing"),
            }
        }
        "other_uid_sm" => other_uid_sm(),
        other => panic!("unknown role {other}"),
    }
    let _ = std::io::stdout().flush();
    std::process::exit(0);
}

/// As another uid: knocks on a private (abstract) address `REL_ADDRESS` with no
/// introduction, a guessed token, and the real root reference `REL_ID`/`REL_TOKEN`
/// (hex); prints one `case -> outcome` line each.
fn other_uid_raw() {
    use std::os::linux::net::SocketAddrExt;
    let address = env("REL_ADDRESS");
    let id: u64 = env("REL_ID").parse().unwrap();
    let token_hex = env("REL_TOKEN");
    let mut token = [0u8; 16];
    for (i, t) in token.iter_mut().enumerate() {
        *t = u8::from_str_radix(&token_hex[2 * i..2 * i + 2], 16).unwrap();
    }
    let mut guessed = token;
    guessed[7] ^= 0x5a;
    say(&format!("uid={}", nix::unistd::getuid()));
    for (case, hello) in [
        ("no introduction", raw::hello()),
        ("guessed token", raw::hello_with_introduction(id, guessed)),
        (
            "unknown object",
            raw::hello_with_introduction(id + 1000, token),
        ),
        ("real reference", raw::hello_with_introduction(id, token)),
    ] {
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(address.as_bytes()).unwrap();
        let outcome = match std::os::unix::net::UnixStream::connect_addr(&addr) {
            Err(e) => format!("connect failed: {e}"),
            Ok(mut s) => {
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                s.write_all(&hello).unwrap();
                match raw::read_frame(&mut s) {
                    Some((raw::HELLO, _, _)) => "admitted".to_owned(),
                    Some((raw::BYE, _, body)) => {
                        format!("refused: {}", String::from_utf8_lossy(&body[4..]))
                    }
                    other => format!("unexpected: {other:?}"),
                }
            }
        };
        say(&format!("{case} -> {outcome}"));
    }
    // The served socket path, protected by file permissions.
    let outcome = match std::os::unix::net::UnixStream::connect(env("REL_SOCKET")) {
        Ok(_) => "connected".to_owned(),
        Err(e) => format!("connect failed: {e}"),
    };
    say(&format!("socket path -> {outcome}"));
}

/// As another uid: through the service manager at `SM_TEST_SOCKET`, finds and calls
/// `rel.shared.ok`, tries to find `rel.private.x` and to add `rel.shared.mine`.
fn other_uid_sm() {
    use servicemanager::testing::ITestService;
    let sm = ipc_core::service_manager::ServiceManager::builder()
        .path(env("SM_TEST_SOCKET"))
        .build();
    say(&format!("uid={}", nix::unistd::getuid()));
    let call = sm
        .get_service::<dyn ITestService>("rel.shared.ok")
        .and_then(|s| s.addOne(41));
    say(&format!("find and call -> {call:?}"));
    let denied = sm.check_binder("rel.private.x").map(|b| b.is_some());
    say(&format!(
        "find private -> {:?}",
        denied.map_err(|e| e.exception_code())
    ));
    let add = sm.add_service(
        "rel.shared.mine",
        &servicemanager::testing::new_service().as_binder(),
    );
    say(&format!("add -> {:?}", add.map_err(|e| e.exception_code())));
}

/// A pipe's read end holding `bytes` (the write end is closed).
pub fn pipe_with(bytes: &[u8]) -> ParcelFileDescriptor {
    let (read, write) = nix::unistd::pipe().unwrap();
    std::fs::File::from(write).write_all(bytes).unwrap();
    ParcelFileDescriptor::new(read)
}

/// Grows the pool of the service manager at `socket` to its bound (16 calls that
/// wait in the daemon, 200 ms each, hold a thread each), so that later thread
/// counts compare with a full pool.
pub fn warm_daemon_pool(socket: &std::path::Path) {
    let waiters: Vec<_> = (0..16)
        .map(|_| {
            let sm = ipc_core::service_manager::ServiceManager::builder()
                .path(socket)
                .build();
            std::thread::spawn(move || {
                let _ = sm
                    .manager()
                    .and_then(|m| m.waitForService("rel.nothing", 200));
            })
        })
        .collect();
    for w in waiters {
        let _ = w.join();
    }
}

/// Whether this process runs as root (the uid-switching tests need it).
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Says why a test does not run, on the real stderr (libtest captures `println!`).
pub fn skip(reason: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED {reason}");
}

/// Makes sure `root`'s pool has grown to `threads` by keeping that many calls
/// busy at once, so that later thread counts compare with a full pool.
pub fn warm_pool(root: &SpIBinder, threads: usize) {
    let sleepers: Vec<_> = (0..threads)
        .map(|_| {
            let root = root.clone();
            std::thread::spawn(move || sleep_call(&root, 150))
        })
        .collect();
    for s in sleepers {
        let _ = s.join();
    }
}
