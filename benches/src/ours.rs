//! Our rows: a generated `IEcho` client calling a generated `BnEcho` server in
//! another process, in one of the runtime's transport modes.

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use ipc_core::runtime::{Config, TransportKind};
use ipc_core::{BinderResult, Interface, Strong};

use crate::aidl::bench::IEcho::{BnEcho, IEcho};
use crate::measure::{self, Measurement};

/// How the runtime of both processes is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Mode {
    /// Shared-memory rings with the default spin budget.
    ShmSpin,
    /// Shared-memory rings, spin 0: every wait sleeps on the futex.
    ShmBlock,
    /// Everything over the Unix socket.
    Socket,
}

impl Mode {
    /// The name in the report (`shm_spin`, ...).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::ShmSpin => "shm_spin",
            Mode::ShmBlock => "shm_block",
            Mode::Socket => "socket",
        }
    }

    /// Configures this process's runtime for the mode; must come first.
    pub(crate) fn configure(self) -> Result<()> {
        let config = Config::from_env();
        let config = match self {
            Mode::ShmSpin => config.with_transport(TransportKind::SharedMemory),
            Mode::ShmBlock => config
                .with_transport(TransportKind::SharedMemory)
                .with_spin(Duration::ZERO),
            Mode::Socket => config.with_transport(TransportKind::Socket),
        };
        ipc_core::runtime::configure(config)
            .map_err(|e| anyhow::anyhow!("configuring the runtime: {e:?}"))
    }
}

/// What the client calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Call {
    /// `int echo(int)`.
    EchoInt,
    /// `byte[] echoBytes(in byte[])` of `--size` bytes.
    EchoBytes,
    /// `oneway void push(int)`, then `awaitPushed` until all have run.
    Oneway,
}

#[derive(Default)]
struct Echo {
    pushed: AtomicI64,
}

impl Interface for Echo {}

impl IEcho for Echo {
    fn echo(&self, v: i32) -> BinderResult<i32> {
        Ok(v)
    }
    fn echoBytes(&self, data: &[u8]) -> BinderResult<Vec<u8>> {
        Ok(data.to_vec())
    }
    fn push(&self, _v: i32) -> BinderResult<()> {
        self.pushed.fetch_add(1, Relaxed);
        Ok(())
    }
    fn awaitPushed(&self, count: i64, timeout_ms: i32) -> BinderResult<i64> {
        // Polled, so that `push` stays one atomic add (a condition variable would
        // cost it a futex wake); this wait happens once per row.
        let deadline = Instant::now() + Duration::from_millis(timeout_ms.max(0) as u64);
        loop {
            let pushed = self.pushed.load(Relaxed);
            if pushed >= count || Instant::now() >= deadline {
                return Ok(pushed);
            }
            std::thread::sleep(Duration::from_micros(20));
        }
    }
}

/// Serves an `IEcho` at `path` on the calling thread (never returns on success).
pub(crate) fn serve(mode: Mode, path: &Path, on_ready: impl FnOnce() -> Result<()>) -> Result<()> {
    mode.configure()?;
    let service = BnEcho::new_binder(Echo::default());
    let _listener = ipc_core::serve(path, &service.as_binder())
        .map_err(|e| anyhow::anyhow!("serve {}: {e:?}", path.display()))?;
    on_ready()?;
    ipc_core::join_thread_pool()
}

/// Connects to `path` and makes `warmup` + `iters` calls of `call`.
pub(crate) fn client(
    mode: Mode,
    path: &Path,
    call: Call,
    size: usize,
    warmup: u64,
    iters: u64,
    on_warm: impl FnOnce() -> Result<()>,
) -> Result<Measurement> {
    mode.configure()?;
    let echo: Strong<dyn IEcho> = ipc_core::connect(path)
        .and_then(|b| b.into_interface())
        .map_err(|e| anyhow::anyhow!("connect {}: {e:?}", path.display()))?;
    let expected_transport = match mode {
        Mode::Socket => "socket",
        Mode::ShmSpin | Mode::ShmBlock => "shm",
    };
    let transports: Vec<_> = ipc_core::runtime::connections()
        .iter()
        .map(|c| c.transport)
        .collect();
    if transports != [expected_transport] {
        bail!("{} row runs over {transports:?}", mode.name());
    }
    let status = |e: ipc_core::Status| anyhow::anyhow!("call failed: {e:?}");
    match call {
        Call::EchoInt => measure::run(
            warmup,
            iters,
            |i| {
                let v = i as i32;
                let got = echo.echo(v).map_err(status)?;
                if got != v {
                    bail!("echo({v}) returned {got}");
                }
                Ok(())
            },
            on_warm,
        ),
        Call::EchoBytes => {
            let data: Vec<u8> = (0..size).map(|i| i as u8).collect();
            measure::run(
                warmup,
                iters,
                |_| {
                    let got = echo.echoBytes(&data).map_err(status)?;
                    if got.len() != data.len() || got.last() != data.last() {
                        bail!(
                            "echoBytes returned {} bytes, sent {}",
                            got.len(),
                            data.len()
                        );
                    }
                    Ok(())
                },
                on_warm,
            )
        }
        Call::Oneway => {
            let before = echo.awaitPushed(0, 0).map_err(status)?;
            let all_in = |n: u64| {
                let want = before + n as i64;
                let got = echo.awaitPushed(want, 10_000).map_err(status)?;
                if got != want {
                    bail!("{} oneway calls delivered, sent {n}", got - before);
                }
                Ok(())
            };
            let mut m = measure::run(
                warmup,
                iters,
                |i| echo.push(i as i32).map_err(status),
                || {
                    // Start the measured loop with the warm-up calls all run.
                    all_in(warmup)?;
                    on_warm()
                },
            )?;
            // The measured time runs until the server has run every call.
            let sync = Instant::now();
            all_in(warmup + iters)?;
            m.elapsed_ns += sync.elapsed().as_nanos() as u64;
            Ok(m)
        }
    }
    .context("measuring")
}
