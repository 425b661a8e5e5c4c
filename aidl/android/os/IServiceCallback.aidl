package android.os;

/** Told about registrations of a name (see IServiceManager.registerForNotifications). */
oneway interface IServiceCallback {
    /** `name` was registered (or re-registered) as `binder`. */
    void onRegistration(@utf8InCpp String name, IBinder binder);
}
