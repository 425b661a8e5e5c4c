parcelable VoidMisuse {
    void nothing;
    ParcelableHolder[] holders;
}
