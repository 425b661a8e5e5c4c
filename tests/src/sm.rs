//! Helpers for the service-manager tests (`tests/servicemanager_*.rs`).
//!
//! Each test binary re-executes itself to play the other processes: its
//! `#[test] fn child_main()` calls [`child_main`], which does nothing unless
//! `SM_TEST_ROLE` is set. Roles run the very code of the `servicemanager` and
//! `servicectl` binaries (`servicemanager::daemon`, `servicemanager::ctl`), a test
//! server, or a client. Every child is killed when its handle drops, and every test
//! holds a [`Watchdog`].

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::Parser as _;
use ipc_core::service_manager::ServiceManager;
use servicemanager::testing::{ITestService, new_service};

pub use ipc_core::testing::{Watchdog, wait_until};

/// A child process: killed and reaped on drop; its stdout lines are collected.
#[derive(Debug)]
pub struct Proc {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Proc {
    /// The child's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (up to `secs`) for an output line containing `needle`; returns it.
    pub fn expect_line(&mut self, needle: &str, secs: u64) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(e) => panic!(
                    "child {} printed no line with {needle:?} ({e:?}); it printed: {:#?}",
                    self.child.id(),
                    self.seen
                ),
            }
        }
    }

    /// Kills it with SIGKILL and reaps it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits (up to `secs`) for it to exit; returns its exit code and all its output.
    pub fn finish(mut self, secs: u64) -> (i32, String) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "child did not exit in {secs} s");
            std::thread::sleep(Duration::from_millis(10));
        };
        let mut out = self.seen.join("\n");
        for line in self.lines.iter() {
            out.push('\n');
            out.push_str(&line);
        }
        (status.code().unwrap_or(-1), out)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// How to start a child of the current test binary.
#[derive(Debug)]
pub struct Spawn {
    cmd: Command,
}

impl Spawn {
    /// A child playing `role`.
    pub fn role(role: &str) -> Spawn {
        let mut cmd = Command::new(std::env::current_exe().expect("current_exe"));
        cmd.args(["--exact", "child_main", "--nocapture", "--test-threads=1"])
            .env("SM_TEST_ROLE", role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        Spawn { cmd }
    }

    /// Sets an environment variable of the child.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Spawn {
        self.cmd.env(key, value);
        self
    }

    /// Arguments (for the `daemon` and `ctl` roles), passed in `SM_TEST_ARGS`.
    pub fn args(self, args: &[&str]) -> Spawn {
        self.env("SM_TEST_ARGS", args.join("\u{1f}"))
    }

    /// Runs the child as `uid`/`gid` (needs root).
    pub fn user(mut self, uid: u32, gid: u32) -> Spawn {
        use std::os::unix::process::CommandExt;
        self.cmd.uid(uid).gid(gid);
        self
    }

    /// Runs `program` instead of the current test binary (a copy of it that
    /// another uid can execute).
    pub fn program(mut self, program: &Path) -> Spawn {
        let mut cmd = Command::new(program);
        cmd.args(["--exact", "child_main", "--nocapture", "--test-threads=1"]);
        for (key, value) in self.cmd.get_envs() {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        self.cmd = cmd;
        self
    }

    /// Starts it. Both stdout and stderr lines are collected.
    pub fn start(mut self) -> Proc {
        let mut child = crate::exec::spawn(&mut self.cmd).expect("spawn a child");
        let (tx, lines) = mpsc::channel();
        let out = child.stdout.take().expect("stdout");
        let err = child.stderr.take().expect("stderr");
        for stream in [Box::new(out) as Box<dyn Read + Send>, Box::new(err)] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { return };
                    if tx.send(line).is_err() {
                        return;
                    }
                }
            });
        }
        Proc {
            child,
            lines,
            seen: Vec::new(),
        }
    }
}

