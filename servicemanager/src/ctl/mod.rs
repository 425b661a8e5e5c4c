//! The `servicectl` program: a command-line client of the service manager.

pub mod call;

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use ipc_core::service_manager::ServiceManager;
use ipc_core::{Status, StatusCode};

/// Talk to the binder-ipc service manager.
#[derive(Debug, Parser)]
#[command(name = "servicectl", version, about, long_about = None)]
pub struct Args {
    /// The service manager's socket [default: $BINDER_IPC_SERVICEMANAGER, else
    /// servicemanager.sock in the runtime directory].
    #[arg(long, value_name = "PATH", global = true)]
    pub socket: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the registered services (those you may find).
    List,
    /// Say whether NAME is registered, without waiting.
    Check {
        /// The service name.
        name: String,
    },
    /// Wait until NAME is registered.
    Wait {
        /// The service name.
        name: String,
        /// Give up after S seconds (fractions allowed) [default: wait forever].
        #[arg(long, value_name = "S")]
        timeout: Option<f64>,
    },
    /// Show who registered what: name, pid, uid, since when, interface.
    Dump,
    /// Call method CODE of service NAME with typed arguments and show the reply.
    ///
    /// The interface token (the service's descriptor) is written first, as
    /// Android's `service call` does. ARGS are pairs of a type and a value:
    /// `i32 N`, `i64 N`, `f N`, `d N`, `s16 STR`, `s8 STR`, `fd PATH` (opened
    /// read-only), or `null` alone (a null binder). Numbers may be hex (0x..).
    Call {
        /// The service name.
        name: String,
        /// The transaction code (AIDL methods count from 1 in declaration order).
        code: u32,
        /// Typed arguments (a value starting with `-` other than a number goes
        /// after `--`, with `--socket` before it).
        #[arg(allow_negative_numbers = true, value_name = "ARGS")]
        args: Vec<String>,
    },
}

/// `main` of the `servicectl` binary.
pub fn main() -> ExitCode {
    run_from(std::env::args_os())
}

/// Runs `servicectl` with `args` (the first is the program name). Errors are one
/// line on stderr; the exit code is 0 on success, 1 on failure, 2 on a usage error.
pub fn run_from(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let args = match Args::try_parse_from(args) {
        Ok(args) => args,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
                || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            {
                let _ = e.print();
                return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                };
            }
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid usage");
            eprintln!(
                "servicectl: {} (try --help)",
                first.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let text = format!("{e:#}").replace('\n', " ");
            eprintln!("servicectl: {text}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let mut builder = ServiceManager::builder();
    if let Some(path) = &args.socket {
        builder = builder.path(path);
    }
    let sm = builder.build();
    let mut out = std::io::stdout().lock();
    match args.command {
        Command::List => {
            for name in sm.list_services().map_err(|e| explain(&sm, e))? {
                writeln!(out, "{name}")?;
            }
        }
        Command::Check { name } => match sm.check_binder(&name).map_err(|e| explain(&sm, e))? {
            Some(binder) => writeln!(out, "Service {name}: found ({})", descriptor(&binder))?,
            None => bail!("service {name:?} not found"),
        },
        Command::Wait { name, timeout } => {
            let timeout = timeout
                .map(|s| {
                    Duration::try_from_secs_f64(s)
                        .map_err(|_| anyhow::anyhow!("--timeout {s}: not a duration in seconds"))
                })
                .transpose()?;
            match sm.wait_for_binder(&name, timeout) {
                Ok(binder) => writeln!(out, "Service {name}: found ({})", descriptor(&binder))?,
                Err(e) if e.transaction_error() == StatusCode::TIMED_OUT => bail!(
                    "timed out after {} s waiting for {name:?}",
                    timeout.unwrap_or_default().as_secs_f64()
                ),
                Err(e) => return Err(explain(&sm, e)),
            }
        }
        Command::Dump => {
            let mut entries = sm.debug_info().map_err(|e| explain(&sm, e))?;
            entries.sort_by(|a, b| a.name.cmp(&b.name));
            writeln!(
                out,
                "{:<32} {:>8} {:>6}  {:<20}  INTERFACE",
                "NAME", "PID", "UID", "SINCE (UTC)"
            )?;
            for e in entries {
                writeln!(
                    out,
                    "{:<32} {:>8} {:>6}  {:<20}  {}",
                    e.name,
                    e.debugPid,
                    e.uid as u32,
                    utc(e.registeredAtMillis),
                    if e.descriptor.is_empty() {
                        "?"
                    } else {
                        &e.descriptor
                    }
                )?;
            }
        }
        Command::Call { name, code, args } => {
            let binder = sm
                .check_binder(&name)
                .map_err(|e| explain(&sm, e))?
                .with_context(|| format!("service {name:?} not found"))?;
            let token = binder
                .interface_descriptor()
                .map_err(|e| anyhow::anyhow!("asking {name:?} for its interface: {e}"))?;
            let data = call::build_parcel(&token, &args)?;
            match binder.transact(code, data, 0) {
                Ok(mut reply) => {
                    writeln!(out, "Result: OK")?;
                    write!(out, "{}", call::describe_reply(&mut reply))?;
                }
                Err(code) => bail!("call failed: {code}"),
            }
        }
    }
    Ok(())
}

/// An error from the service manager, saying where we looked when it is not there.
fn explain(sm: &ServiceManager, e: Status) -> anyhow::Error {
    match e.transaction_error() {
        StatusCode::DEAD_OBJECT => anyhow::anyhow!(
            "no service manager running at {} ({e})",
            sm.path().display()
        ),
        StatusCode::PERMISSION_DENIED => anyhow::anyhow!(
            "cannot reach the service manager at {}: permission denied",
            sm.path().display()
        ),
        _ => anyhow::anyhow!("{e}"),
    }
}

fn descriptor(binder: &ipc_core::SpIBinder) -> String {
    binder
        .interface_descriptor()
        .unwrap_or_else(|e| format!("descriptor unavailable: {e}"))
}

/// `YYYY-MM-DD HH:MM:SS` for milliseconds since the epoch (UTC).
fn utc(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(utc(1_795_000_061_000), "2026-11-18 11:07:41");
    }
}
