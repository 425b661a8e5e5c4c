//! The `servicemanager` program: options, socket set-up, serving, shutdown.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use nix::sys::signal::{SigSet, Signal};

use crate::policy::Policy;
use crate::registry::{Options, Registry};

/// The name registry of binder-ipc: maps service names to binder objects.
#[derive(Debug, Parser)]
#[command(name = "servicemanager", version, about, long_about = None)]
pub struct Args {
    /// Listen on PATH [default: $BINDER_IPC_SERVICEMANAGER, else
    /// servicemanager.sock in the runtime directory]. Ignored when socket-activated.
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Enforce the access policy in FILE (format: docs/SERVICEMANAGER.md); without
    /// it, only root and this daemon's uid may add and find.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Stay in the foreground (logging to stderr) instead of detaching.
    #[arg(long)]
    pub foreground: bool,
    /// How long getService waits for a name not registered yet, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub get_timeout_ms: u64,
}

/// The listening socket and what to clean up when done.
struct Socket {
    listener: UnixListener,
    /// The file we bound (removed at shutdown); `None` when systemd owns it.
    path: Option<PathBuf>,
}

/// `main` of the `servicemanager` binary.
pub fn main() -> ExitCode {
    let args = Args::parse();
    init_logging();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("servicemanager: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs the daemon until SIGTERM or SIGINT.
pub fn run(args: Args) -> anyhow::Result<()> {
    let owner = nix::unistd::geteuid().as_raw();
    let policy = match &args.policy {
        Some(path) => Policy::load(path, owner)?,
        None => Policy::default_for(owner),
    };
    let socket = open_socket(&args)?;
    let shown = socket.path.as_ref().map_or_else(
        || "the socket systemd passed".to_owned(),
        |p| p.display().to_string(),
    );
    if !args.foreground && socket.path.is_some() && std::env::var_os("NOTIFY_SOCKET").is_none() {
        // The socket is bound before we detach, so clients can connect as soon as
        // the command returns. No thread exists yet: forking is safe.
        nix::unistd::daemon(false, false).context("detaching")?;
    }
    // Every thread started from here on inherits this mask, so the signals wait
    // for `sigwait` below instead of killing the process mid-way.
    let mut signals = SigSet::empty();
    signals.add(Signal::SIGTERM);
    signals.add(Signal::SIGINT);
    signals.thread_block().context("blocking SIGTERM/SIGINT")?;

    let registry = Registry::new(
        policy.clone(),
        Options {
            get_timeout: Duration::from_millis(args.get_timeout_ms),
            ..Options::default()
        },
    );
    // Blocked getService/waitForService calls hold threads: leave room beyond them.
    ipc_core::set_max_threads(32);
    let root = registry.into_binder();
    let listener = ipc_core::serve_listener(socket.listener, &root)
        .map_err(|e| anyhow::anyhow!("serving on {shown}: {e}"))?;
    tracing::info!(
        socket = %shown,
        policy = %args.policy.as_ref().map_or("default (root and own uid)".into(), |p| p.display().to_string()),
        rules = policy.len(),
        "servicemanager ready"
    );
    if let Err(e) = crate::systemd::notify("READY=1") {
        tracing::warn!("cannot notify systemd: {e:#}");
    }

    let signal = signals.wait().context("waiting for a signal")?;
    tracing::info!(%signal, "shutting down");
    let _ = crate::systemd::notify("STOPPING=1");
    drop(listener);
    if let Some(path) = &socket.path
        && let Err(e) = std::fs::remove_file(path)
    {
        tracing::warn!(path = %path.display(), error = %e, "cannot remove the socket");
    }
    Ok(())
}

/// The socket systemd passed, or one bound at the configured path: refused when
/// another live instance answers there, taken over when the file is stale.
fn open_socket(args: &Args) -> anyhow::Result<Socket> {
    if let Some(listener) = crate::systemd::listen_socket()? {
        return Ok(Socket {
            listener,
            path: None,
        });
    }
    let path = match &args.socket {
        Some(path) => path.clone(),
        None if std::env::var_os(ipc_core::runtime_dir::ENV_SERVICEMANAGER).is_some() => {
            ipc_core::runtime_dir::default_servicemanager_path()
        }
        None => {
            ipc_core::runtime_dir::runtime_dir()?.join(ipc_core::runtime_dir::SERVICEMANAGER_SOCKET)
        }
    };
    let listener = bind(&path)?;
    Ok(Socket {
        listener,
        path: Some(path),
    })
}

fn bind(path: &Path) -> anyhow::Result<UnixListener> {
    if std::fs::symlink_metadata(path).is_ok() {
        match UnixStream::connect(path) {
            Ok(_) => bail!(
                "another servicemanager is already serving {}",
                path.display()
            ),
            Err(e) => {
                tracing::info!(path = %path.display(), error = %e, "replacing a stale socket");
                std::fs::remove_file(path)
                    .with_context(|| format!("removing the stale socket {}", path.display()))?;
            }
        }
    }
    let listener = UnixListener::bind(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "another servicemanager is already serving {}",
                path.display()
            )
        } else {
            anyhow::anyhow!("binding {}: {e}", path.display())
        }
    })?;
    // Who may connect is the directory's business and the policy's, which sees
    // each caller's uid: the socket itself is open to all.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))
        .with_context(|| format!("chmod {}", path.display()))?;
    Ok(listener)
}
