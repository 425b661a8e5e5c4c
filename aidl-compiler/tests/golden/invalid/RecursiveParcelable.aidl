parcelable RecursiveParcelable {
    int value;
    RecursiveParcelable next;
}
