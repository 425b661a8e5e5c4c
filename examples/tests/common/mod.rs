//! Runs an example binary end to end, as a user would, in a scratch environment:
//! `TMPDIR` and `BINDER_IPC_DIR` point into a fresh directory, so the example finds
//! no service manager and starts its own, and whatever it leaves behind shows up.
//!
//! The test process becomes a child subreaper first: a grandchild the example fails
//! to reap is re-parented to us, and [`Run::assert_no_process_left`] sees it.

#![allow(dead_code)] // Each test file uses a part of it.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};

/// What a run of an example did.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    scratch: tempfile::TempDir,
}

impl Run {
    /// Panics (showing the output) unless the example exited with status 0.
    pub(crate) fn assert_success(&self) {
        assert_eq!(self.code, Some(0), "the example failed:\n{self}");
    }

    /// Panics unless stdout has a line containing every one of `needles`.
    pub(crate) fn assert_line(&self, needles: &[&str]) -> &str {
        self.stdout
            .lines()
            .find(|l| needles.iter().all(|n| l.contains(n)))
            .unwrap_or_else(|| panic!("no line with {needles:?} in:\n{self}"))
    }

    /// How many stdout lines contain every one of `needles`.
    pub(crate) fn count_lines(&self, needles: &[&str]) -> usize {
        self.stdout
            .lines()
            .filter(|l| needles.iter().all(|n| l.contains(n)))
            .count()
    }

    /// Panics if any process the example started is still alive or unreaped, or if
    /// any pid it printed still exists.
    pub(crate) fn assert_no_process_left(&self) {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Err(Errno::ECHILD) => {}
            other => panic!("a process of the example is left behind ({other:?}):\n{self}"),
        }
        for pid in printed_pids(&self.stdout) {
            let alive = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok();
            assert!(!alive, "pid {pid} is still alive:\n{self}");
        }
    }

    /// Reaps every process re-parented to us (the example's orphans), waiting up to
    /// `deadline` for them to exit; panics if some are still alive then.
    pub(crate) fn reap_orphans(&self, deadline: Duration) {
        let until = Instant::now() + deadline;
        loop {
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Err(Errno::ECHILD) => return,
                Ok(WaitStatus::StillAlive) if Instant::now() >= until => {
                    let orphans = kill_children();
                    panic!("orphans still alive (now killed): {orphans:?}\n{self}");
                }
                Ok(WaitStatus::StillAlive) => std::thread::sleep(Duration::from_millis(10)),
                Ok(_) => {}
                Err(e) => panic!("waitpid: {e}"),
            }
        }
    }

    /// Panics unless the scratch `TMPDIR` is empty and the runtime directory named by
    /// `BINDER_IPC_DIR` was never created.
    pub(crate) fn assert_no_file_left(&self) {
        self.assert_tmpdir_empty();
        assert!(!self.runtime_dir().exists(), "the runtime dir was created");
    }

    /// Panics unless the scratch `TMPDIR` is empty.
    pub(crate) fn assert_tmpdir_empty(&self) {
        let leftovers: Vec<PathBuf> = std::fs::read_dir(self.tmpdir())
            .expect("read the scratch TMPDIR")
            .map(|e| e.expect("entry").path())
            .collect();
        assert!(leftovers.is_empty(), "left behind: {leftovers:?}\n{self}");
    }

    fn tmpdir(&self) -> PathBuf {
        self.scratch.path().join("tmp")
    }

    pub(crate) fn runtime_dir(&self) -> PathBuf {
        self.scratch.path().join("runtime")
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {:?}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// SIGKILLs and reaps every child of this process; returns their command lines.
fn kill_children() -> Vec<String> {
    let me = std::process::id().to_string();
    let mut killed = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // The fields after the parenthesised command: state, then the parent's pid.
        let ppid = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.split(' ').nth(1));
        if ppid == Some(me.as_str()) {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            killed.push(String::from_utf8_lossy(&cmdline).replace('\0', " "));
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGKILL);
            let _ = waitpid(nix::unistd::Pid::from_raw(pid), None);
        }
    }
    killed
}

/// Every number written as `pid N` or `(pid N)` in `text`.
fn printed_pids(text: &str) -> Vec<i32> {
    text.split("pid ")
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// Runs `program` with `args`, killing it and failing after `deadline`.
pub(crate) fn run(program: &str, args: &[&str], deadline: Duration) -> Run {
    run_with(program, args, deadline, None)
}

/// Like [`run`], and sends `signal` to `program` once it prints a line containing
/// `after`.
pub(crate) fn run_signalled(program: &str, after: &str, signal: Signal, deadline: Duration) -> Run {
    run_with(program, &[], deadline, Some((after.to_owned(), signal)))
}

/// A fresh scratch directory: `tmp/` (the examples' `TMPDIR`) and, not created,
/// `runtime/` (their `BINDER_IPC_DIR`).
pub(crate) fn scratch() -> tempfile::TempDir {
    let scratch = tempfile::tempdir().expect("scratch dir");
    std::fs::create_dir(scratch.path().join("tmp")).expect("scratch TMPDIR");
    scratch
}

/// Like [`run`], in a scratch directory made by [`scratch`] (where the test may
/// have started a service manager of its own).
pub(crate) fn run_in(
    scratch: tempfile::TempDir,
    program: &str,
    args: &[&str],
    deadline: Duration,
) -> Run {
    run_with_scratch(scratch, program, args, deadline, None)
}

fn run_with(
    program: &str,
    args: &[&str],
    deadline: Duration,
    interrupt: Option<(String, Signal)>,
) -> Run {
    run_with_scratch(scratch(), program, args, deadline, interrupt)
}

fn run_with_scratch(
    scratch: tempfile::TempDir,
    program: &str,
    args: &[&str],
    deadline: Duration,
    interrupt: Option<(String, Signal)>,
) -> Run {
    nix::sys::prctl::set_child_subreaper(true).expect("PR_SET_CHILD_SUBREAPER");
    let tmp = scratch.path().join("tmp");
    let mut child = Command::new(program)
        .args(args)
        .env("TMPDIR", &tmp)
        .env("BINDER_IPC_DIR", scratch.path().join("runtime"))
        .env_remove("BINDER_IPC_SERVICEMANAGER")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {program}: {e}"));
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let out = collect(child.stdout.take().expect("stdout"), move |line| {
        if let Some((after, signal)) = &interrupt
            && line.contains(after.as_str())
        {
            let _ = nix::sys::signal::kill(pid, *signal);
        }
    });
    let err = collect(child.stderr.take().expect("stderr"), |_| {});
    let until = Instant::now() + deadline;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{program} did not finish in {deadline:?}; stdout so far:\n{}",
                out.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code(),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
        scratch,
    }
}

/// Reads `stream` to its end, calling `on_line` for each line; returns the text.
fn collect(
    stream: impl Read + Send + 'static,
    on_line: impl Fn(&str) + Send + 'static,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            on_line(&line);
            text.push_str(&line);
            text.push('\n');
        }
        text
    })
}
