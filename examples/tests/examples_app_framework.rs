//! The `app-framework` demo end to end: discovery, calls, objects and fds passed
//! between apps, clock events, a service killed with SIGKILL and restarted, the apps
//! recovering without losing persisted state, and a clean exit.

mod common;

use std::time::Duration;

#[test]
fn the_demo_survives_a_killed_service_and_leaves_nothing_behind() {
    let run = common::run(
        env!("CARGO_BIN_EXE_app-framework"),
        &[],
        Duration::from_secs(50),
    );
    run.assert_success();
    run.assert_line(&["launcher", "started a private one"]);
    run.assert_line(&[
        "launcher",
        "the service manager lists app.clock, app.editor, app.kvstore",
    ]);

    // Before the crash: notes written, a document (binder + fd) shared, ticks received.
    run.assert_line(&["editor", "-> kvstore.put x5: note/1-1"]);
    run.assert_line(&["viewer", "reads 5 notes"]);
    run.assert_line(&[
        "editor",
        "shared document \"reading list 1\"",
        "read 3000 bytes through its fd",
    ]);
    run.assert_line(&["viewer", "<- editor read all 3000 bytes"]);
    assert_eq!(run.count_lines(&["first tick from app.clock"]), 2, "{run}");

    // The crash and the recovery, in this order.
    let at = |needles: &[&str]| {
        let line = run.assert_line(needles);
        run.stdout.find(line).expect("the line is in stdout")
    };
    let killed = at(&["launcher", "kill -9 kvstore"]);
    let editor_death = at(&["editor", "death notification: app.kvstore died"]);
    let viewer_death = at(&["viewer", "death notification: app.kvstore died"]);
    let dead_call = at(&[
        "editor",
        "kvstore.get on the instance that died fails at once: transaction failed: DEAD_OBJECT",
    ]);
    let restarted = at(&["launcher", "restarted kvstore"]);
    let reloaded = at(&["kvstore", "loaded 8 entries"]);
    let editor_back = at(&["editor", "reconnected: app.kvstore is back"]);
    let viewer_back = at(&["viewer", "reconnected: app.kvstore is back"]);
    assert!(killed < editor_death.min(viewer_death), "{run}");
    assert!(editor_death < dead_call && dead_call < restarted, "{run}");
    assert!(restarted < reloaded, "{run}");
    assert!(reloaded < editor_back.min(viewer_back), "{run}");

    // After it: nothing the store acknowledged was lost, and the apps carry on.
    let survived = at(&["editor", "all 5 notes of earlier rounds are still there"]);
    assert!(survived > editor_back, "{run}");
    run.assert_line(&["viewer", "reads 10 notes"]);
    run.assert_line(&["editor", "shared document \"reading list 2\""]);
    run.assert_line(&["round 2 done"]);

    // The ending: unsubscribed, a latency summary, every process reaped, files removed.
    assert_eq!(
        run.count_lines(&["clock", "unsubscribed after"]),
        2,
        "{run}"
    );
    run.assert_line(&["Latency of the calls the apps made"]);
    run.assert_line(&["editor", "kvstore.put"]);
    run.assert_line(&["viewer", "editor.open"]);
    run.assert_line(&["all 6 child processes exited and were reaped"]);
    run.assert_no_process_left();
    run.assert_no_file_left();
}
