package golden.types;

/**
 * A documented parcelable.
 *
 * Doc comments are carried into the generated Rust.
 */
parcelable Documented {
    /** The count. */
    int count;
    // Not a doc comment.
    int plain;
    /* Not one either. */
    int other;
    /**
     * A constant, documented.
     */
    const int LIMIT = 10;
}
