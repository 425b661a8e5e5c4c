package example.callbacks;

/** Implemented by the client; the server calls it. `oneway`: the server does not wait. */
oneway interface ITickListener {
    void onTick(int seq);
}
