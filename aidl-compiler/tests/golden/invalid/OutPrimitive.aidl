interface OutPrimitive {
    void get(out int x, inout String s, out IBinder b);
}
