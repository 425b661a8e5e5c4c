/*
 * The service manager: the process-wide name registry (Android's
 * frameworks/native/cmds/servicemanager, for plain Linux). Every name is
 * [A-Za-z0-9._/-]{1,127}; access is decided by the daemon's policy file
 * with the caller's SO_PEERCRED uid (see docs/SERVICEMANAGER.md).
 */
package android.os;

import android.os.IServiceCallback;
import android.os.ServiceDebugInfo;

interface IServiceManager {
    /** Dump priorities, as Android's (listServices filters on them). */
    const int DUMP_FLAG_PRIORITY_CRITICAL = 1 << 0;
    const int DUMP_FLAG_PRIORITY_HIGH = 1 << 1;
    const int DUMP_FLAG_PRIORITY_NORMAL = 1 << 2;
    /** Services registered without a priority get this one. */
    const int DUMP_FLAG_PRIORITY_DEFAULT = 1 << 3;
    const int DUMP_FLAG_PRIORITY_ALL = DUMP_FLAG_PRIORITY_CRITICAL | DUMP_FLAG_PRIORITY_HIGH
            | DUMP_FLAG_PRIORITY_NORMAL | DUMP_FLAG_PRIORITY_DEFAULT;
    const int DUMP_FLAG_PROTO = 1 << 4;

    /**
     * The service registered under `name`; when there is none, waits a short time
     * (the daemon's `--get-timeout-ms`) for one to be registered, then null.
     */
    @nullable IBinder getService(@utf8InCpp String name);

    /** The service registered under `name`, or null at once. */
    @nullable IBinder checkService(@utf8InCpp String name);

    /**
     * Registers `service` under `name`, replacing a previous registration. The
     * daemon watches the service's process and drops the entry when it dies.
     * Errors: ILLEGAL_ARGUMENT (bad name, null or dead binder), SECURITY (policy).
     */
    void addService(@utf8InCpp String name, @nullable IBinder service, boolean allowIsolated,
            int dumpPriority);

    /** The names the caller may find whose dump priority intersects `dumpPriority`. */
    @utf8InCpp String[] listServices(int dumpPriority);

    /**
     * Calls `callback` for every registration of `name` from now on, and at once
     * when `name` is already registered.
     */
    void registerForNotifications(@utf8InCpp String name, IServiceCallback callback);

    /** Undoes registerForNotifications; ILLEGAL_ARGUMENT when it was not registered. */
    void unregisterForNotifications(@utf8InCpp String name, IServiceCallback callback);

    /** Whether the policy file has an `add` rule for `name` (it is expected to appear). */
    boolean isDeclared(@utf8InCpp String name);

    /**
     * Blocks until `name` is registered and returns it; gives null after
     * `timeoutMillis` (negative: no limit). The client library's wait_for_service
     * uses notifications instead, which hold no daemon thread.
     */
    @nullable IBinder waitForService(@utf8InCpp String name, long timeoutMillis);

    /** Who registered what: one entry per service the caller may find. */
    ServiceDebugInfo[] getServiceDebugInfo();
}
