//! The `app editor` and `app viewer` roles: processes that find the services by
//! name, call them, subscribe to the clock, and talk to each other.
//!
//! An app reads commands on stdin: `round N` does round N of its work, `call-dead`
//! calls the store instance that died last, `quit` (or the end of input)
//! unsubscribes, prints its latency figures and exits.

use std::fs::File;
use std::io::{BufRead, Write};
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use examples::aidl::example::app::IClock::IClock;
use examples::aidl::example::app::IClockListener::{BnClockListener, IClockListener};
use examples::aidl::example::app::IDocument::{BnDocument, IDocument};
use examples::aidl::example::app::IEditor::{BnEditor, IEditor};
use examples::aidl::example::app::IKeyValueStore::IKeyValueStore;
use examples::launch::DEFAULT_DEADLINE;
use ipc_core::binder::DeathRecipient;
use ipc_core::service_manager::{self, Registration};
use ipc_core::{
    BinderResult, ExceptionCode, FromIBinder, Interface, ParcelFileDescriptor, SpIBinder, Status,
    Strong,
};
use nix::sys::memfd::{MFdFlags, memfd_create};
use parking_lot::{Condvar, Mutex};

use crate::stats::Latencies;
use crate::{clock, kvstore};

pub(crate) const EDITOR_NAME: &str = "app.editor";
/// Notes the editor writes per round.
const NOTES: usize = 5;
/// Extra calls per round, for the latency summary.
const CALLS: usize = 100;
/// Clock ticks every app waits for in each round.
const TICKS_PER_ROUND: i64 = 3;

// ---- following a service across restarts -------------------------------------

/// A service found by name and kept current: every registration of the name
/// (reported by the service manager) installs the new instance, and the death
/// notification of an instance clears it, so callers wait for the next one.
struct Tracked<I: FromIBinder + ?Sized> {
    name: &'static str,
    state: Mutex<TrackedState<I>>,
    changed: Condvar,
    registration: Mutex<Option<Registration>>,
}

struct TrackedState<I: ?Sized> {
    current: Option<Strong<I>>,
    /// The instance whose death was reported last, kept to show what calling it does.
    dead: Option<Strong<I>>,
    /// How many instances were installed; a death notice names the one it is about.
    generation: u64,
}

impl<I: FromIBinder + ?Sized> Tracked<I> {
    fn new(name: &'static str) -> anyhow::Result<Arc<Tracked<I>>> {
        let tracked = Arc::new(Tracked {
            name,
            state: Mutex::new(TrackedState {
                current: None,
                dead: None,
                generation: 0,
            }),
            changed: Condvar::new(),
            registration: Mutex::new(None),
        });
        let weak = Arc::downgrade(&tracked);
        let registration = service_manager::register_for_notifications(name, move |_, binder| {
            if let Some(tracked) = weak.upgrade() {
                tracked.install(binder);
            }
        })?;
        *tracked.registration.lock() = Some(registration);
        Ok(tracked)
    }

    fn install(self: &Arc<Self>, binder: &SpIBinder) {
        let service = match binder.clone().into_interface::<I>() {
            Ok(service) => service,
            Err(e) => return println!("{} was registered but cannot be used: {e}", self.name),
        };
        let mut state = self.state.lock();
        // The same registration can be announced twice (the replay of what was
        // registered before we asked, and the daemon's own call): keep the first.
        if state
            .current
            .as_ref()
            .is_some_and(|c| c.as_binder() == *binder)
        {
            return;
        }
        let generation = state.generation + 1;
        let weak: Weak<Self> = Arc::downgrade(self);
        let on_death = DeathRecipient::new(move || {
            if let Some(tracked) = weak.upgrade() {
                tracked.died(generation);
            }
        });
        if binder.link_to_death(&on_death).is_err() {
            return; // Dead already (a late announcement): a newer registration will come.
        }
        state.generation = generation;
        state.current = Some(service);
        if generation == 1 {
            println!("found {} through the service manager", self.name);
        } else {
            println!(
                "reconnected: {} is back (a new process), announced by the service manager",
                self.name
            );
        }
        self.changed.notify_all();
    }

    fn died(&self, generation: u64) {
        // Record the death before saying so: the launcher acts on the line (it asks
        // for `call-dead`), and the dead instance must be there by then.
        {
            let mut state = self.state.lock();
            if state.generation == generation {
                state.dead = state.current.take();
            }
        }
        println!("death notification: {} died", self.name);
    }

    /// The instance that died last, if any.
    fn dead(&self) -> Option<Strong<I>> {
        self.state.lock().dead.clone()
    }

    /// The current instance, waiting for one if there is none right now.
    fn get(&self) -> anyhow::Result<Strong<I>> {
        let deadline = Instant::now() + DEFAULT_DEADLINE;
        let mut state = self.state.lock();
        loop {
            if let Some(service) = &state.current {
                return Ok(service.clone());
            }
            if self.changed.wait_until(&mut state, deadline).timed_out() {
                bail!("{} did not come back", self.name);
            }
        }
    }
}

