//! Feeds arbitrary bytes to every parcel reader.
//!
//! Byte 0 picks the reader (see `READERS` in `ipc-core/tests/parcel_common/mod.rs`, shared
//! with the `parcel_random_input` test), byte 1 places up to three real objects (fds,
//! binders) in the object table, the rest is the parcel data. A reader must return
//! `Ok` or `Err` — never panic — and whatever it accepts must re-encode stably.
#![no_main]

#[path = "../../tests/parcel_common/mod.rs"]
mod parcel_common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = parcel_common::run_input(data);
});
