package golden.types;

/** A point on the plane. */
parcelable Point {
    const int ORIGIN_X = 0;
    /** Horizontal. */
    int x = ORIGIN_X;
    /** Vertical. */
    int y;
}
