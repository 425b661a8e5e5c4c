//! The `servicemanager` and `servicectl` binaries themselves: flags, help, exit
//! codes, one-line errors, SIGTERM/SIGINT shutdown, live and stale sockets, systemd
//! socket activation and readiness, detaching. The test binary re-executes itself
//! (`child_main`) to play a server that registers `smtest.ITestService`.

use std::io::{BufRead, BufReader, Read};
use std::os::fd::OwnedFd;
use std::os::unix::net::{UnixDatagram, UnixListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ipc_core::service_manager::ServiceManager;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const SERVICEMANAGER: &str = env!("CARGO_BIN_EXE_servicemanager");
const SERVICECTL: &str = env!("CARGO_BIN_EXE_servicectl");

use ipc_core::testing::{Watchdog, wait_until};

/// A child killed and reaped on drop.
struct Proc(Child);

impl Proc {
    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Sends `signal` and waits (up to `secs`) for the exit code.
    fn stop(&mut self, signal: Signal, secs: u64) -> Option<i32> {
        kill(Pid::from_raw(self.0.id() as i32), signal).unwrap();
        self.wait(secs)
    }

    fn wait(&mut self, secs: u64) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "no exit within {secs} s");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut err) = self.0.stderr.take() {
            let _ = err.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("sm-bin-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn socket(&self) -> PathBuf {
        self.0.join("sm.sock")
    }

    fn client(&self) -> ServiceManager {
        ServiceManager::builder().path(self.socket()).build()
    }

    fn daemon_cmd(&self) -> Command {
        let mut cmd = Command::new(SERVICEMANAGER);
        cmd.args(["--foreground", "--socket"])
            .arg(self.socket())
            .env_remove("NOTIFY_SOCKET")
            .env_remove("LISTEN_PID")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        cmd
    }

    /// Starts the daemon binary and waits until it answers.
    fn daemon(&self) -> Proc {
        let daemon = Proc(self.daemon_cmd().spawn().unwrap());
        let probe = self.client();
        wait_until("the daemon to answer", 20, || probe.list_services().is_ok());
        daemon
    }

    /// Starts a server registering `smtest.ITestService` as `name`.
    fn server(&self, name: &str) -> Proc {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_main", "--nocapture", "--test-threads=1"])
            .env("SM_BIN_ROLE", "server")
            .env("SM_BIN_SOCKET", self.socket())
            .env("SM_BIN_NAME", name)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        // Killed and reaped on drop, whatever happens below.
        let server = Proc(child);
        for line in out.lines() {
            if line.unwrap().contains("registered") {
                return server;
            }
        }
        panic!("the server exited before registering");
    }

    /// Runs `servicectl ARGS --socket <ours>`.
    fn ctl(&self, args: &[&str]) -> Output {
        ctl_at(&self.socket(), args)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ctl_at(socket: &Path, args: &[&str]) -> Output {
    Command::new(SERVICECTL)
        .args(args)
        .arg("--socket")
        .arg(socket)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts a failure: exit code `code`, nothing on stdout, one line on stderr
/// starting with `servicectl: ` and containing `needle`.
fn assert_one_line_error(out: &Output, code: i32, needle: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.starts_with("servicectl: "), "{stderr}");
    assert!(stderr.contains(needle), "{needle:?} in {stderr:?}");
    assert!(out.stdout.is_empty(), "stdout: {}", text(&out.stdout));
}

#[test]
fn child_main() {
    if std::env::var("SM_BIN_ROLE").as_deref() != Ok("server") {
        return;
    }
    let sm = ServiceManager::builder()
        .path(std::env::var("SM_BIN_SOCKET").unwrap())
        .build();
    let service = servicemanager::testing::new_service();
    sm.add_service(&std::env::var("SM_BIN_NAME").unwrap(), &service.as_binder())
        .unwrap();
    println!("\nregistered");
    let mut buf = [0u8; 1];
    let _ = std::io::stdin().read(&mut buf);
    std::process::exit(0);
}

#[test]
fn servicectl_commands_against_a_live_daemon() {
    let _w = Watchdog::new("servicectl live", 60);
    let scratch = Scratch::new("ctl");
    let _daemon = scratch.daemon();
    let server = scratch.server("test.echo");

    let out = scratch.ctl(&["list"]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "test.echo\n");

    let out = scratch.ctl(&["check", "test.echo"]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout),
        "Service test.echo: found (smtest.ITestService)\n"
    );
    assert_one_line_error(
        &scratch.ctl(&["check", "test.missing"]),
        1,
        "service \"test.missing\" not found",
    );
    assert_one_line_error(
        &scratch.ctl(&["check", "bad name"]),
        1,
        "invalid service name",
    );

    let out = scratch.ctl(&["wait", "test.echo", "--timeout", "10"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_one_line_error(
        &scratch.ctl(&["wait", "test.missing", "--timeout", "0.2"]),
        1,
        "timed out after 0.2 s",
    );

    let out = scratch.ctl(&["dump"]);
    assert!(out.status.success());
    let dump = text(&out.stdout);
    let row = dump
        .lines()
        .find(|l| l.starts_with("test.echo "))
        .unwrap_or_else(|| panic!("{dump}"));
    assert!(row.contains(&format!(" {} ", server.pid())), "{row}");
    assert!(row.ends_with("smtest.ITestService"), "{row}");

    // `call`: addOne (code 1) with an i32 returns a real value from the server.
    let out = scratch.ctl(&["call", "test.echo", "1", "i32", "41"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.starts_with("Result: OK\nStatus: OK\n"), "{stdout}");
    assert!(stdout.contains("Result (as i32): 42"), "{stdout}");
    assert!(stdout.contains("0x0004: 2a000000"), "{stdout}");
    let out = scratch.ctl(&["call", "test.echo", "2", "s8", "hi there"]);
    assert!(
        text(&out.stdout).contains("Result (as s8): \"hi there\""),
        "{}",
        text(&out.stdout)
    );
    let out = scratch.ctl(&["call", "test.echo", "3"]);
    assert!(
        text(&out.stdout).contains(&format!("Result (as i32): {}", server.pid())),
        "{}",
        text(&out.stdout)
    );
    // `fd PATH` sends an open descriptor; the service reads it.
    let file = scratch.0.join("note.txt");
    std::fs::write(&file, "through a descriptor").unwrap();
    let out = scratch.ctl(&["call", "test.echo", "4", "fd", file.to_str().unwrap()]);
    assert!(
        text(&out.stdout).contains("Result (as s8): \"through a descriptor\""),
        "{}",
        text(&out.stdout)
    );
    // A wrong argument type reaches the service, which says so in its status.
    let out = scratch.ctl(&["call", "test.echo", "1", "s16", "x"]);
    assert!(out.status.success());
    assert!(
        text(&out.stdout).contains("Status: "),
        "{}",
        text(&out.stdout)
    );
    assert_one_line_error(
        &scratch.ctl(&["call", "test.echo", "999"]),
        1,
        "call failed: UNKNOWN_TRANSACTION",
    );
    assert_one_line_error(
        &scratch.ctl(&["call", "test.echo", "1", "i32"]),
        1,
        "needs a value",
    );
    assert_one_line_error(
        &scratch.ctl(&["call", "test.echo", "1", "fd", "/nonexistent/x"]),
        1,
        "fd /nonexistent/x",
    );
    assert_one_line_error(&scratch.ctl(&["call", "test.missing", "1"]), 1, "not found");
}

#[test]
fn servicectl_errors_when_no_daemon_is_running() {
    let _w = Watchdog::new("servicectl no daemon", 60);
    let scratch = Scratch::new("nodaemon");
    // Nothing there at all, then a stale socket file nobody listens on.
    for _ in 0..2 {
        for args in [
            &["list"][..],
            &["check", "x"],
            &["wait", "x", "--timeout", "1"],
            &["dump"],
            &["call", "x", "1", "i32", "1"],
        ] {
            assert_one_line_error(&scratch.ctl(args), 1, "no service manager running at");
        }
        if !scratch.socket().exists() {
            drop(UnixListener::bind(scratch.socket()).unwrap());
        }
    }
}

#[test]
fn help_for_every_command_and_one_line_usage_errors() {
    let _w = Watchdog::new("help", 60);
    for sub in [
        &[][..],
        &["list"],
        &["check"],
        &["wait"],
        &["dump"],
        &["call"],
    ] {
        let out = Command::new(SERVICECTL)
            .args(sub)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{sub:?}");
        let help = text(&out.stdout);
        assert!(help.contains("Usage: servicectl"), "{help}");
        assert!(help.contains("--socket"), "{sub:?}: {help}");
    }
    let out = Command::new(SERVICECTL)
        .args(["call", "--help"])
        .output()
        .unwrap();
    assert!(text(&out.stdout).contains("s16 STR"));
    let out = Command::new(SERVICEMANAGER).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = text(&out.stdout);
    for flag in ["--socket", "--policy", "--foreground", "--get-timeout-ms"] {
        assert!(help.contains(flag), "{help}");
    }
    let out = Command::new(SERVICECTL).arg("frobnicate").output().unwrap();
    assert_one_line_error(&out, 2, "unrecognized subcommand");
    let out = Command::new(SERVICECTL)
        .args(["wait", "x", "--timeout", "soon"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "--timeout");
}

#[test]
fn sigterm_and_sigint_shut_down_cleanly_removing_the_socket() {
    let _w = Watchdog::new("signals", 60);
    for signal in [Signal::SIGTERM, Signal::SIGINT] {
        let scratch = Scratch::new(&format!("sig{}", signal as i32));
        // Readiness through a path NOTIFY_SOCKET, too.
        let notify_path = scratch.0.join("notify");
        let notify = UnixDatagram::bind(&notify_path).unwrap();
        notify
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut cmd = scratch.daemon_cmd();
        cmd.env("NOTIFY_SOCKET", &notify_path)
            .env("RUST_LOG", "info");
        let mut daemon = Proc(cmd.spawn().unwrap());
        let mut buf = [0u8; 64];
        let n = notify.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
        assert!(scratch.client().list_services().is_ok());
        assert_eq!(daemon.stop(signal, 20), Some(0), "clean exit on {signal}");
        let n = notify.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STOPPING=1");
        assert!(!scratch.socket().exists(), "socket removed on {signal}");
        assert!(daemon.stderr().contains("shutting down"));
    }
}

#[test]
fn a_live_instance_is_refused_and_a_stale_socket_taken_over() {
    let _w = Watchdog::new("live/stale", 60);
    let scratch = Scratch::new("live");
    let mut first = scratch.daemon();
    let mut second = Proc(scratch.daemon_cmd().spawn().unwrap());
    assert_eq!(second.wait(20), Some(1));
    let err = second.stderr();
    assert!(
        err.contains("another servicemanager is already serving"),
        "{err}"
    );
    assert!(
        scratch.client().list_services().is_ok(),
        "the first still serves"
    );

    // SIGKILL leaves a stale file behind; the next daemon takes it over.
    first.stop(Signal::SIGKILL, 20);
    assert!(scratch.socket().exists());
    let _third = scratch.daemon();
    assert!(scratch.client().list_services().is_ok());
}

#[test]
fn a_bad_policy_file_stops_the_daemon_with_the_line() {
    let _w = Watchdog::new("bad policy", 60);
    let scratch = Scratch::new("badpolicy");
    let policy = scratch.0.join("policy");
    std::fs::write(&policy, "add x.* 1000\nallow everything\n").unwrap();
    let mut cmd = scratch.daemon_cmd();
    cmd.arg("--policy").arg(&policy);
    let mut daemon = Proc(cmd.spawn().unwrap());
    assert_eq!(daemon.wait(20), Some(1));
    let err = daemon.stderr();
    assert!(
        err.contains(&format!("{}:2: unknown action", policy.display())),
        "{err}"
    );
    assert!(!scratch.socket().exists());
}

#[test]
fn socket_activation_with_ready_on_an_abstract_notify_socket() {
    use std::os::linux::net::SocketAddrExt;
    let _w = Watchdog::new("socket activation", 60);
    let scratch = Scratch::new("activate");
    let listener = UnixListener::bind(scratch.socket()).unwrap();
    let name = format!("sm-bin-notify-{}", std::process::id());
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let notify = UnixDatagram::bind_addr(&addr).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    // As systemd does: the socket is descriptor 3 and LISTEN_PID is the daemon's
    // pid. The listener goes in as stdin; the shell moves it to 3 and execs (same
    // pid, so $$ is right).
    let child = Command::new("sh")
        .arg("-c")
        .arg("exec 3<&0 0</dev/null; LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" --foreground --socket /nonexistent/ignored")
        .arg(SERVICEMANAGER)
        .env("NOTIFY_SOCKET", format!("@{name}"))
        .stdin(Stdio::from(OwnedFd::from(listener)))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut daemon = Proc(child);
    let mut buf = [0u8; 64];
    let n = notify.recv(&mut buf).expect("READY=1 from the daemon");
    assert_eq!(&buf[..n], b"READY=1");
    let server = scratch.server("test.activated");
    let found = scratch.client().check_binder("test.activated").unwrap();
    assert!(found.is_some());
    drop(server);
    assert_eq!(daemon.stop(Signal::SIGTERM, 20), Some(0));
    // The socket belongs to systemd: the daemon leaves it in place.
    assert!(scratch.socket().exists());
    let err = daemon.stderr();
    assert!(err.contains("the socket systemd passed"), "{err}");
}

#[test]
fn without_foreground_it_detaches_once_serving() {
    let _w = Watchdog::new("detach", 60);
    let scratch = Scratch::new("detach");
    let mut cmd = Command::new(SERVICEMANAGER);
    cmd.arg("--socket")
        .arg(scratch.socket())
        .env_remove("NOTIFY_SOCKET")
        .env_remove("LISTEN_PID");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The command has returned and the socket is there; the detached daemon
    // accepts as soon as it runs.
    assert!(scratch.socket().exists());
    let probe = scratch.client();
    wait_until("the detached daemon to answer", 20, || {
        probe.list_services().is_ok()
    });
    // Find it by its command line (it is no child of ours) and stop it.
    let wanted = scratch.socket().display().to_string();
    let pid = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .find(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| text(&c).contains(&wanted))
                .unwrap_or(false)
        })
        .expect("the detached daemon");
    kill(Pid::from_raw(pid), Signal::SIGTERM).unwrap();
    wait_until("the detached daemon to remove its socket", 20, || {
        !scratch.socket().exists()
    });
}

#[test]
fn the_default_socket_is_in_the_runtime_directory() {
    use std::os::unix::fs::PermissionsExt;
    let _w = Watchdog::new("runtime dir", 60);
    let scratch = Scratch::new("rtdir");
    let start = |env: &[(&str, &Path)]| {
        let mut cmd = Command::new(SERVICEMANAGER);
        cmd.arg("--foreground")
            .env_remove("BINDER_IPC_DIR")
            .env_remove("BINDER_IPC_SERVICEMANAGER")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("LISTEN_PID")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Proc(cmd.spawn().unwrap())
    };
    let ctl_env = |env: &[(&str, &Path)], args: &[&str]| {
        let mut cmd = Command::new(SERVICECTL);
        cmd.args(args)
            .env_remove("BINDER_IPC_DIR")
            .env_remove("BINDER_IPC_SERVICEMANAGER");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };

    // $BINDER_IPC_DIR, created 0700 (with its parents); clients find it the same way.
    let dir = scratch.0.join("a/rt");
    let env = [("BINDER_IPC_DIR", dir.as_path())];
    let _daemon = start(&env);
    wait_until("the daemon in $BINDER_IPC_DIR", 20, || {
        ctl_env(&env, &["list"]).status.success()
    });
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    assert!(dir.join("servicemanager.sock").exists());

    // Else $XDG_RUNTIME_DIR/binder-ipc.
    let xdg = scratch.0.join("xdg");
    std::fs::create_dir(&xdg).unwrap();
    let env = [("XDG_RUNTIME_DIR", xdg.as_path())];
    let _daemon = start(&env);
    wait_until("the daemon in $XDG_RUNTIME_DIR/binder-ipc", 20, || {
        ctl_env(&env, &["list"]).status.success()
    });
    assert!(xdg.join("binder-ipc/servicemanager.sock").exists());

    // A directory others may write to is refused.
    let open = scratch.0.join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let mut refused = start(&[("BINDER_IPC_DIR", open.as_path())]);
    assert_eq!(refused.wait(20), Some(1));
    let err = refused.stderr();
    assert!(err.contains("group or others may write to it"), "{err}");
    assert!(!open.join("servicemanager.sock").exists());
}
