//! The only `unsafe` code of the examples: mapping a sealed memfd, and making a child
//! process die with its launcher.
#![allow(unsafe_code)]

use std::fs::File;
use std::os::fd::AsFd;
use std::process::Command;

use anyhow::{Context, bail};
use nix::fcntl::{FcntlArg, SealFlag, fcntl};

/// The seals that make a memfd immutable: nobody can write to it, shrink it or grow it.
pub const IMMUTABLE: SealFlag = SealFlag::F_SEAL_WRITE
    .union(SealFlag::F_SEAL_SHRINK)
    .union(SealFlag::F_SEAL_GROW);

/// Maps `file` read-only, after checking that it carries the [`IMMUTABLE`] seals.
///
/// Mapping a file another process can change is unsound (the bytes could change
/// under a `&[u8]`, and truncation turns a read into SIGBUS): refuse anything not
/// sealed.
pub fn map_sealed(file: &File) -> anyhow::Result<memmap2::Mmap> {
    let seals = fcntl(file.as_fd(), FcntlArg::F_GET_SEALS).context("F_GET_SEALS")?;
    let seals = SealFlag::from_bits_truncate(seals);
    if !seals.contains(IMMUTABLE) {
        bail!(
            "the file is not sealed against writing and resizing ({seals:?}): refusing to map it"
        );
    }
    // SAFETY: `Mmap::map` is unsafe because the file could be modified or truncated while mapped. The seals checked above are permanent and forbid both for every process (F_SEAL_WRITE also fails if a writable shared mapping exists), so the mapped bytes are immutable for the mapping's whole life.
    let map = unsafe { memmap2::MmapOptions::new().map(file) }.context("mmap")?;
    Ok(map)
}

/// Makes the child that `cmd` starts receive SIGTERM when this thread's process (the
/// launcher) dies, so that no service outlives a launcher killed by `kill -9` or a
/// test's watchdog. Spawn from a thread that lives as long as the child (the main
/// thread): the kernel ties the signal to the thread that forked.
///
/// The child also starts with no signal blocked: a launcher that blocks SIGTERM for
/// its own `sigwait` would otherwise pass the mask on through exec, and its children
/// would ignore SIGTERM.
pub fn die_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = nix::unistd::getpid();
    // SAFETY: the closure runs in the forked child before exec. It only makes the pthread_sigmask(3), prctl(2) and getppid(2) calls, which are async-signal-safe, and it neither allocates nor takes locks (errors are built from a raw errno).
    unsafe {
        cmd.pre_exec(move || {
            use nix::sys::signal::{SigSet, SigmaskHow, pthread_sigmask};
            pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None)
                .map_err(|e| std::io::Error::from_raw_os_error(e as i32))?;
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)
                .map_err(|e| std::io::Error::from_raw_os_error(e as i32))?;
            // The launcher may have died before the prctl: then nobody will signal us.
            if nix::unistd::getppid() != parent {
                return Err(std::io::Error::from_raw_os_error(nix::libc::ESRCH));
            }
            Ok(())
        });
    }
}
