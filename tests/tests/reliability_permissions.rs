//! Permissions: the runtime directory is private (created 0700; refused when group-
//! or world-writable, owned by another user, or not a real directory); a process of
//! another uid cannot reach a process's private address without a reference to one
//! of its objects, nor find or register services the policy does not grant it, but
//! can call a service the policy lets it find; object ids without their tokens
//! reach nothing.
//!
//! The other-uid tests fork a child that runs as uid 65534 (needs root: CI runs as
//! root); without root they say SKIPPED on stderr.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use integration_tests::reliability::raw::{self, RawPeer};
use integration_tests::reliability::soak::Rng;
use integration_tests::reliability::{ADD_ONE, Server, Watchdog, is_root, skip};
use integration_tests::sm::Scratch;
use ipc_core::runtime_dir::{RuntimeDirError, check_private_dir, ensure_private_dir};

#[test]
fn child_main() {
    integration_tests::sm::child_main();
    integration_tests::reliability::child_main();
}

const NOBODY: u32 = 65534;

fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rel-perm-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_runtime_directory_is_private_and_unsafe_ones_are_refused() {
    let base = scratch_dir("rtdir");
    std::fs::create_dir(&base).unwrap();
    // Created 0700, parents included.
    let dir = base.join("a/binder-ipc");
    ensure_private_dir(&dir).unwrap();
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    // Group- or world-writable: refused, whatever the other bits.
    for bad in [0o770, 0o702, 0o777, 0o720] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(bad)).unwrap();
        let err = ensure_private_dir(&dir).unwrap_err();
        assert!(
            matches!(err, RuntimeDirError::Writable { .. }),
            "{bad:o}: {err}"
        );
    }
    // Readable by others but not writable: accepted (only writers could plant a socket).
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    check_private_dir(&dir).unwrap();
    // A symlink to a good directory, and a file: refused.
    let link = base.join("link");
    std::os::unix::fs::symlink(&dir, &link).unwrap();
    assert!(matches!(
        ensure_private_dir(&link),
        Err(RuntimeDirError::NotADirectory(_))
    ));
    let file = base.join("file");
    std::fs::write(&file, b"").unwrap();
    assert!(matches!(
        ensure_private_dir(&file),
        Err(RuntimeDirError::NotADirectory(_))
    ));
    // Another user's directory: refused (root can make one).
    if is_root() {
        let theirs = base.join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&theirs, Some(NOBODY), Some(NOBODY)).unwrap();
        let err = ensure_private_dir(&theirs).unwrap_err();
        assert!(
            matches!(err, RuntimeDirError::WrongOwner { owner: NOBODY, .. }),
            "{err}"
        );
    } else {
        skip("the_runtime_directory...: the foreign-owner case needs root to chown");
    }
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn the_service_manager_refuses_an_unsafe_runtime_directory() {
    let _w = Watchdog::new("sm-rtdir", 60);
    let dir = scratch_dir("sm-rtdir");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    // The daemon finds its socket in $BINDER_IPC_DIR when given no --socket.
    let daemon = integration_tests::sm::Spawn::role("daemon")
        .env("BINDER_IPC_DIR", &dir)
        .args(&["--foreground"])
        .start();
    let (code, out) = daemon.finish(30);
    assert_ne!(code, 0, "the daemon must not start: {out}");
    assert!(out.contains("group or others may write"), "{out}");
    assert!(!dir.join("servicemanager.sock").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs a child of (a world-executable copy of) this test binary as uid 65534.
fn run_as_nobody(dir: &Path, role: &str, env: &[(&str, String)]) -> String {
    let copy = integration_tests::exec::copy_of_this_binary(dir, "rel-test-bin");
    let mut cmd = Command::new(&copy);
    cmd.args(["--exact", "child_main", "--nocapture", "--test-threads=1"])
        .env("REL_ROLE", role)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .uid(NOBODY)
        .gid(NOBODY);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = integration_tests::exec::spawn(&mut cmd)
        .and_then(|child| child.wait_with_output())
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && text.contains(&format!("uid={NOBODY}")),
        "the uid-{NOBODY} child failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn outcome<'a>(out: &'a str, case: &str) -> &'a str {
    let prefix = format!("{case} -> ");
    out.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no outcome for {case} in {out}"))
}

#[test]
fn another_uid_reaches_a_private_address_only_with_a_reference() {
    if !is_root() {
        skip("another_uid_reaches_a_private_address_only_with_a_reference: needs root to setuid");
        return;
    }
    let _w = Watchdog::new("other-uid-address", 60);
    let dir = scratch_dir("other-uid");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let server = Server::start("other-uid", &[]);
    // The socket file is ours (0755 or stricter after umask): others cannot connect.
    let peer = RawPeer::connect(&server.path);
    let token: String = peer.token.iter().map(|b| format!("{b:02x}")).collect();
    let out = run_as_nobody(
        &dir,
        "other_uid_raw",
        &[
            (
                "REL_ADDRESS",
                String::from_utf8(peer.address.clone()).unwrap(),
            ),
            ("REL_ID", peer.id.to_string()),
            ("REL_TOKEN", token),
            ("REL_SOCKET", server.path.display().to_string()),
        ],
    );
    eprintln!("{out}");
    for case in ["no introduction", "guessed token", "unknown object"] {
        let said = outcome(&out, case);
        assert!(
            said.starts_with("refused:") && said.contains("may not connect"),
            "{case}: {said}"
        );
    }
    assert_eq!(outcome(&out, "real reference"), "admitted");
    let socket_mode = std::fs::metadata(&server.path)
        .unwrap()
        .permissions()
        .mode();
    if socket_mode & 0o002 == 0 {
        assert!(
            outcome(&out, "socket path").contains("ermission denied"),
            "{out}"
        );
    }
    assert!(server.log_text().contains("may not connect"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn another_uid_finds_and_calls_only_what_the_policy_allows() {
    if !is_root() {
        skip("another_uid_finds_and_calls_only_what_the_policy_allows: needs root to setuid");
        return;
    }
    let _w = Watchdog::new("other-uid-sm", 90);
    let scratch = Scratch::new("rel-other-uid-sm");
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let policy = scratch.path().join("policy.conf");
    std::fs::write(&policy, "find rel.shared.* *\n").unwrap();
    let _daemon = scratch.daemon(&["--policy", policy.to_str().unwrap()]);
    let _shared = scratch.server("rel.shared.ok,rel.private.x", false);
    let out = run_as_nobody(
        scratch.path(),
        "other_uid_sm",
        &[("SM_TEST_SOCKET", scratch.socket().display().to_string())],
    );
    eprintln!("{out}");
    assert_eq!(
        outcome(&out, "find and call"),
        "Ok(42)",
        "policy allows find: the call works"
    );
    assert!(outcome(&out, "find private").contains("SECURITY"), "{out}");
    assert!(outcome(&out, "add").contains("SECURITY"), "{out}");
}

#[test]
fn guessing_object_ids_without_tokens_reaches_nothing() {
    let _w = Watchdog::new("guess", 120);
    let server = Server::start("guess", &[]);
    // The server exports a few objects (its root, and one per NEW_OBJECT call held
    // by our connection), so some ids exist.
    let root = ipc_core::connect(&server.path).unwrap();
    let held: Vec<_> = (0..8)
        .map(|i| {
            let mut data = ipc_core::Parcel::new();
            data.write(&i).unwrap();
            root.transact(integration_tests::reliability::NEW_OBJECT, data, 0)
                .unwrap()
                .read::<ipc_core::SpIBinder>()
                .unwrap()
        })
        .collect();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let (mut cut_off, mut dead) = (0, 0);
    let mut peer = RawPeer::connect(&server.path);
    for guess in 0..1000u64 {
        let id = 1 + guess % 40;
        let mut token = [0u8; 16];
        token.iter_mut().for_each(|b| *b = rng.next_u64() as u8);
        let txn = peer.txn();
        let frame = raw::transaction(txn, id, token, ADD_ONE, 0, &raw::ints(&[1]));
        if !peer.send(&frame) {
            peer = RawPeer::connect(&server.path);
            continue;
        }
        match raw::read_frame(&mut peer.stream) {
            Some((raw::REPLY, _, body)) => match raw::reply_result(&body) {
                Err(-32) => dead += 1,
                other => panic!("a guessed token reached object {id}: {other:?}"),
            },
            _ => {
                cut_off += 1;
                peer = RawPeer::connect(&server.path);
            }
        }
    }
    eprintln!(
        "1000 guesses: {cut_off} cut off (wrong token), {dead} DEAD_OBJECT (no such id), none answered"
    );
    assert!(
        cut_off >= 9,
        "every existing id guessed was refused with a closed connection"
    );
    assert!(server.log_text().contains("wrong token"));
    drop(held);
}
