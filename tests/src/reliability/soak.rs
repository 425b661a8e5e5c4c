//! The soak client (`tests/reliability_soak.rs`): random calls, callbacks, object
//! passing and descriptors against one server, every result checked, until a
//! deadline or until it is killed. It reports `progress ok=N wrong=N failed=N`
//! lines as it goes (so the figures of a killed client are not lost) and describes
//! every wrong result on a `WRONG` line.

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ipc_core::{FLAG_ONEWAY, Parcel, SpIBinder};

use super::*;

/// xorshift64: reproducible randomness without a dependency.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// `len` random bytes.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

/// Milliseconds since the epoch (the soak's deadline travels as one).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[derive(Default)]
struct Tally {
    ok: u64,
    wrong: u64,
    failed: u64,
}

impl Tally {
    fn check<T: PartialEq + std::fmt::Debug>(
        &mut self,
        what: &str,
        got: ipc_core::Result<T>,
        want: T,
    ) {
        match got {
            Ok(v) if v == want => self.ok += 1,
            Ok(v) => {
                self.wrong += 1;
                println!("WRONG {what}: got {v:?}, want {want:?}");
            }
            Err(e) => {
                self.failed += 1;
                println!("FAILED {what}: {e:?}");
            }
        }
    }

    fn report(&self, tag: &str) {
        println!(
            "{tag} ok={} wrong={} failed={}",
            self.ok, self.wrong, self.failed
        );
        let _ = std::io::stdout().flush();
    }
}

/// The soak client's main loop (role `soak_client`).
pub fn client() {
    let path = std::env::var("REL_SOCKET").unwrap();
    let seed: u64 = std::env::var("REL_SEED").unwrap().parse().unwrap();
    let until: u64 = std::env::var("REL_UNTIL_MS").unwrap().parse().unwrap();
    let mut rng = Rng(seed | 1);
    ipc_core::start_thread_pool();
    let root = ipc_core::connect(&path).unwrap();
    // A private object of the server, so callbacks held there are ours alone.
    let mine_seed = (seed % 1000) as i32;
    let mut data = Parcel::new();
    data.write(&mine_seed).unwrap();
    let private: SpIBinder = root.transact(NEW_OBJECT, data, 0).unwrap().read().unwrap();
    let callback = RelService::binder(-(mine_seed + 1));
    let mut tally = Tally::default();
    let mut oneway_sent = 0i32;
    let mut n = 0u64;
    while now_ms() < until {
        n += 1;
        let v = (rng.next_u64() % 1_000_000) as i32;
        match rng.below(9) {
            0 => tally.check("add_one", add_one(&root, v), v + 1),
            1 => {
                let values: Vec<i32> = (0..rng.below(64)).map(|_| rng.next_u64() as i32).collect();
                let got = (|| {
                    let mut data = Parcel::new();
                    data.write(&values)?;
                    root.transact(ECHO_INTS, data, 0)?.read::<Vec<i32>>()
                })();
                tally.check("echo_ints", got, values);
            }
            2 => {
                let len = if rng.below(20) == 0 {
                    300_000
                } else {
                    rng.below(2048) as usize
                };
                let bytes = rng.bytes(len);
                let got = (|| {
                    let mut data = Parcel::new();
                    data.write(&bytes)?;
                    root.transact(ECHO_BYTES, data, 0)?.read::<Vec<u8>>()
                })();
                tally.check("echo_bytes", got, bytes);
            }
            3 => {
                // A callback: the server calls our object back during the call.
                let got = (|| {
                    let mut data = Parcel::new();
                    data.write(&callback)?;
                    private.transact(HOLD, data, 0)?;
                    call_i32(&private, CALL_HELD, v)
                })();
                // Our callback adds 1 + its seed, -(mine_seed + 1).
                tally.check("callback", got, v - mine_seed);
            }
            4 => {
                // Object passing: a new object of the server, used, then dropped.
                let s = rng.below(100) as i32;
                let got = (|| {
                    let mut data = Parcel::new();
                    data.write(&s)?;
                    let object: SpIBinder = root.transact(NEW_OBJECT, data, 0)?.read()?;
                    add_one(&object, v)
                })();
                tally.check("new_object", got, v + 1 + s);
            }
            5 => {
                // Our own object comes home as itself.
                let got = (|| {
                    let mut data = Parcel::new();
                    data.write(&callback)?;
                    let back: SpIBinder = root.transact(ECHO_BINDER, data, 0)?.read()?;
                    Ok(back == callback && !back.is_remote())
                })();
                tally.check("echo_binder", got, true);
            }
            6 => {
                let r = private
                    .transact(RECORD, Parcel::new(), FLAG_ONEWAY)
                    .map(drop);
                if r.is_ok() {
                    oneway_sent += 1;
                }
                tally.check("oneway", r, ());
            }
            7 => {
                let count = 1 + rng.below(3) as i32;
                let got = (|| {
                    let mut data = Parcel::new();
                    data.write(&count)?;
                    for i in 0..count {
                        data.write(&pipe_with(&vec![b'x'; (i + 1) as usize]))?;
                    }
                    root.transact(READ_FDS, data, 0)?.read::<i32>()
                })();
                tally.check("fds", got, count * (count + 1) / 2);
            }
            _ => {
                let got = query(&private, RECORDED).map(|r| r <= oneway_sent);
                tally.check("recorded", got, true);
            }
        }
        if n.is_multiple_of(200) {
            tally.report("progress");
        }
    }
    // Every oneway call arrives, in the end.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        match query(&private, RECORDED) {
            Ok(r) if r == oneway_sent => break,
            Ok(_) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10))
            }
            other => {
                tally.wrong += 1;
                println!("WRONG recorded at the end: {other:?}, sent {oneway_sent}");
                break;
            }
        }
    }
    tally.report("done");
}
