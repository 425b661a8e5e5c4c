package golden.types;

/** A generic parcelable. */
parcelable Pair<A, B> {
    A first;
    B second;
    List<A> firsts;
}
