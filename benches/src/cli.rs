//! The `ipc-bench` command line: the parent that plans the rows and prints the
//! report, and the hidden subcommands its helper processes run.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::child::{self, ChildProc};
use crate::measure::Measurement;
use crate::ours::{self, Call, Mode};
use crate::raw::{self, RawKind};
use crate::report::{self, Row};
use crate::{machine, peer};

/// Round-trip latency of the IPC runtime against the mechanisms beneath it and a
/// peer RPC framework, client and server in separate processes.
#[derive(Debug, Parser)]
#[command(name = "ipc-bench")]
pub struct Cli {
    /// 5,000 measured calls per row instead of 20,000.
    #[arg(long)]
    quick: bool,
    /// One JSON object per row instead of the table.
    #[arg(long)]
    json: bool,
    /// Let the scheduler place client and server (default: client on CPU 0, server
    /// on CPU 1).
    #[arg(long)]
    no_pin: bool,
    /// Run only the rows whose label (`bench mode size`, e.g. `echo_int shm_block 4`)
    /// contains one of these strings.
    #[arg(long, value_name = "TEXT")]
    only: Vec<String>,
    /// Measured calls per row, overriding --quick (for tests; not a valid report).
    #[arg(long, hide = true)]
    iters: Option<u64>,
    #[command(subcommand)]
    role: Option<Role>,
}

#[derive(Debug, Subcommand)]
enum Role {
    #[command(name = "__server", hide = true)]
    Server(Side),
    #[command(name = "__client", hide = true)]
    Client(Side),
    #[command(name = "__memcpy", hide = true)]
    Memcpy {
        #[arg(long)]
        cpu: Option<usize>,
    },
}

/// What a helper process runs.
#[derive(Debug, Clone, Args)]
struct Side {
    #[arg(long)]
    system: System,
    #[arg(long)]
    raw: Option<RawKind>,
    #[arg(long)]
    mode: Option<Mode>,
    #[arg(long)]
    call: Option<Call>,
    #[arg(long, default_value_t = 4)]
    size: usize,
    #[arg(long, default_value_t = 0)]
    warmup: u64,
    #[arg(long, default_value_t = 0)]
    iters: u64,
    #[arg(long)]
    path: PathBuf,
    #[arg(long)]
    cpu: Option<usize>,
}

/// Whose code a row measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum System {
    Raw,
    Ours,
    Peer,
}

/// One row to run.
#[derive(Debug, Clone)]
struct Plan {
    bench: String,
    side: Side,
    clients: usize,
    note: String,
}

impl Plan {
    fn label(&self) -> String {
        let mode = self.side.mode.map(Mode::name).unwrap_or("-");
        format!("{} {mode} {}", self.bench, self.side.size)
    }
}

const CLIENT_CPU: usize = 0;
const SERVER_CPU: usize = 1;
const SERVER_START: Duration = Duration::from_secs(10);
const CLIENT_RUN: Duration = Duration::from_secs(600);

/// Runs `ipc-bench` (or one of its helper roles).
pub fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.role {
        Some(Role::Server(side)) => run_server(side),
        Some(Role::Client(side)) => run_client(side),
        Some(Role::Memcpy { cpu }) => {
            child::die_with_parent()?;
            child::pin_to(cpu)?;
            println!(
                "{} {}",
                machine::memcpy_bandwidth(1 << 20),
                machine::memcpy_bandwidth(64 << 20)
            );
            Ok(())
        }
        None => run_parent(&cli),
    }
}

fn run_server(side: Side) -> Result<()> {
    child::die_with_parent()?;
    child::exit_on_stdin_eof();
    child::pin_to(side.cpu)?;
    let ready = || {
        println!("ready");
        std::io::Write::flush(&mut std::io::stdout())?;
        Ok(())
    };
    match side.system {
        System::Raw => raw::serve(side.raw.context("--raw")?, &side.path, side.size, ready),
        System::Ours => ours::serve(side.mode.context("--mode")?, &side.path, ready),
        System::Peer => peer::serve(&side.path, ready),
    }
}

fn run_client(side: Side) -> Result<()> {
    child::die_with_parent()?;
    child::pin_to(side.cpu)?;
    let (warmup, iters, path) = (side.warmup, side.iters, &side.path);
    let go = child::ready_then_wait_for_go;
    let m = match side.system {
        System::Raw => raw::client(
            side.raw.context("--raw")?,
            path,
            side.size,
            warmup,
            iters,
            go,
        )?,
        System::Ours => ours::client(
            side.mode.context("--mode")?,
            path,
            side.call.context("--call")?,
            side.size,
            warmup,
            iters,
            go,
        )?,
        System::Peer => peer::client(path, side.size, warmup, iters, go)?,
    };
    println!("{}", m.to_line());
    Ok(())
}

