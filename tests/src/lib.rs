//! Shared helpers for the end-to-end tests in `tests/tests/`.
#![deny(unsafe_code)]

pub mod sm;
