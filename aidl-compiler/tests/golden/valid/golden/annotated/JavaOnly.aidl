package golden.annotated;

@JavaOnlyStableParcelable
parcelable JavaOnly rust_type "crate::native::Native";
