//! The benchmark's helper processes: `ipc-bench` re-executes itself with a hidden
//! subcommand for every server and client, so each measured side is a fresh process
//! with its own runtime configuration and CPU placement.
//!
//! Children talk to the parent in lines on stdout (`ready`, then a result); the parent
//! answers `go` on stdin. A [`ChildProc`] kills and reaps its process when dropped,
//! which covers every exit path of the parent short of `SIGKILL`; for that, children
//! ask the kernel for `SIGKILL` when the parent dies ([`die_with_parent`]), and
//! servers also exit when their stdin closes.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A running helper process.
#[derive(Debug)]
pub(crate) struct ChildProc {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl ChildProc {
    /// Starts `ipc-bench <args>` with `env` added to (and `BINDER_IPC_TRANSPORT` /
    /// `BINDER_IPC_SPIN_US` removed from) this process's environment: the mode of a
    /// row is set by its arguments, not by whatever the caller's shell exported.
    pub(crate) fn spawn(name: &str, args: &[String]) -> Result<ChildProc> {
        let exe = std::env::current_exe().context("locating ipc-bench")?;
        let mut child = Command::new(exe)
            .args(args)
            .env_remove("BINDER_IPC_TRANSPORT")
            .env_remove("BINDER_IPC_SPIN_US")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().context("child stdout")?;
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(ChildProc {
            name: name.to_owned(),
            child,
            stdin,
            lines,
        })
    }

    /// The next line the child prints, waiting at most `timeout`.
    pub(crate) fn line(&mut self, timeout: Duration) -> Result<String> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => Ok(line),
            Err(RecvTimeoutError::Timeout) => {
                bail!("{}: no answer within {timeout:?}", self.name)
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().ok();
                bail!("{}: exited early ({status:?})", self.name)
            }
        }
    }

    /// Waits for the child's `ready` line.
    pub(crate) fn ready(&mut self, timeout: Duration) -> Result<()> {
        let line = self.line(timeout)?;
        if line != "ready" {
            bail!("{}: expected `ready`, got {line:?}", self.name);
        }
        Ok(())
    }

    /// Sends `go` to a client waiting after its warm-up.
    pub(crate) fn go(&mut self) -> Result<()> {
        let stdin = self.stdin.as_mut().context("stdin already closed")?;
        stdin
            .write_all(b"go\n")
            .and_then(|()| stdin.flush())
            .with_context(|| format!("{}: sending go", self.name))
    }
}

impl Drop for ChildProc {
    fn drop(&mut self) {
        // Closing stdin asks a server to exit; a client exits after its result. Give
        // either a moment to exit by itself (so that a profiler running it can write
        // its data), then kill.
        drop(self.stdin.take());
        let deadline = Instant::now() + EXIT_GRACE;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(1)),
            }
        }
        // Already exited is fine: kill then fails with ESRCH / InvalidInput.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long a dropped child may take to exit by itself before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// In a child: be killed when the parent dies, so no helper outlives a crashed run.
pub(crate) fn die_with_parent() -> Result<()> {
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)?;
    // The parent may have died before the call above.
    if nix::unistd::getppid() == nix::unistd::Pid::from_raw(1) {
        bail!("parent already gone");
    }
    Ok(())
}

/// In a server child: exit when the parent closes our stdin (or dies).
pub(crate) fn exit_on_stdin_eof() {
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        std::process::exit(0);
    });
}

/// In a client child: tell the parent we are warmed up, and wait for `go`.
pub(crate) fn ready_then_wait_for_go() -> Result<()> {
    println!("ready");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    if line.trim() != "go" {
        bail!("expected `go` from the parent, got {line:?}");
    }
    Ok(())
}

/// Pins the calling thread (and the threads it starts later) to `cpu`.
pub(crate) fn pin_to(cpu: Option<usize>) -> Result<()> {
    let Some(cpu) = cpu else { return Ok(()) };
    let mut set = nix::sched::CpuSet::new();
    set.set(cpu)?;
    nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set)
        .with_context(|| format!("pinning to CPU {cpu}"))?;
    Ok(())
}
