//! `parcel-tour` end to end (one process: it marshals, prints and reads back a call).

mod common;

use std::time::Duration;

#[test]
fn the_parcel_tour_reads_back_what_it_wrote() {
    let run = common::run(
        env!("CARGO_BIN_EXE_parcel-tour"),
        &[],
        Duration::from_secs(30),
    );
    run.assert_success();
    run.assert_line(&["The stub reads back: name=\"Ada\" times=3"]);
    run.assert_line(&["truncated to 30 bytes: NOT_ENOUGH_DATA"]);
    run.assert_no_process_left();
    run.assert_no_file_left();
}
