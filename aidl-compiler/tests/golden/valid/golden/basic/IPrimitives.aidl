package golden.basic;

interface IPrimitives {
    boolean flip(boolean b);
    byte nextByte(byte b);
    char upper(char c);
    int addInt(int a, int b);
    long addLong(long a, long b);
    float half(float f);
    double twice(double d);
    void takeAll(in boolean z, in byte b, in char c, in int i, in long l, in float f, in double d);
}
