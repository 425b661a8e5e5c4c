//! Bulk data without copying it through a parcel: the service writes a large blob
//! into a memfd, seals it (no more writes, no resizing) and returns the file
//! descriptor; the client maps it read-only and reads the bytes in place. The
//! transaction itself carries a few dozen bytes and one descriptor.
//!
//! ```text
//! cargo run -p examples --bin fd-passing                        # everything
//! cargo run -p examples --bin fd-passing -- server              # by hand, with a servicemanager running
//! cargo run -p examples --bin fd-passing -- client [SIZE_MIB]   # default 16
//! ```

use std::fs::File;
use std::io::Write;

use anyhow::{Context, bail};
use examples::aidl::example::fd::Blob::Blob;
use examples::aidl::example::fd::IBlobService::{BnBlobService, IBlobService};
use examples::launch::{DEFAULT_DEADLINE, Launcher};
use ipc_core::service_manager;
use ipc_core::{BinderResult, ExceptionCode, Interface, ParcelFileDescriptor, Status, Strong};
use nix::fcntl::{FcntlArg, fcntl};
use nix::sys::memfd::{MFdFlags, memfd_create};

const SERVICE_NAME: &str = "example.blobs";
const MAX_SIZE: i64 = 256 << 20;

/// The blob's bytes: a pattern anyone can recompute.
fn pattern(offset: usize) -> u8 {
    (offset.wrapping_mul(31) ^ (offset >> 12)) as u8
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash as i64
}

// ---- the server ----------------------------------------------------------------

struct BlobService;

impl Interface for BlobService {}

impl IBlobService for BlobService {
    fn getBlob(&self, size: i64) -> BinderResult<Blob> {
        if !(0..=MAX_SIZE).contains(&size) {
            return Err(Status::new_exception(
                ExceptionCode::ILLEGAL_ARGUMENT,
                Some(&format!("size {size} is not in 0..={MAX_SIZE}")),
            ));
        }
        let bytes: Vec<u8> = (0..size as usize).map(pattern).collect();
        let fd = sealed_memfd(&bytes).map_err(|e| {
            Status::new_exception(ExceptionCode::ILLEGAL_STATE, Some(&format!("{e:#}")))
        })?;
        println!(
            "server: wrote {} MiB into a sealed memfd for pid {}",
            size >> 20,
            ipc_core::calling_pid()
        );
        Ok(Blob {
            fd: Some(ParcelFileDescriptor::new(fd)),
            size,
            checksum: fnv1a(&bytes),
        })
    }
}

/// A memfd holding `bytes`, sealed so that nobody (us included) can change it.
fn sealed_memfd(bytes: &[u8]) -> anyhow::Result<File> {
    let fd = memfd_create(
        "example-blob",
        MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING,
    )?;
    let mut file = File::from(fd);
    file.write_all(bytes)?;
    fcntl(&file, FcntlArg::F_ADD_SEALS(examples::sys::IMMUTABLE)).context("sealing")?;
    Ok(file)
}

fn server() -> anyhow::Result<()> {
    let service = BnBlobService::new_binder(BlobService);
    service_manager::add_service(SERVICE_NAME, &service.as_binder())?;
    println!("server: registered {SERVICE_NAME:?}, waiting for calls");
    ipc_core::join_thread_pool()
}

// ---- the client ----------------------------------------------------------------

fn client(size_mib: i64) -> anyhow::Result<()> {
    let blobs: Strong<dyn IBlobService> = service_manager::wait_for_service(SERVICE_NAME)?;
    let blob = blobs.getBlob(size_mib << 20)?;
    let file = File::from(blob.fd.context("the blob has no fd")?.into_inner());
    let map = examples::sys::map_sealed(&file)?;
    if map.len() as i64 != blob.size {
        bail!("mapped {} bytes, the service said {}", map.len(), blob.size);
    }
    if fnv1a(&map) != blob.checksum {
        bail!("checksum mismatch");
    }
    println!(
        "client: one call returned a {} MiB blob as a file descriptor; mapped it read-only, \
         checksum {:016x} matches",
        map.len() >> 20,
        blob.checksum
    );
    Ok(())
}

// ---- one command for all -----------------------------------------------------

fn run_all() -> anyhow::Result<()> {
    let mut launcher = Launcher::start()?;
    let server = launcher.spawn("blob server", &["server"])?;
    launcher.expect(server, "waiting for calls", DEFAULT_DEADLINE)?;
    let client = launcher.spawn("blob client", &["client"])?;
    launcher.wait_success(client, DEFAULT_DEADLINE)?;
    launcher.shutdown()?;
    Ok(())
}

fn main() -> std::process::ExitCode {
    examples::init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None => run_all(),
        Some("server") => server(),
        Some("client") => args
            .get(1)
            .map_or(Ok(16), |n| n.parse().context("SIZE_MIB must be a number"))
            .and_then(client),
        Some("servicemanager") => return examples::launch::servicemanager_role(&args[1..]),
        Some(other) => Err(anyhow::anyhow!(
            "unknown role {other:?}: use `server`, `client [SIZE_MIB]`, or nothing"
        )),
    };
    examples::exit(result)
}
