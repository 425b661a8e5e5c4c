package golden.types;

/**
 * A documented parcelable.
 *
 * Doc comments are carried into the generated Rust.
 */
parcelable Documented {
    /** The count. */
    int count;
    /**
     * Replaced by `count`.
     * @deprecated use count
     */
    int oldCount;
    // Not a doc comment.
    int plain;
    /* Not one either. */
    int other;
    /**
     * A constant, documented.
     */
    const int LIMIT = 10;
}
