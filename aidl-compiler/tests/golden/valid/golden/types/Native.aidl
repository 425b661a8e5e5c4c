package golden.types;

/** Implemented in Rust by hand; only declared here. */
parcelable Native cpp_header "native.h" rust_type "crate::native::Native";
