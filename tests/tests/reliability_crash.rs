//! The crash matrix: a process killed with SIGKILL at each stage (client during the
//! handshake, mid-call, holding references; server mid-call, mid-oneway; the service
//! manager while others hold its proxy; a registered server). Callers get
//! `DEAD_OBJECT` and never hang, death recipients fire once, references the dead
//! process held are released in the owner, the service manager forgets the dead
//! process's services, and nothing leaks (descriptors and threads read from
//! `/proc/<pid>` of the survivor).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use integration_tests::reliability::{
    CALL_HELD, DROP_HELD, HOLD, Helper, LIVE_OBJECTS, SLEEP, SLEEPING, Server, Watchdog, add_one,
    call_i32, query, sleep_call, wait_settled, wait_until, warm_pool,
};
use integration_tests::sm::Scratch;
use ipc_core::binder::DeathRecipient;
use ipc_core::{FLAG_ONEWAY, Parcel, Remotable, SpIBinder, StatusCode};
use servicemanager::testing::ITestService;

#[test]
fn child_main() {
    integration_tests::sm::child_main();
    integration_tests::reliability::child_main();
}

fn socket(server: &Server) -> String {
    server.path.display().to_string()
}

/// A death recipient that counts.
fn counting_recipient() -> (DeathRecipient, Arc<AtomicUsize>) {
    let deaths = Arc::new(AtomicUsize::new(0));
    let counter = deaths.clone();
    (
        DeathRecipient::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }),
        deaths,
    )
}

/// Waits for exactly one death notification, and checks no second one follows
/// (a later call on the dead proxy would be the trigger for a duplicate).
fn fired_once(deaths: &AtomicUsize, proxy: &SpIBinder) {
    wait_until("the death notification", 20, || {
        deaths.load(Ordering::SeqCst) >= 1
    });
    assert_eq!(add_one(proxy, 1), Err(StatusCode::DEAD_OBJECT));
    assert_eq!(proxy.ping_binder(), Err(StatusCode::DEAD_OBJECT));
    assert_eq!(
        proxy.link_to_death(&DeathRecipient::new(|| {})),
        Err(StatusCode::DEAD_OBJECT),
        "linking to a dead object fails at once"
    );
    assert_eq!(
        deaths.load(Ordering::SeqCst),
        1,
        "death recipients fire once"
    );
}

#[test]
fn client_killed_during_the_handshake() {
    let _w = Watchdog::new("kill-handshake", 120);
    let server = Server::start("kill-handshake", &[]);
    let root = ipc_core::connect(&server.path).unwrap();
    warm_pool(&root, 4);
    let baseline = server.stats();
    for _ in 0..20 {
        let mut client = Helper::start("half_hello", &[("REL_SOCKET", &socket(&server))]);
        client.expect("half sent");
        client.kill9();
    }
    let settled = wait_settled(server.pid(), baseline, 30);
    eprintln!("20 clients killed mid-handshake: server {settled} (baseline {baseline})");
    wait_until("the server to log the failed handshakes", 30, || {
        server.log_text().matches("bad handshake").count() >= 20
    });
    assert_eq!(add_one(&root, 1), Ok(2));
}

#[test]
fn client_killed_mid_call() {
    let _w = Watchdog::new("kill-mid-call", 120);
    let server = Server::start("kill-mid-call", &[]);
    let root = ipc_core::connect(&server.path).unwrap();
    warm_pool(&root, 4);
    let baseline = server.stats();
    for _ in 0..5 {
        let mut client = Helper::start("caller", &[("REL_SOCKET", &socket(&server))]);
        client.expect("connected");
        wait_until("the client's call to run", 20, || {
            query(&root, SLEEPING) == Ok(1)
        });
        client.kill9();
        // The handler finishes its sleep; its reply has nowhere to go.
        wait_until("the call to end", 30, || query(&root, SLEEPING) == Ok(0));
    }
    let settled = wait_settled(server.pid(), baseline, 30);
    eprintln!("5 clients killed mid-call: server {settled} (baseline {baseline})");
    assert_eq!(add_one(&root, 1), Ok(2));
}

