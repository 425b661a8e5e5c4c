//! `callbacks` end to end: oneway callbacks, unregistering, and a client's death
//! noticed by the server.

mod common;

use std::time::Duration;

#[test]
fn callbacks_are_delivered_unregistered_and_dropped_on_client_death() {
    let run = common::run(
        env!("CARGO_BIN_EXE_callbacks"),
        &[],
        Duration::from_secs(30),
    );
    run.assert_success();
    // Two clients registered, five ticks each.
    assert_eq!(
        run.count_lines(&["ticker server", "registered a listener (1 now)"]),
        2,
        "{run}"
    );
    assert_eq!(run.count_lines(&["got ticks ["]), 2, "{run}");
    // The first unregistered itself; the second died and the server dropped its listener.
    run.assert_line(&["client 1", "unregistered; the server now has 0 listener(s)"]);
    run.assert_line(&["client 2", "exiting without unregistering"]);
    run.assert_line(&["ticker server", "died; dropped its listener (0 left)"]);
    run.assert_no_process_left();
    run.assert_no_file_left();
}
