//! Feeds arbitrary bytes to the frame decoder, as one frame read off a connection
//! (header and body). Hellos, the handshake's frames, go through the same decoder.
//! It must return `true` or `false`, never panic, abort or allocate without bound.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = ipc_core::fuzzing::decode_frame(data);
});
