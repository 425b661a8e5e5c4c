//! Timing a loop of calls into a latency histogram, and carrying the result from a
//! client process to the parent as one line of text.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use hdrhistogram::Histogram;

/// The highest latency recorded (60 s); slower calls are clamped to it.
const MAX_NS: u64 = 60_000_000_000;

/// What one client measured.
#[derive(Debug, Clone)]
pub(crate) struct Measurement {
    /// Round-trip latencies in nanoseconds.
    pub(crate) hist: Histogram<u64>,
    /// Wall time of the whole measured loop, in nanoseconds.
    pub(crate) elapsed_ns: u64,
    /// Calls made in the measured loop.
    pub(crate) calls: u64,
}

/// An empty latency histogram (1 ns to 60 s, 3 significant digits).
pub(crate) fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_NS, 3).expect("constant bounds are valid")
}

/// Runs `call` `warmup` times unmeasured, then `on_warm` (the parent's barrier), then
/// `iters` times, timing each call.
pub(crate) fn run(
    warmup: u64,
    iters: u64,
    mut call: impl FnMut(u64) -> Result<()>,
    on_warm: impl FnOnce() -> Result<()>,
) -> Result<Measurement> {
    for i in 0..warmup {
        call(i).context("warm-up call")?;
    }
    on_warm()?;
    let mut hist = new_histogram();
    let start = Instant::now();
    let mut last = start;
    for i in 0..iters {
        call(warmup + i)?;
        let now = Instant::now();
        hist.saturating_record((now - last).as_nanos() as u64);
        last = now;
    }
    Ok(Measurement {
        hist,
        elapsed_ns: (last - start).as_nanos() as u64,
        calls: iters,
    })
}

impl Measurement {
    /// Calls per second over the measured loop.
    pub(crate) fn calls_per_s(&self) -> f64 {
        self.calls as f64 * 1e9 / self.elapsed_ns.max(1) as f64
    }

    /// `result <calls> <elapsed_ns> <value>:<count>,...`
    pub(crate) fn to_line(&self) -> String {
        let buckets: Vec<String> = self
            .hist
            .iter_recorded()
            .map(|v| format!("{}:{}", v.value_iterated_to(), v.count_at_value()))
            .collect();
        format!(
            "result {} {} {}",
            self.calls,
            self.elapsed_ns,
            buckets.join(",")
        )
    }

    /// Parses [`Measurement::to_line`].
    pub(crate) fn from_line(line: &str) -> Result<Measurement> {
        let mut parts = line.split(' ');
        if parts.next() != Some("result") {
            bail!("expected a result line, got {line:?}");
        }
        let calls = parts.next().context("calls")?.parse()?;
        let elapsed_ns = parts.next().context("elapsed")?.parse()?;
        let mut hist = new_histogram();
        for bucket in parts
            .next()
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.is_empty())
        {
            let (value, count) = bucket.split_once(':').context("bucket")?;
            hist.record_n(value.parse()?, count.parse()?)?;
        }
        Ok(Measurement {
            hist,
            elapsed_ns,
            calls,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_measurement_survives_its_line() {
        let m = run(2, 100, |_| Ok(()), || Ok(())).unwrap();
        let back = Measurement::from_line(&m.to_line()).unwrap();
        assert_eq!(back.calls, 100);
        assert_eq!(back.hist.len(), 100);
        assert_eq!(back.elapsed_ns, m.elapsed_ns);
        assert_eq!(
            back.hist.value_at_quantile(0.99),
            m.hist.value_at_quantile(0.99)
        );
    }
}