#[test]
fn client_killed_holding_references() {
    let _w = Watchdog::new("kill-holder", 120);
    let server = Server::start("kill-holder", &[]);
    let root = ipc_core::connect(&server.path).unwrap();
    warm_pool(&root, 4);
    let baseline = server.stats();
    assert_eq!(query(&root, LIVE_OBJECTS), Ok(1), "only the root lives");
    for _ in 0..10 {
        let mut holder = Helper::start("holder", &[("REL_SOCKET", &socket(&server))]);
        holder.expect("holding");
        assert_eq!(
            query(&root, LIVE_OBJECTS),
            Ok(2),
            "the holder holds one object of ours"
        );
        holder.kill9();
        // The server lets go of the object only the dead client held...
        wait_until("the dead holder's reference to be released", 20, || {
            query(&root, LIVE_OBJECTS) == Ok(1)
        });
        // ...and a call to the dead client's object fails at once.
        assert_eq!(call_i32(&root, CALL_HELD, 1), Err(StatusCode::DEAD_OBJECT));
        root.transact(DROP_HELD, Parcel::new(), 0).unwrap();
    }
    let settled = wait_settled(server.pid(), baseline, 30);
    eprintln!("10 holders killed: server {settled} (baseline {baseline})");
}

/// An object that says when the runtime drops it.
struct Flagged(Arc<AtomicBool>);

impl Remotable for Flagged {
    fn descriptor() -> &'static str {
        "rel.IFlagged"
    }
    fn on_transact(&self, _: u32, _: &mut Parcel, _: &mut Parcel) -> ipc_core::Result<()> {
        Ok(())
    }
}

