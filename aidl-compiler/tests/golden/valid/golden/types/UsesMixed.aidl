package golden.types;

parcelable UsesMixed {
    Mixed<String> strings;
    @nullable Mixed<Point> points;
}
