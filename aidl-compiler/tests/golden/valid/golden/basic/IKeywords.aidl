package golden.basic;

/** Names that are Rust keywords or collide with generated locals. */
interface IKeywords {
    const int type = 1;
    void move(int fn, in String match);
    int data(int data, int reply, int ret);
    void self(int self);
    parcelable impl {
        int mod;
        String where;
    }
}
