//! The demo: a small multi-process application framework.
//!
//! A launcher (Android's system server, in miniature) starts a private service
//! manager when none is running, two services and two apps, each a process of its
//! own:
//!
//! * `kvstore` publishes `app.kvstore` (`IKeyValueStore`), which saves every write to
//!   a file before it answers;
//! * `clock` publishes `app.clock` (`IClock`) and pushes oneway ticks to subscribers;
//! * `app editor` finds both by name, subscribes to the clock, writes notes, and
//!   publishes `app.editor` (`IEditor`) for other apps;
//! * `app viewer` reads the notes and shares documents with the editor: its own
//!   binder object (`IDocument`, which the editor calls back) and a file descriptor.
//!
//! Mid-run the launcher kills the store with SIGKILL. Both apps get its death
//! notification, and a call to the dead instance fails at once (`DEAD_OBJECT`); the
//! launcher restarts it; the service manager tells the apps about
//! the new instance, they carry on with it, and the editor checks that every note it
//! wrote before the crash is still there. At the end the launcher prints the latency
//! of the calls the apps made and reaps every process.
//!
//! ```text
//! cargo run --release -p examples --bin app-framework      # all of it
//! ```
//!
//! The pieces also run by hand, each in a terminal, with a servicemanager running:
//! `app-framework kvstore DB_FILE`, `app-framework clock`, `app-framework app editor`,
//! `app-framework app viewer` (the apps read `round N`, `call-dead`, `quit` on stdin).

mod app;
mod clock;
mod kvstore;
mod stats;

use std::time::Instant;

use examples::launch::{ChildId, DEFAULT_DEADLINE, Launcher};
use ipc_core::service_manager::ServiceManager;

fn run_all() -> anyhow::Result<()> {
    let started = Instant::now();
    let mut l = Launcher::start()?;
    l.say("each line is one process speaking; `->` marks a call it makes, `<-` an answer");
    let db = l.data_dir().join("kvstore.db");
    let db = db.to_str().expect("temporary paths are UTF-8");

    let kv = l.spawn("kvstore", &["kvstore", db])?;
    l.expect(kv, "registered", DEFAULT_DEADLINE)?;
    let clock = l.spawn("clock", &["clock"])?;
    l.expect(clock, "registered", DEFAULT_DEADLINE)?;
    l.say(&format!(
        "started the services: kvstore (pid {}), clock (pid {})",
        l.pid(kv),
        l.pid(clock)
    ));

    let editor = l.spawn("editor", &["app", "editor"])?;
    l.expect(editor, "ready", DEFAULT_DEADLINE)?;
    let viewer = l.spawn("viewer", &["app", "viewer"])?;
    l.expect(viewer, "ready", DEFAULT_DEADLINE)?;
    l.say(&format!(
        "started the apps: editor (pid {}), viewer (pid {})",
        l.pid(editor),
        l.pid(viewer)
    ));
    let names = ServiceManager::builder()
        .path(l.servicemanager_path())
        .build()
        .list_services()?;
    l.say(&format!("the service manager lists {}", names.join(", ")));

    round(&mut l, 1, &[editor, viewer])?;

    l.say(&format!("kill -9 kvstore (pid {})", l.pid(kv)));
    l.kill(kv)?;
    for app in [editor, viewer] {
        l.expect(app, "death notification", DEFAULT_DEADLINE)?;
    }
    l.send(editor, "call-dead")?;
    l.expect(editor, "on the instance that died", DEFAULT_DEADLINE)?;
    let kv = l.spawn("kvstore", &["kvstore", db])?;
    l.say(&format!("restarted kvstore (pid {})", l.pid(kv)));
    l.expect(kv, "registered", DEFAULT_DEADLINE)?;
    for app in [editor, viewer] {
        l.expect(app, "reconnected", DEFAULT_DEADLINE)?;
    }

    round(&mut l, 2, &[editor, viewer])?;

    l.say("asking the apps to quit");
    for app in [editor, viewer] {
        l.close_stdin(app);
        l.wait_success(app, DEFAULT_DEADLINE)?;
    }
    print_latencies(&l, &[("editor", editor), ("viewer", viewer)]);
    l.say("stopping the services and the service manager");
    l.shutdown()?;
    println!(
        "{:>14} | done in {:.1?}: exit 0",
        "launcher",
        started.elapsed()
    );
    Ok(())
}

/// Round `n`: each app in turn does its work and says when it is done.
fn round(l: &mut Launcher, n: usize, apps: &[ChildId]) -> anyhow::Result<()> {
    l.say(&format!("round {n}"));
    for &app in apps {
        l.send(app, &format!("round {n}"))?;
        l.expect(app, &format!("round {n} done"), DEFAULT_DEADLINE)?;
    }
    Ok(())
}

fn print_latencies(l: &Launcher, apps: &[(&str, ChildId)]) {
    println!();
    println!(
        "Latency of the calls the apps made (wall clock per call, debug or release as built):"
    );
    println!(
        "  {:<8} {:<17} {:>6} {:>10} {:>10} {:>10}",
        "caller", "call", "calls", "p50", "p99", "max"
    );
    for &(name, app) in apps {
        for row in l
            .data_lines(app)
            .iter()
            .filter_map(|s| stats::Row::parse(s))
        {
            println!(
                "  {:<8} {:<17} {:>6} {:>10} {:>10} {:>10}",
                name,
                row.call,
                row.count,
                stats::show(row.p50),
                stats::show(row.p99),
                stats::show(row.max)
            );
        }
    }
    println!();
}

fn main() -> std::process::ExitCode {
    examples::init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match words[..] {
        [] => run_all(),
        ["kvstore", db] => kvstore::run(db.as_ref()),
        ["clock"] => clock::run(),
        ["app", "editor"] => app::editor(),
        ["app", "viewer"] => app::viewer(),
        ["servicemanager", ..] => return examples::launch::servicemanager_role(&args[1..]),
        _ => Err(anyhow::anyhow!(
            "usage: app-framework [kvstore DB_FILE | clock | app editor | app viewer]"
        )),
    };
    examples::exit(result)
}
