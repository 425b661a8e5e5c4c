@FixedSize
parcelable BadFixedSize {
    int ok;
    String notFixed;
    int[] alsoNot;
}
