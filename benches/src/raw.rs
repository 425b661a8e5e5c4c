//! The baselines: the mechanisms beneath the runtime, with nothing on top.
//!
//! * `raw_uds`: a 4-byte message written to a Unix stream socket and read back.
//! * `raw_futex`: a 4-byte message in a shared page; each side publishes it with a
//!   sequence number, `FUTEX_WAKE`s the peer and sleeps in `FUTEX_WAIT` (no spinning).
//! * `raw_spin`: the same page, both sides spinning on the sequence number.
//! * `raw_spin` with a payload bigger than 4 bytes (`--size`): the floor of
//!   `echo_bytes`. The client copies its buffer into a shared request area; the
//!   server copies the request out into a buffer of its own and that buffer into a
//!   shared reply area; the client copies the reply out. Four copies of the payload
//!   per round trip (one in and one out each way) and nothing else: what any design
//!   that moves bytes through shared memory pays, with no framing, marshaling,
//!   allocation or wake-up on top.
//!
//! The shared page holds the request (sequence at 0, payload at 4) and the reply
//! (sequence at 64, payload at 68) on separate cache lines; bulk payloads go in two
//! areas after the first page.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::measure::{self, Measurement};
use crate::sys::{PAGE_LEN, SharedPage, futex_wait, futex_wake};

const REQ_SEQ: usize = 0;
const REQ_DATA: usize = 4;
const REP_SEQ: usize = 64;
const REP_DATA: usize = 68;

/// How long one raw round trip may take before the client gives up.
const STUCK: Duration = Duration::from_secs(10);

/// Which raw mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum RawKind {
    Uds,
    Futex,
    Spin,
}

/// Serves one client at `path` until killed; `on_ready` runs once the client can
/// connect.
pub(crate) fn serve(
    kind: RawKind,
    path: &Path,
    size: usize,
    on_ready: impl FnOnce() -> Result<()>,
) -> Result<()> {
    match kind {
        RawKind::Uds => {
            let listener = UnixListener::bind(path)?;
            on_ready()?;
            let (mut sock, _) = listener.accept()?;
            let mut buf = [0u8; 4];
            loop {
                if sock.read_exact(&mut buf).is_err() {
                    return Ok(()); // the client hung up
                }
                sock.write_all(&buf)?;
            }
        }
        RawKind::Futex | RawKind::Spin => {
            let page = SharedPage::create(path, region_len(size))?;
            on_ready()?;
            let (req_seq, rep_seq) = (page.u32_at(REQ_SEQ), page.u32_at(REP_SEQ));
            let mut seen = 0;
            let mut own = vec![0u8; bulk(size)];
            loop {
                seen = wait_for_change(kind, req_seq, seen, None)?;
                if own.is_empty() {
                    let v = page.u32_at(REQ_DATA).load(SeqCst);
                    page.u32_at(REP_DATA).store(v, SeqCst);
                } else {
                    page.copy_out(PAGE_LEN, &mut own);
                    page.copy_in(PAGE_LEN + size, &own);
                }
                rep_seq.store(seen, SeqCst);
                if kind == RawKind::Futex {
                    futex_wake(rep_seq);
                }
            }
        }
    }
}

/// The client side: `warmup` + `iters` round trips.
pub(crate) fn client(
    kind: RawKind,
    path: &Path,
    size: usize,
    warmup: u64,
    iters: u64,
    on_warm: impl FnOnce() -> Result<()>,
) -> Result<Measurement> {
    match kind {
        RawKind::Uds => {
            let mut sock = UnixStream::connect(path)?;
            let mut buf = [0u8; 4];
            measure::run(
                warmup,
                iters,
                |i| {
                    sock.write_all(&(i as u32).to_le_bytes())?;
                    sock.read_exact(&mut buf)?;
                    check(u32::from_le_bytes(buf), i as u32)
                },
                on_warm,
            )
        }
        RawKind::Futex | RawKind::Spin => {
            let page = SharedPage::open(path, region_len(size))?;
            let (req_seq, rep_seq) = (page.u32_at(REQ_SEQ), page.u32_at(REP_SEQ));
            let mut seq = 0u32;
            let mut out = vec![0u8; bulk(size)];
            let mut back = vec![0u8; bulk(size)];
            measure::run(
                warmup,
                iters,
                |i| {
                    if !out.is_empty() {
                        out[..4].copy_from_slice(&(i as u32).to_le_bytes());
                        page.copy_in(PAGE_LEN, &out);
                    }
                    page.u32_at(REQ_DATA).store(i as u32, SeqCst);
                    seq = seq.wrapping_add(1);
                    req_seq.store(seq, SeqCst);
                    if kind == RawKind::Futex {
                        futex_wake(req_seq);
                    }
                    let deadline = Instant::now() + STUCK;
                    let mut seen = rep_seq.load(SeqCst);
                    while seen != seq {
                        seen = wait_for_change(kind, rep_seq, seen, Some(deadline))?;
                    }
                    if back.is_empty() {
                        return check(page.u32_at(REP_DATA).load(SeqCst), i as u32);
                    }
                    page.copy_out(PAGE_LEN + size, &mut back);
                    if back != out {
                        bail!("bulk echo {i} came back different");
                    }
                    Ok(())
                },
                on_warm,
            )
        }
    }
}

/// The bytes of a bulk payload of `size`: none for the 4-byte word rows.
fn bulk(size: usize) -> usize {
    if size > 4 { size } else { 0 }
}

/// The shared region for payloads of `size`: the word page, then request and reply
/// areas.
fn region_len(size: usize) -> usize {
    PAGE_LEN + 2 * bulk(size)
}

/// Waits until `word` differs from `old` and returns the new value: sleeping on the
/// futex, or spinning.
fn wait_for_change(
    kind: RawKind,
    word: &AtomicU32,
    old: u32,
    deadline: Option<Instant>,
) -> Result<u32> {
    let mut spins = 0u32;
    loop {
        let now = word.load(SeqCst);
        if now != old {
            return Ok(now);
        }
        match kind {
            RawKind::Futex => futex_wait(word, old, Duration::from_millis(100)),
            _ => {
                std::hint::spin_loop();
                spins = spins.wrapping_add(1);
            }
        }
        // Look at the clock rarely: it is not free next to a spin iteration.
        let look = kind == RawKind::Futex || spins.is_multiple_of(4096);
        if look && deadline.is_some_and(|d| Instant::now() > d) {
            bail!("raw peer did not answer within {STUCK:?}");
        }
    }
}

fn check(got: u32, want: u32) -> Result<()> {
    if got != want {
        bail!("echo returned {got}, sent {want}");
    }
    Ok(())
}
