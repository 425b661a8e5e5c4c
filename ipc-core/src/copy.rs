//! Bulk byte copies that avoid a CPU pitfall.
//!
//! On the AMD EPYC machines we measure on, glibc's `memcpy` of more than a few KiB
//! (its `rep movsb` path) runs at about 3.5 GB/s instead of 100 GB/s when the
//! destination lies 1 to 63 bytes after the source modulo 4 KiB (4K aliasing: every
//! load seems to depend on the store just made), and several times slower up to
//! about 128 bytes. Whether two buffers fall in that window is luck (where malloc
//! put them, where a frame lies in the ring), so a process could be three times
//! slower than the next one on the same payloads (a 16 KiB echo took 6 or 21 µs
//! depending on the run). In that window we copy in 1 KiB pieces, which take
//! glibc's vector loop and run at about 50 GB/s whatever the alignment. (Copies made
//! by user code, such as a service's `to_vec`, can still fall in the window.)

/// Destination offsets (after the source, modulo 4 KiB) that are slow to copy to.
const ALIAS_WINDOW: usize = 128;
/// The piece size used in that window.
const PIECE: usize = 1024;

/// Whether copying `len` bytes from `src` to `dst` falls in the slow window.
#[inline]
pub(crate) fn aliased(dst: usize, src: usize, len: usize) -> bool {
    let delta = dst.wrapping_sub(src) % 4096;
    len > PIECE && delta != 0 && delta < ALIAS_WINDOW
}

/// `dst.copy_from_slice(src)`.
#[inline]
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    if aliased(dst.as_ptr() as usize, src.as_ptr() as usize, src.len()) {
        for (d, s) in dst.chunks_mut(PIECE).zip(src.chunks(PIECE)) {
            d.copy_from_slice(s);
        }
    } else {
        dst.copy_from_slice(src);
    }
}

/// `dst.extend_from_slice(src)`.
#[inline]
pub(crate) fn extend(dst: &mut Vec<u8>, src: &[u8]) {
    dst.reserve(src.len());
    let at = dst.as_ptr() as usize + dst.len();
    if aliased(at, src.as_ptr() as usize, src.len()) {
        for piece in src.chunks(PIECE) {
            dst.extend_from_slice(piece);
        }
    } else {
        dst.extend_from_slice(src);
    }
}

/// `src.to_vec()`.
#[inline]
pub(crate) fn to_vec(src: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(src.len());
    extend(&mut v, src);
    v
}

/// The piece size for a copy of `len` bytes from `src` to `dst`: `len` itself, or
/// [`PIECE`] in the slow window (for copies through raw pointers, in `sys`).
#[inline]
pub(crate) fn piece(dst: usize, src: usize, len: usize) -> usize {
    if aliased(dst, src, len) {
        PIECE
    } else {
        len.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alignment_copies_every_byte() {
        let src: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
        for offset in [0, 1, 8, 63, 64, 127, 128, 4095] {
            for len in [0, 1, 1024, 1025, 5000, 19_000] {
                let mut buf = vec![0u8; 20_000 + 4096 + 128];
                // Place the destination `offset` bytes after the source mod 4 KiB.
                let base = buf.as_ptr() as usize;
                let want = (src.as_ptr() as usize + offset) % 4096;
                let start = (want + 4096 - base % 4096) % 4096;
                let dst = &mut buf[start..start + len];
                copy(dst, &src[..len]);
                assert_eq!(dst, &src[..len], "copy, offset {offset}, len {len}");
                let mut v = Vec::new();
                extend(&mut v, &src[..len]);
                assert_eq!(v, &src[..len]);
                assert_eq!(to_vec(&src[..len]), &src[..len]);
            }
        }
    }

    #[test]
    fn only_the_slow_window_is_cut_into_pieces() {
        assert!(aliased(4096 + 8, 4096, 4096));
        assert!(
            aliased(3 * 4096 + 100, 4096 + 40, 4096),
            "any page, same offsets"
        );
        assert!(!aliased(8, 0, 1024), "short copies stay whole");
        assert!(!aliased(4096, 0, 8192), "same offset in the page");
        assert!(!aliased(200, 0, 8192));
        assert!(!aliased(0, 8, 8192), "destination before the source");
        assert_eq!(piece(8, 0, 5000), PIECE);
        assert_eq!(piece(300, 0, 5000), 5000);
    }
}
