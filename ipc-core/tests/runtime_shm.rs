//! The runtime suite (`runtime_suite/suite.rs`) over shared-memory rings.
const TRANSPORT: &str = "shm";
include!("runtime_suite/suite.rs");

/// A peer that sets up the rings by hand from the layout in docs/PROTOCOL.md, then
/// writes impossible indices into them: the server closes that connection with a
/// logged reason and keeps serving everyone else.
#[test]
fn a_peer_corrupting_the_ring_indices_is_cut_off() {
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::{AtomicU32, AtomicU64};

    let _w = watchdog("hostile-ring", 60);
    let (_child, path, log) = server_with_log("hostile-ring", &[]);
    let good = ipc_core::connect(&path).unwrap();

    const RING: usize = 4096;
    for round in 0..20 {
        // The region: two 256-byte control blocks, data from 4 KiB, sealed.
        let fd =
            nix::sys::memfd::memfd_create("hostile", nix::sys::memfd::MFdFlags::MFD_ALLOW_SEALING)
                .unwrap();
        nix::unistd::ftruncate(&fd, (4096 + 2 * RING) as i64).unwrap();
        let seals = nix::fcntl::SealFlag::F_SEAL_SHRINK | nix::fcntl::SealFlag::F_SEAL_GROW;
        nix::fcntl::fcntl(&fd, nix::fcntl::FcntlArg::F_ADD_SEALS(seals)).unwrap();
        let map = memmap2::MmapOptions::new()
            .len(4096 + 2 * RING)
            .map_raw(fd.as_raw_fd())
            .unwrap();
        // SAFETY: offsets 0 and 132 are inside the live mapping and aligned for their word size.
        let word64 = |off: usize| unsafe { AtomicU64::from_ptr(map.as_mut_ptr().add(off).cast()) };
        // SAFETY: as for `word64`, with a 4-byte word.
        let word32 = |off: usize| unsafe { AtomicU32::from_ptr(map.as_mut_ptr().add(off).cast()) };
        word32(132).store(2, std::sync::atomic::Ordering::SeqCst); // ring 0: "ring the doorbell"

        let mut s = UnixStream::connect(&path).unwrap();
        let mut body = Vec::new();
        body.extend(b"BIPC");
        body.extend(WIRE_VERSION.to_le_bytes());
        body.extend(4u32.to_le_bytes());
        body.extend(b"evil");
        body.extend((1u32 << 20).to_le_bytes());
        body.push(1); // transport: rings
        body.extend((RING as u32).to_le_bytes());
        body.push(0);
        let mut hello = raw::frame(1, 0, &body);
        hello[6] = 1; // one descriptor: the memfd
        let iov = [std::io::IoSlice::new(&hello)];
        let fds = [fd.as_raw_fd()];
        let cmsg = [nix::sys::socket::ControlMessage::ScmRights(&fds)];
        nix::sys::socket::sendmsg::<()>(
            s.as_raw_fd(),
            &iov,
            &cmsg,
            nix::sys::socket::MsgFlags::empty(),
            None,
        )
        .unwrap();
        let (kind, reply) = raw::read_frame(&mut s).unwrap();
        assert_eq!(kind, 1, "the server answers the hello");
        let addr_len = u32::from_le_bytes(reply[8..12].try_into().unwrap()) as usize;
        assert_eq!(reply[12 + addr_len + 4], 1, "the server accepted the rings");

        // Impossible indices: head far beyond tail, or behind it.
        let bad_head = if round % 2 == 0 {
            1_000_000
        } else {
            u64::MAX - 5
        };
        word64(0).store(bad_head, std::sync::atomic::Ordering::SeqCst);
        s.write_all(b"D").unwrap(); // the doorbell
        // The server hangs up on us.
        let mut rest = Vec::new();
        let _ = s.read_to_end(&mut rest);
        assert_eq!(add_one(&good, round), Ok(round + 1));
    }
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("corrupted the shared ring"),
        "the server log lacks the reason:\n{logged}"
    );
    let _ = std::fs::remove_file(&log);
}
