package golden.types;

import golden.basic.IPrimitives;

/** Fields without a Rust default become Options; extensions ride in a holder. */
parcelable Holder {
    IBinder binder;
    @nullable IBinder maybeBinder;
    IPrimitives service;
    ParcelFileDescriptor fd;
    ParcelableHolder extension;
    IBinder[] binders;
}
