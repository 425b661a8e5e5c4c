//! The soak: 8 client processes against one server for 10 minutes (or
//! `REL_SOAK_SECS`), each making random calls (plain, arrays, big byte arrays,
//! callbacks into the client, new objects passed back, its own object echoed home,
//! oneway calls, descriptors) and checking every answer, while one client is killed
//! with SIGKILL and replaced every `REL_SOAK_KILL_MS` (default 5 s). At the end
//! every surviving client has seen all its oneway calls arrive, no successful call
//! returned a wrong result, the server holds no object beyond its root (every
//! reference of a killed client was released) and its descriptors, threads and RSS
//! are back near their baseline.
//!
//! Ignored by default. Run it with:
//!
//! ```text
//! cargo test -p integration-tests --test reliability_soak -- --ignored --nocapture
//! REL_SOAK_SECS=60 cargo test -p integration-tests --test reliability_soak -- --ignored --nocapture
//! ```

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use integration_tests::reliability::soak::{Rng, now_ms};
use integration_tests::reliability::{
    LIVE_OBJECTS, Server, Watchdog, add_one, query, wait_settled, warm_pool,
};

#[test]
fn child_main() {
    integration_tests::sm::child_main();
    integration_tests::reliability::child_main();
}

const CLIENTS: usize = 8;

/// Figures a client reported.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    ok: u64,
    wrong: u64,
    failed: u64,
}

fn parse(line: &str) -> Option<Tally> {
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|v| v.parse().ok())
    };
    Some(Tally {
        ok: field("ok=")?,
        wrong: field("wrong=")?,
        failed: field("failed=")?,
    })
}

/// One client process and what it reported last.
struct Client {
    child: Child,
    slot: usize,
    done: bool,
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum Event {
    Progress(u64, Tally),
    Done(usize, u64, Tally),
    Wrong(usize, String),
}

fn spawn_client(
    server: &Server,
    slot: usize,
    seed: u64,
    until: u64,
    events: &mpsc::Sender<Event>,
) -> Client {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_main", "--nocapture", "--test-threads=1"])
        .env("REL_ROLE", "soak_client")
        .env("REL_SOCKET", &server.path)
        .env("REL_SEED", seed.to_string())
        .env("REL_UNTIL_MS", until.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let events = events.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { return };
            let event = if line.starts_with("progress") {
                parse(&line).map(|t| Event::Progress(seed, t))
            } else if line.starts_with("done") {
                parse(&line).map(|t| Event::Done(slot, seed, t))
            } else if line.starts_with("WRONG") || line.starts_with("FAILED") {
                Some(Event::Wrong(slot, line))
            } else {
                None
            };
            if let Some(event) = event
                && events.send(event).is_err()
            {
                return;
            }
        }
    });
    Client {
        child,
        slot,
        done: false,
    }
}

#[test]
#[ignore = "a 10-minute soak; see the module doc for the command"]
fn eight_clients_for_ten_minutes_with_kills() {
    let secs: u64 = std::env::var("REL_SOAK_SECS").map_or(600, |s| s.parse().unwrap());
    let kill_every = Duration::from_millis(
        std::env::var("REL_SOAK_KILL_MS").map_or(5000, |s| s.parse().unwrap()),
    );
    let _w = Watchdog::new("soak", secs + 180);
    let server = Server::start("soak", &[("REL_THREADS", "8")]);
    let root = ipc_core::connect(&server.path).unwrap();
    warm_pool(&root, 9);
    let baseline = server.stats();
    eprintln!(
        "soak: {CLIENTS} clients, {secs} s, one killed every {kill_every:?}; server baseline {baseline}"
    );
    let until = now_ms() + secs * 1000;
    let started = Instant::now();
    let (tx, events) = mpsc::channel();
    let mut rng = Rng(0x50a4_50a4_50a4_50a5);
    let mut clients: Vec<Client> = (0..CLIENTS)
        .map(|slot| spawn_client(&server, slot, rng.next_u64(), until, &tx))
        .collect();
    // Totals: finished clients, plus the last progress line of every killed one.
    let mut last: std::collections::HashMap<u64, Tally> = std::collections::HashMap::new();
    let mut finished = Tally::default();
    let mut wrong_lines = Vec::new();
    let mut kills = 0;
    let mut next_kill = Instant::now() + kill_every;
    let mut deadline_passed = false;
    loop {
        while let Ok(event) = events.try_recv() {
            match event {
                Event::Progress(seed, t) => {
                    last.insert(seed, t);
                }
                Event::Done(slot, seed, t) => {
                    last.remove(&seed);
                    finished.ok += t.ok;
                    finished.wrong += t.wrong;
                    finished.failed += t.failed;
                    if let Some(c) = clients.iter_mut().find(|c| c.slot == slot) {
                        c.done = true;
                    }
                }
                Event::Wrong(slot, line) => wrong_lines.push(format!("client {slot}: {line}")),
            }
        }
        if now_ms() >= until {
            deadline_passed = true;
        }
        if deadline_passed && clients.iter().all(|c| c.done) {
            break;
        }
        if !deadline_passed && Instant::now() >= next_kill {
            // SIGKILL a random client mid-whatever and start a fresh one in its slot.
            let victim = rng.below(CLIENTS as u64) as usize;
            let slot = clients[victim].slot;
            let _ = clients[victim].child.kill();
            let _ = clients[victim].child.wait();
            clients[victim] = spawn_client(&server, slot, rng.next_u64(), until, &tx);
            kills += 1;
            next_kill += kill_every;
        }
        // The server keeps answering the test process too.
        assert_eq!(add_one(&root, 7), Ok(8), "the server stopped answering");
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            started.elapsed() < Duration::from_secs(secs + 120),
            "clients did not finish"
        );
    }
    let killed: Tally = last.values().fold(Tally::default(), |a, t| Tally {
        ok: a.ok + t.ok,
        wrong: a.wrong + t.wrong,
        failed: a.failed + t.failed,
    });
    drop(clients);
    // Every object the killed clients held is released; only the root is left.
    let mut live = Ok(0);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        live = query(&root, LIVE_OBJECTS);
        if live == Ok(1) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "soak: {} s, {kills} clients killed; finished clients: {} ok, {} wrong, {} failed; \
         killed clients (up to their last report): {} ok, {} wrong, {} failed; \
         server objects alive at the end: {live:?} (1 = only the root); server now {}",
        started.elapsed().as_secs(),
        finished.ok,
        finished.wrong,
        finished.failed,
        killed.ok,
        killed.wrong,
        killed.failed,
        server.stats()
    );
    assert_eq!(
        live,
        Ok(1),
        "the server still holds objects of clients that are gone"
    );
    let settled = wait_settled(server.pid(), baseline, 60);
    eprintln!("soak: server {settled} (baseline {baseline})");
    assert!(
        wrong_lines.is_empty(),
        "wrong or failed calls:\n{}",
        wrong_lines.join("\n")
    );
    assert_eq!(finished.wrong + killed.wrong, 0);
    assert_eq!(
        finished.failed + killed.failed,
        0,
        "calls of live clients to a live server never fail"
    );
    assert!(finished.ok > 0);
}
