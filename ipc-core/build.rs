//! Compiles the service manager's interface (`aidl/android/os/*.aidl` at the
//! repository root) with `aidlc`, for `ipc_core::service_manager`: the client API
//! speaks through generated code, as every other AIDL user does.

fn main() {
    let aidl = std::path::Path::new("../aidl");
    aidl_compiler::Builder::new()
        .include_dir(aidl)
        .file(aidl.join("android/os/IServiceManager.aidl"))
        .file(aidl.join("android/os/IServiceCallback.aidl"))
        .file(aidl.join("android/os/ServiceDebugInfo.aidl"))
        .werror(true)
        .compile()
        .unwrap_or_else(|e| panic!("{e}"));
}
