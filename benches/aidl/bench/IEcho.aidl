package bench;

/** What `ipc-bench` measures: one round trip per call, nothing else. */
interface IEcho {
    /** Returns `v` (the `echo_int` rows). */
    int echo(int v);
    /** Returns `data` (the `echo_bytes` rows). */
    byte[] echoBytes(in byte[] data);
    /** Counts one call (the `oneway` row). */
    oneway void push(int v);
    /**
     * Waits (at most `timeoutMs`) until `push` has run `count` times in all, and
     * returns how many times it has. A synchronous call is not ordered after the
     * caller's earlier oneway calls (they only keep their order among themselves),
     * so "all delivered" has to be waited for.
     */
    long awaitPushed(long count, int timeoutMs);
}
