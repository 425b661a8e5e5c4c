//! `ipc-bench` runs end to end: a handful of calls per row, every kind of row, its
//! child processes all gone afterwards. Nothing here looks at speed.

use std::process::Command;

const BENCHES: [&str; 8] = [
    "raw_uds",
    "raw_futex",
    "raw_spin",
    "echo_int",
    "echo_bytes",
    "oneway",
    "concurrent",
    "peer_tarpc",
];

#[test]
fn every_kind_of_row_runs_and_prints_json() {
    let out = Command::new(env!("CARGO_BIN_EXE_ipc-bench"))
        .args(["--json", "--no-pin", "--iters", "30"])
        // Everything but the 1 MiB and 16 MiB payloads (slow in a debug build).
        .args(["--only", "raw", "--only", "echo_int", "--only", "oneway"])
        .args([
            "--only",
            "concurrent",
            "--only",
            "peer",
            "--only",
            "echo_bytes shm_spin 4096",
        ])
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run ipc-bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ipc-bench failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<&str> = stdout.lines().collect();
    for bench in BENCHES {
        assert!(
            rows.iter()
                .any(|r| r.contains(&format!("\"bench\": \"{bench}\""))),
            "no {bench} row in {stdout}"
        );
    }
    for mode in ["shm_spin", "shm_block", "socket"] {
        assert!(
            stdout.contains(&format!("\"mode\": \"{mode}\"")),
            "no {mode} row"
        );
    }
    for row in &rows {
        for key in [
            "\"size\": ",
            "\"p50_ns\": ",
            "\"p999_ns\": ",
            "\"calls_per_s\": ",
        ] {
            assert!(
                row.starts_with('{') && row.contains(key),
                "{key} missing in {row}"
            );
        }
    }
    // The bulk floor rows: raw_spin at 64 KiB and 1 MiB.
    for size in [65536, 1048576] {
        assert!(
            rows.iter().any(|r| r.contains("\"bench\": \"raw_spin\"")
                && r.contains(&format!("\"size\": {size},"))),
            "no raw_spin row of {size} bytes in {stdout}"
        );
    }
    assert_eq!(rows.len(), 3 + 2 + 3 + 1 + 1 + 4 + 2, "{stdout}");
}
