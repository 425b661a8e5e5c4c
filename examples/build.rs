//! Compiles every `.aidl` file under `aidl/` into `$OUT_DIR/aidl.rs` (included by
//! `src/lib.rs` as `examples::aidl`).

fn main() {
    aidl_compiler::Builder::new()
        .include_dir("aidl")
        .dir("aidl")
        .compile()
        .unwrap_or_else(|e| panic!("{e}"));
}
