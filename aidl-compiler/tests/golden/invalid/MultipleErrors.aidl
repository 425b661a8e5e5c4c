import golden.types.Point;

/** Every error in a file is reported, not just the first. */
interface MultipleErrors {
    oneway Point get();
    void put(Point p);
    @nullable int count();
    void dup();
    void dup();
    const byte TOO_BIG = 1000;
}
