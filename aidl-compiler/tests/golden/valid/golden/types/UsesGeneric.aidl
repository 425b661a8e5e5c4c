package golden.types;

parcelable UsesGeneric {
    Pair<String, Point> named;
    Pair<Point, Pair<String, String>> nested;
}
