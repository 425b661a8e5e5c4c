//! Compiles `aidl/smtest/ITestService.aidl`, the small interface the tests (here and
//! in `integration-tests`) serve through the service manager (`servicemanager::testing`).

fn main() {
    aidl_compiler::Builder::new()
        .include_dir("aidl")
        .file("aidl/smtest/ITestService.aidl")
        .werror(true)
        .compile()
        .unwrap_or_else(|e| panic!("{e}"));
}
