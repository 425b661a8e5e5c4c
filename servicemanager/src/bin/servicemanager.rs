//! The service-manager daemon; see `servicemanager --help` and docs/SERVICEMANAGER.md.
fn main() -> std::process::ExitCode {
    servicemanager::daemon::main()
}
