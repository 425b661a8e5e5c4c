//! Any input goes through parsing, checking and (when it compiles) code
//! generation without panicking.
#![no_main]

use aidl_compiler::{Options, compile_sources};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let options = Options {
        // Relative to where `cargo fuzz` runs (aidl-compiler/ or fuzz/).
        include_dirs: vec![
            PathBuf::from("tests/golden/valid"),
            PathBuf::from("../tests/golden/valid"),
        ],
        skip_rustfmt: true,
        ..Options::default()
    };
    let _ = compile_sources(&options, vec![(PathBuf::from("fuzz/Input.aidl"), text)]);
});
