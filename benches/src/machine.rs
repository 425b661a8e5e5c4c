//! What the report's header says about the machine, and the `memcpy` bandwidth the
//! big-payload rows are compared with.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// The CPU model from `/proc/cpuinfo`.
pub(crate) fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

/// The kernel release (`uname -r`).
pub(crate) fn kernel() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_else(|_| "unknown kernel".to_owned())
}

/// `/proc/loadavg`'s three load averages.
pub(crate) fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Single-thread copy bandwidth in bytes/s between two buffers of `len` bytes
/// (`copy_from_slice`, i.e. `memcpy`), the best of several 50 ms rounds.
pub(crate) fn memcpy_bandwidth(len: usize) -> f64 {
    let src: Vec<u8> = (0..len).map(|i| i as u8).collect();
    let mut dst = vec![0u8; len];
    let mut best = 0f64;
    for _ in 0..6 {
        let start = Instant::now();
        let mut copies = 0u64;
        while start.elapsed() < Duration::from_millis(50) {
            dst.copy_from_slice(black_box(&src));
            black_box(&mut dst);
            copies += 1;
        }
        let rate = copies as f64 * len as f64 / start.elapsed().as_secs_f64();
        best = best.max(rate);
    }
    best
}
