//! File descriptors in parcels, checked against the kernel: a pipe's write end goes
//! through the object table, data goes through it, and every descriptor is closed
//! exactly once — not before its owner drops, and not again after.
//!
//! `fcntl(F_GETFD)` tells whether a descriptor number is open. Descriptor numbers are
//! process-wide and reused, so the tests in this file take a lock: no other test
//! thread of this binary opens or closes descriptors while one is checking.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Mutex;

use ipc_core::{Parcel, ParcelFileDescriptor, StatusCode};

static FD_LOCK: Mutex<()> = Mutex::new(());

fn is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD only reads the descriptor table entry; any integer is acceptable and an unused one yields EBADF.
    unsafe { libc::fcntl(fd, libc::F_GETFD) != -1 }
}

/// A pipe: (read end, write end).
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: pipe2 succeeded, so both are open descriptors that nothing else owns.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// Makes `number` name a fresh descriptor (a duplicate of `of`), to detect a second
/// close of a number that was already closed once. Returns its owner.
fn occupy(number: RawFd, of: &OwnedFd) -> OwnedFd {
    assert!(!is_open(number));
    // SAFETY: both are valid descriptor numbers; `number` is free (checked above), so dup3 closes nothing that anyone owns.
    let rc = unsafe { libc::dup3(of.as_raw_fd(), number, libc::O_CLOEXEC) };
    assert_eq!(rc, number, "dup3: {}", std::io::Error::last_os_error());
    // SAFETY: dup3 just opened `number`; we are its only owner.
    unsafe { OwnedFd::from_raw_fd(number) }
}

fn read_exactly(fd: &OwnedFd, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    std::fs::File::from(fd.try_clone().unwrap())
        .read_exact(&mut buf)
        .unwrap();
    buf
}

#[test]
fn a_pipe_write_end_travels_and_is_closed_exactly_once() {
    let _guard = FD_LOCK.lock().unwrap();
    let (read_end, write_end) = pipe();
    let raw = write_end.as_raw_fd();

    let mut parcel = Parcel::new();
    parcel.write_i32(1);
    parcel.write_owned_fd(write_end).unwrap(); // given to the parcel, not duplicated
    parcel.write_i32(2);
    assert!(is_open(raw));

    parcel.set_data_position(0).unwrap();
    assert_eq!(parcel.read_i32(), Ok(1));
    let pfd: ParcelFileDescriptor = parcel.read().unwrap();
    assert_eq!(parcel.read_i32(), Ok(2));
    assert_eq!(
        pfd.as_raw_fd(),
        raw,
        "reading moves the same descriptor out"
    );

    // Reading the same descriptor twice fails.
    parcel.set_data_position(4).unwrap();
    assert_eq!(
        parcel.read_file_descriptor().map(drop),
        Err(StatusCode::BAD_VALUE)
    );

    // Data goes through.
    std::fs::File::from(pfd.try_clone().unwrap().into_inner())
        .write_all(b"through the parcel")
        .unwrap();
    assert_eq!(read_exactly(&read_end, 18), b"through the parcel");

    // The parcel no longer owns it: dropping the parcel leaves it open.
    drop(parcel);
    assert!(is_open(raw));
    // The value owns it: dropping the value closes it.
    drop(pfd);
    assert!(!is_open(raw));
}

#[test]
fn an_fd_moved_out_is_not_closed_again_by_the_parcel() {
    let _guard = FD_LOCK.lock().unwrap();
    let (read_end, write_end) = pipe();
    let raw = write_end.as_raw_fd();
    let mut parcel = Parcel::new();
    parcel.write_owned_fd(write_end).unwrap();
    parcel.set_data_position(0).unwrap();
    let taken = parcel.read_file_descriptor().unwrap().unwrap();
    drop(taken);
    assert!(!is_open(raw));
    // Reuse the number, then drop the parcel: a second close would hit the new owner.
    let reused = occupy(raw, &read_end);
    drop(parcel);
    assert!(
        is_open(raw),
        "the parcel closed a descriptor it had given away"
    );
    drop(reused);
}

#[test]
fn an_unread_fd_is_closed_by_the_parcel_exactly_once() {
    let _guard = FD_LOCK.lock().unwrap();
    let (read_end, write_end) = pipe();
    let raw = write_end.as_raw_fd();
    let mut parcel = Parcel::new();
    parcel.write_owned_fd(write_end).unwrap();
    assert!(is_open(raw));
    drop(parcel);
    assert!(!is_open(raw));

    // `clear` closes too, and the parcel stays usable.
    let (_, write_end) = pipe();
    let raw = write_end.as_raw_fd();
    let mut parcel = Parcel::new();
    parcel.write_owned_fd(write_end).unwrap();
    parcel.clear();
    assert!(!is_open(raw));
    let reused = occupy(raw, &read_end);
    parcel.write_i32(3);
    drop(parcel);
    assert!(is_open(raw), "clear left the descriptor to be closed again");
    drop(reused);
}

#[test]
fn writing_a_borrowed_fd_duplicates_it() {
    let _guard = FD_LOCK.lock().unwrap();
    let (read_end, write_end) = pipe();
    let mut parcel = Parcel::new();
    parcel.write(&ParcelFileDescriptor::new(write_end)).unwrap();
    // The temporary ParcelFileDescriptor is gone; the parcel's duplicate still works.
    parcel.set_data_position(0).unwrap();
    let dup = parcel.read_file_descriptor().unwrap().unwrap();
    std::fs::File::from(dup).write_all(b"dup").unwrap();
    assert_eq!(read_exactly(&read_end, 3), b"dup");
}

#[test]
fn append_from_duplicates_fds_and_each_copy_closes_its_own() {
    let _guard = FD_LOCK.lock().unwrap();
    let (read_end, write_end) = pipe();
    let raw = write_end.as_raw_fd();
    let mut source = Parcel::new();
    source.write_owned_fd(write_end).unwrap();
    let mut copy = Parcel::new();
    copy.write_i32(9);
    copy.append_from(&source, 0, source.data_size()).unwrap();
    assert_eq!(copy.object_count(), 1);

    copy.set_data_position(4).unwrap();
    let copied = copy.read_file_descriptor().unwrap().unwrap();
    let copied_raw = copied.as_raw_fd();
    assert_ne!(copied_raw, raw);
    std::fs::File::from(copied).write_all(b"c").unwrap();
    assert!(!is_open(copied_raw));
    assert!(is_open(raw), "closing the copy closed the original");
    assert_eq!(read_exactly(&read_end, 1), b"c");
    drop(copy);
    assert!(is_open(raw));
    drop(source);
    assert!(!is_open(raw));
}

#[test]
fn a_forged_slot_index_at_a_wrong_offset_is_rejected() {
    let _guard = FD_LOCK.lock().unwrap();
    let (_read_end, write_end) = pipe();
    let raw = write_end.as_raw_fd();
    let mut parcel = Parcel::new();
    parcel.write_owned_fd(write_end).unwrap(); // slot 0 at offset 0
    parcel.write_i32(0); // "slot 0" again at offset 4: forged
    parcel.set_data_position(4).unwrap();
    assert_eq!(
        parcel.read_file_descriptor().map(drop),
        Err(StatusCode::BAD_VALUE)
    );
    assert!(
        is_open(raw),
        "a failed read must not give away or close the fd"
    );
    parcel.set_data_position(0).unwrap();
    let fd = parcel.read_file_descriptor().unwrap().unwrap();
    assert_eq!(fd.as_raw_fd(), raw);
}
