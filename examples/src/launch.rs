//! [`Launcher`]: runs an example's processes from one command.
//!
//! It uses the service manager already running for this user if one answers at the
//! usual socket (`$BINDER_IPC_SERVICEMANAGER`, else `<runtime dir>/servicemanager.sock`);
//! otherwise it starts a private one, in a fresh temporary runtime directory that it
//! removes at the end, so an example needs no set-up and leaves nothing behind. The
//! daemon is this very binary re-executed as `<binary> servicemanager ...`
//! ([`servicemanager_role`]), which runs the `servicemanager` crate's own code:
//! `cargo run -p examples --bin X` builds nothing else.
//!
//! Children are this binary again with a role argument. Their output is relayed line
//! by line, prefixed with their name, so the terminal reads as one narrative; lines
//! starting with `#` are kept for the launcher ([`Launcher::data_lines`]) instead of
//! printed. Every child is killed and reaped when the launcher drops, and receives
//! SIGTERM if the launcher dies (see [`crate::sys::die_with_parent`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use clap::Parser as _;
use ipc_core::runtime_dir;
use ipc_core::service_manager::ServiceManager;
use nix::sys::signal::{SigSet, Signal};

/// Runs the service-manager daemon in this process: the `servicemanager` role of
/// every example binary. `args` are the daemon's own flags (`--socket PATH`,
/// `--foreground`, ...; see `servicemanager --help`).
pub fn servicemanager_role(args: &[String]) -> ExitCode {
    let args = servicemanager::daemon::Args::parse_from(
        std::iter::once("servicemanager".to_owned()).chain(args.iter().cloned()),
    );
    match servicemanager::daemon::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("servicemanager: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A child process started by the [`Launcher`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildId(usize);

#[derive(Debug)]
struct Running {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    status: Option<ExitStatus>,
    /// Output streams still open (stdout, stderr).
    open_streams: u8,
    data: Vec<String>,
    /// Every line it printed.
    seen: Vec<String>,
    /// Lines of `seen` before this one were matched by [`Launcher::expect`] already.
    matched: usize,
}

#[derive(Debug)]
enum Event {
    Line(usize, String),
    Closed(usize),
    /// The launcher received this signal.
    Signal(&'static str),
}

/// Starts and watches the processes of an example. See the module documentation.
#[derive(Debug)]
pub struct Launcher {
    exe: PathBuf,
    /// The private runtime directory, when we started our own service manager.
    private_dir: Option<tempfile::TempDir>,
    /// A scratch directory for the example's files (a database...), removed at the end.
    data_dir: Option<tempfile::TempDir>,
    sm_path: PathBuf,
    sm: Option<ChildId>,
    children: Vec<Running>,
    events: mpsc::Receiver<Event>,
    sender: mpsc::Sender<Event>,
    reaped: usize,
    interrupted: Option<&'static str>,
}

/// How long the launcher waits for a child to start, answer, or exit before it gives up.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(20);

impl Launcher {
    /// Finds the running service manager or starts a private one.
    pub fn start() -> anyhow::Result<Launcher> {
        let exe = std::env::current_exe().context("finding this program")?;
        let (sender, events) = mpsc::channel();
        watch_signals(sender.clone())?;
        let data_dir = tempfile::Builder::new()
            .prefix("binder-ipc-example-")
            .tempdir()
            .context("creating a scratch directory")?;
        let mut launcher = Launcher {
            exe,
            private_dir: None,
            data_dir: Some(data_dir),
            sm_path: runtime_dir::default_servicemanager_path(),
            sm: None,
            children: Vec::new(),
            events,
            sender,
            reaped: 0,
            interrupted: None,
        };
        if answers(&launcher.sm_path) {
            launcher.say(&format!(
                "using the service manager already running at {}",
                launcher.sm_path.display()
            ));
            return Ok(launcher);
        }
        let dir = tempfile::Builder::new()
            .prefix("binder-ipc-")
            .tempdir()
            .context("creating a private runtime directory")?;
        launcher.sm_path = dir.path().join(runtime_dir::SERVICEMANAGER_SOCKET);
        launcher.private_dir = Some(dir);
        let socket = launcher.sm_path.to_string_lossy().into_owned();
        let sm = launcher.spawn(
            "servicemanager",
            &["servicemanager", "--foreground", "--socket", &socket],
        )?;
        launcher.sm = Some(sm);
        launcher.wait_for("the service manager to listen", DEFAULT_DEADLINE, |l| {
            l.exited(sm) || answers(&l.sm_path)
        })?;
        if launcher.exited(sm) {
            bail!("the service manager exited at start");
        }
        launcher.say(&format!(
            "no service manager was running: started a private one (pid {}) in {}",
            launcher.pid(sm),
            launcher.runtime_dir().display()
        ));
        Ok(launcher)
    }

    /// Prints a line of the launcher's own narrative.
    pub fn say(&self, text: &str) {
        println!("{:>14} | {text}", "launcher");
    }

    /// The runtime directory the children use.
    pub fn runtime_dir(&self) -> PathBuf {
        match &self.private_dir {
            Some(dir) => dir.path().to_owned(),
            None => runtime_dir::runtime_dir_path(),
        }
    }

    /// The service manager's socket.
    pub fn servicemanager_path(&self) -> &Path {
        &self.sm_path
    }

    /// A scratch directory for the example's files, removed at the end.
    pub fn data_dir(&self) -> &Path {
        self.data_dir
            .as_ref()
            .expect("removed only at shutdown")
            .path()
    }

    /// Starts this binary again as `args` (a role and its arguments), named `name` in
    /// the narrative. Its stdin is a pipe ([`Launcher::send`]).
    pub fn spawn(&mut self, name: &str, args: &[&str]) -> anyhow::Result<ChildId> {
        let mut cmd = Command::new(&self.exe);
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Out of the terminal's process group: Ctrl-C reaches the launcher only,
            // which then stops the children itself.
            .process_group(0);
        if self.private_dir.is_some() {
            cmd.env(runtime_dir::ENV_DIR, self.runtime_dir())
                .env_remove(runtime_dir::ENV_SERVICEMANAGER);
        }
        crate::sys::die_with_parent(&mut cmd);
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting {name} ({})", self.exe.display()))?;
        let index = self.children.len();
        let out = child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>);
        let err = child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>);
        for stream in [out, err].into_iter().flatten() {
            let sender = self.sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if sender.send(Event::Line(index, line)).is_err() {
                        return;
                    }
                }
                let _ = sender.send(Event::Closed(index));
            });
        }
        self.children.push(Running {
            name: name.to_owned(),
            stdin: child.stdin.take(),
            child,
            status: None,
            open_streams: 2,
            data: Vec::new(),
            seen: Vec::new(),
            matched: 0,
        });
        Ok(ChildId(index))
    }

    /// The child's pid.
    pub fn pid(&self, id: ChildId) -> u32 {
        self.children[id.0].child.id()
    }

    /// Writes `line` to the child's stdin.
    pub fn send(&mut self, id: ChildId, line: &str) -> anyhow::Result<()> {
        let child = &mut self.children[id.0];
        let stdin = child
            .stdin
            .as_mut()
            .ok_or_else(|| anyhow!("{}'s stdin is closed", child.name))?;
        writeln!(stdin, "{line}").with_context(|| format!("writing to {}", child.name))
    }

    /// Closes the child's stdin (end of input).
    pub fn close_stdin(&mut self, id: ChildId) {
        self.children[id.0].stdin = None;
    }

    /// The `#` lines the child printed so far (without the `#`).
    pub fn data_lines(&self, id: ChildId) -> &[String] {
        &self.children[id.0].data
    }

    /// Relays output until the child prints a line containing `needle`, or finds one
    /// it printed since the previous match; returns that line. Fails if the child
    /// ends its output first or `timeout` passes.
    pub fn expect(
        &mut self,
        id: ChildId,
        needle: &str,
        timeout: Duration,
    ) -> anyhow::Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            self.check_interrupted()?;
            let child = &mut self.children[id.0];
            if let Some(at) = child.seen[child.matched..]
                .iter()
                .position(|l| l.contains(needle))
            {
                child.matched += at + 1;
                return Ok(child.seen[child.matched - 1].clone());
            }
            if child.open_streams == 0 {
                bail!(
                    "{} ended its output without printing {needle:?}; it printed: {:#?}",
                    child.name,
                    child.seen
                );
            }
            if Instant::now() >= deadline {
                bail!("{} did not print {needle:?} in {timeout:?}", child.name);
            }
            self.next_event(deadline);
        }
    }

    /// Relays output until `done(self)` holds; fails after `timeout` naming `what`.
    pub fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        mut done: impl FnMut(&mut Launcher) -> bool,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        while !done(self) {
            self.check_interrupted()?;
            if Instant::now() >= deadline {
                bail!("timed out after {timeout:?} waiting for {what}");
            }
            // Short waits: `done` may test something other than output.
            self.next_event(Instant::now() + Duration::from_millis(5).min(timeout));
        }
        Ok(())
    }

    fn check_interrupted(&self) -> anyhow::Result<()> {
        match self.interrupted {
            Some(signal) => bail!("interrupted by {signal}: stopping every child"),
            None => Ok(()),
        }
    }

    /// Whether the child has exited (it is reaped if so).
    pub fn exited(&mut self, id: ChildId) -> bool {
        let child = &mut self.children[id.0];
        if child.status.is_none()
            && let Ok(Some(status)) = child.child.try_wait()
        {
            child.status = Some(status);
            self.reaped += 1;
        }
        child.status.is_some()
    }

    /// Relays output until the child exits and its output ends; returns its status.
    pub fn wait_exit(&mut self, id: ChildId, timeout: Duration) -> anyhow::Result<ExitStatus> {
        let name = self.children[id.0].name.clone();
        self.wait_for(&format!("{name} to exit"), timeout, |l| {
            l.exited(id) && l.children[id.0].open_streams == 0
        })?;
        Ok(self.children[id.0].status.expect("reaped"))
    }

    /// Like [`Launcher::wait_exit`], and fails unless the child exited with status 0.
    pub fn wait_success(&mut self, id: ChildId, timeout: Duration) -> anyhow::Result<()> {
        let status = self.wait_exit(id, timeout)?;
        if !status.success() {
            bail!("{} failed: {status}", self.children[id.0].name);
        }
        Ok(())
    }

    /// Sends SIGKILL and reaps the child.
    pub fn kill(&mut self, id: ChildId) -> anyhow::Result<()> {
        let child = &mut self.children[id.0];
        if child.status.is_none() {
            child
                .child
                .kill()
                .with_context(|| format!("killing {}", child.name))?;
            child.status = Some(child.child.wait()?);
            self.reaped += 1;
        }
        Ok(())
    }

    /// Sends SIGTERM and waits for the child to exit (SIGKILL after `timeout`).
    pub fn terminate(&mut self, id: ChildId, timeout: Duration) -> anyhow::Result<ExitStatus> {
        if !self.exited(id) {
            let pid = nix::unistd::Pid::from_raw(self.pid(id) as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        }
        match self.wait_exit(id, timeout) {
            Ok(status) => Ok(status),
            Err(e) => {
                self.kill(id)?;
                Err(e)
            }
        }
    }

    /// Stops every child still running (SIGTERM, the service manager last), reaps
    /// them, removes the temporary directories, and says so. Returns how many child
    /// processes were started and reaped in all.
    pub fn shutdown(mut self) -> anyhow::Result<usize> {
        let running: Vec<ChildId> = (0..self.children.len())
            .map(ChildId)
            .filter(|&id| Some(id) != self.sm && !self.exited(id))
            .collect();
        for id in running.into_iter().chain(self.sm) {
            self.terminate(id, DEFAULT_DEADLINE)?;
        }
        let started = self.children.len();
        if self.reaped != started {
            bail!("{} of {started} children reaped", self.reaped);
        }
        let mut removed = Vec::new();
        for dir in [self.data_dir.take(), self.private_dir.take()]
            .into_iter()
            .flatten()
        {
            removed.push(dir.path().display().to_string());
            dir.close().context("removing a temporary directory")?;
        }
        self.say(&format!(
            "all {started} child processes exited and were reaped; removed {}",
            removed.join(" and ")
        ));
        Ok(started)
    }

    fn next_event(&mut self, deadline: Instant) -> Option<Event> {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = self.events.recv_timeout(left).ok()?;
        match &event {
            Event::Line(i, line) => {
                let child = &mut self.children[*i];
                child.seen.push(line.clone());
                match line.strip_prefix('#') {
                    Some(data) => child.data.push(data.to_owned()),
                    None => println!("{:>14} | {line}", child.name),
                }
            }
            Event::Closed(i) => self.children[*i].open_streams -= 1,
            Event::Signal(name) => self.interrupted = Some(name),
        }
        Some(event)
    }
}

/// Turns SIGINT (Ctrl-C), SIGTERM and SIGHUP into an [`Event`]: the launcher then
/// fails its current wait, and dropping it kills and reaps the children and removes
/// the temporary directories, instead of dying with them left behind. Call on the
/// main thread before any other thread exists: the signals are blocked in it and in
/// every thread started later (std's `Command` gives children an empty mask).
fn watch_signals(sender: mpsc::Sender<Event>) -> anyhow::Result<()> {
    let mut signals = SigSet::empty();
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        signals.add(signal);
    }
    signals.thread_block().context("blocking signals")?;
    std::thread::spawn(move || {
        if let Ok(signal) = signals.wait() {
            let _ = sender.send(Event::Signal(signal.as_str()));
        }
    });
    Ok(())
}

/// Whether a service manager answers at `path` (a full handshake and a call, so the
/// daemon sees a well-behaved client rather than a bare connect).
fn answers(path: &Path) -> bool {
    ServiceManager::builder()
        .path(path)
        .build()
        .list_services()
        .is_ok()
}

impl Drop for Launcher {
    fn drop(&mut self) {
        for child in &mut self.children {
            if child.status.is_none() {
                let _ = child.child.kill();
                child.status = child.child.wait().ok();
            }
        }
    }
}
