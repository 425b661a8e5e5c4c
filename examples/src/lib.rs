//! Runnable example programs; each lives in `src/bin/`.
#![deny(unsafe_code)]
