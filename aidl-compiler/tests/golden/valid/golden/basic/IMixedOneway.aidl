package golden.basic;

interface IMixedOneway {
    oneway void notify(int what);
    int query(int what);
    oneway void notifyMany(in int[] what);
}
