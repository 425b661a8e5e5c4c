//! The service manager's command-line client; see `servicectl --help`.
fn main() -> std::process::ExitCode {
    servicemanager::ctl::main()
}
