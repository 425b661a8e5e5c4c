//! Callbacks: a client hands the server a listener object; the server calls it back
//! (oneway) from a thread of its own; the client unregisters. A second client exits
//! without unregistering: the server hears of its death and drops its listener.
//!
//! ```text
//! cargo run -p examples --bin callbacks                   # everything
//! cargo run -p examples --bin callbacks -- server         # by hand, with a servicemanager running
//! cargo run -p examples --bin callbacks -- client [TICKS] # unregisters after TICKS ticks
//! cargo run -p examples --bin callbacks -- client --vanish [TICKS] # exits without unregistering
//! ```

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use examples::aidl::example::callbacks::ITickListener::{BnTickListener, ITickListener};
use examples::aidl::example::callbacks::ITicker::{BnTicker, ITicker};
use examples::launch::{DEFAULT_DEADLINE, Launcher};
use ipc_core::binder::DeathRecipient;
use ipc_core::service_manager;
use ipc_core::{BinderResult, Interface, Strong};
use parking_lot::{Condvar, Mutex};

const SERVICE_NAME: &str = "example.ticker";
const TICK_PERIOD: Duration = Duration::from_millis(20);

// ---- the server ----------------------------------------------------------------

/// A registered listener, and the death recipient linked to its process.
struct Registered {
    listener: Strong<dyn ITickListener>,
    pid: i32,
    on_death: DeathRecipient,
}

#[derive(Default)]
struct Ticker {
    listeners: Arc<Mutex<Vec<Registered>>>,
}

impl Interface for Ticker {}

impl ITicker for Ticker {
    fn registerListener(&self, listener: &Strong<dyn ITickListener>) -> BinderResult<()> {
        let pid = ipc_core::calling_pid();
        // When the client's process dies, drop its listener: nobody will unregister it.
        let on_death = {
            let listeners = Arc::downgrade(&self.listeners);
            let binder = listener.as_binder();
            DeathRecipient::new(move || {
                let Some(listeners) = listeners.upgrade() else {
                    return;
                };
                let mut listeners = listeners.lock();
                listeners.retain(|r| r.listener.as_binder() != binder);
                println!(
                    "server: the process of pid {pid} died; dropped its listener ({} left)",
                    listeners.len()
                );
            })
        };
        listener.as_binder().link_to_death(&on_death)?;
        let mut listeners = self.listeners.lock();
        listeners.push(Registered {
            listener: listener.clone(),
            pid,
            on_death,
        });
        println!(
            "server: pid {pid} registered a listener ({} now)",
            listeners.len()
        );
        Ok(())
    }

    fn unregisterListener(&self, listener: &Strong<dyn ITickListener>) -> BinderResult<()> {
        let mut listeners = self.listeners.lock();
        if let Some(at) = listeners.iter().position(|r| &r.listener == listener) {
            let gone = listeners.remove(at);
            let _ = gone.listener.as_binder().unlink_to_death(&gone.on_death);
            println!(
                "server: pid {} unregistered its listener ({} left)",
                gone.pid,
                listeners.len()
            );
        }
        Ok(())
    }

    fn listenerCount(&self) -> BinderResult<i32> {
        Ok(self.listeners.lock().len() as i32)
    }
}

fn server() -> anyhow::Result<()> {
    let ticker = Ticker::default();
    let listeners = ticker.listeners.clone();
    service_manager::add_service(SERVICE_NAME, &BnTicker::new_binder(ticker).as_binder())?;
    println!("server: registered {SERVICE_NAME:?}, ticking every {TICK_PERIOD:?}");
    // The server's own thread calls every listener; oneway calls do not wait for
    // the client, so a slow client cannot stall the others.
    for seq in 1.. {
        std::thread::sleep(TICK_PERIOD);
        let targets: Vec<_> = listeners
            .lock()
            .iter()
            .map(|r| r.listener.clone())
            .collect();
        for listener in targets {
            // A listener whose process just died fails here; its death recipient
            // removes it.
            let _ = listener.onTick(seq);
        }
    }
    Ok(())
}

// ---- the client ----------------------------------------------------------------

/// The client's listener: records ticks and wakes `client` when one arrives.
struct Listener {
    ticks: Arc<(Mutex<Vec<i32>>, Condvar)>,
}

impl Interface for Listener {}

impl ITickListener for Listener {
    fn onTick(&self, seq: i32) -> BinderResult<()> {
        let (ticks, arrived) = &*self.ticks;
        ticks.lock().push(seq);
        arrived.notify_all();
        Ok(())
    }
}

fn client(ticks: usize, vanish: bool) -> anyhow::Result<()> {
    // Callbacks arrive on the thread pool.
    ipc_core::start_thread_pool();
    let ticker: Strong<dyn ITicker> = service_manager::wait_for_service(SERVICE_NAME)?;
    let received = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
    let listener = BnTickListener::new_binder(Listener {
        ticks: received.clone(),
    });
    ticker.registerListener(&listener)?;
    println!("client {}: registered a listener", std::process::id());

    let (seen, arrived) = &*received;
    let mut seen = seen.lock();
    while seen.len() < ticks {
        if arrived.wait_for(&mut seen, DEFAULT_DEADLINE).timed_out() {
            bail!("only {} ticks arrived", seen.len());
        }
    }
    println!(
        "client {}: got ticks {:?}",
        std::process::id(),
        &seen[..ticks]
    );
    drop(seen);

    if vanish {
        println!(
            "client {}: exiting without unregistering",
            std::process::id()
        );
        // Skip every destructor: as if the process crashed.
        std::process::exit(0);
    }
    ticker.unregisterListener(&listener)?;
    println!(
        "client {}: unregistered; the server now has {} listener(s)",
        std::process::id(),
        ticker.listenerCount()?
    );
    Ok(())
}

// ---- one command for all -----------------------------------------------------

fn run_all() -> anyhow::Result<()> {
    let mut launcher = Launcher::start()?;
    let server = launcher.spawn("ticker server", &["server"])?;
    launcher.expect(server, "ticking every", DEFAULT_DEADLINE)?;

    let polite = launcher.spawn("client 1", &["client", "5"])?;
    launcher.wait_success(polite, DEFAULT_DEADLINE)?;
    launcher.expect(
        server,
        "unregistered its listener (0 left)",
        DEFAULT_DEADLINE,
    )?;

    let vanishing = launcher.spawn("client 2", &["client", "--vanish", "5"])?;
    launcher.wait_success(vanishing, DEFAULT_DEADLINE)?;
    launcher.expect(server, "dropped its listener (0 left)", DEFAULT_DEADLINE)?;

    launcher.shutdown()?;
    Ok(())
}

fn main() -> std::process::ExitCode {
    examples::init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None => run_all(),
        Some("server") => server(),
        Some("client") => {
            let vanish = args.iter().any(|a| a == "--vanish");
            let ticks = args[1..]
                .iter()
                .find(|a| *a != "--vanish")
                .map_or(Ok(5), |n| n.parse().context("TICKS must be a number"));
            ticks.and_then(|ticks| client(ticks, vanish))
        }
        Some("servicemanager") => return examples::launch::servicemanager_role(&args[1..]),
        Some(other) => Err(anyhow::anyhow!(
            "unknown role {other:?}: use `server`, `client [--vanish] [TICKS]`, or nothing"
        )),
    };
    examples::exit(result)
}
