package android.os;

/** Told about a name (see IServiceManager.registerForNotifications). */
oneway interface IServiceCallback {
    /** `name` was registered (or re-registered) as `binder`. */
    void onRegistration(@utf8InCpp String name, IBinder binder);

    /**
     * The process of the service registered as `name` died, and its entry is gone.
     * (Not in Android's interface, where clients link to the service's death.)
     */
    void onServiceDied(@utf8InCpp String name);
}
