package golden.behave;

parcelable Item {
    int id;
    @utf8InCpp String name = "unnamed";
    @nullable Item child;
    Kind kind = Kind.SMALL;
    long[] tags;
}
