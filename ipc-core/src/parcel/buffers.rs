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
    if capacity >= BIG {
        let mut pool = POOL.lock();
        // The smallest kept buffer that fits.
        let best = pool
            .iter()
            .enumerate()
            .filter(|(_, b)| b.capacity() >= capacity)
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
