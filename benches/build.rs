//! Compiles `aidl/` (the benchmark's `IEcho`) with `aidl_compiler::Builder`.

fn main() {
    aidl_compiler::Builder::new()
        .include_dir("aidl")
        .dir("aidl")
        .compile()
        .unwrap_or_else(|e| panic!("{e}"));
}