impl<I: FromIBinder + ?Sized> Drop for Tracked<I> {
    fn drop(&mut self) {
        self.registration.lock().take();
    }
}

// ---- clock ticks -------------------------------------------------------------

#[derive(Default)]
struct Ticks {
    count: Mutex<i64>,
    arrived: Condvar,
}

impl Ticks {
    fn wait_for(&self, at_least: i64) -> anyhow::Result<i64> {
        let deadline = Instant::now() + DEFAULT_DEADLINE;
        let mut count = self.count.lock();
        while *count < at_least {
            if self.arrived.wait_until(&mut count, deadline).timed_out() {
                bail!("only {} clock ticks arrived", *count);
            }
        }
        Ok(*count)
    }
}

/// The app's clock listener: called (oneway) by `app.clock` on the thread pool.
struct TickListener(Arc<Ticks>);

impl Interface for TickListener {}

impl IClockListener for TickListener {
    fn onTick(&self, seq: i64, _unix_millis: i64) -> BinderResult<()> {
        let mut count = self.0.count.lock();
        *count += 1;
        if *count == 1 {
            println!("first tick from {} (seq {seq})", clock::NAME);
        }
        self.0.arrived.notify_all();
        Ok(())
    }
}

// ---- what both apps share ----------------------------------------------------

struct App {
    kv: Arc<Tracked<dyn IKeyValueStore>>,
    clock: Strong<dyn IClock>,
    ticks: Arc<Ticks>,
    listener: Strong<dyn IClockListener>,
    stats: Arc<Latencies>,
}

impl App {
    fn start(period: Duration) -> anyhow::Result<App> {
        // Callbacks, notifications and calls from other apps run on the pool.
        ipc_core::start_thread_pool();
        let kv = Tracked::new(kvstore::NAME)?;
        kv.get()?;
        let clock: Strong<dyn IClock> = service_manager::wait_for_service(clock::NAME)?;
        println!("found {} through the service manager", clock::NAME);
        let ticks = Arc::new(Ticks::default());
        let listener = BnClockListener::new_binder(TickListener(ticks.clone()));
        clock.subscribe(&listener, period.as_millis() as i32)?;
        println!("-> clock.subscribe(its listener object, every {period:?})");
        Ok(App {
            kv,
            clock,
            ticks,
            listener,
            stats: Arc::default(),
        })
    }

    /// Waits for a few more clock ticks.
    fn wait_ticks(&self) -> anyhow::Result<i64> {
        let now = *self.ticks.count.lock();
        self.ticks.wait_for(now + TICKS_PER_ROUND)
    }

    /// Calls for the latency summary.
    fn measure(&self, kv: &Strong<dyn IKeyValueStore>, who: &str) -> anyhow::Result<()> {
        for i in 0..CALLS {
            self.stats.time("kvstore.put", || {
                kv.put(&format!("counter/{who}"), &i.to_string())
            })?;
            self.stats.time("kvstore.get", || kv.get("note/1-1"))?;
            self.stats
                .time("clock.nowMillis", || self.clock.nowMillis())?;
        }
        Ok(())
    }

    /// Calls the store instance that died: the call fails at once with DEAD_OBJECT,
    /// it does not hang.
    fn call_dead_store(&self) -> anyhow::Result<()> {
        let dead = self.kv.dead().context("no store instance has died")?;
        let started = Instant::now();
        match dead.get("note/1-1") {
            Ok(value) => bail!("the dead store answered {value:?}"),
            Err(e) => println!(
                "-> kvstore.get on the instance that died fails at once: {e} (after {:.0?})",
                started.elapsed()
            ),
        }
        Ok(())
    }

    fn finish(self) -> anyhow::Result<()> {
        self.clock.unsubscribe(&self.listener)?;
        let ticks = *self.ticks.count.lock();
        println!("-> clock.unsubscribe; {ticks} ticks received in all");
        self.stats.print();
        Ok(())
    }
}

/// Runs `round` for every `round N` line on stdin until `quit` or the end of input;
/// `call-dead` calls the store instance that died last.
fn command_loop(
    app: &App,
    mut round: impl FnMut(usize) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    println!("ready; commands on stdin: `round N`, `call-dead`, `quit`");
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        match line.split_whitespace().collect::<Vec<_>>()[..] {
            ["round", n] => {
                let n = n.parse().context("round N")?;
                round(n)?;
                println!("round {n} done");
            }
            ["call-dead"] => app.call_dead_store()?,
            ["quit"] => break,
            [] => {}
            _ => println!("unknown command {line:?}"),
        }
    }
    Ok(())
}

// ---- the editor ----------------------------------------------------------------

fn note(round: usize, i: usize) -> (String, String) {
    (
        format!("note/{round}-{i}"),
        format!("note {i} of round {round}"),
    )
}

/// What the editor publishes as `app.editor`.
struct Editor {
    kv: Arc<Tracked<dyn IKeyValueStore>>,
}

impl Interface for Editor {}

