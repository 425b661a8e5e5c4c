//! Rows of results, printed as an aligned table or as one JSON object per line, and
//! the goal ratios of issue 5.

use std::fmt::Write as _;

use crate::measure::Measurement;

/// One line of the report.
#[derive(Debug)]
pub(crate) struct Row {
    /// `raw_uds`, `echo_int`, ..., `peer_tarpc`.
    pub(crate) bench: String,
    /// `shm_spin`, `shm_block` or `socket` where it applies.
    pub(crate) mode: Option<&'static str>,
    /// Payload bytes per call (4 for an int).
    pub(crate) size: usize,
    /// Client processes (more than 1 only for `concurrent`).
    pub(crate) clients: usize,
    /// CPU placement, `client/server`: `0/1` pinned, `any/any` unpinned.
    pub(crate) cpus: &'static str,
    /// All clients' measurements merged: latencies, calls, and the longest client's
    /// wall time (the clients start together).
    pub(crate) m: Measurement,
    /// Anything the reader must know (fewer iterations, what a latency means).
    pub(crate) note: String,
}

impl Row {
    pub(crate) fn p(&self, quantile: f64) -> u64 {
        self.m.hist.value_at_quantile(quantile)
    }

    pub(crate) fn p50(&self) -> u64 {
        self.p(0.5)
    }

    /// One JSON object (the format of `--json`).
    pub(crate) fn json(&self) -> String {
        let mode = match self.mode {
            Some(m) => format!("\"{m}\""),
            None => "null".to_owned(),
        };
        let mut s = format!(
            "{{\"bench\": \"{}\", \"mode\": {mode}, \"size\": {}, \"cpus\": \"{}\", ",
            self.bench, self.size, self.cpus
        );
        if self.bench == "concurrent" {
            let _ = write!(s, "\"clients\": {}, ", self.clients);
        }
        let _ = write!(
            s,
            "\"p50_ns\": {}, \"p90_ns\": {}, \"p99_ns\": {}, \"p999_ns\": {}, \"calls_per_s\": {:.0}}}",
            self.p(0.5),
            self.p(0.9),
            self.p(0.99),
            self.p(0.999),
            self.m.calls_per_s()
        );
        s
    }
}

/// A byte count the way people say it: `0`, `64 B`, `4 KiB`, `1 MiB`.
pub(crate) fn size_label(size: usize) -> String {
    match size {
        0 => "0".to_owned(),
        s if s >= 1 << 20 && s % (1 << 20) == 0 => format!("{} MiB", s >> 20),
        s if s >= 1 << 10 && s % (1 << 10) == 0 => format!("{} KiB", s >> 10),
        s => format!("{s} B"),
    }
}

fn us(ns: u64) -> String {
    if ns >= 10_000_000 {
        format!("{:.1} ms", ns as f64 / 1e6)
    } else {
        format!("{:.2}", ns as f64 / 1e3)
    }
}

/// The human table: latencies in µs (ms where marked).
pub(crate) fn table(rows: &[Row]) -> String {
    let header = [
        "bench",
        "mode",
        "size",
        "cpus",
        "clients",
        "calls",
        "p50 µs",
        "p90 µs",
        "p99 µs",
        "p99.9 µs",
        "calls/s",
        "note",
    ];
    let cells: Vec<[String; 12]> = rows
        .iter()
        .map(|r| {
            [
                r.bench.clone(),
                r.mode.unwrap_or("-").to_owned(),
                size_label(r.size),
                r.cpus.to_owned(),
                r.clients.to_string(),
                r.m.calls.to_string(),
                us(r.p(0.5)),
                us(r.p(0.9)),
                us(r.p(0.99)),
                us(r.p(0.999)),
                format!("{:.0}", r.m.calls_per_s()),
                r.note.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: Vec<&str>| {
        let mut l = String::new();
        for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
            let pad = w - c.chars().count();
            // Text columns left-aligned, numbers right-aligned; the note is last.
            if i <= 1 || i == 11 {
                let _ = write!(l, "{c}{}  ", " ".repeat(pad));
            } else {
                let _ = write!(l, "{}{c}  ", " ".repeat(pad));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    );
    for row in &cells {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// The goals of issue 5, computed from the rows present.
pub(crate) fn goals(rows: &[Row], memcpy_bytes_per_s: Option<f64>) -> Vec<String> {
    let find = |bench: &str, mode: Option<&str>, size: usize| {
        rows.iter()
            .find(|r| r.bench == bench && r.mode == mode && r.size == size && r.clients == 1)
    };
    let mut out = Vec::new();
    let spin = find("echo_int", Some("shm_spin"), 4);
    if let (Some(ours), Some(raw)) = (
        find("echo_int", Some("shm_block"), 4),
        find("raw_futex", None, 4),
    ) {
        let ratio = ours.p50() as f64 / raw.p50() as f64;
        out.push(format!(
            "echo_int shm_block p50 / raw_futex p50 = {} / {} µs = {ratio:.2}x (goal <= 1.25x: {})",
            us(ours.p50()),
            us(raw.p50()),
            verdict(ratio <= 1.25)
        ));
    }
    if let Some(ours) = spin {
        out.push(format!(
            "echo_int shm_spin p50 = {} µs (goal <= 2 µs: {})",
            us(ours.p50()),
            verdict(ours.p50() <= 2_000)
        ));
    }
    if let (Some(row), Some(memcpy)) = (
        find("echo_bytes", Some("shm_spin"), 1 << 20),
        memcpy_bytes_per_s,
    ) {
        let bw = 2.0 * row.size as f64 * row.m.calls_per_s();
        let ratio = bw / memcpy;
        out.push(format!(
            "echo_bytes 1 MiB: {:.2} GB/s both directions / memcpy {:.2} GB/s = {:.0}% (goal >= 40%: {})",
            bw / 1e9,
            memcpy / 1e9,
            ratio * 100.0,
            verdict(ratio >= 0.4)
        ));
        if let Some(floor) = find("raw_spin", None, 1 << 20) {
            let raw_bw = 2.0 * floor.size as f64 * floor.m.calls_per_s();
            out.push(format!(
                "  (raw_spin 1 MiB, the four copies one after another: {:.2} GB/s = {:.0}% of memcpy; echo_bytes, whose copies overlap, {:.0}% of that)",
                raw_bw / 1e9,
                raw_bw / memcpy * 100.0,
                bw / raw_bw * 100.0
            ));
        }
    }
    if let Some(ours) = spin {
        for peer in rows
            .iter()
            .filter(|r| r.bench.starts_with("peer_") && r.size == 4)
        {
            let ratio = peer.p50() as f64 / ours.p50() as f64;
            out.push(format!(
                "{} p50 / echo_int shm_spin p50 = {} / {} µs = {ratio:.1}x (goal >= 10x: {})",
                peer.bench,
                us(peer.p50()),
                us(ours.p50()),
                verdict(ratio >= 10.0)
            ));
        }
    }
    out
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_the_issue() {
        assert_eq!(size_label(0), "0");
        assert_eq!(size_label(64), "64 B");
        assert_eq!(size_label(4096), "4 KiB");
        assert_eq!(size_label(16 << 20), "16 MiB");
    }
}
