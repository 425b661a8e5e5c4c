package golden.types;

/** A union; the first member is the default. */
union Shape {
    const int SIDES = 4;
    int circle = 7;
    Point[] polygon;
    @utf8InCpp String named;
    Color color;
    @nullable Shape inner;
}
