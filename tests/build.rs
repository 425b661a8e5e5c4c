//! Compiles the aidl-compiler golden corpus (and `aidl/`) with
//! `aidl_compiler::Builder`, so that `tests/aidl_*.rs` can include the generated
//! tree and check that it builds against ipc-core and behaves.

fn main() {
    aidl_compiler::Builder::new()
        .include_dir("../aidl-compiler/tests/golden/valid")
        .dir("../aidl-compiler/tests/golden/valid")
        .version(3)
        .hash("notahash")
        .compile()
        .unwrap_or_else(|e| panic!("{e}"));
}
