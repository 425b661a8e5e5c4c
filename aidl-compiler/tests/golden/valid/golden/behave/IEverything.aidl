package golden.behave;

/** Exercises every argument kind through a proxy and a stub. */
interface IEverything {
    const int ERROR_ASKED = 42;

    boolean prims(boolean z, byte b, char c, int i, long l, float f, double d);
    String strings(in String s, @nullable String n, @utf8InCpp String u);
    @nullable String nullableRet(boolean give);
    int[] arrays(in int[] a, out int[] doubled, inout String[] strs, in byte[] bytes);
    List<String> lists(in List<String> l, out List<Item> items);
    @nullable int[] nullableArrays(in @nullable int[] a, out @nullable int[] b);
    @nullable byte[] nullableBytes(in @nullable byte[] a, in byte[] b);
    int[2][3] fixed(in int[2][3] m, out long[4] f);
    Item parcelables(in Item a, out Item b, inout Item c, in @nullable Item d);
    Payload unions(in Payload p, out Payload q);
    Kind enums(Kind k, in Kind[] ks, out Kind[] out1);
    int interfaces(ICallback cb, @nullable ICallback none, int v);
    ICallback echoCallback(ICallback cb);
    IBinder binders(IBinder b);
    ParcelFileDescriptor fds(in ParcelFileDescriptor fd);
    void fail(int code, @utf8InCpp String message);
    oneway void fire(int seq);
    int fired();
    /** A request and a reply ending with a nullable byte array (big ones travel apart). */
    @nullable byte[] maybeBytes(int tag, in @nullable byte[] data);
    oneway void fireBytes(in @nullable byte[] data);
    long bytesFired();
}
