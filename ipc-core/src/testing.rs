//! Helpers for tests that run real processes (feature `test-support`; used by this
//! workspace's own test suites, not part of the runtime's API).
//!
//! Every multi-process test needs a deadline so that a hang fails the test instead
//! of stalling CI, and most need to poll for something another process does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Kills the test process if a test takes longer than `secs`: a hang fails loudly
/// (exit status 101, the test's name on stderr). Disarmed when dropped.
#[derive(Debug)]
pub struct Watchdog(Arc<AtomicBool>);

impl Watchdog {
    /// Arms the watchdog for test `name`.
    pub fn new(name: &'static str, secs: u64) -> Watchdog {
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(secs);
            while Instant::now() < deadline {
                if flag.load(Ordering::SeqCst) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            eprintln!("watchdog: {name} did not finish in {secs} s");
            std::process::exit(101);
        });
        Watchdog(done)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Polls `cond` every 10 ms until it holds; panics naming `what` after `secs`.
pub fn wait_until(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_until_returns_once_the_condition_holds() {
        let _w = Watchdog::new("wait_until", 30);
        let mut polls = 0;
        wait_until("three polls", 5, || {
            polls += 1;
            polls == 3
        });
        assert_eq!(polls, 3);
    }

    #[test]
    #[should_panic(expected = "timed out waiting for nothing")]
    fn wait_until_gives_up_at_its_deadline() {
        wait_until("nothing", 0, || false);
    }
}
