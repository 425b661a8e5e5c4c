//! Big parcel buffers are recycled. A fresh buffer of a megabyte or more is, with
//! glibc's defaults, a fresh mapping whose every page faults on first touch and is
//! unmapped again when freed; a process exchanging big parcels would pay that on
//! every call. Buffers of at least [`BIG`] bytes are kept (a few, bounded in total)
//! when a parcel or a sent frame is done with them, and handed out again for the
//! next big frame or parcel.

use parking_lot::Mutex;

/// Buffers this big or bigger are worth keeping.
pub(crate) const BIG: usize = 64 * 1024;
/// The most buffers kept.
const KEEP: usize = 8;
/// The most bytes kept in all.
const KEEP_BYTES: usize = 192 * 1024 * 1024;

static POOL: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// An empty buffer with room for at least `capacity` bytes, recycled when one fits.
pub(crate) fn take(capacity: usize) -> Vec<u8> {
    take_within(capacity, usize::MAX)
}

/// [`take`] for a buffer handed to user code (a received byte array becomes the
/// caller's `Vec<u8>`): a kept one only if it is at most twice as big as needed, so
/// a small array does not carry a big buffer's memory away.
pub(crate) fn take_for_user(capacity: usize) -> Vec<u8> {
    take_within(capacity, capacity.saturating_mul(2))
}

fn take_within(capacity: usize, most: usize) -> Vec<u8> {
    if capacity >= BIG {
        let mut pool = POOL.lock();
        // The smallest kept buffer that fits.
        let best = pool
            .iter()
            .enumerate()
            .filter(|(_, b)| (capacity..=most).contains(&b.capacity()))
            .min_by_key(|(_, b)| b.capacity());
        if let Some((i, _)) = best {
            return pool.swap_remove(i);
        }
    }
    Vec::with_capacity(capacity)
}

/// Gives a buffer back for reuse (small ones are simply freed).
pub(crate) fn give(mut buf: Vec<u8>) {
    if buf.capacity() < BIG {
        return;
    }
    buf.clear();
    let mut pool = POOL.lock();
    let kept: usize = pool.iter().map(Vec::capacity).sum();
    if pool.len() < KEEP && kept + buf.capacity() <= KEEP_BYTES {
        pool.push(buf);
    } else if let Some(smallest) = (0..pool.len()).min_by_key(|&i| pool[i].capacity())
        && pool[smallest].capacity() < buf.capacity()
        && kept - pool[smallest].capacity() + buf.capacity() <= KEEP_BYTES
    {
        // Prefer keeping bigger buffers: they are the expensive ones.
        pool[smallest] = buf;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_buffer_is_never_much_bigger_than_asked() {
        give(Vec::with_capacity(8 << 20));
        let v = take_for_user(100_000);
        assert!(
            (100_000..=200_000).contains(&v.capacity()),
            "{}",
            v.capacity()
        );
        let w = take(100_000);
        assert!(w.capacity() >= 100_000);
    }
}