/// A scratch directory for one test: sockets and policy files go here. Removed on
/// drop.
#[derive(Debug)]
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    /// A fresh directory named for `test`.
    pub fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("sm-test-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the scratch dir");
        Scratch { dir }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The daemon's socket in it.
    pub fn socket(&self) -> PathBuf {
        self.dir.join("servicemanager.sock")
    }

    /// A client of the daemon at [`Scratch::socket`].
    pub fn client(&self) -> ServiceManager {
        ServiceManager::builder().path(self.socket()).build()
    }

    /// Starts a daemon on [`Scratch::socket`] with `extra` flags and waits until it
    /// answers.
    pub fn daemon(&self, extra: &[&str]) -> Proc {
        let socket = self.socket();
        let mut args = vec![
            "--foreground",
            "--socket",
            socket.to_str().expect("utf-8 path"),
        ];
        args.extend_from_slice(extra);
        let daemon = Spawn::role("daemon").args(&args).start();
        let probe = self.client();
        wait_until("the daemon to answer", 20, || probe.list_services().is_ok());
        daemon
    }

    /// Starts a server process that registers a test service as each of `names`
    /// (comma-separated) and waits until it says so.
    pub fn server(&self, names: &str, reregister: bool) -> Proc {
        let mut server = Spawn::role("server")
            .env("SM_TEST_SOCKET", self.socket())
            .env("SM_TEST_NAME", names)
            .env("SM_TEST_REREGISTER", if reregister { "1" } else { "0" })
            .start();
        server.expect_line("registered", 20);
        server
    }

    /// Runs `servicectl` with `args` (plus `--socket`) to completion.
    pub fn ctl(&self, args: &[&str]) -> (i32, String) {
        let socket = self.socket();
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(&["--socket", socket.to_str().expect("utf-8 path")]);
        Spawn::role("ctl").args(&all).start().finish(30)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn role_args() -> Vec<String> {
    std::env::var("SM_TEST_ARGS")
        .map(|a| {
            if a.is_empty() {
                Vec::new()
            } else {
                a.split('\u{1f}').map(str::to_owned).collect()
            }
        })
        .unwrap_or_default()
}

/// The entry point of child processes; returns at once in the normal test run.
pub fn child_main() {
    let Ok(role) = std::env::var("SM_TEST_ROLE") else {
        return;
    };
    // libtest has printed "test child_main ... " without a newline: end that line.
    println!();
    let code = match role.as_str() {
        "daemon" => {
            servicemanager::daemon::init_logging();
            let mut argv = vec!["servicemanager".to_owned()];
            argv.extend(role_args());
            let args = servicemanager::daemon::Args::parse_from(argv);
            match servicemanager::daemon::run(args) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("servicemanager: {e:#}");
                    1
                }
            }
        }
        "ctl" => {
            let mut argv = vec!["servicectl".to_owned()];
            argv.extend(role_args());
            let code = servicemanager::ctl::run_from(argv);
            // ExitCode has no accessor: compare with the two we use.
            if code == std::process::ExitCode::SUCCESS {
                0
            } else if code == std::process::ExitCode::from(2) {
                2
            } else {
                1
            }
        }
        "server" => run_server(),
        "waiter" => run_waiter(),
        "policy_client" => run_policy_client(),
        other => panic!("unknown role {other}"),
    };
    use std::io::Write;
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

fn env(key: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| panic!("{key} is not set"))
}

/// Registers a test service under each name in `SM_TEST_NAME`, says
/// `registered pid=<pid>`, and serves until stdin closes (the test ended) or it is
/// killed.
fn run_server() -> i32 {
    let sm = ServiceManager::builder()
        .path(env("SM_TEST_SOCKET"))
        .reregister_on_restart(env("SM_TEST_REREGISTER") == "1")
        .build();
    let service = new_service();
    for name in env("SM_TEST_NAME").split(',') {
        if let Err(e) = sm.add_service(name, &service.as_binder()) {
            println!("add {name} failed: {e}");
            return 1;
        }
    }
    println!("registered pid={}", std::process::id());
    let mut buf = [0u8; 1];
    let _ = std::io::stdin().read(&mut buf);
    0
}

/// Says `waiting`, blocks in `wait_for_service` for `SM_TEST_NAME`, calls it and
/// says `found addOne(41)=<n> pid=<server pid>`.
fn run_waiter() -> i32 {
    let sm = ServiceManager::builder()
        .path(env("SM_TEST_SOCKET"))
        .build();
    let name = env("SM_TEST_NAME");
    println!("waiting");
    let service = match sm.wait_for_service::<dyn ITestService>(&name) {
        Ok(s) => s,
        Err(e) => {
            println!("wait failed: {e}");
            return 1;
        }
    };
    match (service.addOne(41), service.pid()) {
        (Ok(n), Ok(pid)) => {
            println!("found addOne(41)={n} pid={pid}");
            0
        }
        (a, b) => {
            println!("call failed: {a:?} {b:?}");
            1
        }
    }
}

/// Tries, as whatever uid it runs as, each of `SM_TEST_OPS` (`add:NAME`,
/// `find:NAME`, `list`) and prints one line per operation: `<op> -> <outcome>`.
fn run_policy_client() -> i32 {
    let sm = ServiceManager::builder()
        .path(env("SM_TEST_SOCKET"))
        .build();
    let service = new_service().as_binder();
    println!("uid={}", nix::unistd::getuid());
    for op in env("SM_TEST_OPS").split(',') {
        let outcome = match op.split_once(':') {
            Some(("add", name)) => sm.add_service(name, &service).map(|()| "ok".to_owned()),
            Some(("find", name)) => sm
                .check_binder(name)
                .map(|b| if b.is_some() { "found" } else { "absent" }.to_owned()),
            _ if op == "list" => sm.list_services().map(|names| names.join(" ")),
            _ => panic!("unknown op {op}"),
        };
        match outcome {
            Ok(text) => println!("{op} -> ok {text}"),
            Err(e) => println!("{op} -> err {:?} {e}", e.exception_code()),
        }
    }
    0
}

/// The number of open descriptors of process `pid`.
pub fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}
