//! `fd-passing` end to end: a blob handed over as a sealed memfd and mapped.

mod common;

use std::time::Duration;

#[test]
fn a_blob_travels_as_a_sealed_memfd_and_is_mapped_intact() {
    let run = common::run(
        env!("CARGO_BIN_EXE_fd-passing"),
        &[],
        Duration::from_secs(50),
    );
    run.assert_success();
    run.assert_line(&["blob server", "wrote 16 MiB into a sealed memfd"]);
    run.assert_line(&["blob client", "16 MiB blob as a file descriptor", "matches"]);
    run.assert_no_process_left();
    run.assert_no_file_left();
}