/// Big payloads get fewer calls, so that a run stays around a minute.
fn big_payload(mut row: Plan) -> Plan {
    let iters = row.side.iters;
    let calls = match row.side.size {
        s if s >= 16 << 20 => (iters / 100).max(1),
        s if s >= 1 << 20 => (iters / 4).max(1),
        _ => iters,
    };
    if calls < iters {
        row.side.iters = calls;
        row.side.warmup = (calls / 10).max(2);
        row.note = format!("fewer calls ({calls}): big payload");
    }
    row
}

/// The rows of a run, in report order.
fn plan(iters: u64, pin: bool) -> Vec<Plan> {
    let warmup = iters / 10;
    let side = |system, path: &str| Side {
        system,
        raw: None,
        mode: None,
        call: None,
        size: 4,
        warmup,
        iters,
        path: PathBuf::from(path),
        cpu: None,
    };
    let one = |bench: &str, side: Side| Plan {
        bench: bench.to_owned(),
        side,
        clients: 1,
        note: String::new(),
    };
    let mut rows = Vec::new();
    for (bench, kind) in [
        ("raw_uds", RawKind::Uds),
        ("raw_futex", RawKind::Futex),
        ("raw_spin", RawKind::Spin),
    ] {
        let path = if kind == RawKind::Uds {
            "raw.sock"
        } else {
            "raw.page"
        };
        rows.push(one(
            bench,
            Side {
                raw: Some(kind),
                ..side(System::Raw, path)
            },
        ));
    }
    // The floor of the big echo_bytes rows: the payload copied through shared
    // memory and nothing else.
    for size in [64 << 10, 1 << 20] {
        rows.push(big_payload(one(
            "raw_spin",
            Side {
                raw: Some(RawKind::Spin),
                size,
                ..side(System::Raw, "raw.page")
            },
        )));
    }
    let ours = |mode, call| Side {
        mode: Some(mode),
        call: Some(call),
        ..side(System::Ours, "echo.sock")
    };
    for mode in [Mode::ShmSpin, Mode::ShmBlock, Mode::Socket] {
        rows.push(one("echo_int", ours(mode, Call::EchoInt)));
    }
    for size in [0, 64, 4 << 10, 64 << 10, 1 << 20, 16 << 20] {
        rows.push(big_payload(one(
            "echo_bytes",
            Side {
                size,
                ..ours(Mode::ShmSpin, Call::EchoBytes)
            },
        )));
    }
    let mut oneway = one("oneway", ours(Mode::ShmSpin, Call::Oneway));
    oneway.note = "latency = time to send; calls/s until all delivered".to_owned();
    rows.push(oneway);
    for clients in [1, 2, 4, 8] {
        rows.push(Plan {
            bench: "concurrent".to_owned(),
            side: ours(Mode::ShmSpin, Call::EchoInt),
            clients,
            note: format!("{clients} x {iters} calls, all clients on one CPU"),
        });
    }
    for size in [4, 4 << 10] {
        rows.push(one(
            &format!("peer_{}", peer::NAME),
            Side {
                size,
                ..side(System::Peer, "peer.sock")
            },
        ));
    }
    if pin {
        for row in &mut rows {
            row.side.cpu = Some(CLIENT_CPU);
        }
    }
    rows
}

fn args(role: &str, side: &Side, cpu: Option<usize>) -> Vec<String> {
    let mut a = vec![
        role.to_owned(),
        "--system".to_owned(),
        value(side.system),
        "--path".to_owned(),
        side.path.display().to_string(),
        "--size".to_owned(),
        side.size.to_string(),
        "--warmup".to_owned(),
        side.warmup.to_string(),
        "--iters".to_owned(),
        side.iters.to_string(),
    ];
    if let Some(raw) = side.raw {
        a.extend(["--raw".to_owned(), value(raw)]);
    }
    if let Some(mode) = side.mode {
        a.extend(["--mode".to_owned(), value(mode)]);
    }
    if let Some(call) = side.call {
        a.extend(["--call".to_owned(), value(call)]);
    }
    if let Some(cpu) = cpu {
        a.extend(["--cpu".to_owned(), cpu.to_string()]);
    }
    a
}

fn value(v: impl ValueEnum) -> String {
    v.to_possible_value()
        .expect("no skipped values")
        .get_name()
        .to_owned()
}

