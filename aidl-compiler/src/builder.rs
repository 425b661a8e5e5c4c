//! [`Builder`]: compile `.aidl` files from a `build.rs`.
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     aidl_compiler::Builder::new()
//!         .include_dir("aidl")
//!         .dir("aidl") // every .aidl file under aidl/
//!         .compile()?;
//!     Ok(())
//! }
//! ```
//!
//! and in the crate (which depends on `ipc-core`):
//!
//! ```ignore
//! include!(concat!(env!("OUT_DIR"), "/aidl.rs"));
//! // now `aidl::com::example::IFoo::{IFoo, BnFoo, BpFoo}` exist
//! ```
//!
//! The builder writes the per-type files under `$OUT_DIR/aidl/` and an
//! `$OUT_DIR/aidl.rs` holding `pub mod aidl { ... }` whose file modules carry
//! absolute `#[path]`s, which is what makes `include!` work (a `#[path]`
//! attribute cannot take `concat!`).

use crate::compiler::{self, Options};
use std::path::{Path, PathBuf};

/// Why [`Builder::compile`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Neither [`Builder::out_dir`] nor the `OUT_DIR` variable is set.
    #[error("no output directory: OUT_DIR is not set and Builder::out_dir was not called")]
    NoOutDir,
    /// The inputs have errors (rendered diagnostics).
    #[error("aidl compilation failed:\n{0}")]
    Aidl(String),
    /// Reading a directory or writing output failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Compiles AIDL files for a build script (tonic-build / prost-build style).
#[derive(Debug, Clone)]
pub struct Builder {
    include_dirs: Vec<PathBuf>,
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
    version: Option<i32>,
    hash: Option<String>,
    out_dir: Option<PathBuf>,
    werror: bool,
    cargo_output: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// A builder with nothing to compile yet.
    pub fn new() -> Self {
        Builder {
            include_dirs: Vec::new(),
            files: Vec::new(),
            dirs: Vec::new(),
            version: None,
            hash: None,
            out_dir: None,
            werror: false,
            cargo_output: true,
        }
    }

    /// Adds a directory searched for imports (`-I`).
    pub fn include_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.include_dirs.push(dir.as_ref().to_path_buf());
        self
    }

    /// Adds one file to compile.
    pub fn file(mut self, file: impl AsRef<Path>) -> Self {
        self.files.push(file.as_ref().to_path_buf());
        self
    }

    /// Compiles every `.aidl` file under `dir` (recursively).
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.dirs.push(dir.as_ref().to_path_buf());
        self
    }

    /// `--version N`: generated interfaces answer `getInterfaceVersion()`.
    pub fn version(mut self, version: i32) -> Self {
        self.version = Some(version);
        self
    }

    /// `--hash H`: generated interfaces answer `getInterfaceHash()`.
    pub fn hash(mut self, hash: impl Into<String>) -> Self {
        self.hash = Some(hash.into());
        self
    }

    /// Where to write (default: the `OUT_DIR` environment variable).
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Treat warnings as errors.
    pub fn werror(mut self, on: bool) -> Self {
        self.werror = on;
        self
    }

    /// Print `cargo:rerun-if-changed=` / `cargo:warning=` lines (default on).
    pub fn cargo_output(mut self, on: bool) -> Self {
        self.cargo_output = on;
        self
    }

    /// Compiles and writes `OUT_DIR/aidl/**.rs`, `OUT_DIR/aidl/mod.rs` and `OUT_DIR/aidl.rs`.
    pub fn compile(self) -> Result<(), Error> {
        let out_dir = match self
            .out_dir
            .clone()
            .or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from))
        {
            Some(d) => d,
            None => return Err(Error::NoOutDir),
        };
        let mut files = self.files.clone();
        for dir in &self.dirs {
            collect_aidl(dir, &mut files)?;
        }
        files.sort();
        files.dedup();
        let options = Options {
            include_dirs: self.include_dirs.clone(),
            version: self.version,
            hash: self.hash.clone(),
            werror: self.werror,
            skip_rustfmt: false,
        };
        let outcome = compiler::compile(&options, &files);
        if self.cargo_output {
            for p in self
                .include_dirs
                .iter()
                .chain(&self.dirs)
                .chain(&outcome.files_read)
            {
                println!("cargo:rerun-if-changed={}", p.display());
            }
            // The first line of each warning (errors go into the returned Error).
            if !self.werror {
                for line in outcome
                    .rendered
                    .lines()
                    .filter(|l| l.contains(": warning: "))
                {
                    println!("cargo:warning={line}");
                }
            }
        }
        if outcome.failed {
            return Err(Error::Aidl(outcome.rendered));
        }
        let root = out_dir.join("aidl");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        compiler::write_output(&root, &outcome.files).map_err(io(&root))?;
        let include = out_dir.join("aidl.rs");
        compiler::write_if_changed(&include, &compiler::include_rs(&outcome.files, &root))
            .map_err(io(&include))
    }
}

fn collect_aidl(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            collect_aidl(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "aidl") {
            out.push(path);
        }
    }
    Ok(())
}
