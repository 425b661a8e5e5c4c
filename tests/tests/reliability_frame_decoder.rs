//! Random input for the frame decoder (the `frame_decoder` fuzz target's property in
//! plain `cargo test`): every kind of frame built by hand from docs/PROTOCOL.md
//! decodes, and random bytes, truncations, bit flips and lying length fields never
//! make it panic, only return `false`. Inputs the fuzzer found crashing are kept
//! below as named regressions.

use integration_tests::reliability::raw;
use integration_tests::reliability::soak::Rng;
use ipc_core::fuzzing::decode_frame;

/// One valid frame of each kind (and variants), as a peer would send them.
fn seeds() -> Vec<Vec<u8>> {
    let token = [7u8; 16];
    let mut hello_root = raw::hello_body(raw::VERSION, 1, 4096);
    *hello_root.last_mut().unwrap() = 1;
    hello_root.extend(1u64.to_le_bytes());
    hello_root.extend(token);
    let data = raw::ints(&[5, 0]);
    let mut table = raw::fd_entry(4);
    table.extend(raw::binder_entry(0, b"binder-ipc/1/00", 3, token));
    let mut reply = data.clone();
    reply.extend(0u32.to_le_bytes());
    reply.extend(0u32.to_le_bytes());
    reply.extend((data.len() as u32).to_le_bytes());
    // A reply whose data is `0, 8`: status OK, then the blob's count.
    let blob_data = raw::ints(&[0, 8]);
    let mut blob_reply = blob_data.clone();
    blob_reply.extend(0u32.to_le_bytes());
    blob_reply.extend(0u32.to_le_bytes());
    blob_reply.extend((blob_data.len() as u32).to_le_bytes());
    vec![
        raw::hello(),
        raw::frame(raw::HELLO, 0, 1, &raw::hello_body(raw::VERSION, 1, 65536)),
        raw::frame(raw::HELLO, 0, 0, &hello_root),
        raw::hello_with_introduction(9, token),
        raw::transaction(1, 1, token, 1, 0, &data),
        raw::transaction(2, 1, token, 1, 1, &[]),
        raw::transaction_with(3, 1, token, 1, 0, &data, 2, &table, 1),
        raw::frame(raw::REPLY, 1, 0, &reply),
        raw::frame(raw::REPLY, 1, 0, &(-32i32).to_le_bytes()),
        raw::acquire(4, 1, token),
        raw::release(1, token, 3),
        raw::frame(raw::BYE, 0, 0, &raw::str_field(b"because")),
        raw::transaction_with_chain(9, 1, token, 1, &[7, 8, 9], &data),
        raw::frame(raw::RECEIVED, 5, 0, &[1]),
        raw::frame(raw::RECEIVED, 6, 0, &[0]),
        // A parcel ending with a 5-byte array sent as the frame's blob.
        raw::with_blob(
            &raw::transaction(10, 1, token, 1, 0, &raw::ints(&[5, 5])),
            &[1, 2, 3, 4, 5],
        ),
        raw::with_blob(&raw::frame(raw::REPLY, 1, 0, &blob_reply), &[9; 8]),
    ]
}

#[test]
fn every_kind_of_frame_decodes() {
    for (i, seed) in seeds().iter().enumerate() {
        assert!(decode_frame(seed), "seed {i} does not decode: {seed:02x?}");
    }
}

#[test]
fn chains_of_no_thread_or_too_many_are_refused() {
    let token = [7u8; 16];
    let data = raw::ints(&[5, 0]);
    assert!(decode_frame(&raw::transaction_with_chain(
        1, 1, token, 1, &[1; 32], &data
    )));
    assert!(!decode_frame(&raw::transaction_with_chain(
        1,
        1,
        token,
        1,
        &[],
        &data
    )));
    assert!(!decode_frame(&raw::transaction_with_chain(
        1, 1, token, 1, &[1; 33], &data
    )));
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for _ in 0..100_000 {
        let len = rng.below(300) as usize;
        let mut bytes = rng.bytes(len);
        // Half of them with a length field that matches, so the body decoder runs.
        if len >= 16 && rng.below(2) == 0 {
            bytes[..4].copy_from_slice(&(len as u32).to_le_bytes());
            bytes[4] = 1 + (bytes[4] % 7);
            bytes[6] %= 3;
            bytes[7] = 0;
        }
        let _ = decode_frame(&bytes);
    }
}

#[test]
fn mutated_frames_never_panic() {
    let seeds = seeds();
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut accepted = 0;
    for n in 0..200_000 {
        let mut f = seeds[n % seeds.len()].clone();
        for _ in 0..1 + rng.below(4) {
            let len = f.len();
            if len == 0 {
                f.push(0);
                continue;
            }
            match rng.below(6) {
                // Flip a bit.
                0 => f[rng.below(len as u64) as usize] ^= 1 << rng.below(8),
                // Cut the frame short (the header's length then lies).
                1 => f.truncate(rng.below(len as u64) as usize),
                // Overwrite a 32-bit word (a length, a count, an offset) with an
                // extreme value.
                2 if len >= 4 => {
                    let at = rng.below(len as u64 - 3) as usize;
                    let v = [0u32, 1, 0x7fff_ffff, 0x8000_0000, u32::MAX, len as u32]
                        [rng.below(6) as usize];
                    f[at..at + 4].copy_from_slice(&v.to_le_bytes());
                }
                // Append noise, fixing the header length so the body is judged.
                3 => {
                    let n = rng.below(16) as usize;
                    let extra = rng.bytes(n);
                    f.extend(extra);
                    if f.len() >= 4 {
                        let l = f.len() as u32;
                        f[..4].copy_from_slice(&l.to_le_bytes());
                    }
                }
                // Another kind with the same body.
                4 if len > 4 => f[4] = rng.below(8) as u8,
                // Another descriptor count.
                _ if len > 7 => f[6] = rng.below(4) as u8,
                _ => {}
            }
        }
        if decode_frame(&f) {
            accepted += 1;
        }
    }
    eprintln!("{accepted} of 200000 mutated frames still decoded");
}
