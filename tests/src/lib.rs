//! Shared helpers for the end-to-end tests in `tests/tests/`.
#![deny(unsafe_code)]

// The generated tree of the aidl-compiler golden corpus (built by build.rs).
include!(concat!(env!("OUT_DIR"), "/aidl.rs"));

/// The Rust side of `golden.types.Native` (`rust_type "crate::native::Native"`).
pub mod native {
    #[derive(Debug, Default)]
    pub struct Native(pub i32);

    impl ipc_core::Parcelable for Native {
        fn write_to_parcel(&self, parcel: &mut ipc_core::Parcel) -> ipc_core::Result<()> {
            parcel.write(&self.0)
        }
        fn read_from_parcel(&mut self, parcel: &mut ipc_core::Parcel) -> ipc_core::Result<()> {
            self.0 = parcel.read()?;
            Ok(())
        }
    }
    ipc_core::impl_parcelable!(Native);
}

pub mod everything;
pub mod reliability;
pub mod sm;

/// Running a copy of the test binary as another user (uid 65534 cannot always
/// reach `target/`).
pub mod exec {
    use std::io;
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command};
    use std::time::{Duration, Instant};

    /// A world-executable copy of the running test binary at `dir/name` (made
    /// once; later calls reuse it).
    pub fn copy_of_this_binary(dir: &Path, name: &str) -> PathBuf {
        let copy = dir.join(name);
        if !copy.exists() {
            let tmp = dir.join(format!("{name}.part"));
            std::fs::copy(std::env::current_exe().expect("current exe"), &tmp)
                .expect("copy the test binary");
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
                .expect("make the copy executable");
            std::fs::rename(&tmp, &copy).expect("move the copy in place");
        }
        copy
    }

    /// `cmd.spawn()`, retried while the kernel says `ETXTBSY`: another test
    /// thread may fork while the copy's write descriptor is open, and its child
    /// holds that descriptor until it calls exec (close-on-exec), so a freshly
    /// written binary can be briefly "busy".
    pub fn spawn(cmd: &mut Command) -> io::Result<Child> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match cmd.spawn() {
                Err(e)
                    if e.kind() == io::ErrorKind::ExecutableFileBusy
                        && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }
}
