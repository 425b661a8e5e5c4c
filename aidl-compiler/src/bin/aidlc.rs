//! `aidlc`: see `aidlc --help`.

fn main() {
    std::process::exit(aidl_compiler::cli::run(std::env::args_os()));
}
