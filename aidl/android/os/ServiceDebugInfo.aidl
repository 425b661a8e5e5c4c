package android.os;

/** One registry entry, for `servicectl dump`. */
parcelable ServiceDebugInfo {
    @utf8InCpp String name;
    /** The interface descriptor the service answered when it was registered. */
    @utf8InCpp String descriptor;
    /** The registering process (SO_PEERCRED). */
    int debugPid;
    int uid;
    /** When it was registered, milliseconds since the Unix epoch. */
    long registeredAtMillis;
    int dumpPriority;
    boolean allowIsolated;
}