impl Drop for Flagged {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn server_killed_mid_call() {
    let _w = Watchdog::new("kill-server-mid-call", 120);
    ipc_core::start_thread_pool();
    let mut server = Server::start("kill-server-mid-call", &[]);
    let root = ipc_core::connect(&server.path).unwrap();
    // The server holds an object of ours.
    let dropped = Arc::new(AtomicBool::new(false));
    let mine = SpIBinder::new_local(Flagged(dropped.clone()));
    let mut data = Parcel::new();
    data.write(&mine).unwrap();
    root.transact(HOLD, data, 0).unwrap();
    drop(mine);
    let (recipient, deaths) = counting_recipient();
    root.link_to_death(&recipient).unwrap();
    let blocked: Vec<_> = (0..3)
        .map(|_| {
            let root = root.clone();
            std::thread::spawn(move || sleep_call(&root, 60_000))
        })
        .collect();
    wait_until("the calls to run", 20, || query(&root, SLEEPING) == Ok(3));
    server.kill9();
    for call in blocked {
        assert_eq!(call.join().unwrap(), Err(StatusCode::DEAD_OBJECT));
    }
    fired_once(&deaths, &root);
    wait_until(
        "our object, held by the dead server, to be released",
        20,
        || dropped.load(Ordering::SeqCst),
    );
    let pid = server.pid() as i32;
    wait_until("the connection to the dead server to go", 20, || {
        ipc_core::runtime::connections()
            .iter()
            .all(|c| c.pid != pid)
    });
}

#[test]
fn server_killed_mid_oneway() {
    let _w = Watchdog::new("kill-server-oneway", 120);
    ipc_core::start_thread_pool();
    // A small oneway queue, so the sender is held by back-pressure when the server dies.
    let mut server = Server::start(
        "kill-server-oneway",
        &[("BINDER_IPC_MAX_PENDING_ONEWAY", "4")],
    );
    let root = ipc_core::connect(&server.path).unwrap();
    let (recipient, deaths) = counting_recipient();
    root.link_to_death(&recipient).unwrap();
    let sent = Arc::new(AtomicUsize::new(0));
    let sender = {
        let (root, sent) = (root.clone(), sent.clone());
        std::thread::spawn(move || {
            // Each oneway call sleeps 20 ms in the server: the queue fills, then the
            // connection, then this thread's sends wait.
            loop {
                let mut call = Parcel::new();
                call.write(&20i32).unwrap();
                call.write(&vec![0u8; 16 * 1024]).unwrap();
                match root.transact(SLEEP, call, FLAG_ONEWAY) {
                    Ok(_) => sent.fetch_add(1, Ordering::SeqCst),
                    Err(e) => return e,
                };
            }
        })
    };
    wait_until("the oneway queue to fill", 30, || {
        sent.load(Ordering::SeqCst) >= 20
    });
    server.kill9();
    // The sender is not left hanging: its next (or blocked) send fails.
    assert_eq!(sender.join().unwrap(), StatusCode::DEAD_OBJECT);
    fired_once(&deaths, &root);
    assert_eq!(
        root.transact(SLEEP, Parcel::new(), FLAG_ONEWAY)
            .unwrap_err(),
        StatusCode::DEAD_OBJECT,
        "a oneway call to a dead object fails at once"
    );
    eprintln!(
        "{} oneway calls sent before the server died",
        sent.load(Ordering::SeqCst)
    );
}

#[test]
fn service_manager_killed_while_others_hold_its_proxy() {
    let _w = Watchdog::new("kill-sm", 120);
    ipc_core::start_thread_pool();
    let scratch = Scratch::new("rel-kill-sm");
    let mut daemon = scratch.daemon(&[]);
    let server = scratch.server("rel.kill.sm", false);
    let sm = scratch.client();
    let service = sm.get_service::<dyn ITestService>("rel.kill.sm").unwrap();
    let manager = sm.manager().unwrap().as_binder();
    let (recipient, deaths) = counting_recipient();
    manager.link_to_death(&recipient).unwrap();
    daemon.kill9();
    wait_until("the death of the service manager", 20, || {
        deaths.load(Ordering::SeqCst) >= 1
    });
    assert_eq!(manager.ping_binder(), Err(StatusCode::DEAD_OBJECT));
    assert_eq!(
        deaths.load(Ordering::SeqCst),
        1,
        "death recipients fire once"
    );
    // Lookups fail at once (no daemon at the path)...
    let err = sm.check_binder("rel.kill.sm").unwrap_err();
    assert_eq!(err.transaction_error(), StatusCode::DEAD_OBJECT, "{err}");
    // ...but a service found before goes on working: the daemon is not on the path.
    assert_eq!(service.addOne(41), Ok(42));
    // A new daemon serves the same client again.
    let _daemon = scratch.daemon(&[]);
    assert_eq!(
        sm.check_binder("rel.kill.sm").unwrap(),
        None,
        "the new daemon starts empty"
    );
    drop(server);
}

#[test]
fn registered_server_killed_is_forgotten_by_the_service_manager() {
    let _w = Watchdog::new("kill-registered", 120);
    ipc_core::start_thread_pool();
    let scratch = Scratch::new("rel-kill-registered");
    let daemon = scratch.daemon(&[]);
    let sm = scratch.client();
    assert!(sm.list_services().unwrap().is_empty());
    let round = |round: usize| {
        let mut server = scratch.server("rel.kill.a,rel.kill.b", false);
        let service = sm.get_service::<dyn ITestService>("rel.kill.a").unwrap();
        let (recipient, deaths) = counting_recipient();
        service.as_binder().link_to_death(&recipient).unwrap();
        server.kill9();
        fired_once(&deaths, &service.as_binder());
        assert_eq!(
            service.addOne(1).unwrap_err().transaction_error(),
            StatusCode::DEAD_OBJECT
        );
        wait_until("the service manager to forget both names", 20, || {
            sm.list_services().is_ok_and(|names| names.is_empty())
        });
        assert_eq!(
            sm.check_binder("rel.kill.b").unwrap(),
            None,
            "round {round}"
        );
    };
    // A first round, and the daemon's pool grown to its bound, before the baseline.
    round(0);
    integration_tests::reliability::warm_daemon_pool(&scratch.socket());
    let baseline = integration_tests::reliability::stats(daemon.pid());
    for r in 1..=5 {
        round(r);
    }
    let settled = wait_settled(daemon.pid(), baseline, 30);
    eprintln!("5 registered servers killed: daemon {settled} (baseline {baseline})");
}

/// A client killed while the server is making it an object: the reply that would
/// have carried the object (and counted a reference for the dead client's
/// connection) must not leave the object alive in the server forever.
#[test]
fn client_killed_while_the_server_makes_it_an_object() {
    let _w = Watchdog::new("kill-before-reply", 120);
    let server = Server::start("kill-before-reply", &[]);
    let root = ipc_core::connect(&server.path).unwrap();
    warm_pool(&root, 4);
    assert_eq!(query(&root, LIVE_OBJECTS), Ok(1));
    for round in 0..3 {
        let mut client = Helper::start("slow_object_caller", &[("REL_SOCKET", &socket(&server))]);
        client.expect("connected");
        wait_until("the call to run", 20, || query(&root, SLEEPING) == Ok(1));
        client.kill9();
        wait_until("the call to end", 20, || query(&root, SLEEPING) == Ok(0));
        wait_until(
            &format!("round {round}: the object made for the dead client to be dropped"),
            10,
            || query(&root, LIVE_OBJECTS) == Ok(1),
        );
    }
}
