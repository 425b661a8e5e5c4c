package example.app;

import example.app.IClockListener;

/** Pushes ticks to subscribers (oneway), each at its own period. */
interface IClock {
    long nowMillis();
    void subscribe(IClockListener listener, int periodMillis);
    void unsubscribe(IClockListener listener);
}
