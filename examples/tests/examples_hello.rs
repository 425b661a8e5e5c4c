//! `hello` end to end: a private service manager, the server, the client.

mod common;

use std::time::Duration;

#[test]
fn hello_runs_its_server_and_client_and_cleans_up() {
    let run = common::run(env!("CARGO_BIN_EXE_hello"), &[], Duration::from_secs(30));
    run.assert_success();
    run.assert_line(&["launcher", "started a private one"]);
    run.assert_line(&["hello server", "registered \"example.hello\""]);
    run.assert_line(&["hello client", "Hello, world! (from pid"]);
    run.assert_line(&["all 3 child processes exited and were reaped"]);
    run.assert_no_process_left();
    run.assert_no_file_left();
}
