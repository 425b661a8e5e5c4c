package golden.basic;

/** Every method of a oneway interface is oneway. */
oneway interface IOneway {
    void ping();
    void send(in String msg, int n);
    void sendParcel(in golden.types.Point p);
}
