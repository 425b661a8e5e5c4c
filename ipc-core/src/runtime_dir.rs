//! The per-user runtime directory (DESIGN §5): where the service manager's socket
//! lives unless told otherwise.
//!
//! `$BINDER_IPC_DIR` if set, else `$XDG_RUNTIME_DIR/binder-ipc`, else
//! `/tmp/binder-ipc-<uid>`. [`runtime_dir`] creates it with mode 0700 and refuses
//! one that is not a real directory, belongs to another user, or is group- or
//! world-writable: anyone who can write there could put a socket of their own in
//! place of the service manager's.
//!
//! ```no_run
//! let dir = ipc_core::runtime_dir::runtime_dir()?;
//! println!("sockets live in {}", dir.display());
//! # Ok::<(), ipc_core::runtime_dir::RuntimeDirError>(())
//! ```

use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Overrides the runtime directory.
pub const ENV_DIR: &str = "BINDER_IPC_DIR";
/// Overrides the service manager's socket path.
pub const ENV_SERVICEMANAGER: &str = "BINDER_IPC_SERVICEMANAGER";
/// The service manager's socket file name inside the runtime directory.
pub const SERVICEMANAGER_SOCKET: &str = "servicemanager.sock";

/// Why the runtime directory cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeDirError {
    /// Creating or inspecting it failed.
    #[error("runtime directory {path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// It exists but is not a directory (a symlink counts: it is not followed).
    #[error("runtime directory {0} is not a directory")]
    NotADirectory(PathBuf),
    /// It belongs to another user.
    #[error("runtime directory {path} is owned by uid {owner}, not by uid {me}")]
    WrongOwner {
        /// The directory.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// This process's effective uid.
        me: u32,
    },
    /// Others than its owner may write in it.
    #[error("runtime directory {path} has mode {mode:04o}: group or others may write to it")]
    Writable {
        /// The directory.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
}

/// Where the runtime directory is, by the rules above, without touching the file
/// system.
pub fn runtime_dir_path() -> PathBuf {
    if let Some(dir) = std::env::var_os(ENV_DIR).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(xdg) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return Path::new(&xdg).join("binder-ipc");
    }
    PathBuf::from(format!(
        "/tmp/binder-ipc-{}",
        nix::unistd::geteuid().as_raw()
    ))
}

/// The runtime directory, created (mode 0700) if missing and checked: a real
/// directory, owned by this process's effective uid, not group- or world-writable.
pub fn runtime_dir() -> Result<PathBuf, RuntimeDirError> {
    let path = runtime_dir_path();
    ensure_private_dir(&path)?;
    Ok(path)
}

/// The default path of the service manager's socket:
/// `$BINDER_IPC_SERVICEMANAGER`, else `<runtime dir>/servicemanager.sock`. Does not
/// create or check the directory (see [`runtime_dir`]).
pub fn default_servicemanager_path() -> PathBuf {
    if let Some(path) = std::env::var_os(ENV_SERVICEMANAGER).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    runtime_dir_path().join(SERVICEMANAGER_SOCKET)
}

/// Creates `path` with mode 0700 if it does not exist, then checks it as
/// [`runtime_dir`] does.
pub fn ensure_private_dir(path: &Path) -> Result<(), RuntimeDirError> {
    let io = |source| RuntimeDirError::Io {
        path: path.to_owned(),
        source,
    };
    match std::fs::DirBuilder::new()
        .recursive(false)
        .mode(0o700)
        .create(path)
    {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A missing parent (`$BINDER_IPC_DIR=/run/user/x/a/b`): make the chain.
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(path)
                .map_err(io)?;
        }
        Err(e) => return Err(io(e)),
    }
    check_private_dir(path)
}

/// Checks that `path` is a directory owned by this process's effective uid that
/// neither its group nor others may write to.
pub fn check_private_dir(path: &Path) -> Result<(), RuntimeDirError> {
    let meta = std::fs::symlink_metadata(path).map_err(|source| RuntimeDirError::Io {
        path: path.to_owned(),
        source,
    })?;
    if !meta.file_type().is_dir() {
        return Err(RuntimeDirError::NotADirectory(path.to_owned()));
    }
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me {
        return Err(RuntimeDirError::WrongOwner {
            path: path.to_owned(),
            owner: meta.uid(),
            me,
        });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(RuntimeDirError::Writable {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("ipc-core-rtdir-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn creates_a_private_directory_with_parents() {
        let base = scratch("create");
        let dir = base.join("a/b");
        ensure_private_dir(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
        // A second call accepts what the first made.
        ensure_private_dir(&dir).unwrap();
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn refuses_a_world_writable_directory() {
        let dir = scratch("writable");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = ensure_private_dir(&dir).unwrap_err();
        assert!(
            matches!(err, RuntimeDirError::Writable { mode: 0o777, .. }),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_a_symlink_and_a_file() {
        let dir = scratch("symlink");
        std::fs::create_dir(&dir).unwrap();
        let target = dir.join("target");
        std::fs::create_dir(&target).unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o700)).unwrap();
        let link = dir.join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(matches!(
            ensure_private_dir(&link),
            Err(RuntimeDirError::NotADirectory(_))
        ));
        let file = dir.join("file");
        std::fs::write(&file, b"").unwrap();
        assert!(matches!(
            check_private_dir(&file),
            Err(RuntimeDirError::NotADirectory(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_a_directory_of_another_user() {
        // Only root can make a directory owned by someone else.
        if !nix::unistd::geteuid().is_root() {
            eprintln!("skipped: needs root to chown a directory to another uid");
            return;
        }
        let dir = scratch("owner");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        assert!(matches!(
            check_private_dir(&dir),
            Err(RuntimeDirError::WrongOwner { owner: 65534, .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