/// Runs one row: a fresh server, then its clients, warmed up and started together.
fn run_row(plan: &Plan, dir: &std::path::Path) -> Result<Row> {
    let mut side = plan.side.clone();
    side.path = dir.join(&side.path);
    let _ = std::fs::remove_file(&side.path);
    let server_cpu = side.cpu.map(|_| SERVER_CPU);
    let mut server = ChildProc::spawn("server", &args("__server", &side, server_cpu))?;
    server.ready(SERVER_START)?;
    let mut clients = (0..plan.clients)
        .map(|i| ChildProc::spawn(&format!("client {i}"), &args("__client", &side, side.cpu)))
        .collect::<Result<Vec<_>>>()?;
    for c in &mut clients {
        c.ready(CLIENT_RUN)?;
    }
    for c in &mut clients {
        c.go()?;
    }
    let mut total: Option<Measurement> = None;
    for c in &mut clients {
        let m = Measurement::from_line(&c.line(CLIENT_RUN)?)?;
        total = Some(match total {
            None => m,
            Some(mut t) => {
                t.hist.add(&m.hist)?;
                t.calls += m.calls;
                t.elapsed_ns = t.elapsed_ns.max(m.elapsed_ns);
                t
            }
        });
    }
    drop(clients);
    drop(server);
    Ok(Row {
        bench: plan.bench.clone(),
        mode: plan.side.mode.map(Mode::name),
        size: plan.side.size,
        clients: plan.clients,
        cpus: if side.cpu.is_some() { "0/1" } else { "any/any" },
        m: total.context("no clients")?,
        note: plan.note.clone(),
    })
}

fn memcpy(cpu: Option<usize>) -> Result<(f64, f64)> {
    let mut a = vec!["__memcpy".to_owned()];
    if let Some(cpu) = cpu {
        a.extend(["--cpu".to_owned(), cpu.to_string()]);
    }
    let mut child = ChildProc::spawn("memcpy", &a)?;
    let line = child.line(Duration::from_secs(60))?;
    let (small, big) = line.split_once(' ').context("memcpy answer")?;
    Ok((small.parse()?, big.parse()?))
}

fn run_parent(cli: &Cli) -> Result<()> {
    let pin = !cli.no_pin;
    if pin && std::thread::available_parallelism().map_or(1, |n| n.get()) <= SERVER_CPU {
        bail!("pinning needs CPUs {CLIENT_CPU} and {SERVER_CPU}; use --no-pin");
    }
    let iters = cli.iters.unwrap_or(if cli.quick { 5_000 } else { 20_000 });
    let rows: Vec<Plan> = plan(iters, pin)
        .into_iter()
        .filter(|p| cli.only.is_empty() || cli.only.iter().any(|o| p.label().contains(o.as_str())))
        .collect();
    let dir = tempfile::Builder::new().prefix("ipc-bench").tempdir()?;
    let placement = if pin {
        format!("client CPU {CLIENT_CPU}, server CPU {SERVER_CPU}")
    } else {
        "unpinned".to_owned()
    };
    let load_before = machine::load();
    let (memcpy_1m, memcpy_64m) = memcpy(pin.then_some(CLIENT_CPU))?;
    if !cli.json {
        let config = ipc_core::runtime::Config::default();
        println!("ipc-bench: {}", machine::cpu_model());
        println!(
            "kernel {}, {} CPUs, load average {load_before} at start",
            machine::kernel(),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!(
            "placement: {placement}; {iters} measured calls per row after {} warm-up (fewer where noted)",
            iters / 10
        );
        println!(
            "runtime defaults: spin {:?} (shm_spin), ring {} per direction; shm_block = spin 0",
            config.spin,
            report::size_label(config.ring_size)
        );
        println!(
            "memcpy, one core: {:.2} GB/s (1 MiB buffers), {:.2} GB/s (64 MiB buffers)",
            memcpy_1m / 1e9,
            memcpy_64m / 1e9
        );
        println!();
    }
    let mut done = Vec::new();
    for plan in &rows {
        let row = run_row(plan, dir.path()).with_context(|| format!("row {}", plan.label()))?;
        if cli.json {
            println!("{}", row.json());
        } else {
            eprintln!("  done: {}", plan.label());
        }
        done.push(row);
    }
    if !cli.json {
        print!("{}", report::table(&done));
        println!();
        println!("load average {} at end", machine::load());
        println!("goals (issue 5), memcpy = 1 MiB buffers on one core:");
        for g in report::goals(&done, Some(memcpy_1m)) {
            println!("  {g}");
        }
    }
    Ok(())
}
