import golden.types.Point;

oneway interface OnewayOut {
    void fill(out int[] values, inout Point p);
}
