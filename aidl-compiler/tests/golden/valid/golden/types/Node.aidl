package golden.types;

/** A linked list: `@nullable` breaks the recursion with a Box. */
parcelable Node {
    int value;
    @nullable Node next;
}
