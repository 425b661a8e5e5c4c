package golden.types;

import golden.basic.IPrimitives;

/** A generic union whose members have no Rust default of their own. */
union Mixed<T> {
    IBinder binder;
    IPrimitives service;
    ParcelFileDescriptor fd;
    @nullable T maybe;
    T plain;
    List<T> many;
}
