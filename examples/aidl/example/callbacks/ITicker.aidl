package example.callbacks;

import example.callbacks.ITickListener;

/** Sends a tick to every registered listener, from a thread of its own. */
interface ITicker {
    void registerListener(ITickListener listener);
    void unregisterListener(ITickListener listener);
    /** How many listeners are registered now. */
    int listenerCount();
}
