//! Entry points for fuzz targets and random-input tests of code that is otherwise
//! private to this crate. Not a stable API.

/// Decodes `bytes` as one frame (header, body and any blob), the way a connection
/// does after reading it. Returns whether it decoded; never panics.
pub fn decode_frame(bytes: &[u8]) -> bool {
    let Some(header) = bytes.get(..crate::protocol::HEADER_LEN) else {
        return false;
    };
    let mut h = [0u8; crate::protocol::HEADER_LEN];
    h.copy_from_slice(header);
    if crate::protocol::decode_header(
        &h,
        crate::DEFAULT_MAX_TRANSACTION_SIZE + crate::protocol::FRAME_OVERHEAD,
    )
    .is_err()
    {
        return false;
    }
    // Splits a blob frame as a connection's reader does.
    crate::protocol::decode(bytes).is_ok()
}
