import golden.types.Point;

interface MissingDirection {
    void take(Point p, int[] values, List<String> names);
}
