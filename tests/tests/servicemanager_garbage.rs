//! Hostile connections to the daemon's socket (random bytes, half a handshake,
//! connect-and-hang), 1,000 of them, leave it serving everyone else, and its
//! descriptor count returns to where it was.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Duration;

use integration_tests::sm::{Scratch, Watchdog, fd_count, wait_until};
use servicemanager::testing::ITestService;

#[test]
fn child_main() {
    integration_tests::sm::child_main();
}

/// The first frame a real client sends when it connects (its hello), captured by
/// pretending to be a server.
fn a_real_hello(scratch: &Scratch) -> Vec<u8> {
    let path = scratch.path().join("capture.sock");
    let listener = UnixListener::bind(&path).unwrap();
    let connecting = std::thread::spawn(move || ipc_core::connect(path).map(drop));
    let (mut stream, _) = listener.accept().unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut hello = vec![0u8; 4096];
    let n = stream.read(&mut hello).unwrap();
    hello.truncate(n);
    drop(stream);
    let _ = connecting.join();
    assert!(n >= 8, "a hello has a header");
    hello
}

/// xorshift64: reproducible noise without a dependency.
fn noise(state: &mut u64, len: usize) -> Vec<u8> {
    (0..len)
        .map(|_| {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            *state as u8
        })
        .collect()
}

#[test]
fn a_thousand_garbage_connections_leave_it_serving_without_fd_growth() {
    let _w = Watchdog::new("garbage", 120);
    let scratch = Scratch::new("garbage");
    let daemon = scratch.daemon(&[]);
    let _server = scratch.server("test.ok", false);
    let client = scratch.client();
    let service = client.get_service::<dyn ITestService>("test.ok").unwrap();
    assert_eq!(service.addOne(0), Ok(1));
    let hello = a_real_hello(&scratch);
    let baseline = fd_count(daemon.pid());
    assert!(baseline > 0, "can read /proc/<daemon>/fd");

    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut hanging: Vec<UnixStream> = Vec::new();
    for i in 0..1000 {
        let mut stream = UnixStream::connect(scratch.socket()).unwrap();
        match i % 3 {
            0 => {
                let len = 1 + (noise(&mut rng, 1)[0] as usize) * 4;
                let _ = stream.write_all(&noise(&mut rng, len));
            }
            1 => {
                let _ = stream.write_all(&hello[..hello.len() / 2]);
            }
            _ => {
                // Connect and say nothing; keep a few of these open at once.
                hanging.push(stream);
                if hanging.len() > 8 {
                    hanging.remove(0);
                }
                continue;
            }
        }
        drop(stream);
        if i % 50 == 0 {
            // Everyone else is still served...
            assert_eq!(service.addOne(i), Ok(i + 1));
        }
        if i % 250 == 0 {
            // ...including new clients (processes of their own, so that their
            // connections close when they exit).
            let (code, out) = scratch.ctl(&["check", "test.ok"]);
            assert_eq!(code, 0, "{out}");
            assert!(out.contains("Service test.ok: found"), "{out}");
        }
    }
    assert_eq!(service.addOne(7), Ok(8));
    drop(hanging);
    wait_until(
        "the daemon's descriptors to return to the baseline",
        30,
        || fd_count(daemon.pid()) <= baseline,
    );
    assert!(client.check_binder("test.ok").unwrap().is_some());
}
