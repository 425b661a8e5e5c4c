//! Randomness for tokens and addresses, from the operating system.

/// Fills `buf` with random bytes from the kernel (`getrandom(2)`).
pub(crate) fn fill(buf: &mut [u8]) {
    // getrandom(2) only fails on kernels older than 3.17 or with a broken seccomp
    // policy; without it no capability token can be made safely, so stopping is the
    // only sound answer.
    if let Err(e) = getrandom::fill(buf) {
        tracing::error!(error = %e, "the kernel gives no randomness; cannot make object tokens");
        std::process::abort();
    }
}
