//! The `aidlc` command line (AOSP-style flags).

use crate::compiler::{self, Options};
use clap::Parser;
use std::io::Write as _;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
OUTPUT:
  One .rs file per top-level type under OUT_DIR following the package path
  (com.example.IFoo -> OUT_DIR/com/example/IFoo.rs, nested types as nested
  modules inside it), plus OUT_DIR/mod.rs declaring every generated module.
  Pull it into a crate that depends on ipc-core with:
      #[path = \"<OUT_DIR>/mod.rs\"] mod aidl;
  and use e.g. aidl::com::example::IFoo::{IFoo, BnFoo, BpFoo}.
  From build.rs, use aidl_compiler::Builder instead (see docs/AIDL.md).

IMPORTS:
  `import a.b.Foo;` (and unimported types of the same package) are looked up as
  DIR/a/b/Foo.aidl in each -I DIR, then in the root implied by each input
  file's own package path.

DIAGNOSTICS:
  path:line:col: error: message, then the source line, a caret under the
  span and `= hint: ...` where one helps. All errors of a run are reported.

EXIT STATUS:
  0 success, 1 errors in the input (or warnings with -Werror), 2 usage error.";

/// Compiles AIDL files into Rust for ipc-core.
#[derive(Debug, Parser)]
#[command(
    name = "aidlc",
    about = "aidlc: compiles AIDL interfaces and types into Rust for ipc-core",
    after_help = AFTER_HELP,
    disable_version_flag = true
)]
struct Cli {
    /// Output language (only `rust`).
    #[arg(long, value_name = "LANG", default_value = "rust", value_parser = ["rust"])]
    lang: String,
    /// Directory searched for imported .aidl files (repeatable).
    #[arg(short = 'I', value_name = "DIR")]
    include: Vec<PathBuf>,
    /// Output directory for the generated Rust files.
    #[arg(
        short = 'o',
        value_name = "OUT_DIR",
        required_unless_present = "dump_api"
    )]
    out: Option<PathBuf>,
    /// Interface version: generates getInterfaceVersion() (meta-transaction 0x00FFFFFF).
    #[arg(long, value_name = "N")]
    version: Option<i32>,
    /// Interface hash: generates getInterfaceHash() (meta-transaction 0x00FFFFFE).
    #[arg(long, value_name = "H")]
    hash: Option<String>,
    /// `-Werror`: treat warnings as errors.
    #[arg(short = 'W', value_name = "error", value_parser = ["error"])]
    warnings: Option<String>,
    /// Print the normalized API of the inputs (for compatibility checks) instead of generating code.
    #[arg(long = "dump-api")]
    dump_api: bool,
    /// Input .aidl files.
    #[arg(value_name = "FILE.aidl", required = true)]
    files: Vec<PathBuf>,
}

/// Runs `aidlc` with `args` (including the program name); returns the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let options = Options {
        include_dirs: cli.include,
        version: cli.version,
        hash: cli.hash,
        werror: cli.warnings.is_some(),
        skip_rustfmt: false,
    };
    let outcome = compiler::compile(&options, &cli.files);
    eprint!("{}", outcome.rendered);
    if outcome.failed {
        let n = outcome.diagnostics.len();
        eprintln!(
            "aidlc: {n} problem{} found, nothing generated",
            if n == 1 { "" } else { "s" }
        );
        return 1;
    }
    if cli.dump_api {
        let mut stdout = std::io::stdout().lock();
        if stdout.write_all(outcome.api.as_bytes()).is_err() {
            return 1;
        }
        return 0;
    }
    let Some(out) = cli.out else { return 2 };
    if let Err(e) = compiler::write_output(&out, &outcome.files) {
        eprintln!("aidlc: error: cannot write to {}: {e}", out.display());
        return 1;
    }
    0
}
