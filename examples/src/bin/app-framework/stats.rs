//! Latency of the calls an app makes, summarised for the launcher.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Durations of calls, by call name.
#[derive(Debug, Default)]
pub(crate) struct Latencies(Mutex<BTreeMap<&'static str, Vec<Duration>>>);

impl Latencies {
    /// Runs `call`, recording how long it took under `name`.
    pub(crate) fn time<T>(&self, name: &'static str, call: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let result = call();
        let took = started.elapsed();
        self.0.lock().entry(name).or_default().push(took);
        result
    }

    /// One `#stat CALL COUNT P50_NS P99_NS MAX_NS` line per call name: `#` lines are
    /// data for the launcher, not narrative.
    pub(crate) fn print(&self) {
        for (name, samples) in self.0.lock().iter_mut() {
            samples.sort();
            let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
            println!(
                "#stat {name} {} {} {} {}",
                samples.len(),
                at(0.5).as_nanos(),
                at(0.99).as_nanos(),
                at(1.0).as_nanos()
            );
        }
    }
}

/// One row of the launcher's summary, parsed from a `#stat` line.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) call: String,
    pub(crate) count: u64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    pub(crate) max: Duration,
}

impl Row {
    pub(crate) fn parse(line: &str) -> Option<Row> {
        let mut words = line.strip_prefix("stat ")?.split(' ');
        let call = words.next()?.to_owned();
        let mut next = || words.next()?.parse::<u64>().ok();
        Some(Row {
            call,
            count: next()?,
            p50: Duration::from_nanos(next()?),
            p99: Duration::from_nanos(next()?),
            max: Duration::from_nanos(next()?),
        })
    }
}

/// `12.3 µs`, `1.20 ms`.
pub(crate) fn show(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.1} µs")
    } else {
        format!("{:.2} ms", us / 1000.0)
    }
}
