package example.app;

oneway interface IClockListener {
    /** Tick number `seq` of this subscription, at `unixMillis`. */
    void onTick(long seq, long unixMillis);
}
