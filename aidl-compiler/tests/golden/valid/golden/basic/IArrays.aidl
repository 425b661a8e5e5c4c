package golden.basic;

import golden.types.Point;

interface IArrays {
    byte[] bytes(in byte[] b);
    int[] ints(in int[] a, out int[] b, inout int[] c);
    @nullable long[] maybeLongs(in @nullable long[] a, out @nullable long[] b);
    boolean[] bools(in boolean[] z);
    char[] chars(in char[] c);
    float[] floats(in float[] f);
    double[] doubles(in double[] d);
    Point[] points(in Point[] p, out Point[] q);
    @nullable Point[] maybePoints(in @nullable Point[] p);
    List<Point> pointList(in List<Point> p, out List<Point> q);
    int[3] fixed(in int[3] a, out int[3] b, inout int[3] c);
    int[2][3] matrix(in int[2][3] m);
    byte[40] big(in byte[40] b);
    IBinder[] binders(in IBinder[] b);
}