impl IEditor for Editor {
    fn open(
        &self,
        doc: &Strong<dyn IDocument>,
        contents: &ParcelFileDescriptor,
    ) -> BinderResult<i64> {
        let failed = |e: anyhow::Error| {
            Status::new_exception(ExceptionCode::ILLEGAL_STATE, Some(&format!("{e:#}")))
        };
        // A call back into the app that called us, on the object it passed.
        let title = doc.title()?;
        // The descriptor's file offset is shared with the sender: read by position.
        let file = File::from(contents.try_clone()?.into_inner());
        let len = file.metadata().map_err(|e| failed(e.into()))?.len() as usize;
        let mut text = vec![0; len];
        file.read_exact_at(&mut text, 0)
            .map_err(|e| failed(e.into()))?;
        let text = String::from_utf8_lossy(&text);
        let first_line = text.lines().next().unwrap_or_default();
        doc.markRead("editor")?;
        let key = format!("doc/{}", title.replace(['\t', '\n'], " "));
        self.kv.get().map_err(failed)?.put(&key, first_line)?;
        println!(
            "pid {} shared document {title:?}: read {len} bytes through its fd, \
             called doc.title() and doc.markRead() back in that app, saved {key:?} in {}",
            ipc_core::calling_pid(),
            kvstore::NAME
        );
        Ok(len as i64)
    }
}

pub(crate) fn editor() -> anyhow::Result<()> {
    let app = App::start(Duration::from_millis(10))?;
    let editor = BnEditor::new_binder(Editor { kv: app.kv.clone() });
    service_manager::add_service(EDITOR_NAME, &editor.as_binder())?;
    println!("registered as {EDITOR_NAME:?} for other apps");
    command_loop(&app, |n| {
        let kv = app.kv.get()?;
        // Everything written in earlier rounds must still be there, restarts or not.
        let earlier: Vec<_> = (1..n)
            .flat_map(|r| (1..=NOTES).map(move |i| note(r, i)))
            .collect();
        for (key, value) in &earlier {
            let found = app.stats.time("kvstore.get", || kv.get(key))?;
            if found.as_deref() != Some(value.as_str()) {
                bail!("{key} is {found:?}, expected {value:?}");
            }
        }
        if !earlier.is_empty() {
            println!(
                "-> kvstore.get x{0}: all {0} notes of earlier rounds are still there",
                earlier.len()
            );
        }
        for i in 1..=NOTES {
            let (key, value) = note(n, i);
            app.stats.time("kvstore.put", || kv.put(&key, &value))?;
        }
        println!("-> kvstore.put x{NOTES}: note/{n}-1 .. note/{n}-{NOTES}");
        app.measure(&kv, "editor")?;
        let ticks = app.wait_ticks()?;
        println!("{ticks} clock ticks so far");
        Ok(())
    })?;
    app.finish()
}

// ---- the viewer ----------------------------------------------------------------

/// A document the viewer shares: its own object, which the editor calls back.
struct Document {
    title: String,
    readers: Arc<Mutex<Vec<String>>>,
}

impl Interface for Document {}

impl IDocument for Document {
    fn title(&self) -> BinderResult<String> {
        Ok(self.title.clone())
    }

    fn markRead(&self, reader: &str) -> BinderResult<()> {
        self.readers.lock().push(reader.to_owned());
        Ok(())
    }
}

/// A memfd holding `text` (the editor reads it through the descriptor).
fn text_file(text: &str) -> anyhow::Result<ParcelFileDescriptor> {
    let mut file = File::from(memfd_create("document", MFdFlags::MFD_CLOEXEC)?);
    file.write_all(text.as_bytes())?;
    Ok(ParcelFileDescriptor::new(file))
}

pub(crate) fn viewer() -> anyhow::Result<()> {
    let app = App::start(Duration::from_millis(15))?;
    let editor: Strong<dyn IEditor> = service_manager::wait_for_service(EDITOR_NAME)?;
    println!("found {EDITOR_NAME} through the service manager");
    command_loop(&app, |n| {
        let kv = app.kv.get()?;
        let keys = app.stats.time("kvstore.keys", || kv.keys("note/"))?;
        for key in &keys {
            app.stats.time("kvstore.get", || kv.get(key))?;
        }
        println!(
            "-> kvstore.keys(\"note/\") and kvstore.get x{}: reads {} notes",
            keys.len(),
            keys.len()
        );

        let title = format!("reading list {n}");
        let text = format!("{title}\n").repeat(200);
        let readers = Arc::new(Mutex::new(Vec::new()));
        let doc = BnDocument::new_binder(Document {
            title: title.clone(),
            readers: readers.clone(),
        });
        println!(
            "-> editor.open(its IDocument object, a memfd of {} bytes)",
            text.len()
        );
        let contents = text_file(&text)?;
        let read = app
            .stats
            .time("editor.open", || editor.open(&doc, &contents))?;
        let readers = readers.lock().clone();
        if read as usize != text.len() || readers != ["editor"] {
            return Err(anyhow!("the editor read {read} bytes, readers {readers:?}"));
        }
        println!("<- editor read all {read} bytes and marked {title:?} read");
        app.measure(&kv, "viewer")?;
        let ticks = app.wait_ticks()?;
        println!("{ticks} clock ticks so far");
        Ok(())
    })?;
    app.finish()
}
